#pragma once
/// \file
/// Waiting on many requests at once: wait_all, wait_any, test_any (see nonblocking.hpp).

#include <cstddef>
#include <optional>
#include <span>
#include <type_traits>
#include <vector>

#include "relay/detail/waiting.hpp"
#include "relay/request.hpp"

namespace relay {

/// What test_any found: a request that has just completed (`*result` is its index), none yet
/// (`pending()`), or nothing left to wait for because every request had completed already
/// (`exhausted()`). Converts to true only in the first case, so `if (auto i = test_any(rs))`
/// reads as before.
class any_result {
 public:
  /// The result "request `index` has just completed".
  static any_result completed(std::size_t index) noexcept { return {index, state::completed}; }
  /// The result "some requests are still running, none has completed".
  static any_result none_yet() noexcept { return {0, state::pending}; }
  /// The result "every request had completed already".
  static any_result nothing_active() noexcept { return {0, state::exhausted}; }

  /// True only when a request completed.
  explicit operator bool() const noexcept { return state_ == state::completed; }
  /// The index as an optional, empty unless a request completed (the form wait_any returns).
  operator std::optional<std::size_t>() const noexcept {  // NOLINT(google-explicit-constructor)
    if (state_ != state::completed) return std::nullopt;
    return index_;
  }
  /// True unless a request completed, as for an empty optional.
  friend bool operator==(const any_result& r, std::nullopt_t) noexcept { return !r; }
  /// The index of the request that completed; only when the result is true.
  [[nodiscard]] std::size_t operator*() const noexcept { return index_; }
  /// The index of the request that completed; only when the result is true.
  [[nodiscard]] std::size_t index() const noexcept { return index_; }
  /// Some requests are still running, and none has completed since the last call.
  [[nodiscard]] bool pending() const noexcept { return state_ == state::pending; }
  /// Every request had completed before this call: there is nothing left to test.
  [[nodiscard]] bool exhausted() const noexcept { return state_ == state::exhausted; }

 private:
  enum class state { completed, pending, exhausted };
  any_result(std::size_t index, state s) : index_(index), state_(s) {}
  std::size_t index_;
  state state_;
};

/// Waits for every request in `requests` to complete. Requests that fail (a receive into a span
/// too short for its value, a value of another type) do not stop the others: once every request
/// has completed, the first failure (in index order) is thrown. Every request stays valid: a
/// failed one reports failed(), and its wait() or get() throws its own error again.
template <class R>
void wait_all(std::span<R> requests) {
  if constexpr (std::is_same_v<R, request>)
    if (detail::wait_all_plain(requests)) return;
  detail::wait_all_requests(detail::bases_of(requests));
}
/// As wait_all over a span, for a vector of requests.
template <class R>
void wait_all(std::vector<R>& requests) {
  wait_all(std::span<R>(requests));
}

/// Waits until any not-yet-completed request in `requests` completes and returns its index, or
/// nullopt when all have completed already. Calling it in a loop visits requests in the order
/// they complete, like Python's `concurrent.futures.as_completed`. A request that failed is
/// returned like the others; its wait() or get() throws.
template <class R>
std::optional<std::size_t> wait_any(std::span<R> requests) {
  return detail::wait_any_request(detail::bases_of(requests));
}
/// As wait_any over a span, for a vector of requests.
template <class R>
std::optional<std::size_t> wait_any(std::vector<R>& requests) {
  return wait_any(std::span<R>(requests));
}

/// As wait_any, without blocking: see any_result for the three outcomes.
template <class R>
any_result test_any(std::span<R> requests) {
  return detail::test_any_request(detail::bases_of(requests));
}
/// As test_any over a span, for a vector of requests.
template <class R>
any_result test_any(std::vector<R>& requests) {
  return test_any(std::span<R>(requests));
}

}  // namespace relay
