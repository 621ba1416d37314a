#pragma once
// The piece protocol of scatter, scatterv and gatherv: each rank's piece travels as one message
// when it is small (its length learned from the message itself), or as its size and then its data
// when it is large, on relay's private duplicate of the communicator; and the serialized paths of
// gather and allgather.

#include <mpi.h>

#include <climits>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "relay/communicator.hpp"
#include "relay/config.hpp"
#include "relay/datatype.hpp"
#include "relay/detail/bcast_tree.hpp"
#include "relay/detail/buffer.hpp"
#include "relay/error.hpp"
#include "relay/serialization.hpp"

namespace relay::detail {

/// MPI's int counts and displacements for blocks of the given sizes. Throws usage_error (on every
/// rank alike, since every rank passes the same sizes) if the total exceeds MPI's int range.
struct int_layout {
  std::vector<int> counts;
  std::vector<int> displs;
  std::size_t total = 0;
};
int_layout make_layout(std::span<const std::uint64_t> sizes, const char* what);

/// Every rank's element count, gathered on every rank.
std::vector<std::uint64_t> allgather_counts(const communicator& comm, std::uint64_t mine);

/// Gathers variable-length blocks of E to `root`, or to every rank when root < 0. `sizes` receives
/// every rank's count. The result is the concatenation in rank order (empty on non-roots).
template <bytewise E>
std::vector<E> gatherv_blocks(const communicator& comm, int root, std::span<const E> mine,
                              std::vector<std::uint64_t>& sizes, const char* what) {
  sizes = allgather_counts(comm, mine.size());
  const int_layout layout = make_layout(sizes, what);
  std::vector<E> all;
  const MPI_Datatype type = datatype<E>();
  const int count = static_cast<int>(mine.size());
  if (root < 0) {
    all.resize(layout.total);
    RELAY_MPI(MPI_Allgatherv, mine.data(), count, type, all.data(), layout.counts.data(),
              layout.displs.data(), type, comm.native());
  } else {
    if (comm.rank() == root) all.resize(layout.total);
    RELAY_MPI(MPI_Gatherv, mine.data(), count, type, all.data(), layout.counts.data(),
              layout.displs.data(), type, root, comm.native());
  }
  return all;
}

/// Loads `sizes.size()` archives laid end to end in `bytes`, calling `sink(i, span)` for each.
template <class Sink>
void for_each_archive(std::span<const char> bytes, std::span<const std::uint64_t> sizes,
                      Sink&& sink) {
  std::size_t offset = 0;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    sink(i, bytes.subspan(offset, sizes[i]));
    offset += sizes[i];
  }
}

/// One piece of a scatter or gatherv on the wire: `count` elements of `type`, `bytes` bytes.
struct piece_wire {
  const void* data;
  MPI_Datatype type;
  std::size_t count;
  std::size_t bytes;
};

/// Sends a piece whose size the receiver does not know: up to config::eager_bytes as one message
/// of bytes on `tag`, larger ones as their size on detail::piece_size_tag and then the data on
/// `tag`. Blocking.
void send_piece(const piece_wire& w, int dest, int tag, MPI_Comm comm);

/// The first message of a piece from `source`, received into `eager` (config::eager_bytes):
/// `bytes` is the piece's size, and `arrived` says whether it is already in `eager` (otherwise
/// its data follows on the piece's tag). Throws if `source` announced a failure instead.
struct piece_head {
  std::size_t bytes;
  bool arrived;
};
/// receive_piece_head for a first message that is not the piece itself: a failure (throws) or a
/// size. Out of line, so that the common case below stays a few inline instructions.
piece_head unusual_piece_head(const MPI_Status& st, int source, const char* eager,
                              const char* what);
inline piece_head receive_piece_head(MPI_Comm comm, int source, char* eager, const char* what) {
  // Any tag: the source's next message on the private communicator is this piece's first
  // (messages between two ranks arrive in order, and earlier collectives took theirs).
  MPI_Status st;
  RELAY_MPI(MPI_Recv, eager, static_cast<int>(config::eager_bytes), MPI_BYTE, source, MPI_ANY_TAG,
            comm, &st);
  if (st.MPI_TAG != detail::failed_tag && st.MPI_TAG != detail::piece_size_tag) [[likely]]
    return {received_byte_count(st), true};
  return unusual_piece_head(st, source, eager, what);
}

/// Receives and drops the data of a piece announced by its size, so that its sender, blocked in
/// MPI_Send, is released even though the receiver cannot use it.
void drop_piece(MPI_Comm comm, int source, int tag, std::size_t bytes);

