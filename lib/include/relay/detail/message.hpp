#pragma once
/// \file
/// The wire protocol of point-to-point values whose size the receiver does not know (vectors,
/// strings, serialized values), shared by the blocking and the non-blocking calls.
///
/// - A payload shorter than config::first_piece_bytes (P) is one message of its own bytes, sent
///   straight from the value's memory: exactly what a raw MPI program sends.
/// - A longer payload is a *head* of exactly P bytes, its first P-16 bytes followed by a 16-byte
///   trailer {total length, rest tag, magic}, and then the *rest* of the payload as one message on
///   relay's private channel (a duplicate of MPI_COMM_WORLD), addressed by world rank and by a tag
///   that the sender draws for this message alone.
///
/// A receiver therefore always knows how much to post: P bytes. A non-blocking receive is a real
/// MPI receive from the moment it is posted, so MPI matches messages to receives in posting order
/// (non-overtaking) whatever their kinds, and a small message completes without any further call
/// from the receiver. For a large one, the receiver posts the rest's receive when it sees the
/// head; every relay call that waits (send, recv, wait, test, ...) does that for every pending
/// receive of the process, so the classic exchange (irecv, send, wait) cannot deadlock (see
/// detail/matching.hpp, where both kinds of receive take their first messages).

#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>

#include "relay/config.hpp"
#include "relay/error.hpp"

namespace relay::detail {

inline constexpr std::size_t piece_bytes = config::first_piece_bytes;

/// The end of a head: what the receiver needs to receive the rest.
struct trailer {
  std::uint64_t total;  ///< payload bytes, head and rest together
  std::uint32_t tag;    ///< the rest's tag on the private channel
  std::uint32_t magic;  ///< piece_magic: tells a head from a plain message of P bytes
};
static_assert(sizeof(trailer) == 16);
inline constexpr std::size_t head_payload_bytes = piece_bytes - sizeof(trailer);
inline constexpr std::uint32_t piece_magic = 0x5e1a7a11;

/// The trailer of a received first message of `count` bytes at `data`, if it is a head.
inline std::optional<trailer> read_trailer(const char* data, std::size_t count) {
  if (count != piece_bytes) return std::nullopt;
  trailer t;
  std::memcpy(&t, data + head_payload_bytes, sizeof t);
  if (t.magic != piece_magic || t.total < piece_bytes) return std::nullopt;
  return t;
}

/// Where a rest travels: relay's private channel, the peer's world rank, and the rest's tag.
struct rest_route {
  MPI_Comm comm;
  int peer;
  int tag;
};

/// The route of a rest that this process sends to `dest` of `comm`, with a fresh tag.
rest_route route_to(MPI_Comm comm, int dest);
/// The route of a rest that `source` of `comm` sends to this process with `tag`.
rest_route route_from(MPI_Comm comm, int source, std::uint32_t tag);

/// Opens the private channel (collective over MPI_COMM_WORLD; relay::environment calls it).
void open_channel();

/// Bytes in a completed receive's status.
std::size_t received_bytes(const MPI_Status& st);

/// Sets the byte count in `st` to `n`, so that status::bytes() reports a large message's length.
void set_received_bytes(MPI_Status& st, std::size_t n);

/// A large message on its way out: the head (copied, with its trailer) and the rest (sent from
/// the caller's memory). Both are posted by the constructor; the data must stay alive and
/// unchanged until both requests complete.
class large_send {
 public:
  large_send(const char* data, std::size_t bytes, int dest, int tag, MPI_Comm comm);
  large_send(const large_send&) = delete;
  large_send& operator=(const large_send&) = delete;

  /// handles[0] is the head, handles[1] the rest.
  MPI_Request handles[2] = {MPI_REQUEST_NULL, MPI_REQUEST_NULL};

 private:
  char head_[piece_bytes];
};

/// Sends `bytes` bytes at `data` as one value to `dest` (blocking: returns when the memory may be
/// reused).
void send_bytes(const void* data, std::size_t bytes, int dest, int tag, MPI_Comm comm);
/// Starts sending `bytes` bytes at `data` when they fit one message (`bytes` < piece_bytes or
/// dest is MPI_PROC_NULL): one MPI_Isend. Returns false, having done nothing, otherwise.
bool isend_small(const void* data, std::size_t bytes, int dest, int tag, MPI_Comm comm,
                 MPI_Request* request);

/// The rest of a large value that is still to come: `bytes` bytes into `to`, by `route`. The
/// value's payload is `total` bytes, head and rest together.
struct incoming_rest {
  char* to;
  std::size_t bytes;
  std::size_t total;
  rest_route route;
};

/// Receives a large value's rest (blocking). The sender posted the rest together with the head,
/// so this receive needs nothing from anyone.
void receive_rest(const incoming_rest& rest);

/// Posts the receive of a large value's rest in `request`.
void post_rest(const incoming_rest& rest, MPI_Request* request);

/// Receives and drops a large value's rest that nobody can take (its receiver failed), so that its
/// sender is not left waiting.
void drop_rest(MPI_Comm comm, int source, const trailer& t) noexcept;

}  // namespace relay::detail
