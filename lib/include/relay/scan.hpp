#pragma once
/// \file
/// Prefix reductions: scan (inclusive) and exscan (exclusive).
///
/// Values are combined in rank order, so non-commutative operations are safe. Bytewise values and
/// vectors of them use MPI_Scan and MPI_Exscan (vectors must have the same length on every rank,
/// checked with one extra small MPI_Allreduce); other types are serialized and combined by
/// recursive doubling on relay's private duplicate of the communicator. A moved-in vector is
/// scanned in its own memory (MPI_IN_PLACE).

#include <optional>
#include <utility>

#include "relay/communicator.hpp"
#include "relay/detail/reduction.hpp"
#include "relay/detail/tree_reduce.hpp"
#include "relay/ops.hpp"

namespace relay {

/// Inclusive prefix reduction: rank r gets op(v0, v1, ..., vr). Called by every rank of the
/// communicator.
template <class T, class Op>
[[nodiscard]] T scan(const communicator& comm, const T& value, Op op) {
  detail::check_sendable<T>();
  if constexpr (detail::mpi_reducible<T>)
    return detail::mpi_reduce(comm, value, op, 0, detail::reduce_kind::scan);
  else if constexpr (detail::is_bool_vector<T>)
    return detail::mpi_reduce_bools(comm, value, op, 0, detail::reduce_kind::scan);
  else
    return *detail::doubling_scan(comm, value, op, /*exclusive=*/false);
}

/// As scan, in the memory of the moved-in `value` (MPI_IN_PLACE for vectors on MPI's path).
/// Called by every rank of the communicator.
template <class T, class Op>
requires detail::moved_in<T>
[[nodiscard]] T scan(const communicator& comm, T&& value, Op op) {
  detail::check_sendable<T>();
  if constexpr (detail::reducible_in_place<T>) {
    detail::mpi_reduce(comm, value, value, op, 0, detail::reduce_kind::scan);
    return std::move(value);
  } else {
    return scan(comm, std::as_const(value), op);
  }
}

/// Exclusive prefix reduction: rank r > 0 gets op(v0, ..., v(r-1)); rank 0 gets std::nullopt,
/// since nothing precedes it. Called by every rank of the communicator.
template <class T, class Op>
[[nodiscard]] std::optional<T> exscan(const communicator& comm, const T& value, Op op) {
  detail::check_sendable<T>();
  if constexpr (detail::mpi_reducible<T>) {
    T out = detail::mpi_reduce(comm, value, op, 0, detail::reduce_kind::exscan);
    if (comm.rank() == 0) return std::nullopt;
    return std::optional<T>(std::move(out));
  } else if constexpr (detail::is_bool_vector<T>) {
    auto out = detail::mpi_reduce_bools(comm, value, op, 0, detail::reduce_kind::exscan);
    if (comm.rank() == 0) return std::nullopt;
    return std::optional<T>(std::move(out));
  } else {
    return detail::doubling_scan(comm, value, op, /*exclusive=*/true);
  }
}

/// As exscan, in the memory of the moved-in `value` (MPI_IN_PLACE for vectors on MPI's path);
/// rank 0 gets std::nullopt. Called by every rank of the communicator.
template <class T, class Op>
requires detail::moved_in<T>
[[nodiscard]] std::optional<T> exscan(const communicator& comm, T&& value, Op op) {
  detail::check_sendable<T>();
  if constexpr (detail::reducible_in_place<T>) {
    detail::mpi_reduce(comm, value, value, op, 0, detail::reduce_kind::exscan);
    if (comm.rank() == 0) return std::nullopt;
    return std::optional<T>(std::move(value));
  } else {
    return exscan(comm, std::as_const(value), op);
  }
}

/// Exclusive prefix reduction with an identity: rank 0 gets `identity` (e.g. 0 for a sum, which
/// gives each rank its offset). Called by every rank of the communicator.
template <class T, class Op>
[[nodiscard]] T exscan(const communicator& comm, const T& value, Op op, const T& identity) {
  detail::check_sendable<T>();
  auto out = exscan(comm, value, op);
  return out ? std::move(*out) : identity;
}

/// As exscan with an identity, in the memory of the moved-in `value` (rank 0 gets `identity`).
/// Called by every rank of the communicator.
template <class T, class Op>
requires detail::moved_in<T>
[[nodiscard]] T exscan(const communicator& comm, T&& value, Op op, const T& identity) {
  detail::check_sendable<T>();
  auto out = exscan(comm, std::move(value), op);
  return out ? std::move(*out) : identity;
}

}  // namespace relay
