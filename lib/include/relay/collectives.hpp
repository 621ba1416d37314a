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
/// raises an exception and none is left waiting.

#include <mpi.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "relay/communicator.hpp"
#include "relay/config.hpp"
#include "relay/datatype.hpp"
#include "relay/decompose.hpp"
#include "relay/detail/buffer.hpp"
#include "relay/error.hpp"
#include "relay/serialization.hpp"

namespace relay {
namespace detail {

/// Sizes at or above this value in a size header are not sizes but a failure at the root.
inline constexpr std::uint64_t root_failed = ~std::uint64_t{0};

/// Broadcasts a byte payload whose length only the root knows, in one broadcast when it fits in
/// config::eager_bytes (with the length), else in two. On non-roots `allocate(n)` returns where
/// the n bytes go. A root that sets `failed` makes every other rank throw.
template <class Allocate>
void bcast_sized(const communicator& comm, int root, std::span<const char> payload, bool failed,
                 Allocate&& allocate) {
  constexpr std::size_t head = sizeof(std::uint64_t);
  constexpr std::size_t inline_bytes = config::eager_bytes - head;
  alignas(std::uint64_t) char header[config::eager_bytes];
  const bool is_root = comm.rank() == root;
  std::uint64_t n = 0;
  if (is_root) {
    n = failed ? root_failed : payload.size();
    std::memcpy(header, &n, head);
    if (!failed && !payload.empty())
      std::memcpy(header + head, payload.data(), std::min(payload.size(), inline_bytes));
  }
  RELAY_MPI(MPI_Bcast, header, static_cast<int>(config::eager_bytes), MPI_BYTE, root,
            comm.native());
  std::memcpy(&n, header, head);
  if (n == root_failed) {
    if (is_root) return;  // the root rethrows its own error
    throw error("bcast: the root (rank " + std::to_string(root) + ") failed to send its value");
  }
  char* target = const_cast<char*>(payload.data());  // the root's buffer is only read by MPI_Bcast
  if (!is_root) {
    target = allocate(static_cast<std::size_t>(n));
    if (n > 0) std::memcpy(target, header + head, std::min<std::size_t>(n, inline_bytes));
  }
  if (n > inline_bytes) {
    counted_type ct(MPI_BYTE, n - inline_bytes);
    RELAY_MPI(MPI_Bcast, target + inline_bytes, ct.count(), ct.type(), root, comm.native());
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

/// Scatters per-rank archive bytes from the root; returns this rank's bytes in `mine`. `fill`
/// runs at the root only and appends rank r's archive to the buffer for each r in order; if it
/// throws, every rank throws.
template <class Fill>
void scatter_archives(const communicator& comm, int root, std::vector<char>& mine, Fill&& fill,
                      const char* what);

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
    detail::bcast_sized(comm, root, bytes, false, [&](std::size_t n) {
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
        detail::bcast_sized(comm, root, {}, true, detail::root_allocates_nothing);
        throw;
      }
      detail::bcast_sized(comm, root, bytes, false, detail::root_allocates_nothing);
    } else {
      detail::bcast_sized(comm, root, {}, false, [&](std::size_t n) {
        bytes.resize(n);
        return bytes.data();
      });
      value = T{};
      detail::load(std::span<const char>(bytes), value);
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
  if constexpr (trivial<T>) {
    const std::uint64_t n = detail::share_from_root(comm, root, is_root ? values.size() : 0);
    if (n != p)
      throw usage_error("scatter: the root holds " + std::to_string(n) + " values for " +
                        std::to_string(p) + " ranks; use scatterv for any length");
    T mine{};
    RELAY_MPI(MPI_Scatter, is_root ? values.data() : nullptr, 1, datatype<T>(), &mine, 1,
              datatype<T>(), root, comm.native());
    return mine;
  } else {
    detail::scratch_buffer scratch;
    detail::scatter_archives(
        comm, root, scratch.get(),
        [&](std::vector<char>& out, std::vector<std::uint64_t>& sizes) {
          if (values.size() != p)
            throw usage_error("scatter: the root holds " + std::to_string(values.size()) +
                              " values for " + std::to_string(p) +
                              " ranks; use scatterv for any length");
          for (std::uint64_t r = 0; r < p; ++r) {
            const std::size_t before = out.size();
            detail::save(out, values[r]);
            sizes[r] = out.size() - before;
          }
        },
        "scatter");
    return detail::load<T>(scratch.get());
  }
}

/// Splits the root's `data` into size() balanced blocks (lengths differ by at most one, the
/// larger first; see block_range) and returns this rank's block. Works for any length,
/// including fewer elements than ranks (some blocks are then empty); nothing is lost or
/// duplicated. Only the root's `data` is read. Called by every rank of the communicator.
template <class E>
[[nodiscard]] std::vector<E> scatterv(const communicator& comm, const std::vector<E>& data,
                                      int root) {
  comm.check_rank(root, "root");
  const bool is_root = comm.rank() == root;
  const auto p = static_cast<std::uint64_t>(comm.size());
  const auto me = static_cast<std::uint64_t>(comm.rank());
  if constexpr (trivial<E> && !std::is_same_v<E, bool>) {
    const std::uint64_t n = detail::share_from_root(comm, root, is_root ? data.size() : 0);
    const auto sizes = block_sizes(n, p);
    const detail::int_layout layout = detail::make_layout(sizes, "scatterv");
    std::vector<E> mine(sizes[me]);
    RELAY_MPI(MPI_Scatterv, is_root ? data.data() : nullptr, layout.counts.data(),
              layout.displs.data(), datatype<E>(), mine.data(), layout.counts[me], datatype<E>(),
              root, comm.native());
    return mine;
  } else {
    detail::scratch_buffer scratch;
    detail::scatter_archives(
        comm, root, scratch.get(),
        [&](std::vector<char>& out, std::vector<std::uint64_t>& sizes) {
          for (std::uint64_t r = 0; r < p; ++r) {
            const range block = block_range(data.size(), p, r);
            const std::vector<E> piece(data.begin() + static_cast<std::ptrdiff_t>(block.begin),
                                       data.begin() + static_cast<std::ptrdiff_t>(block.end));
            const std::size_t before = out.size();
            detail::save(out, piece);
            sizes[r] = out.size() - before;
          }
        },
        "scatterv");
    return detail::load<std::vector<E>>(scratch.get());
  }
}

/// Gathers every rank's `value` to the root, in rank order. The root gets size() values; the
/// other ranks get an empty vector. Called by every rank of the communicator.
template <class T>
[[nodiscard]] std::vector<T> gather(const communicator& comm, const T& value, int root);

/// Gathers every rank's `value` to every rank, in rank order. Called by every rank of the
/// communicator.
template <class T>
[[nodiscard]] std::vector<T> allgather(const communicator& comm, const T& value);

/// Concatenates every rank's `piece` (of any length, empty included) at the root, in rank order.
/// The counts are exchanged for the caller. Non-roots get an empty vector. Called by every rank
/// of the communicator.
template <class E>
[[nodiscard]] std::vector<E> gatherv(const communicator& comm, const std::vector<E>& piece,
                                     int root);

/// Concatenates every rank's `piece` on every rank, in rank order. Called by every rank of the
/// communicator.
template <class E>
[[nodiscard]] std::vector<E> allgatherv(const communicator& comm, const std::vector<E>& piece);

// ---- implementation ---------------------------------------------------------------------------

namespace detail {

template <class Fill>
void scatter_archives(const communicator& comm, int root, std::vector<char>& mine, Fill&& fill,
                      const char* what) {
  const bool is_root = comm.rank() == root;
  const auto p = static_cast<std::size_t>(comm.size());
  scratch_buffer staging;
  std::vector<char>& all = staging.get();
  std::vector<std::uint64_t> sizes(is_root ? p : 0);
  std::exception_ptr failure;
  int_layout layout;
  if (is_root) {
    try {
      fill(all, sizes);
      layout = make_layout(sizes, what);
    } catch (...) {
      failure = std::current_exception();
      std::fill(sizes.begin(), sizes.end(), root_failed);
    }
  }
  std::uint64_t my_size = 0;
  RELAY_MPI(MPI_Scatter, sizes.data(), 1, MPI_UINT64_T, &my_size, 1, MPI_UINT64_T, root,
            comm.native());
  if (failure) std::rethrow_exception(failure);
  if (my_size == root_failed)
    throw error(std::string(what) + ": the root (rank " + std::to_string(root) +
                ") failed to prepare the data");
  mine.resize(my_size);
  RELAY_MPI(MPI_Scatterv, all.data(), layout.counts.data(), layout.displs.data(), MPI_BYTE,
            mine.data(), static_cast<int>(my_size), MPI_BYTE, root, comm.native());
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

}  // namespace detail

template <class T>
std::vector<T> gather(const communicator& comm, const T& value, int root) {
  comm.check_rank(root, "root");
  std::vector<T> out;
  if constexpr (trivial<T>) {
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
  if constexpr (trivial<T>) {
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
std::vector<E> gatherv_any(const communicator& comm, const std::vector<E>& piece, int root,
                           const char* what) {
  std::vector<std::uint64_t> sizes;
  if constexpr (trivial<E> && !std::is_same_v<E, bool>) {
    return gatherv_blocks<E>(comm, root, piece, sizes, what);
  } else {
    std::vector<E> out;
    gather_serialized(
        comm, root, piece,
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
std::vector<E> gatherv(const communicator& comm, const std::vector<E>& piece, int root) {
  comm.check_rank(root, "root");
  return detail::gatherv_any(comm, piece, root, "gatherv");
}

template <class E>
std::vector<E> allgatherv(const communicator& comm, const std::vector<E>& piece) {
  return detail::gatherv_any(comm, piece, -1, "allgatherv");
}

}  // namespace relay
