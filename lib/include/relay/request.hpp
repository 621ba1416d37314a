#pragma once
/// \file
/// Requests: the handles of non-blocking operations (isend.hpp, irecv.hpp), waited on one at a
/// time here and many at once in wait.hpp. See nonblocking.hpp for how they behave.

#include <mpi.h>

#include <exception>
#include <memory>
#include <utility>

#include "relay/datatype.hpp"
#include "relay/detail/matching.hpp"
#include "relay/detail/requests.hpp"
#include "relay/error.hpp"
#include "relay/status.hpp"

namespace relay {

template <class T>
class recv_request;

namespace detail {
struct request_access;
}  // namespace detail

/// A pending non-blocking operation with no result: a send, or a receive into a span. Move-only.
/// Destroying an incomplete send does not block: MPI finishes it later, and a send that owns its
/// value keeps the value alive until then. Destroying an incomplete receive cancels it, so it
/// takes no message (one that had already arrived is taken and dropped, so its sender completes).
class request {
 public:
  /// An empty request, already done.
  request() = default;
  /// A request that owns the state of a running operation (relay's own constructor: isend, irecv).
  explicit request(std::unique_ptr<detail::request_state> state) : state_(std::move(state)) {}
  /// Takes over `other`'s operation, leaving `other` empty.
  request(request&& other) noexcept
      : state_(std::move(other.state_)),
        handle_(std::exchange(other.handle_, MPI_REQUEST_NULL)),
        receive_(other.receive_) {}
  /// Gives up this request's operation (see the destructor) and takes over `other`'s.
  request& operator=(request&& other) noexcept {
    if (this != &other) {
      release();
      state_ = std::move(other.state_);
      handle_ = std::exchange(other.handle_, MPI_REQUEST_NULL);
      receive_ = other.receive_;
    }
    return *this;
  }
  /// Gives up an incomplete operation: see the class comment.
  ~request() { release(); }

  /// Blocks until the operation completes. Throws if it failed (again on every call).
  void wait() {
    if (state_)
      detail::wait_state(*state_);
    else if (handle_ != MPI_REQUEST_NULL)
      detail::wait_progressing(1, &handle_);
  }
  /// True if the operation has completed; never blocks. Throws if it failed.
  bool test() {
    if (state_) return detail::test_state(*state_);
    if (handle_ == MPI_REQUEST_NULL) return true;
    detail::progress_pending();
    int flag = 0;
    RELAY_MPI(MPI_Test, &handle_, &flag, MPI_STATUS_IGNORE);
    return flag != 0;
  }
  /// True if completion has been observed (by wait, test, wait_all, wait_any or test_any).
  [[nodiscard]] bool done() const noexcept {
    if (!state_) return handle_ == MPI_REQUEST_NULL;
    return !state_->listed.load(std::memory_order_acquire) && state_->complete;
  }
  /// True if the operation completed with an error (which wait, test and get rethrow).
  [[nodiscard]] bool failed() const noexcept { return done() && state_ && state_->failure; }

 private:
  friend struct detail::request_access;
  template <class T>
  friend class recv_request;

  void release() noexcept {
    if (state_) {
      if (!done()) detail::abandon(std::move(state_));
    } else if (handle_ != MPI_REQUEST_NULL) {
      detail::abandon(handle_, receive_);
    }
  }

  // A state-based request has a state_ (and no handle_ of its own). A plain one (a short span
  // send, or a receive into a short span) has no state_: handle_ is MPI's request, which MPI sets
  // to MPI_REQUEST_NULL when it completes, and receive_ says whether abandoning it cancels it.
  std::unique_ptr<detail::request_state> state_;
  MPI_Request handle_ = MPI_REQUEST_NULL;
  bool receive_ = false;
};

/// A pending receive of a T. `wait()` (or `get()` after completion) returns the value. Destroying
/// an incomplete receive cancels it.
template <class T>
class recv_request {
 public:
  /// An empty request, already done.
  recv_request() = default;
  /// A receive of a T whose state `base` owns (relay's own constructor: irecv).
  explicit recv_request(request base) : base_(std::move(base)) {}

  /// Blocks until the value has arrived and returns it (once).
  [[nodiscard]] T wait() {
    base_.wait();
    return get();
  }
  /// True if the value has arrived; never blocks.
  bool test() { return base_.test(); }
  /// True if completion has been observed.
  [[nodiscard]] bool done() const noexcept { return base_.done(); }
  /// True if the receive failed (get and wait rethrow the error).
  [[nodiscard]] bool failed() const noexcept { return base_.failed(); }
  /// The received value; the request must be complete. Moves the value out: call once. Throws
  /// the receive's error if it failed.
  [[nodiscard]] T get() {
    if (!done()) throw usage_error("recv_request::get: the receive has not completed");
    if (base_.state_->failure) std::rethrow_exception(base_.state_->failure);
    return std::move(value_ref());
  }
  /// The request inside, to wait on it among requests of other kinds: `std::vector<request*>
  /// rs{&send, &recv.as_request(), &coll.as_request()}; relay::wait_any(rs);`.
  request& as_request() noexcept { return base_; }
  /// The source, tag and size of the received message; the request must be complete.
  [[nodiscard]] relay::status status() const {
    if (!done()) throw usage_error("recv_request::status: the receive has not completed");
    return detail::to_status(base_.state_->mpi_status);
  }

 private:
  friend struct detail::request_access;

  T& value_ref() {
    detail::request_state* state = base_.state_.get();
    if constexpr (bytewise<T>)
      return static_cast<detail::fixed_receive<T>*>(state)->value;
    else
      return static_cast<detail::sized_receive<T>*>(state)->value;
  }
  request base_;  // always state-based: the value and status live in its state
};

namespace detail {
/// The library's own access to the inside of requests, for isend, irecv_into and the functions
/// that wait on many requests.
struct request_access {
  /// A plain request for MPI's request `handle`.
  static request plain(MPI_Request handle, bool receive) noexcept {
    request r;
    r.handle_ = handle;
    r.receive_ = receive;
    return r;
  }
  /// Whether a plain request is a receive.
  static bool receive(const request& r) noexcept { return r.receive_; }
  /// The state of a state-based request; null for a plain one.
  static request_state* state(const request& r) noexcept { return r.state_.get(); }
  /// A plain request's MPI request.
  static MPI_Request& handle(request& r) noexcept { return r.handle_; }
  /// The request inside a request or a recv_request.
  static request& base(request& r) noexcept { return r; }
  /// The request a pointer points to (a span of request* mixes kinds, see as_request).
  static request& base(request* r) noexcept { return *r; }
  /// The request inside a recv_request or a coll_request (icollectives.hpp).
  template <class R>
  static request& base(R& r) noexcept {
    return r.base_;
  }
};
}  // namespace detail

}  // namespace relay
