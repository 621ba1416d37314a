#pragma once
/// \file
/// Blocking point-to-point messages: send, recv, sendrecv, probe.
///
/// Trivial values and contiguous containers go straight from and into their own memory.
/// Serialized values are archived into one buffer. A value of unknown size travels as one message
/// up to config::first_piece_bytes, and as a first piece and the rest beyond (detail/message.hpp),
/// so that a non-blocking receive can be posted before its size is known. A blocking receiver
/// finds the first message with a matched probe (MPI_Mprobe/MPI_Mrecv) and receives it straight
/// into the value; no other receive can steal it in between.

#include <mpi.h>

#include <cstddef>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "relay/communicator.hpp"
#include "relay/datatype.hpp"
#include "relay/detail/buffer.hpp"
#include "relay/detail/checks.hpp"
#include "relay/detail/message.hpp"
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
  if (dest != MPI_PROC_NULL) detail::check_rank(comm, dest, "destination");
  detail::check_tag(comm, tag, /*allow_any=*/false);
}

inline void check_receive(const communicator& comm, int source, int tag) {
  detail::check_source(comm, source);
  detail::check_tag(comm, tag, /*allow_any=*/true);
}

/// What goes on the wire for a value in relay's collectives: its own memory with its MPI element
/// type, or, for serialized types, the archive bytes written into `scratch`.
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

/// The payload of a value of unknown size on the wire: its own memory for contiguous values, or,
/// for serialized types, the archive bytes written into `scratch`.
struct payload {
  const char* data;
  std::size_t bytes;
};

template <class T>
payload to_payload(const T& value, byte_buffer& scratch) {
  if constexpr (contiguous<T>) {
    return {reinterpret_cast<const char*>(std::data(value)),
            std::size(value) * sizeof(element_t<T>)};
  } else {
    save(scratch, value);
    return {scratch.data(), scratch.size()};
  }
}

/// Room for an `n`-byte payload that is about to be received into `value`: the value's own memory
/// for vectors and strings (resized), or `bytes` for serialized values. Throws usage_error if `n`
/// is not a whole number of elements (the sender sent another type).
template <class T>
char* payload_room(T& value, byte_buffer& bytes, std::size_t n) {
  if constexpr (resizable_contiguous<T>) {
    using E = element_t<T>;
    if (n % sizeof(E) != 0) [[unlikely]]
      throw usage_error("received " + std::to_string(n) + " bytes, not a whole number of " +
                        std::to_string(sizeof(E)) + "-byte elements: the sender sent another type");
    value.resize(n / sizeof(E));
    return reinterpret_cast<char*>(value.data());
  } else {
    static_assert(serialized<T>, "spans cannot be received by value; use recv_into");
    bytes.resize(n);
    return bytes.data();
  }
}

/// Completes a value whose payload is in place (loads a serialized one from `bytes`).
template <class T>
void finish_payload(T& value, const byte_buffer& bytes) {
  if constexpr (serialized<T>) {
    if (bytes.empty())
      value = T{};  // from MPI_PROC_NULL
    else
      load(bytes, value);
  }
}

/// A T can be received by value: sendable, and not a view (a span or string_view has no memory
/// of its own to receive into).
template <class T>
constexpr void check_receivable() {
  check_sendable<T>();
  static_assert(!contiguous<T> || resizable_contiguous<T>,
                "relay: views (std::span, std::string_view) cannot be received by value; receive "
                "a std::vector or std::string, or use recv_into with a span");
}

/// Throws usage_error unless a trivial T's receive got exactly sizeof(T) bytes (or nothing, from
/// MPI_PROC_NULL): MPI does not see a smaller message of another type as an error.
template <class T>
void check_trivial_size(const MPI_Status& st) {
  if (st.MPI_SOURCE == MPI_PROC_NULL) return;
  const std::size_t n = received_bytes(st);
  if (n != sizeof(T)) [[unlikely]]
    throw usage_error("received a message of " + std::to_string(n) + " bytes where a " +
                      std::to_string(sizeof(T)) +
                      "-byte value was expected: the sender sent another type");
}

/// The first message of a blocking receive into `buffer` of `capacity` bytes: a plain MPI_Recv
/// when no non-blocking receive is pending, otherwise a matched probe that progresses them.
inline void receive_first(MPI_Comm comm, int source, int tag, void* buffer, std::size_t capacity,
                          MPI_Status& st) {
  counted_type ct(MPI_BYTE, capacity);
  if (pending_receives() == 0) [[likely]] {
    RELAY_MPI(MPI_Recv, buffer, ct.count(), ct.type(), source, tag, comm, &st);
  } else {
    MPI_Message msg = MPI_MESSAGE_NULL;
    match_blocking(comm, source, tag, msg, st);
    RELAY_MPI(MPI_Mrecv, buffer, ct.count(), ct.type(), &msg, &st);
  }
}

