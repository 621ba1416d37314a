#pragma once
/// \file
/// Blocking point-to-point messages: send, recv, sendrecv, probe.
///
/// Bytewise values and contiguous containers go straight from and into their own memory.
/// Serialized values are archived into one buffer. A value of unknown size travels as one message
/// up to config::first_piece_bytes, and as a first piece and the rest beyond (detail/message.hpp),
/// so that a non-blocking receive can be posted before its size is known. A blocking receiver
/// finds the first message with a matched probe (MPI_Mprobe/MPI_Mrecv) and receives it straight
/// into the value; no other receive can steal it in between. The bodies are in detail/blocking.hpp.

#include <mpi.h>

#include <optional>
#include <span>

#include "relay/communicator.hpp"
#include "relay/datatype.hpp"
#include "relay/detail/blocking.hpp"
#include "relay/detail/matching.hpp"
#include "relay/detail/p2p_checks.hpp"
#include "relay/error.hpp"
#include "relay/serialization.hpp"
#include "relay/status.hpp"

namespace relay {

/// Sends `value` to rank `dest` with `tag`. Blocks until the value may change. Bytewise values
/// and contiguous containers are sent from their own memory; other types are serialized with
/// Boost.Serialization. A value of unknown size shorter than config::first_piece_bytes is one
/// message; a longer one is a first piece and the rest (see detail/message.hpp). `dest` may be
/// MPI_PROC_NULL.
template <class T>
void send(const communicator& comm, const T& value, int dest, int tag = 0) {
  detail::check_sendable<T>();
  detail::check_destination(comm, dest, tag);
  detail::send_value(value, dest, tag, comm.native());
}

/// Receives one value and returns it. The size need not be known: vectors and strings are sized
/// from the message. `source` may be any_source and `tag` any_tag. The type must match what the
/// sender sent: a bytewise T of another size, or a byte count that is not a whole number of
/// elements, raises usage_error. Receives match messages in the order they were posted, blocking
/// and non-blocking alike, as MPI's do.
template <class T>
[[nodiscard]] T recv(const communicator& comm, int source = any_source, int tag = any_tag) {
  detail::check_receivable<T>();
  detail::check_receive(comm, source, tag);
  MPI_Status st;
  return detail::recv_impl<T>(comm, source, tag, st);
}

/// As recv, and also returns the message's source, tag and size.
template <class T>
[[nodiscard]] message<T> recv_with_status(const communicator& comm, int source = any_source,
                                          int tag = any_tag) {
  detail::check_receivable<T>();
  detail::check_receive(comm, source, tag);
  MPI_Status st;
  T value = detail::recv_impl<T>(comm, source, tag, st);
  return {std::move(value), detail::to_status(st)};
}

/// Receives into caller-owned memory of known capacity, with no allocation: the fast path for
/// loops that reuse one buffer. Returns the status; `status.bytes() / sizeof(T)` elements were
/// written. A value longer than the buffer raises an MPI truncation error (after it has been
/// taken in full, so that its sender completes).
template <bytewise T>
status recv_into(const communicator& comm, std::span<T> buffer, int source = any_source,
                 int tag = any_tag) {
  detail::check_receive(comm, source, tag);
  MPI_Status st;
  detail::receive_into_buffer(comm.native(), source, tag, reinterpret_cast<char*>(buffer.data()),
                              buffer.size_bytes(), st);
  return detail::to_status(st);
}

/// Receives one message into an existing `value`, replacing it, and returns the status. Vectors
/// and strings keep their memory when it is large enough, and serialized values are loaded in
/// place (a vector of strings reuses its strings), so a loop that receives into one variable does
/// not allocate once it has warmed up. Otherwise as recv.
template <class T>
requires(!contiguous<T> || resizable_contiguous<T>) status
    recv_into(const communicator& comm, T& value, int source = any_source, int tag = any_tag) {
  detail::check_receivable<T>();
  detail::check_receive(comm, source, tag);
  MPI_Status st;
  if constexpr (bytewise<T>)
    detail::receive_trivial(comm.native(), source, tag, value, st);
  else
    detail::receive_dynamic(comm.native(), source, tag, value, st);
  return detail::to_status(st);
}

/// Sends `value` to `dest` and receives a value of type R from `source` in one deadlock-free step
/// (the exchange in a ring or a halo swap). Returns the received value.
template <class R, class S>
[[nodiscard]] R sendrecv(const communicator& comm, const S& value, int dest, int source,
                         int send_tag = 0, int recv_tag = any_tag) {
  detail::check_sendable<S>();
  detail::check_receivable<R>();
  detail::check_destination(comm, dest, send_tag);
  detail::check_receive(comm, source, recv_tag);
  return detail::sendrecv_value<R>(comm, value, dest, source, send_tag, recv_tag);
}

/// Blocks until a message matching (source, tag) is available and returns its envelope without
/// receiving it. For a value of config::first_piece_bytes or more, `bytes()` is the size of its
/// first piece, not of the value.
[[nodiscard]] inline status probe(const communicator& comm, int source = any_source,
                                  int tag = any_tag) {
  detail::check_receive(comm, source, tag);
  MPI_Status st;
  detail::probe_progressing(comm.native(), source, tag, st);
  return detail::to_status(st);
}

/// Returns the envelope of a matching message if one is available now, without blocking (see
/// probe for its size).
[[nodiscard]] inline std::optional<status> iprobe(const communicator& comm, int source = any_source,
                                                  int tag = any_tag) {
  detail::check_receive(comm, source, tag);
  detail::progress_pending();
  MPI_Status st;
  int flag = 0;
  RELAY_MPI(MPI_Iprobe, source, tag, comm.native(), &flag, &st);
  if (!flag) return std::nullopt;
  return detail::to_status(st);
}

}  // namespace relay
