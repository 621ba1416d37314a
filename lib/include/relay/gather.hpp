#pragma once
/// \file
/// Gather: gather and allgather (one value per rank), gatherv and allgatherv (pieces of any
/// length, concatenated in rank order).
///
/// Like every rooted collective, gather and gatherv return std::optional: the result on the root,
/// std::nullopt on every other rank. Bytewise values and vectors of them go through MPI's own
/// collectives or the piece protocol straight into the result; other types are serialized.

#include <mpi.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <iterator>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "relay/communicator.hpp"
#include "relay/config.hpp"
#include "relay/datatype.hpp"
#include "relay/detail/checks.hpp"
#include "relay/detail/coll_check.hpp"
#include "relay/detail/payload.hpp"
#include "relay/detail/pieces.hpp"
#include "relay/error.hpp"
#include "relay/p2p.hpp"

namespace relay {

/// Gathers every rank's `value` on the root, in rank order: the root gets size() values, the
/// other ranks std::nullopt. Called by every rank of the communicator with the same root.
template <class T>
[[nodiscard]] std::optional<std::vector<T>> gather(const communicator& comm, const T& value,
                                                   int root) {
  detail::check_sendable<T>();
  detail::check_rank(comm, root, "root");
  const bool is_root = comm.rank() == root;
  std::vector<T> out;
  if constexpr (std::is_same_v<T, bool>) {
    // std::vector<bool> packs bits and has no data(): gathered as bytes.
    auto bytes = gather(comm, static_cast<unsigned char>(value), root);
    if (bytes) out.assign(bytes->begin(), bytes->end());
  } else if constexpr (bytewise<T>) {
    if (detail::checks_on())
      detail::agree_blocking(comm.native(),
                             detail::signature_of<T>(detail::coll_kind::gather, root, 1));
    if (is_root) out.resize(static_cast<std::size_t>(comm.size()));
    RELAY_MPI(MPI_Gather, &value, 1, datatype<T>(), out.data(), 1, datatype<T>(), root,
              comm.native());
  } else {
    if (is_root) out.reserve(static_cast<std::size_t>(comm.size()));
    detail::gather_serialized(
        comm, root, value,
        [&](std::size_t, std::span<const char> bytes) { out.push_back(detail::load<T>(bytes)); },
        "gather");
  }
  if (!is_root) return std::nullopt;
  return std::optional<std::vector<T>>(std::move(out));
}

/// Gathers every rank's `value` on every rank, in rank order. Called by every rank of the
/// communicator.
template <class T>
[[nodiscard]] std::vector<T> allgather(const communicator& comm, const T& value) {
  detail::check_sendable<T>();
  std::vector<T> out;
  if constexpr (std::is_same_v<T, bool>) {
    const auto bytes = allgather(comm, static_cast<unsigned char>(value));  // as in gather
    out.assign(bytes.begin(), bytes.end());
  } else if constexpr (bytewise<T>) {
    if (detail::checks_on())
      detail::agree_blocking(comm.native(),
                             detail::signature_of<T>(detail::coll_kind::allgather, 0, 1));
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

/// Concatenates every rank's `piece` (of any length, empty included) on the root, in rank order,
/// into `all`, reusing its memory; the other ranks' `all` is left alone. `piece` and `all` may be
/// the same vector. Each piece up to config::eager_bytes is one message, whose length the root
/// learns from the message itself; a larger one is announced by its size. No counts are exchanged
/// first. Called by every rank of the communicator with the same root.
template <class E>
void gatherv_into(const communicator& comm, const std::vector<E>& piece, std::vector<E>& all,
                  int root);

/// As gatherv_into, returning the concatenation on the root and std::nullopt elsewhere.
template <class E>
[[nodiscard]] std::optional<std::vector<E>> gatherv(const communicator& comm,
                                                    const std::vector<E>& piece, int root) {
  std::vector<E> all;
  gatherv_into(comm, piece, all, root);
  if (comm.rank() != root) return std::nullopt;
  return std::optional<std::vector<E>>(std::move(all));
}

/// Concatenates every rank's `piece` on every rank, in rank order. Called by every rank of the
/// communicator.
template <class E>
[[nodiscard]] std::vector<E> allgatherv(const communicator& comm, const std::vector<E>& piece) {
  return detail::allgatherv_any(comm, piece, "allgatherv");
}

// ---- implementation ---------------------------------------------------------------------------

template <class E>
void gatherv_into(const communicator& comm, const std::vector<E>& piece, std::vector<E>& all,
                  int root) {
  detail::check_rank(comm, root, "root");
  constexpr bool direct = bytewise<E> && !std::is_same_v<E, bool>;
  const bool aliased = &piece == &all;  // gatherv_into(v, v)
  if (comm.rank() != root) {
    detail::scratch_buffer scratch;
    const detail::wire w = detail::to_wire(piece, scratch.get());
    const std::size_t unit = direct ? sizeof(E) : 1;
    detail::send_piece({w.data, w.type, w.count, w.count * unit}, root, detail::gather_tag,
                       detail::internal_comm(comm));
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

}  // namespace relay