/// Receives a trivial value (blocking).
template <trivial T>
void receive_trivial(MPI_Comm comm, int source, int tag, T& value, MPI_Status& st) {
  if (pending_receives() == 0) [[likely]] {
    RELAY_MPI(MPI_Recv, &value, 1, datatype<T>(), source, tag, comm, &st);
  } else {
    MPI_Message msg = MPI_MESSAGE_NULL;
    match_blocking(comm, source, tag, msg, st);
    RELAY_MPI(MPI_Mrecv, &value, 1, datatype<T>(), &msg, &st);
  }
  check_trivial_size<T>(st);
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
  byte_buffer& bytes = scratch.get();
  if (n != piece_bytes) {
    char* room = nullptr;
    try {
      room = payload_room(value, bytes, n);
    } catch (...) {
      byte_buffer discard(n);  // once matched, no other receive can take it: drop it
      counted_type ct(MPI_BYTE, n);
      MPI_Mrecv(discard.data(), ct.count(), ct.type(), &msg, MPI_STATUS_IGNORE);
      throw;
    }
    counted_type ct(MPI_BYTE, n);
    RELAY_MPI(MPI_Mrecv, room, ct.count(), ct.type(), &msg, &st);
    finish_payload(value, bytes);
    return;
  }
  char head[piece_bytes];
  RELAY_MPI(MPI_Mrecv, head, static_cast<int>(piece_bytes), MPI_BYTE, &msg, &st);
  const std::optional<trailer> t = read_trailer(head, piece_bytes);
  const std::size_t total = t ? static_cast<std::size_t>(t->total) : piece_bytes;
  char* room = nullptr;
  try {
    room = payload_room(value, bytes, total);
  } catch (...) {
    if (t) drop_rest(comm, st.MPI_SOURCE, *t);
    throw;
  }
  if (t) {
    std::memcpy(room, head, head_payload_bytes);
    receive_rest(comm, st.MPI_SOURCE, *t, room + head_payload_bytes);
    set_received_bytes(st, total);
  } else {
    std::memcpy(room, head, piece_bytes);
  }
  finish_payload(value, bytes);
}

/// Receives into `capacity` bytes at `buffer` (blocking): a message or a large value that does
/// not fit raises MPI_ERR_TRUNCATE, after the whole of it has been taken, so its sender completes.
inline void receive_into_buffer(MPI_Comm comm, int source, int tag, char* buffer,
                                std::size_t capacity, MPI_Status& st) {
  if (capacity >= piece_bytes) {
    receive_first(comm, source, tag, buffer, capacity, st);
    if (const auto t = read_trailer(buffer, received_bytes(st))) {
      if (t->total > capacity) {
        drop_rest(comm, st.MPI_SOURCE, *t);
        throw_mpi_error("MPI_Recv", MPI_ERR_TRUNCATE);
      }
      receive_rest(comm, st.MPI_SOURCE, *t, buffer + head_payload_bytes);
      set_received_bytes(st, static_cast<std::size_t>(t->total));
    }
    return;
  }
  // A buffer shorter than a head: take the first message whole, so that a head that does not fit
  // is still recognised and its rest taken.
  char head[piece_bytes];
  receive_first(comm, source, tag, head, piece_bytes, st);
  const std::size_t n = received_bytes(st);
  if (const auto t = read_trailer(head, n)) drop_rest(comm, st.MPI_SOURCE, *t);
  if (n > capacity) throw_mpi_error("MPI_Recv", MPI_ERR_TRUNCATE);
  if (n > 0) std::memcpy(buffer, head, n);
}

template <class T>
T recv_impl(const communicator& comm, int source, int tag, MPI_Status& st) {
  T value{};
  if constexpr (trivial<T>)
    receive_trivial(comm.native(), source, tag, value, st);
  else
    receive_dynamic(comm.native(), source, tag, value, st);
  return value;
}

/// Sends a value (blocking).
template <class T>
void send_value(const T& value, int dest, int tag, MPI_Comm comm) {
  if constexpr (trivial<T>) {
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

}  // namespace detail

/// Sends `value` to rank `dest` with `tag`. Blocks until the value may change. Trivial values
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
/// sender sent: a trivial T of another size, or a byte count that is not a whole number of
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
template <trivial T>
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
  if constexpr (trivial<T>)
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
  const MPI_Comm c = comm.native();
  MPI_Status st;
  if constexpr (trivial<R> && trivial<S>) {
    if (detail::pending_receives() == 0) {  // both sizes known on each side: one MPI_Sendrecv
      R result{};
      RELAY_MPI(MPI_Sendrecv, &value, 1, datatype<S>(), dest, send_tag, &result, 1, datatype<R>(),
                source, recv_tag, c, &st);
      detail::check_trivial_size<R>(st);
      return result;
    }
  }
  // Post the send, receive, then complete the send: neither side can block the other.
  detail::scratch_buffer scratch;
  MPI_Request small = MPI_REQUEST_NULL;
  std::optional<detail::large_send> large;
  if constexpr (trivial<S>) {
    RELAY_MPI(MPI_Isend, &value, 1, datatype<S>(), dest, send_tag, c, &small);
  } else {
    const detail::payload p = detail::to_payload(value, scratch.get());
    if (!detail::isend_small(p.data, p.bytes, dest, send_tag, c, &small))
      large.emplace(p.data, p.bytes, dest, send_tag, c);
  }
  R result = detail::recv_impl<R>(comm, source, recv_tag, st);
  if (large)
    detail::wait_progressing(2, large->handles);
  else
    detail::wait_progressing(1, &small);
  return result;
}

/// Blocks until a message matching (source, tag) is available and returns its envelope without
/// receiving it. For a value of config::first_piece_bytes or more, `bytes()` is the size of its
/// first piece, not of the value.
[[nodiscard]] inline status probe(const communicator& comm, int source = any_source,
                                  int tag = any_tag) {
  detail::check_receive(comm, source, tag);
  MPI_Status st;
  if (detail::pending_receives() == 0) {
    RELAY_MPI(MPI_Probe, source, tag, comm.native(), &st);
  } else {
    detail::backoff wait;
    for (;;) {  // a blocked probe must still take the first pieces of pending receives
      detail::progress_pending();
      int flag = 0;
      RELAY_MPI(MPI_Iprobe, source, tag, comm.native(), &flag, &st);
      if (flag) break;
      wait.pause();
    }
  }
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
