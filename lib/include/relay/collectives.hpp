#pragma once
/// \file
/// Collective data movement: bcast, scatter, scatterv, gather, gatherv, allgather, allgatherv.
///
/// Every function here is a collective: it is called by every rank of the communicator, with the
/// same root. Results come back by value. Trivial and contiguous data go straight to MPI's own
/// collectives with their MPI type, never through Boost.MPI's serialized path; other types are
/// archived with Boost.Serialization.
///
/// Inputs that only the root holds (the values to scatter, the object to broadcast) are checked at
/// the root, and a failure there is announced through the collective itself, so that every rank
/// raises the same kind of exception (usage_error for bad input) and none is left waiting.

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <memory>
#include <numeric>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "relay/communicator.hpp"
#include "relay/config.hpp"
#include "relay/datatype.hpp"
#include "relay/decompose.hpp"
#include "relay/detail/buffer.hpp"
#include "relay/error.hpp"
#include "relay/p2p.hpp"
#include "relay/serialization.hpp"

namespace relay {
namespace detail {

/// Sizes at or above this value in a size header are not sizes but a failure at the root:
/// root_failed itself for a relay::error, root_failed_usage for a usage_error.
inline constexpr std::uint64_t root_failed = ~std::uint64_t{0} - 1;
inline constexpr std::uint64_t root_failed_usage = ~std::uint64_t{0};

/// A failure at the root of a collective, as the other ranks raise it: one mistake, one
/// exception type on every rank, so usage_error where the root raised one (bad input only the
/// root holds), else relay::error.
enum class root_failure : unsigned char { none, error, usage };

/// The kind of the exception being handled (call it in a catch block).
root_failure current_failure() noexcept;

/// On a rank other than `root`: raises the exception that stands for the root's failure.
[[noreturn]] void throw_root_failure(root_failure kind, const char* what, int root,
                                     const std::string& root_message);

/// A rank's place in the binomial tree rooted at `root`: its parent (-1 at the root) and its
/// children, largest subtree first.
struct binomial_tree {
  int parent = -1;
  int children[32];  // the first child_count are set
  int child_count = 0;
  binomial_tree(int rank, int size, int root) {
    const int me = (rank - root + size) % size;
    int mask = 1;
    for (; mask < size; mask <<= 1) {
      if (me & mask) {
        parent = (me - mask + root) % size;
        break;
      }
    }
    for (mask >>= 1; mask > 0; mask >>= 1)
      if (me + mask < size) children[child_count++] = (me + mask + root) % size;
  }
};

/// Sends the same bytes to every child, all at once, and waits until they are sent. Eager
/// messages go with plain MPI_Send, which completes at once and skips the request that MPI_Isend
/// costs (Open MPI sends them inline).
inline void send_to_children(const binomial_tree& tree, const void* data, std::size_t bytes,
                             int tag, MPI_Comm comm) {
  if (bytes <= config::eager_bytes) {
    for (int i = 0; i < tree.child_count; ++i)
      RELAY_MPI(MPI_Send, data, static_cast<int>(bytes), MPI_BYTE, tree.children[i], tag, comm);
    return;
  }
  MPI_Request requests[32];
  counted_type ct(MPI_BYTE, bytes);
  for (int i = 0; i < tree.child_count; ++i)
    RELAY_MPI(MPI_Isend, data, ct.count(), ct.type(), tree.children[i], tag, comm, &requests[i]);
  RELAY_MPI(MPI_Waitall, tree.child_count, requests, MPI_STATUSES_IGNORE);
}

/// Broadcasts a byte payload whose length only the root knows (see config::bcast_tree_bytes and
/// config::eager_bytes for the protocol). On non-roots `allocate(n)` returns where the n
/// bytes go. A root that passes a `failure` makes every other rank throw its kind of exception.
template <class Allocate>
void bcast_sized(const communicator& comm, int root, std::span<const char> payload,
                 root_failure failure, Allocate&& allocate) {
  constexpr std::size_t eager = config::eager_bytes;
  const bool is_root = comm.rank() == root;
  const MPI_Comm tree_comm = internal_comm(comm);
  const binomial_tree tree(comm.rank(), comm.size(), root);
  std::uint64_t n = 0;
  const char* data = payload.data();
  if (is_root) {
    n = failure == root_failure::none    ? payload.size()
        : failure == root_failure::usage ? root_failed_usage
                                         : root_failed;
  } else {
    // The parent's first message: the whole payload when it fits, else its size.
    alignas(std::uint64_t) char first[eager];
    MPI_Status st;
    RELAY_MPI(MPI_Recv, first, static_cast<int>(eager), MPI_BYTE, tree.parent, MPI_ANY_TAG,
              tree_comm, &st);
    if (st.MPI_TAG == config::bcast_data_tag) {
      n = element_count(st, 1);
      char* target = allocate(static_cast<std::size_t>(n));
      if (n > 0) std::memcpy(target, first, static_cast<std::size_t>(n));
      data = target;
    } else {
      std::memcpy(&n, first, sizeof n);
    }
  }
  if (n <= eager) {
    send_to_children(tree, data, static_cast<std::size_t>(n), config::bcast_data_tag, tree_comm);
    return;
  }
  send_to_children(tree, &n, sizeof n, config::bcast_size_tag, tree_comm);
  if (n >= root_failed) {
    if (is_root) return;  // the root rethrows its own error
    throw_root_failure(n == root_failed_usage ? root_failure::usage : root_failure::error, "bcast",
                       root, {});
  }
  char* target = is_root ? const_cast<char*>(payload.data())  // only read by MPI_Bcast
                         : allocate(static_cast<std::size_t>(n));
  counted_type ct(MPI_BYTE, static_cast<std::size_t>(n));
  if (comm.size() <= 2 || n <= config::bcast_tree_bytes) {
    if (!is_root)
      RELAY_MPI(MPI_Recv, target, ct.count(), ct.type(), tree.parent, config::bcast_data_tag,
                tree_comm, MPI_STATUS_IGNORE);
    send_to_children(tree, target, static_cast<std::size_t>(n), config::bcast_data_tag, tree_comm);
  } else {
    RELAY_MPI(MPI_Bcast, target, ct.count(), ct.type(), root, comm.native());
  }
}

/// The allocator that bcast_sized never calls on the root.
inline char* root_allocates_nothing(std::size_t) {
  throw std::logic_error("bcast_sized: the root has nothing to allocate");
}

/// Broadcasts one 64-bit value from the root.
inline std::uint64_t share_from_root(const communicator& comm, int root, std::uint64_t value) {
  RELAY_MPI(MPI_Bcast, &value, 1, MPI_UINT64_T, root, comm.native());
  return value;
}

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
template <trivial E>
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
/// of bytes on `tag`, larger ones as their size on config::piece_size_tag and then the data on
/// `tag`. Blocking.
void send_piece(const piece_wire& w, int dest, int tag, MPI_Comm comm);

/// The first message of a piece from `source`, received into `eager` (config::eager_bytes):
/// `bytes` is the piece's size, and `arrived` says whether it is already in `eager` (otherwise
/// its data follows on the piece's tag). Throws if `source` announced a failure instead.
struct piece_head {
  std::size_t bytes;
  bool arrived;
};
piece_head receive_piece_head(MPI_Comm comm, int source, char* eager, const char* what);

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
      RELAY_MPI(MPI_Send, w.data, static_cast<int>(w.bytes), MPI_BYTE, dest, config::scatter_tag,
                internal);
      continue;
    }
    sizes[r] = w.bytes;
    RELAY_MPI(MPI_Isend, &sizes[r], static_cast<int>(sizeof sizes[r]), MPI_BYTE, dest,
              config::piece_size_tag, internal, &requests.emplace_back());
    MPI_Datatype type = w.type;
    int count = static_cast<int>(w.count);
    if (w.count > static_cast<std::size_t>(INT_MAX)) {
      const auto& ct = large.emplace_back(std::make_unique<counted_type>(w.type, w.count));
      type = ct->type();
      count = ct->count();
    }
    RELAY_MPI(MPI_Isend, w.data, count, type, dest, config::scatter_tag, internal,
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
        drop_piece(internal, static_cast<int>(r), config::gather_tag, offsets[r + 1] - offsets[r]);
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
              config::gather_tag, internal, MPI_STATUS_IGNORE);
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
    receive_piece(internal_comm(comm), root, config::scatter_tag, MPI_BYTE, 1, bytes, what);
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
}  // namespace detail

