#pragma once
/// \file
/// The bodies of the blocking point-to-point calls (relay/p2p.hpp). A blocking receive finds its
/// first message with a matched probe (MPI_Mprobe/MPI_Mrecv, see detail/matching.hpp) and
/// receives it straight into the value; no other receive can steal it in between.

#include <mpi.h>

#include <cstddef>
#include <optional>

#include "relay/communicator.hpp"
#include "relay/datatype.hpp"
#include "relay/detail/buffer.hpp"
#include "relay/detail/matching.hpp"
#include "relay/detail/message.hpp"
#include "relay/detail/p2p_checks.hpp"
#include "relay/detail/payload.hpp"
#include "relay/error.hpp"

namespace relay::detail {

/// Receives a bytewise value (blocking).
template <bytewise T>
void receive_trivial(MPI_Comm comm, int source, int tag, T& value, MPI_Status& st) {
  recv_matched(comm, source, tag, &value, 1, datatype<T>(), st);
  check_trivial_size<T>(st);
}

/// Receives the rest of a large value, if `rest` is one, and reports the value's whole length in
/// `st`.
inline void receive_rest_of(const std::optional<incoming_rest>& rest, MPI_Status& st) {
  if (!rest) return;
  receive_rest(*rest);
  set_received_bytes(st, rest->total);
}

/// Receives a value of unknown size into `value` (blocking), reusing its memory. A message that
/// is not a head lands straight in the value; a head is taken into a buffer on the stack, and the
/// rest lands straight in the value.
template <class T>
void receive_dynamic(MPI_Comm comm, int source, int tag, T& value, MPI_Status& st) {
  MPI_Message msg = MPI_MESSAGE_NULL;
  match_blocking(comm, source, tag, msg, st);
  const std::size_t n = received_bytes(st);
  scratch_buffer scratch;
  value_sink<T> sink(value, scratch.get());
  if (n != piece_bytes) {
    char* room = nullptr;
    try {
      room = sink.room(n);
    } catch (...) {
      byte_buffer discard(n);  // once matched, no other receive can take it: drop it
      counted_type ct(MPI_BYTE, n);
      MPI_Mrecv(discard.data(), ct.count(), ct.type(), &msg, MPI_STATUS_IGNORE);
      throw;
    }
    counted_type ct(MPI_BYTE, n);
    RELAY_MPI(MPI_Mrecv, room, ct.count(), ct.type(), &msg, &st);
  } else {
    char head[piece_bytes];
    RELAY_MPI(MPI_Mrecv, head, static_cast<int>(piece_bytes), MPI_BYTE, &msg, &st);
    receive_rest_of(take_first(comm, st.MPI_SOURCE, head, piece_bytes, sink), st);
  }
  finish_payload(value, scratch.get());
}

/// Receives into `capacity` bytes at `buffer` (blocking): a message or a large value that does
/// not fit raises MPI_ERR_TRUNCATE, after the whole of it has been taken, so its sender completes.
inline void receive_into_buffer(MPI_Comm comm, int source, int tag, char* buffer,
                                std::size_t capacity, MPI_Status& st) {
  buffer_sink sink(buffer, capacity, "MPI_Recv");
  if (capacity >= piece_bytes) {  // the first message lands in place
    counted_type ct(MPI_BYTE, capacity);
    recv_matched(comm, source, tag, buffer, ct.count(), ct.type(), st);
    // Only a message of exactly piece_bytes can be a head; anything else is the whole value.
    if (const std::size_t n = received_bytes(st); n == piece_bytes)
      receive_rest_of(take_first(comm, st.MPI_SOURCE, buffer, n, sink), st);
    return;
  }
  // A buffer shorter than a head: take the first message whole, so that a head that does not fit
  // is still recognised and its rest taken.
  char head[piece_bytes];
  recv_matched(comm, source, tag, head, static_cast<int>(piece_bytes), MPI_BYTE, st);
  receive_rest_of(take_first(comm, st.MPI_SOURCE, head, received_bytes(st), sink), st);
}

template <class T>
T recv_impl(const communicator& comm, int source, int tag, MPI_Status& st) {
  T value{};
  if constexpr (bytewise<T>)
    receive_trivial(comm.native(), source, tag, value, st);
  else
    receive_dynamic(comm.native(), source, tag, value, st);
  return value;
}

/// Sends a value (blocking).
template <class T>
void send_value(const T& value, int dest, int tag, MPI_Comm comm) {
  if constexpr (bytewise<T>) {
    RELAY_MPI(MPI_Send, &value, 1, datatype<T>(), dest, tag, comm);
  } else if constexpr (contiguous<T>) {
    send_bytes(reinterpret_cast<const char*>(std::data(value)),
               std::size(value) * sizeof(element_t<T>), dest, tag, comm);
  } else {
    scratch_buffer scratch;
    const payload p = to_payload(value, scratch.get());
    send_bytes(p.data, p.bytes, dest, tag, comm);
  }
}

/// sendrecv's body: posts the send, receives, then completes the send, so that neither side can
/// block the other.
template <class R, class S>
R sendrecv_value(const communicator& comm, const S& value, int dest, int source, int send_tag,
                 int recv_tag) {
  const MPI_Comm c = comm.native();
  MPI_Status st;
  if constexpr (bytewise<R> && bytewise<S>) {
    if (pending_receives() == 0) {  // both sizes known on each side: one MPI_Sendrecv
      R result{};
      RELAY_MPI(MPI_Sendrecv, &value, 1, datatype<S>(), dest, send_tag, &result, 1, datatype<R>(),
                source, recv_tag, c, &st);
      check_trivial_size<R>(st);
      return result;
    }
  }
  scratch_buffer scratch;
  MPI_Request small = MPI_REQUEST_NULL;
  std::optional<large_send> large;
  if constexpr (bytewise<S>) {
    RELAY_MPI(MPI_Isend, &value, 1, datatype<S>(), dest, send_tag, c, &small);
  } else {
    const payload p = to_payload(value, scratch.get());
    if (!isend_small(p.data, p.bytes, dest, send_tag, c, &small))
      large.emplace(p.data, p.bytes, dest, send_tag, c);
  }
  R result = recv_impl<R>(comm, source, recv_tag, st);
  if (large)
    wait_progressing(2, large->handles);
  else
    wait_progressing(1, &small);
  return result;
}

}  // namespace relay::detail
