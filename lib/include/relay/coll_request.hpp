#pragma once
/// \file
/// coll_request: the request of a non-blocking collective (icollectives.hpp), whose wait()
/// returns the collective's value and whose test() returns it as a std::optional.

#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "relay/detail/icoll.hpp"
#include "relay/environment.hpp"
#include "relay/error.hpp"
#include "relay/request.hpp"

namespace relay {

/// Turns the agreement step of the collectives on or off for MPI's own path (a bytewise value,
/// an `_into` span, a reduction with one of MPI's operations). With it on, each such non-blocking
/// call first compares its kind, root, element type and element count across the ranks (one
/// small, blocking MPI_Allreduce on relay's private channel, so that the MPI_I* calls start in
/// the same order on every rank; the start then synchronizes the ranks) and calls MPI_I* only if
/// they match; if they do not, the start raises usage_error on every rank, and no data moves. The
/// blocking bcast (of a bytewise value or a span), scatter, gather and allgather of bytewise values
/// agree first too (one MPI_Allreduce) and raise usage_error on every rank. With it off (the
/// default), a mismatch there is undefined, as in MPI: a truncation error, a wrong value or a hang.
/// The non-blocking pieces path (serialized values, vectors of unknown length, user operations)
/// always runs the agreement. The default comes from the environment: RELAY_CHECK_COLLECTIVES
/// set and not "0" turns it on. Every rank must call this alike, between the same collectives:
/// ranks that disagree on the setting are erroneous (one waits for an agreement the other never
/// starts). Thread-safe; it applies to the calls started after it.
void check_collectives(bool on) noexcept;
/// Whether the agreement runs on MPI's own path too (see check_collectives).
[[nodiscard]] bool checking_collectives() noexcept;

/// A running non-blocking collective whose result is a T (`void` for ibarrier and the `_into`
/// forms, which write into the caller's memory). Move-only. It mixes with the requests of isend
/// and irecv in wait_all, wait_any and test_any.
///
/// Destroying an unfinished one waits for it to complete (as the blocking collective would) and
/// drops its value and any error: a collective cannot be cancelled, and its messages must not
/// meet later ones. Every rank must therefore still take part, as for any collective.
template <class T = void>
class coll_request {
 public:
  /// What test() returns: the value once complete (bool for `void`).
  using test_result = std::conditional_t<std::is_void_v<T>, bool, std::optional<T>>;

  /// An empty request, already done.
  coll_request() = default;
  /// A request over `state`, whose result is `*value` (relay's own constructor).
  template <class S>
  coll_request(std::unique_ptr<S> state, void* value)
      : base_(std::unique_ptr<detail::request_state>(std::move(state))), value_(value) {}
  /// Takes over `other`'s collective, leaving `other` empty.
  coll_request(coll_request&& other) noexcept
      : base_(std::move(other.base_)), value_(std::exchange(other.value_, nullptr)) {}
  /// Waits for this request's collective (see the class comment), then takes over `other`'s.
  coll_request& operator=(coll_request&& other) noexcept {
    if (this != &other) {
      finish_quietly();
      base_ = std::move(other.base_);
      value_ = std::exchange(other.value_, nullptr);
    }
    return *this;
  }
  /// Waits for an unfinished collective: see the class comment.
  ~coll_request() { finish_quietly(); }

  /// Blocks until the collective completes on this rank and returns its value (once: the value
  /// is moved out). Throws if it failed, on every rank where it failed.
  T wait() {
    base_.wait();
    return get();
  }
  /// The value if the collective has completed, else std::nullopt (false for `void`); never
  /// blocks. Each call moves the collective's next step on when MPI finished the current one.
  test_result test() {
    if (!base_.test()) return test_result{};
    if constexpr (std::is_void_v<T>) {
      get();
      return true;
    } else {
      return test_result(get());
    }
  }
  /// True if completion has been observed (by wait, test, wait_all, wait_any or test_any).
  [[nodiscard]] bool done() const noexcept { return base_.done(); }
  /// True if the collective failed (get and wait rethrow the error).
  [[nodiscard]] bool failed() const noexcept { return base_.failed(); }
  /// The request inside, to wait on it among requests of other kinds in wait_all, wait_any and
  /// test_any: `std::vector<relay::request*> rs{&send, &coll.as_request()}`; then get().
  request& as_request() noexcept { return base_; }
  /// The value of a completed collective (moved out: call once). Throws its error if it failed.
  T get() {
    if (!done()) throw usage_error("coll_request::get: the collective has not completed");
    if (!detail::request_access::state(base_))
      throw usage_error("coll_request::get: an empty request has no value");
    if (const auto* s = detail::request_access::state(base_); s && s->failure)
      std::rethrow_exception(s->failure);
    if constexpr (!std::is_void_v<T>) return std::move(*static_cast<T*>(value_));
  }

 private:
  friend struct detail::request_access;
  void finish_quietly() noexcept {
    if (base_.done() || environment::finalized()) return;  // after MPI: nothing to wait for
    try {
      base_.wait();
    } catch (...) {  // the error of a collective nobody waits for is dropped with it
    }
  }
  request base_;
  void* value_ = nullptr;  // inside the state that base_ owns
};

}  // namespace relay