/// Broadcasts the root's `value` to every rank and returns it. Called by every rank of the
/// communicator with the same root; `value` is ignored on the other ranks (pass `{}`), and the
/// root may move its value in. Trivial values take one MPI_Bcast; vectors and strings travel from
/// and into their own buffers, with their length in the same broadcast when they are small;
/// other types are serialized.
template <class T>
[[nodiscard]] T bcast(const communicator& comm, T value, int root);

/// Broadcasts in place: on the root `value` is sent, on the other ranks it is replaced. A
/// `std::span` of the same length on every rank is broadcast as it is, with no length header
/// (the fastest path, as MPI_Bcast itself). Called by every rank of the communicator.
template <class T>
void bcast_into(const communicator& comm, T& value, int root) {
  comm.check_rank(root, "root");
  const bool is_root = comm.rank() == root;
  if constexpr (trivial<T>) {
    RELAY_MPI(MPI_Bcast, &value, 1, datatype<T>(), root, comm.native());
  } else if constexpr (contiguous<T> && !resizable_contiguous<T>) {
    detail::counted_type ct(datatype<element_t<T>>(), value.size());
    RELAY_MPI(MPI_Bcast, value.data(), ct.count(), ct.type(), root, comm.native());
  } else if constexpr (resizable_contiguous<T>) {
    using E = element_t<T>;
    std::span<const char> bytes;
    if (is_root) bytes = {reinterpret_cast<const char*>(value.data()), value.size() * sizeof(E)};
    detail::bcast_sized(comm, root, bytes, detail::root_failure::none, [&](std::size_t n) {
      value.resize(n / sizeof(E));
      return reinterpret_cast<char*>(value.data());
    });
  } else {
    detail::scratch_buffer scratch;
    auto& bytes = scratch.get();
    if (is_root) {
      try {
        detail::save(bytes, value);
      } catch (...) {
        detail::bcast_sized(comm, root, {}, detail::current_failure(),
                            detail::root_allocates_nothing);
        throw;
      }
      detail::bcast_sized(comm, root, bytes, detail::root_failure::none,
                          detail::root_allocates_nothing);
    } else {
      detail::bcast_sized(comm, root, {}, detail::root_failure::none, [&](std::size_t n) {
        bytes.resize(n);
        return bytes.data();
      });
      detail::load(std::span<const char>(bytes), value);  // reuses the memory value holds
    }
  }
}

