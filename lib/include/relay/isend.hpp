#pragma once
/// \file
/// Non-blocking send: isend (see nonblocking.hpp for how requests behave).

#include <mpi.h>

#include <iterator>
#include <memory>
#include <utility>

#include "relay/communicator.hpp"
#include "relay/datatype.hpp"
#include "relay/detail/message.hpp"
#include "relay/detail/p2p_checks.hpp"
#include "relay/detail/requests.hpp"
#include "relay/request.hpp"
#include "relay/serialization.hpp"

namespace relay {

/// Starts sending `value` to `dest`. The request takes ownership of the value (move it in to
/// avoid a copy), so the caller's data may change or die at once. A `std::span` or
/// `std::string_view` is the exception, as its type says: the request only views it, with no
/// copy, so the caller keeps the memory alive and unchanged until the request completes (the
/// zero-copy path for one buffer sent many times, as in a bandwidth test). A span shorter than
/// config::first_piece_bytes is a plain request (see nonblocking.hpp).
template <class T>
[[nodiscard]] request isend(const communicator& comm, T value, int dest, int tag = 0) {
  detail::check_sendable<T>();
  detail::check_destination(comm, dest, tag);
  if constexpr (detail::is_span<T> && contiguous<T>) {
    MPI_Request handle = MPI_REQUEST_NULL;
    if (detail::isend_small(std::data(value), std::size(value) * sizeof(element_t<T>), dest, tag,
                            comm.native(), &handle))
      return detail::request_access::plain(handle, /*receive=*/false);
  }
  return request(
      std::make_unique<detail::send_state<T>>(std::move(value), dest, tag, comm.native()));
}

}  // namespace relay
