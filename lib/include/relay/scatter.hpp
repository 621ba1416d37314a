#pragma once
/// \file
/// Scatter: scatter (one value per rank), scatterv (pieces of given lengths) and scatter_balanced
/// (pieces of balanced lengths).
///
/// Only the root's data is read. Each rank's piece up to config::eager_bytes is one message from
/// the root, whose length the receiver learns from the message itself; a larger piece is
/// announced by its size. Bad input that only the root holds (a wrong number of values or counts)
/// is announced to every rank, so every rank raises usage_error and none is left waiting.

#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "relay/communicator.hpp"
#include "relay/config.hpp"
#include "relay/datatype.hpp"
#include "relay/decompose.hpp"
#include "relay/detail/checks.hpp"
#include "relay/detail/coll_check.hpp"
#include "relay/detail/pieces.hpp"
#include "relay/error.hpp"

namespace relay {

namespace detail {
template <class E, class Check, class BlockOf>
void scatter_blocks_into(const communicator& comm, const std::vector<E>& data, std::vector<E>& mine,
                         int root, Check&& check, BlockOf&& block_of, const char* what);
}  // namespace detail

/// Sends `values[r]` from the root to each rank r and returns this rank's element: the
/// one-element-per-rank scatter of the lessons. The root's `values` must hold exactly size()
/// elements; otherwise every rank raises usage_error. Called by every rank of the communicator
/// with the same root.
template <class T>
[[nodiscard]] T scatter(const communicator& comm, const std::vector<T>& values, int root) {
  detail::check_sendable<T>();
  detail::check_rank(comm, root, "root");
  const bool is_root = comm.rank() == root;
  const auto p = static_cast<std::uint64_t>(comm.size());
  const auto wrong_length = [&](std::uint64_t n) {
    return usage_error("scatter: the root holds " + std::to_string(n) + " values for " +
                       std::to_string(p) + " ranks; use scatterv or scatter_balanced");
  };
  if constexpr (std::is_same_v<T, bool>) {
    // std::vector<bool> packs bits and has no data(): the root's values go as bytes.
    std::vector<unsigned char> bytes;
    if (is_root) bytes.assign(values.begin(), values.end());
    return scatter(comm, bytes, root) != 0;
  } else if constexpr (bytewise<T>) {
    if (detail::checks_on())
      detail::agree_blocking(comm.native(),
                             detail::signature_of<T>(detail::coll_kind::scatter, root, 1));
    const std::uint64_t n = detail::share_from_root(comm, root, is_root ? values.size() : 0);
    if (n != p) throw wrong_length(n);
    T mine{};
    RELAY_MPI(MPI_Scatter, is_root ? values.data() : nullptr, 1, datatype<T>(), &mine, 1,
              datatype<T>(), root, comm.native());
    return mine;
  } else {
    T mine{};
    detail::scatter_serialized(
        comm, root, mine,
        [&] {
          if (values.size() != p) throw wrong_length(values.size());
        },
        [&](std::size_t r, detail::byte_buffer& out) { detail::save(out, values[r]); },
        [&] { mine = values[static_cast<std::size_t>(root)]; }, "scatter");
    return mine;
  }
}

/// Sends `counts[r]` consecutive elements of the root's `data` to each rank r, in rank order (the
/// displacements are the running sums of the counts, as in MPI_Scatterv), and stores this rank's
/// piece in `mine`, reusing its memory (`data` and `mine` may be the same vector). `counts` is
/// read on the root only (pass `{}` elsewhere): it must have size() entries that sum to
/// data.size(), else every rank raises usage_error. Called by every rank of the communicator with
/// the same root.
template <class E>
void scatterv_into(const communicator& comm, const std::vector<E>& data,
                   std::span<const std::size_t> counts, std::vector<E>& mine, int root) {
  detail::check_rank(comm, root, "root");
  std::vector<std::size_t> offsets;
  const auto check = [&] {
    const auto p = static_cast<std::size_t>(comm.size());
    if (counts.size() != p)
      throw usage_error("scatterv: the root passes " + std::to_string(counts.size()) +
                        " counts for " + std::to_string(p) + " ranks");
    offsets.assign(p + 1, 0);
    for (std::size_t r = 0; r < p; ++r) offsets[r + 1] = offsets[r] + counts[r];
    if (offsets[p] != data.size())
      throw usage_error("scatterv: the counts add up to " + std::to_string(offsets[p]) +
                        " elements, but the root holds " + std::to_string(data.size()));
  };
  detail::scatter_blocks_into(
      comm, data, mine, root, check,
      [&](std::size_t r) {
        return range{offsets[r], offsets[r + 1]};
      },
      "scatterv");
}

/// As scatterv_into, returning this rank's piece by value.
template <class E>
[[nodiscard]] std::vector<E> scatterv(const communicator& comm, const std::vector<E>& data,
                                      std::span<const std::size_t> counts, int root) {
  std::vector<E> mine;
  scatterv_into(comm, data, counts, mine, root);
  return mine;
}

/// Splits the root's `data` into size() balanced pieces (lengths differ by at most one, the longer
/// first; see block_range) and stores this rank's piece in `mine`, reusing its memory (`data` and
/// `mine` may be the same vector). Works for any length, including fewer elements than ranks
/// (some pieces are then empty); nothing is lost or duplicated. Called by every rank of the
/// communicator with the same root.
template <class E>
void scatter_balanced_into(const communicator& comm, const std::vector<E>& data,
                           std::vector<E>& mine, int root) {
  detail::check_rank(comm, root, "root");
  const auto p = static_cast<std::uint64_t>(comm.size());
  detail::scatter_blocks_into(
      comm, data, mine, root, [] {}, [&](std::size_t r) { return block_range(data.size(), p, r); },
      "scatter_balanced");
}

/// As scatter_balanced_into, returning this rank's piece by value.
template <class E>
[[nodiscard]] std::vector<E> scatter_balanced(const communicator& comm, const std::vector<E>& data,
                                              int root) {
  std::vector<E> mine;
  scatter_balanced_into(comm, data, mine, root);
  return mine;
}

// ---- implementation ---------------------------------------------------------------------------

namespace detail {
/// The scatter of consecutive pieces of the root's `data`: `check()` runs first on the root (a
/// failure is announced to every rank), then piece r is `block_of(r)`, a range of `data`.
template <class E, class Check, class BlockOf>
void scatter_blocks_into(const communicator& comm, const std::vector<E>& data, std::vector<E>& mine,
                         int root, Check&& check, BlockOf&& block_of, const char* what) {
  const auto own = [&] {  // after the other pieces are saved or sent
    const range block = block_of(static_cast<std::size_t>(root));
    const auto begin = static_cast<std::ptrdiff_t>(block.begin);
    const auto end = static_cast<std::ptrdiff_t>(block.end);
    if (&data == &mine) {  // scatter into the same vector: cut it down to the root's piece
      mine.erase(mine.begin() + end, mine.end());
      mine.erase(mine.begin(), mine.begin() + begin);
    } else {
      mine.assign(data.begin() + begin, data.begin() + end);
    }
  };
  if constexpr (bytewise<E> && !std::is_same_v<E, bool>) {
    if (comm.rank() != root) {
      receive_piece(internal_comm(comm), root, detail::scatter_tag, datatype<E>(), sizeof(E), mine,
                    what);
      return;
    }
    try {
      check();
    } catch (...) {
      announce_root_failure(comm, root);
      throw;
    }
    send_pieces(comm, root, [&](std::size_t r) {
      const range block = block_of(r);
      return piece_wire{data.data() + block.begin, datatype<E>(), block.size(),
                        block.size() * sizeof(E)};
    });
    own();
  } else {
    scatter_serialized(
        comm, root, mine, check,
        [&](std::size_t r, byte_buffer& out) {
          const range block = block_of(r);
          const std::vector<E> piece(data.begin() + static_cast<std::ptrdiff_t>(block.begin),
                                     data.begin() + static_cast<std::ptrdiff_t>(block.end));
          save(out, piece);
        },
        own, what);
  }
}
}  // namespace detail

}  // namespace relay