template <class T>
T bcast(const communicator& comm, T value, int root) {
  bcast_into(comm, value, root);
  return value;
}

/// Sends `values[r]` from the root to each rank r and returns this rank's element: the
/// one-element-per-rank scatter of the lessons. Only the root's `values` are read, and it must
/// hold exactly size() elements; otherwise every rank raises usage_error. Called by every rank
/// of the communicator.
template <class T>
[[nodiscard]] T scatter(const communicator& comm, const std::vector<T>& values, int root) {
  comm.check_rank(root, "root");
  const bool is_root = comm.rank() == root;
  const auto p = static_cast<std::uint64_t>(comm.size());
  if constexpr (std::is_same_v<T, bool>) {
    // std::vector<bool> packs bits and has no data(): the root's values go as bytes.
    std::vector<unsigned char> bytes;
    if (is_root) bytes.assign(values.begin(), values.end());
    return scatter(comm, bytes, root) != 0;
  } else if constexpr (trivial<T>) {
    const std::uint64_t n = detail::share_from_root(comm, root, is_root ? values.size() : 0);
    if (n != p)
      throw usage_error("scatter: the root holds " + std::to_string(n) + " values for " +
                        std::to_string(p) + " ranks; use scatterv for any length");
    T mine{};
    RELAY_MPI(MPI_Scatter, is_root ? values.data() : nullptr, 1, datatype<T>(), &mine, 1,
              datatype<T>(), root, comm.native());
    return mine;
  } else {
    T mine{};
    detail::scatter_serialized(
        comm, root, mine,
        [&] {
          if (values.size() != p)
            throw usage_error("scatter: the root holds " + std::to_string(values.size()) +
                              " values for " + std::to_string(p) +
                              " ranks; use scatterv for any length");
        },
        [&](std::size_t r, detail::byte_buffer& out) { detail::save(out, values[r]); },
        [&] { mine = values[static_cast<std::size_t>(root)]; }, "scatter");
    return mine;
  }
}

