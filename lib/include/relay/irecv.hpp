#pragma once
/// \file
/// Non-blocking receives: irecv and irecv_into (see nonblocking.hpp for how requests behave).

#include <mpi.h>

#include <memory>
#include <span>

#include "relay/communicator.hpp"
#include "relay/datatype.hpp"
#include "relay/detail/message.hpp"
#include "relay/detail/p2p_checks.hpp"
#include "relay/detail/requests.hpp"
#include "relay/error.hpp"
#include "relay/request.hpp"

namespace relay {

/// Starts receiving a T from `source` (or any_source) with `tag` (or any_tag). The receive is
/// posted to MPI at once, so it takes the first matching message sent from now on, before any
/// receive posted after it.
template <class T>
[[nodiscard]] recv_request<T> irecv(const communicator& comm, int source = any_source,
                                    int tag = any_tag) {
  detail::check_receivable<T>();
  detail::check_receive(comm, source, tag);
  if constexpr (bytewise<T>)
    return recv_request<T>(
        request(std::make_unique<detail::fixed_receive<T>>(comm.native(), source, tag)));
  else
    return recv_request<T>(request(
        detail::make_dynamic_receive<detail::sized_receive<T>>(comm.native(), source, tag)));
}

/// Starts receiving into caller-owned memory of known capacity (the non-blocking recv_into). The
/// memory must stay alive until the request completes; a value longer than `buffer` fails with an
/// MPI truncation error when the request is waited on.
///
/// A buffer shorter than config::first_piece_bytes is a plain request: one MPI_Irecv straight
/// into it, as in a raw MPI program. Such a buffer can only hold a small value, which is one
/// message; a larger value sent to it fails with MPI_ERR_TRUNCATE here, as in MPI, and its rest is
/// never received, so its sender does not complete (give the buffer room for the largest value
/// that may come). A longer buffer is a state-based request that takes a large value's head and
/// rest like irecv does.
template <bytewise E>
[[nodiscard]] request irecv_into(const communicator& comm, std::span<E> buffer,
                                 int source = any_source, int tag = any_tag) {
  detail::check_receive(comm, source, tag);
  char* memory = reinterpret_cast<char*>(buffer.data());
  if (buffer.size_bytes() < detail::piece_bytes) {
    MPI_Request handle = MPI_REQUEST_NULL;
    RELAY_MPI(MPI_Irecv, memory, static_cast<int>(buffer.size_bytes()), MPI_BYTE, source, tag,
              comm.native(), &handle);
    return detail::request_access::plain(handle, /*receive=*/true);
  }
  return request(detail::make_dynamic_receive<detail::buffer_receive>(comm.native(), source, tag,
                                                                      memory, buffer.size_bytes()));
}

}  // namespace relay
