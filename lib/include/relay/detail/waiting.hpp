#pragma once
/// \file
/// The waits over many requests behind wait_all, wait_any and test_any (src/waiting.cpp).

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "relay/request.hpp"

namespace relay {
class any_result;
}  // namespace relay

namespace relay::detail {

/// The requests inside `requests` (requests or recv_requests), in a per-thread vector that is
/// reused, so that waiting allocates nothing once warm.
template <class R>
std::span<request* const> bases_of(std::span<R> requests) {
  thread_local std::vector<request*> bases;
  bases.clear();
  for (R& r : requests) bases.push_back(&request_access::base(r));
  return bases;
}

/// wait_all's fast path: if every one of `requests` is plain and no receive is pending, waits for
/// them all with one MPI_Waitall and returns true; otherwise returns false at once.
bool wait_all_plain(std::span<request> requests);
/// Waits for every one of `requests` to complete, then throws the first failure in index order.
void wait_all_requests(std::span<request* const> requests);
/// Waits until one of `requests` (skipping complete ones) completes; its index, or nullopt if
/// none is active.
std::optional<std::size_t> wait_any_request(std::span<request* const> requests);
/// As wait_any_request, without blocking.
any_result test_any_request(std::span<request* const> requests);

}  // namespace relay::detail