/// Splits the root's `data` into size() balanced blocks (lengths differ by at most one, the
/// larger first; see block_range) and stores this rank's block in `mine`, reusing its memory
/// (`data` and `mine` may be the same vector).
/// Works for any length, including fewer elements than ranks (some blocks are then empty);
/// nothing is lost or duplicated. Only the root's `data` is read. Each rank's block up to
/// config::eager_bytes is one message from the root, whose length the receiver learns from the
/// message itself; a larger block is announced by its size. Called by every rank of the
/// communicator.
template <class E>
void scatterv_into(const communicator& comm, const std::vector<E>& data, std::vector<E>& mine,
                   int root) {
  comm.check_rank(root, "root");
  const auto p = static_cast<std::uint64_t>(comm.size());
  const auto own = [&] {  // after the other pieces are saved or sent
    const range block = block_range(data.size(), p, static_cast<std::uint64_t>(root));
    const auto begin = static_cast<std::ptrdiff_t>(block.begin);
    const auto end = static_cast<std::ptrdiff_t>(block.end);
    if (&data == &mine) {  // scatterv_into(v, v): cut v down to the root's block
      mine.erase(mine.begin() + end, mine.end());
      mine.erase(mine.begin(), mine.begin() + begin);
    } else {
      mine.assign(data.begin() + begin, data.begin() + end);
    }
  };
  if constexpr (trivial<E> && !std::is_same_v<E, bool>) {
    if (comm.rank() != root) {
      detail::receive_piece(detail::internal_comm(comm), root, config::scatter_tag, datatype<E>(),
                            sizeof(E), mine, "scatterv");
      return;
    }
    detail::send_pieces(comm, root, [&](std::size_t r) {
      const range block = block_range(data.size(), p, r);
      return detail::piece_wire{data.data() + block.begin, datatype<E>(), block.size(),
                                block.size() * sizeof(E)};
    });
    own();
  } else {
    detail::scatter_serialized(
        comm, root, mine, [] {},
        [&](std::size_t r, detail::byte_buffer& out) {
          const range block = block_range(data.size(), p, r);
          const std::vector<E> piece(data.begin() + static_cast<std::ptrdiff_t>(block.begin),
                                     data.begin() + static_cast<std::ptrdiff_t>(block.end));
          detail::save(out, piece);
        },
        own, "scatterv");
  }
}

/// As scatterv_into, returning this rank's block by value.
template <class E>
[[nodiscard]] std::vector<E> scatterv(const communicator& comm, const std::vector<E>& data,
                                      int root) {
  std::vector<E> mine;
  scatterv_into(comm, data, mine, root);
  return mine;
}

/// Gathers every rank's `value` to the root, in rank order. The root gets size() values; the
/// other ranks get an empty vector. Called by every rank of the communicator.
template <class T>
[[nodiscard]] std::vector<T> gather(const communicator& comm, const T& value, int root);

/// Gathers every rank's `value` to every rank, in rank order. Called by every rank of the
/// communicator.
template <class T>
[[nodiscard]] std::vector<T> allgather(const communicator& comm, const T& value);

/// Concatenates every rank's `piece` (of any length, empty included) at the root, in rank order,
/// into `all`, reusing its memory; non-roots' `all` is emptied. `piece` and `all` may be the same
/// vector. Each piece up to
/// config::eager_bytes is one message, whose length the root learns from the message itself; a
/// larger one is announced by its size. No counts are exchanged first. Called by every rank of
/// the communicator.
template <class E>
void gatherv_into(const communicator& comm, const std::vector<E>& piece, std::vector<E>& all,
                  int root);

/// As gatherv_into, returning the concatenation by value (empty on non-roots).
template <class E>
[[nodiscard]] std::vector<E> gatherv(const communicator& comm, const std::vector<E>& piece,
                                     int root);

/// Concatenates every rank's `piece` on every rank, in rank order. Called by every rank of the
/// communicator.
template <class E>
[[nodiscard]] std::vector<E> allgatherv(const communicator& comm, const std::vector<E>& piece);

// ---- implementation ---------------------------------------------------------------------------

namespace detail {

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

}  // namespace detail

template <class T>
std::vector<T> gather(const communicator& comm, const T& value, int root) {
  comm.check_rank(root, "root");
  std::vector<T> out;
  if constexpr (std::is_same_v<T, bool>) {
    // std::vector<bool> packs bits and has no data(): gathered as bytes.
    const auto bytes = gather(comm, static_cast<unsigned char>(value), root);
    out.assign(bytes.begin(), bytes.end());
  } else if constexpr (trivial<T>) {
    if (comm.rank() == root) out.resize(static_cast<std::size_t>(comm.size()));
    RELAY_MPI(MPI_Gather, &value, 1, datatype<T>(), out.data(), 1, datatype<T>(), root,
              comm.native());
  } else {
    if (comm.rank() == root) out.reserve(static_cast<std::size_t>(comm.size()));
    detail::gather_serialized(
        comm, root, value,
        [&](std::size_t, std::span<const char> bytes) { out.push_back(detail::load<T>(bytes)); },
        "gather");
  }
  return out;
}

