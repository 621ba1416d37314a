#pragma once
/// \file
/// Blocking point-to-point messages: send, recv, sendrecv, probe.
///
/// Each value travels as exactly one MPI message. Trivial values and contiguous containers go
/// straight from and into their own memory. Serialized values are archived into one buffer. A
/// receiver that does not know the size finds it with a matched probe (MPI_Mprobe/MPI_Mrecv), so
/// no size message ever precedes the data and no other receive can steal the message in between.

#include <mpi.h>

#include <cstddef>
#include <optional>
#include <span>
#include <type_traits>
#include <vector>

#include "relay/communicator.hpp"
#include "relay/datatype.hpp"
#include "relay/detail/buffer.hpp"
#include "relay/error.hpp"
#include "relay/serialization.hpp"

namespace relay {

/// Where a received message came from.
struct status {
  int source = MPI_PROC_NULL;  ///< the sending rank
  int tag = MPI_ANY_TAG;       ///< the message's tag
  MPI_Status mpi{};            ///< MPI's own status

  /// The message's size on the wire, in bytes (asked of MPI only when called).
  [[nodiscard]] std::size_t bytes() const {
    if (source == MPI_PROC_NULL) return 0;
    MPI_Count n = 0;
    MPI_Get_elements_x(&mpi, MPI_BYTE, &n);
    return n > 0 ? static_cast<std::size_t>(n) : 0;
  }
};

/// A received value together with its status.
template <class T>
struct message {
  T value;
  relay::status status;
};

namespace detail {

inline status to_status(const MPI_Status& s) {
  return {s.MPI_SOURCE, s.MPI_TAG, s};
}

inline void check_destination(const communicator& comm, int dest, int tag) {
  if (dest != MPI_PROC_NULL) comm.check_rank(dest, "destination");
  comm.check_tag(tag, /*allow_any=*/false);
}

inline void check_receive(const communicator& comm, int source, int tag) {
  comm.check_source(source);
  comm.check_tag(tag, /*allow_any=*/true);
}

/// What goes on the wire for a value: its own memory with its MPI element type, or, for
/// serialized types, the archive bytes written into `scratch`.
struct wire {
  const void* data;
  MPI_Datatype type;
  std::size_t count;
};

template <class T>
wire to_wire(const T& value, byte_buffer& scratch) {
  if constexpr (trivial<T>) {
    return {&value, datatype<T>(), 1};
  } else if constexpr (contiguous<T>) {
    return {std::data(value), datatype<element_t<T>>(), std::size(value)};
  } else {
    save(scratch, value);
    return {scratch.data(), MPI_BYTE, scratch.size()};
  }
}

/// Starts a non-blocking send of `w` (MPI_Isend), or a blocking one when `request` is null.
inline void send_wire(const wire& w, int dest, int tag, MPI_Comm comm, MPI_Request* request) {
  counted_type ct(w.type, w.count);
  if (request)
    RELAY_MPI(MPI_Isend, w.data, ct.count(), ct.type(), dest, tag, comm, request);
  else
    RELAY_MPI(MPI_Send, w.data, ct.count(), ct.type(), dest, tag, comm);
}

/// The number of `element_size`-byte elements in a matched message. A message that is not a
/// whole number of elements is received and dropped before usage_error is thrown: once matched,
/// no other receive can take it, and its sender would wait forever for it to be received.
inline std::size_t matched_count(MPI_Message& msg, const MPI_Status& st, std::size_t element_size) {
  try {
    return element_count(st, element_size);
  } catch (const usage_error&) {
    byte_buffer discard(element_count(st, 1));
    counted_type ct(MPI_BYTE, discard.size());
    MPI_Mrecv(discard.data(), ct.count(), ct.type(), &msg, MPI_STATUS_IGNORE);
    throw;
  }
}

/// Receives a matched message into `value`, sized from the message (its memory reused).
template <class T>
void receive_matched_into(MPI_Message& msg, MPI_Status& st, T& value) {
  if constexpr (resizable_contiguous<T>) {
    using E = element_t<T>;
    value.resize(matched_count(msg, st, sizeof(E)));
    counted_type ct(datatype<E>(), value.size());
    RELAY_MPI(MPI_Mrecv, value.data(), ct.count(), ct.type(), &msg, &st);
  } else {
    static_assert(serialized<T>, "spans cannot be received by value; use recv_into");
    scratch_buffer scratch;
    auto& bytes = scratch.get();
    bytes.resize(element_count(st, 1));
    counted_type ct(MPI_BYTE, bytes.size());
    RELAY_MPI(MPI_Mrecv, bytes.data(), ct.count(), ct.type(), &msg, &st);
    if (bytes.empty())
      value = T{};  // from MPI_PROC_NULL
    else
      load(bytes, value);
  }
}

/// Receives a matched message into a new value of type T.
template <class T>
T receive_matched(MPI_Message& msg, MPI_Status& st) {
  T value{};
  receive_matched_into(msg, st, value);
  return value;
}

/// Hands a matched message to the earliest pending non-blocking receive on `comm` that accepts it
/// (see nonblocking.hpp): such a receive was posted first, so by MPI's rule the message is its.
/// Returns false, leaving the message to the caller, when there is none.
bool give_to_pending(MPI_Comm comm, MPI_Message& msg, MPI_Status& st);

/// Matches the next message for a blocking receive of unknown size, first handing to pending
/// non-blocking receives (posted earlier) any message that is theirs by MPI's rule.
inline MPI_Message match_for_blocking_receive(const communicator& comm, int source, int tag,
                                              MPI_Status& st) {
  MPI_Message msg = MPI_MESSAGE_NULL;
  do {
    RELAY_MPI(MPI_Mprobe, source, tag, comm.native(), &msg, &st);
  } while (give_to_pending(comm.native(), msg, st));
  return msg;
}

template <class T>
T recv_impl(const communicator& comm, int source, int tag, MPI_Status& st) {
  if constexpr (trivial<T>) {
    T value{};
    RELAY_MPI(MPI_Recv, &value, 1, datatype<T>(), source, tag, comm.native(), &st);
    return value;
  } else {
    MPI_Message msg = match_for_blocking_receive(comm, source, tag, st);
    return receive_matched<T>(msg, st);
  }
}

}  // namespace detail

/// Sends `value` to rank `dest` with `tag`, as one message. Blocks until the buffer may be reused.
/// Trivial values and contiguous containers are sent from their own memory; other types are
/// serialized with Boost.Serialization. `dest` may be MPI_PROC_NULL.
template <class T>
void send(const communicator& comm, const T& value, int dest, int tag = 0) {
  detail::check_destination(comm, dest, tag);
  if constexpr (serialized<T>) {
    detail::scratch_buffer scratch;
    detail::send_wire(detail::to_wire(value, scratch.get()), dest, tag, comm.native(), nullptr);
  } else {
    detail::byte_buffer unused;  // trivial and contiguous values are sent from their own memory
    detail::send_wire(detail::to_wire(value, unused), dest, tag, comm.native(), nullptr);
  }
}

/// Receives one message and returns its value. The size need not be known: vectors and strings
/// are sized from the message. `source` may be any_source and `tag` any_tag. The type must match
/// what the sender sent (a trivial T of a different size raises an MPI truncation error).
template <class T>
[[nodiscard]] T recv(const communicator& comm, int source = any_source, int tag = any_tag) {
  detail::check_receive(comm, source, tag);
  MPI_Status st;
  return detail::recv_impl<T>(comm, source, tag, st);
}

/// As recv, and also returns the message's source, tag and size.
template <class T>
[[nodiscard]] message<T> recv_with_status(const communicator& comm, int source = any_source,
                                          int tag = any_tag) {
  detail::check_receive(comm, source, tag);
  MPI_Status st;
  T value = detail::recv_impl<T>(comm, source, tag, st);
  return {std::move(value), detail::to_status(st)};
}

/// Receives into caller-owned memory of known capacity, with no allocation: the fast path for
/// loops that reuse one buffer. Returns the status; `status.bytes() / sizeof(T)` elements were
/// written. A message longer than the buffer raises an MPI truncation error.
template <trivial T>
status recv_into(const communicator& comm, std::span<T> buffer, int source = any_source,
                 int tag = any_tag) {
  detail::check_receive(comm, source, tag);
  MPI_Status st;
  detail::counted_type ct(datatype<T>(), buffer.size());
  RELAY_MPI(MPI_Recv, buffer.data(), ct.count(), ct.type(), source, tag, comm.native(), &st);
  return detail::to_status(st);
}

/// Receives one message into an existing `value`, replacing it, and returns the status. Vectors
/// and strings keep their memory when it is large enough, and serialized values are loaded in
/// place (a vector of strings reuses its strings), so a loop that receives into one variable does
/// not allocate once it has warmed up. Otherwise as recv.
template <class T>
requires(!contiguous<T> || resizable_contiguous<T>) status
    recv_into(const communicator& comm, T& value, int source = any_source, int tag = any_tag) {
  detail::check_receive(comm, source, tag);
  MPI_Status st;
  if constexpr (trivial<T>) {
    RELAY_MPI(MPI_Recv, &value, 1, datatype<T>(), source, tag, comm.native(), &st);
  } else {
    MPI_Message msg = detail::match_for_blocking_receive(comm, source, tag, st);
    detail::receive_matched_into(msg, st, value);
  }
  return detail::to_status(st);
}

/// Sends `value` to `dest` and receives a value of type R from `source` in one deadlock-free step
/// (the exchange in a ring or a halo swap). Returns the received value.
template <class R, class S>
[[nodiscard]] R sendrecv(const communicator& comm, const S& value, int dest, int source,
                         int send_tag = 0, int recv_tag = any_tag) {
  detail::check_destination(comm, dest, send_tag);
  detail::check_receive(comm, source, recv_tag);
  MPI_Status st;
  detail::scratch_buffer scratch;
  const detail::wire out = detail::to_wire(value, scratch.get());
  if constexpr (trivial<R>) {
    // The receive size is known on each side: one MPI_Sendrecv.
    R result{};
    detail::counted_type ct(out.type, out.count);
    RELAY_MPI(MPI_Sendrecv, out.data, ct.count(), ct.type(), dest, send_tag, &result, 1,
              datatype<R>(), source, recv_tag, comm.native(), &st);
    return result;
  } else {
    // The incoming size is unknown: post the send, receive with a matched probe, then complete
    // the send. Neither side can block the other.
    MPI_Request request = MPI_REQUEST_NULL;
    detail::send_wire(out, dest, send_tag, comm.native(), &request);
    R result = detail::recv_impl<R>(comm, source, recv_tag, st);
    RELAY_MPI(MPI_Wait, &request, MPI_STATUS_IGNORE);
    return result;
  }
}

/// Blocks until a message matching (source, tag) is available and returns its status without
/// receiving it.
[[nodiscard]] inline status probe(const communicator& comm, int source = any_source,
                                  int tag = any_tag) {
  detail::check_receive(comm, source, tag);
  MPI_Status st;
  RELAY_MPI(MPI_Probe, source, tag, comm.native(), &st);
  return detail::to_status(st);
}

/// Returns the status of a matching message if one is available now, without blocking.
[[nodiscard]] inline std::optional<status> iprobe(const communicator& comm, int source = any_source,
                                                  int tag = any_tag) {
  detail::check_receive(comm, source, tag);
  MPI_Status st;
  int flag = 0;
  RELAY_MPI(MPI_Iprobe, source, tag, comm.native(), &flag, &st);
  if (!flag) return std::nullopt;
  return detail::to_status(st);
}

}  // namespace relay
