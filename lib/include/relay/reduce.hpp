#pragma once
/// \file
/// Reductions: reduce, allreduce, reduce_into, allreduce_into.
///
/// Every rank's value is combined with an operation (see ops.hpp) in rank order. Bytewise values
/// and vectors of them (reduced element by element; std::vector<bool> through a buffer of bools)
/// use MPI's own reductions. Vectors must have the same length on every rank: a mismatch raises
/// usage_error on every rank (an allreduce checks inside its own first call; a reduce with one
/// extra small MPI_Allreduce). A moved-in vector (`v = relay::allreduce(world, std::move(v), op)`)
/// is reduced in its own memory and returned. Other types (big integers, strings) are serialized
/// and combined along a binomial tree in rank order, on relay's private duplicate of the
/// communicator.
///
/// Like every rooted collective, reduce returns std::optional: the result on the root,
/// std::nullopt on every other rank.

#include <optional>
#include <utility>

#include "relay/bcast.hpp"
#include "relay/communicator.hpp"
#include "relay/detail/checks.hpp"
#include "relay/detail/reduction.hpp"
#include "relay/detail/tree_reduce.hpp"
#include "relay/ops.hpp"

namespace relay {

/// Combines every rank's `value` with `op` in rank order and returns the result on `root`;
/// the other ranks get std::nullopt. For vectors the combination is element-wise and every rank
/// must pass the same length (else every rank raises usage_error). Called by every rank of the
/// communicator with the same root.
template <class T, class Op>
[[nodiscard]] std::optional<T> reduce(const communicator& comm, const T& value, Op op, int root) {
  detail::check_sendable<T>();
  detail::check_rank(comm, root, "root");
  if constexpr (detail::mpi_reducible<T>) {
    T out = detail::mpi_reduce(comm, value, op, root, detail::reduce_kind::reduce);
    if (comm.rank() != root) return std::nullopt;
    return std::optional<T>(std::move(out));
  } else if constexpr (detail::is_bool_vector<T>) {
    auto out = detail::mpi_reduce_bools(comm, value, op, root, detail::reduce_kind::reduce);
    if (comm.rank() != root) return std::nullopt;
    return std::optional<T>(std::move(out));
  } else {
    return detail::tree_reduce_to(comm, T(value), op, root);
  }
}

/// As reduce, in the memory of the moved-in `value`: `auto r = relay::reduce(world, std::move(v),
/// op, root)` reduces a vector with MPI_IN_PLACE at the root, whose result holds the same buffer
/// (relay allocates and copies nothing; Open MPI itself copies the root's operand for an in-place
/// reduce). Serialized values are moved into the tree instead of copied. Called by every rank of
/// the communicator with the same root.
template <class T, class Op>
requires detail::moved_in<T>
[[nodiscard]] std::optional<T> reduce(const communicator& comm, T&& value, Op op, int root) {
  detail::check_sendable<T>();
  if constexpr (detail::reducible_in_place<T>) {
    detail::check_rank(comm, root, "root");
    detail::mpi_reduce(comm, value, value, op, root, detail::reduce_kind::reduce);
    if (comm.rank() != root) return std::nullopt;
    return std::optional<T>(std::move(value));
  } else if constexpr (detail::mpi_reducible<T> || detail::is_bool_vector<T>) {
    return reduce(comm, std::as_const(value), op, root);
  } else {
    detail::check_rank(comm, root, "root");
    return detail::tree_reduce_to(comm, std::move(value), op, root);
  }
}

/// As reduce, into `result` on the root, reusing its memory (a loop that reduces into one vector
/// allocates nothing once warm); the other ranks' `result` is left alone. `value` and `result`
/// may be the same object (the reduction then runs in place). For bytewise values and vectors of
/// them. Called by every rank of the communicator with the same root.
template <class T, class Op>
requires detail::mpi_reducible<T>
void reduce_into(const communicator& comm, const T& value, T& result, Op op, int root) {
  detail::check_rank(comm, root, "root");
  detail::mpi_reduce(comm, value, result, op, root, detail::reduce_kind::reduce);
}

/// As reduce, with the result on every rank. Called by every rank of the communicator.
template <class T, class Op>
[[nodiscard]] T allreduce(const communicator& comm, const T& value, Op op) {
  detail::check_sendable<T>();
  if constexpr (detail::mpi_reducible<T>) {
    return detail::mpi_reduce(comm, value, op, 0, detail::reduce_kind::allreduce);
  } else if constexpr (detail::is_bool_vector<T>) {
    return detail::mpi_reduce_bools(comm, value, op, 0, detail::reduce_kind::allreduce);
  } else {
    return bcast(comm, detail::tree_reduce(comm, T(value), op), 0);
  }
}

/// As allreduce, in the memory of the moved-in `value`: `v = relay::allreduce(world, std::move(v),
/// op)` reduces a vector with MPI_IN_PLACE and returns the same buffer, so nothing is allocated or
/// copied. Serialized values are moved into the tree instead of copied. Called by every rank of
/// the communicator.
template <class T, class Op>
requires detail::moved_in<T>
[[nodiscard]] T allreduce(const communicator& comm, T&& value, Op op) {
  detail::check_sendable<T>();
  if constexpr (detail::reducible_in_place<T>) {
    detail::mpi_reduce(comm, value, value, op, 0, detail::reduce_kind::allreduce);
    return std::move(value);
  } else if constexpr (detail::mpi_reducible<T> || detail::is_bool_vector<T>) {
    return allreduce(comm, std::as_const(value), op);
  } else {
    return bcast(comm, detail::tree_reduce(comm, std::move(value), op), 0);
  }
}

/// As allreduce, into `result`, reusing its memory (in place when `value` is `result`). For
/// bytewise values and vectors of them. Called by every rank of the communicator.
template <class T, class Op>
requires detail::mpi_reducible<T>
void allreduce_into(const communicator& comm, const T& value, T& result, Op op) {
  detail::mpi_reduce(comm, value, result, op, 0, detail::reduce_kind::allreduce);
}

}  // namespace relay
