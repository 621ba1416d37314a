#pragma once
/// \file
/// Matching: how a receive of any kind takes its first message, and how every wait keeps the
/// process's pending receives moving. Blocking and non-blocking receives both come here.
///
/// - The registry of pending receives lists the non-blocking receives of unknown size whose first
///   message (config::first_piece_bytes at most, see detail/message.hpp) has not been taken yet,
///   from every thread. Whoever waits takes their first messages (progress_pending), so that a
///   large value's rest is posted even while its owner is busy elsewhere.
/// - A blocking receive finds its first message with a matched probe while progressing them
///   (recv_matched, match_blocking).
/// - Once a first message is in memory, take_first tells a small value from a large value's head,
///   for both kinds of receive: the value goes to a first_sink, and a head's rest is returned for
///   the caller to receive (blocking) or post (non-blocking).

#include <mpi.h>

#include <cstddef>
#include <optional>
#include <span>

#include "relay/detail/buffer.hpp"
#include "relay/detail/message.hpp"
#include "relay/detail/payload.hpp"
#include "relay/error.hpp"

namespace relay::detail {

class dynamic_receive;

// ---- the registry of pending receives (src/matching.cpp) --------------------------------------

/// The number of non-blocking receives whose first piece has not been taken yet, plus the
/// non-blocking collectives with pieces in flight (all threads). Anything that waits must move
/// them on while it waits, see progress_pending().
std::size_t pending_receives() noexcept;
/// The number of non-blocking collectives with pieces in flight (src/icollectives.cpp).
std::size_t live_exchanges() noexcept;

/// Takes the first pieces that have arrived for every pending receive of the process, posting the
/// receives of their rests. Cheap when nothing is pending.
void progress_pending();

/// Moves on the non-blocking collectives of the process that travel as pieces (any thread's):
/// posts the receive of each piece whose header has arrived (src/icollectives.cpp). Called by
/// progress_pending; cheap when none is running, and skipped when another thread is at it.
void progress_exchanges() noexcept;

/// Lists a fully constructed receive among the pending ones, whose first pieces any waiting thread
/// takes (never from a constructor: another thread could call into a half-built object).
void enlist(dynamic_receive* r);

/// Removes `r` from the registry if it is listed.
void delist(dynamic_receive* r);

/// Removes `r` from the registry if it is the only pending receive of the process: its owner may
/// then wait for it with MPI's blocking calls. Returns true if it did.
bool delist_if_alone(dynamic_receive* r);

/// Removes every pending receive from the registry if all of them are among `mine` (receives
/// listed when the caller looked, owned by the calling thread): a wait on them alone may then use
/// MPI's blocking calls. Returns true if it did; the caller lists again those whose first message
/// is still to come when it is done.
bool delist_all_if_mine(std::span<dynamic_receive* const> mine);

// ---- waiting while pending receives are progressed ---------------------------------------------

/// Waits for `n` requests, progressing pending receives meanwhile when there are any (plain
/// MPI_Waitall when there are none). Statuses are ignored.
void wait_progressing(int n, MPI_Request* requests);

/// A blocking receive's matched first message: `st` and `msg` as MPI_Mprobe gives them, found
/// while pending receives are progressed.
void match_blocking(MPI_Comm comm, int source, int tag, MPI_Message& msg, MPI_Status& st);

/// MPI_Probe, progressing pending receives meanwhile.
void probe_progressing(MPI_Comm comm, int source, int tag, MPI_Status& st);

/// Receives the first message matching (source, tag) into `count` elements of `type` at `buffer`
/// (blocking): a plain MPI_Recv when no non-blocking receive is pending, otherwise a matched
/// probe that progresses them, then MPI_Mrecv.
inline void recv_matched(MPI_Comm comm, int source, int tag, void* buffer, int count,
                         MPI_Datatype type, MPI_Status& st) {
  if (pending_receives() == 0) [[likely]] {
    RELAY_MPI(MPI_Recv, buffer, count, type, source, tag, comm, &st);
    return;
  }
  MPI_Message msg = MPI_MESSAGE_NULL;
  match_blocking(comm, source, tag, msg, st);
  RELAY_MPI(MPI_Mrecv, buffer, count, type, &msg, &st);
}

// ---- taking a first message --------------------------------------------------------------------

/// Where the value of a receive of unknown size goes.
class first_sink {
 public:
  /// Takes a small value: all `n` bytes of it are at `data`.
  virtual void accept(const char* data, std::size_t n) = 0;
  /// Room for the `n` payload bytes of a large value. May throw (the value cannot be taken).
  virtual char* room(std::size_t n) = 0;

 protected:
  ~first_sink() = default;
};

/// The first message of a value of unknown size, `n` bytes at `first`, received from `source` (a
/// rank of `comm`). A small value goes whole to sink.accept, and the result is empty. A large
/// value's head goes to sink.room(total), and the result is its rest, still to be received; if
/// room throws, the rest is received and dropped (so that its sender completes) before the
/// exception goes on. `first` may be the room itself (a receive into a buffer).
std::optional<incoming_rest> take_first(MPI_Comm comm, int source, const char* first, std::size_t n,
                                        first_sink& sink);

/// A sink into caller memory of `capacity` bytes: a value that does not fit raises MPI's
/// truncation error, named after `call`.
class buffer_sink final : public first_sink {
 public:
  buffer_sink(char* buffer, std::size_t capacity, const char* call)
      : buffer_(buffer), capacity_(capacity), call_(call) {}
  void accept(const char* data, std::size_t n) override;
  char* room(std::size_t n) override;

 private:
  char* buffer_;
  std::size_t capacity_;
  const char* call_;
};

/// A sink into a vector, a string or a serialized value (whose archive goes to `bytes`; see
/// finish_payload).
template <class T>
class value_sink final : public first_sink {
 public:
  value_sink(T& value, byte_buffer& bytes) : value_(value), bytes_(bytes) {}
  void accept(const char* data, std::size_t n) override { store_payload(value_, bytes_, data, n); }
  char* room(std::size_t n) override { return payload_room(value_, bytes_, n); }

 private:
  T& value_;
  byte_buffer& bytes_;
};

}  // namespace relay::detail