/// Receives a piece of whole `unit`-byte elements from `source` into `out` (resized to it):
/// the one eager message, or the data that follows a size message, straight into `out`.
template <class Buffer>
void receive_piece(MPI_Comm comm, int source, int tag, MPI_Datatype type, std::size_t unit,
                   Buffer& out, const char* what) {
  alignas(std::max_align_t) char eager[config::eager_bytes];
  const piece_head head = receive_piece_head(comm, source, eager, what);
  if (head.bytes % unit != 0) {
    if (!head.arrived) drop_piece(comm, source, tag, head.bytes);
    throw usage_error(std::string(what) + ": a piece of " + std::to_string(head.bytes) +
                      " bytes is not a whole number of elements (do the ranks agree on the type?)");
  }
  out.resize(head.bytes / unit);
  char* target = reinterpret_cast<char*>(out.data());
  if (head.arrived) {
    if (head.bytes > 0) std::memcpy(target, eager, head.bytes);
    return;
  }
  counted_type ct(type, head.bytes / unit);
  RELAY_MPI(MPI_Recv, target, ct.count(), ct.type(), source, tag, comm, MPI_STATUS_IGNORE);
}

/// At the root: sends piece r (from `wire_of(r)`) to every other rank r on the private
/// communicator, all at once (see send_piece for the protocol), and waits until they are sent.
template <class WireOf>
void send_pieces(const communicator& comm, int root, WireOf&& wire_of) {
  const MPI_Comm internal = internal_comm(comm);
  const auto p = static_cast<std::size_t>(comm.size());
  thread_local std::vector<MPI_Request> requests;
  thread_local std::vector<std::uint64_t> sizes;  // the size messages' contents, until sent
  requests.clear();
  sizes.assign(p, 0);
  std::vector<std::unique_ptr<counted_type>> large;  // types for > 2^31 elements, kept alive
  for (std::size_t r = 0; r < p; ++r) {
    if (static_cast<int>(r) == root) continue;
    const piece_wire w = wire_of(r);
    const int dest = static_cast<int>(r);
    if (w.bytes <= config::eager_bytes) {  // completes at once (see send_to_children)
      RELAY_MPI(MPI_Send, w.data, static_cast<int>(w.bytes), MPI_BYTE, dest, detail::scatter_tag,
                internal);
      continue;
    }
    sizes[r] = w.bytes;
    RELAY_MPI(MPI_Isend, &sizes[r], static_cast<int>(sizeof sizes[r]), MPI_BYTE, dest,
              detail::piece_size_tag, internal, &requests.emplace_back());
    MPI_Datatype type = w.type;
    int count = static_cast<int>(w.count);
    if (w.count > static_cast<std::size_t>(INT_MAX)) {
      const auto& ct = large.emplace_back(std::make_unique<counted_type>(w.type, w.count));
      type = ct->type();
      count = ct->count();
    }
    RELAY_MPI(MPI_Isend, w.data, count, type, dest, detail::scatter_tag, internal,
              &requests.emplace_back());
  }
  RELAY_MPI(MPI_Waitall, static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE);
}

/// At the root of a gatherv: receives every other rank's piece (sent with send_piece) into one
/// block in rank order, leaving room for the root's own `own_bytes` in its place. Every rank's
/// first message is taken in rank order (small pieces into a staging buffer); once every size is
/// known, `place(total_bytes)` returns where the block goes, small pieces are copied there, and
/// large ones are received straight into it. `offsets` gets each rank's byte offset in the block
/// (size() + 1 entries). Pieces are whole `unit`-byte elements of `type`.
template <class Place>
void gather_pieces(const communicator& comm, int root, std::size_t own_bytes, MPI_Datatype type,
                   std::size_t unit, std::vector<std::size_t>& offsets, Place&& place) {
  const MPI_Comm internal = internal_comm(comm);
  const auto p = static_cast<std::size_t>(comm.size());
  constexpr std::size_t not_staged = ~std::size_t{0};
  thread_local std::vector<std::size_t> staged_at;
  staged_at.assign(p, not_staged);
  offsets.assign(p + 1, 0);
  scratch_buffer staging_lease;
  byte_buffer& staging = staging_lease.get();
  bool whole = own_bytes % unit == 0;
  for (std::size_t r = 0; r < p; ++r) {
    std::size_t bytes = own_bytes;
    if (static_cast<int>(r) != root) {
      const std::size_t used = staging.size();
      staging.resize(used + config::eager_bytes);
      const piece_head head =
          receive_piece_head(internal, static_cast<int>(r), staging.data() + used, "gatherv");
      staging.resize(used + (head.arrived ? head.bytes : 0));
      if (head.arrived) staged_at[r] = used;
      bytes = head.bytes;
      whole = whole && bytes % unit == 0;
    }
    offsets[r + 1] = offsets[r] + bytes;
  }
  if (!whole) {
    // Take the large pieces anyway, so that no sender is left waiting, then report.
    for (std::size_t r = 0; r < p; ++r)
      if (static_cast<int>(r) != root && staged_at[r] == not_staged)
        drop_piece(internal, static_cast<int>(r), detail::gather_tag, offsets[r + 1] - offsets[r]);
    throw usage_error(
        "gatherv: a piece is not a whole number of elements (do the ranks agree "
        "on the type?)");
  }
  char* base = place(offsets[p]);
  for (std::size_t r = 0; r < p; ++r) {
    if (static_cast<int>(r) == root) continue;
    const std::size_t bytes = offsets[r + 1] - offsets[r];
    if (staged_at[r] != not_staged) {
      if (bytes > 0) std::memcpy(base + offsets[r], staging.data() + staged_at[r], bytes);
      continue;
    }
    counted_type ct(type, bytes / unit);
    RELAY_MPI(MPI_Recv, base + offsets[r], ct.count(), ct.type(), static_cast<int>(r),
              detail::gather_tag, internal, MPI_STATUS_IGNORE);
  }
}