template <class T>
std::vector<T> allgather(const communicator& comm, const T& value) {
  std::vector<T> out;
  if constexpr (std::is_same_v<T, bool>) {
    const auto bytes = allgather(comm, static_cast<unsigned char>(value));  // as in gather
    out.assign(bytes.begin(), bytes.end());
  } else if constexpr (trivial<T>) {
    out.resize(static_cast<std::size_t>(comm.size()));
    RELAY_MPI(MPI_Allgather, &value, 1, datatype<T>(), out.data(), 1, datatype<T>(), comm.native());
  } else {
    out.reserve(static_cast<std::size_t>(comm.size()));
    detail::gather_serialized(
        comm, -1, value,
        [&](std::size_t, std::span<const char> bytes) { out.push_back(detail::load<T>(bytes)); },
        "allgather");
  }
  return out;
}

namespace detail {
template <class E>
std::vector<E> allgatherv_any(const communicator& comm, const std::vector<E>& piece,
                              const char* what) {
  std::vector<std::uint64_t> sizes;
  if constexpr (trivial<E> && !std::is_same_v<E, bool>) {
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
}  // namespace detail

template <class E>
void gatherv_into(const communicator& comm, const std::vector<E>& piece, std::vector<E>& all,
                  int root) {
  comm.check_rank(root, "root");
  constexpr bool direct = trivial<E> && !std::is_same_v<E, bool>;
  const bool aliased = &piece == &all;  // gatherv_into(v, v)
  if (comm.rank() != root) {
    {
      detail::scratch_buffer scratch;
      const detail::wire w = detail::to_wire(piece, scratch.get());
      const std::size_t unit = direct ? sizeof(E) : 1;
      detail::send_piece({w.data, w.type, w.count, w.count * unit}, root, config::gather_tag,
                         detail::internal_comm(comm));
    }
    all.clear();  // only now: `all` may be `piece`
    return;
  }
  thread_local std::vector<std::size_t> offsets;
  if constexpr (direct) {
    // Straight into `all`; its memory is reused when it already has the size.
    const std::size_t own = piece.size() * sizeof(E);
    detail::gather_pieces(comm, root, own, datatype<E>(), sizeof(E), offsets, [&](std::size_t n) {
      all.resize(n / sizeof(E));
      char* base = reinterpret_cast<char*>(all.data());
      // An aliased piece is the first `own` bytes: moved to its slot before the others land.
      if (aliased && own > 0) std::memmove(base + offsets[root], base, own);
      return base;
    });
    if (!aliased)
      std::copy(piece.begin(), piece.end(),
                all.begin() + static_cast<std::ptrdiff_t>(offsets[root] / sizeof(E)));
  } else {
    detail::scratch_buffer scratch;
    detail::byte_buffer& bytes = scratch.get();
    detail::gather_pieces(comm, root, 0, MPI_BYTE, 1, offsets, [&](std::size_t n) {
      bytes.resize(n);
      return bytes.data();
    });
    std::vector<E> moved;  // an aliased piece, taken out of `all` before it is refilled
    if (aliased) moved = std::move(all);
    all.clear();
    const auto p = static_cast<std::size_t>(comm.size());
    for (std::size_t r = 0; r < p; ++r) {
      if (static_cast<int>(r) == root) {
        if (aliased)
          std::move(moved.begin(), moved.end(), std::back_inserter(all));
        else
          all.insert(all.end(), piece.begin(), piece.end());
        continue;
      }
      auto part = detail::load<std::vector<E>>(
          std::span<const char>(bytes.data() + offsets[r], offsets[r + 1] - offsets[r]));
      std::move(part.begin(), part.end(), std::back_inserter(all));
    }
  }
}

template <class E>
std::vector<E> gatherv(const communicator& comm, const std::vector<E>& piece, int root) {
  std::vector<E> all;
  gatherv_into(comm, piece, all, root);
  return all;
}

template <class E>
std::vector<E> allgatherv(const communicator& comm, const std::vector<E>& piece) {
  return detail::allgatherv_any(comm, piece, "allgatherv");
}

}  // namespace relay