/// At the root, when it cannot scatter (call it in the catch block): tells every other rank, with
/// the kind and text of the exception, so that none waits for its piece and each raises the same
/// kind of exception.
void announce_root_failure(const communicator& comm, int root);

/// Scatters serialized pieces: at the root, `save_piece(r, out)` appends piece r's archive;
/// `keep_own()` stores the root's own piece, which is not serialized. Non-roots load theirs into
/// `mine`. A failure at the root (an exception from `check`, save_piece or keep_own) is announced
/// to every rank, which then throws.
template <class T, class Check, class SavePiece, class KeepOwn>
void scatter_serialized(const communicator& comm, int root, T& mine, Check&& check,
                        SavePiece&& save_piece, KeepOwn&& keep_own, const char* what) {
  if (comm.rank() != root) {
    scratch_buffer scratch;
    byte_buffer& bytes = scratch.get();
    receive_piece(internal_comm(comm), root, detail::scatter_tag, MPI_BYTE, 1, bytes, what);
    load(bytes, mine);
    return;
  }
  const auto p = static_cast<std::size_t>(comm.size());
  scratch_buffer staging;
  byte_buffer& all = staging.get();
  std::vector<std::size_t> offsets(p + 1, 0);
  try {
    check();
    for (std::size_t r = 0; r < p; ++r) {
      offsets[r] = all.size();
      if (static_cast<int>(r) != root) save_piece(r, all);
    }
    offsets[p] = all.size();
    keep_own();
  } catch (...) {
    announce_root_failure(comm, root);
    throw;
  }
  send_pieces(comm, root, [&](std::size_t r) {
    const std::size_t bytes = offsets[r + 1] - offsets[r];
    return piece_wire{all.data() + offsets[r], MPI_BYTE, bytes, bytes};
  });
}

/// Serialized gather of one archive per rank, to root (or all when root < 0); calls
/// `sink(rank, bytes)` for each rank's archive where the data arrives.
template <class T, class Sink>
void gather_serialized(const communicator& comm, int root, const T& value, Sink&& sink,
                       const char* what) {
  scratch_buffer scratch;
  save(scratch.get(), value);
  std::vector<std::uint64_t> sizes;
  const auto all = gatherv_blocks<char>(comm, root, scratch.get(), sizes, what);
  if (root < 0 || comm.rank() == root) for_each_archive(all, sizes, sink);
}

/// Concatenates every rank's `piece` on every rank, in rank order.
template <class E>
std::vector<E> allgatherv_any(const communicator& comm, const std::vector<E>& piece,
                              const char* what) {
  std::vector<std::uint64_t> sizes;
  if constexpr (bytewise<E> && !std::is_same_v<E, bool>) {
    return gatherv_blocks<E>(comm, -1, piece, sizes, what);
  } else {
    std::vector<E> out;
    gather_serialized(
        comm, -1, piece,
        [&](std::size_t, std::span<const char> bytes) {
          auto part = load<std::vector<E>>(bytes);
          std::move(part.begin(), part.end(), std::back_inserter(out));
        },
        what);
    return out;
  }
}

}  // namespace relay::detail
