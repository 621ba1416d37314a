#pragma once
/// \file
/// Non-blocking reductions: ireduce, iallreduce, iscan, iexscan and the `_into` forms (see
/// icollectives.hpp for how non-blocking collectives run).
///
/// A bytewise value or a vector of them with one of MPI's own operations (ops::plus, ops::max,
/// ...; see ops.hpp) is one MPI_Ireduce, MPI_Iallreduce, MPI_Iscan or MPI_Iexscan, from and into
/// the request's memory (the moved-in value and the result). Vectors must then have the same
/// length on every rank. Unlike the blocking calls, this is checked only with collective checks
/// on (relay::check_collectives, RELAY_CHECK_COLLECTIVES=1: an agreement step before the MPI
/// call, a round trip that about doubles a small iallreduce; docs/library.md has the figures);
/// with them off a mismatch is an MPI error, a short result or a hang.
///
/// Every other case (serialized values, strings, user operations on any type) always runs that
/// agreement first (the type, and a vector's length, must match on every rank, else every
/// rank's wait() raises usage_error), then sends each value as a piece to the ranks that need
/// it, and each of them combines the values in rank order, so non-commutative operations are safe
/// and every rank's result is the same.

#include <mpi.h>

#include <climits>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "relay/detail/reduce_op.hpp"
#include "relay/detail/reduction.hpp"
#include "relay/icollectives.hpp"
#include "relay/ops.hpp"

namespace relay {

namespace detail {
/// True when MPI reduces T with Op by itself: a bytewise value or a vector of bytewise elements,
/// and one of MPI's built-in operations (a user MPI_Op would run in MPI's progress, away from the
/// caller's operation object).
template <class T>
inline constexpr bool mpi_reduces = mpi_reducible<T> && !is_bool_vector<T>;
template <class T, class Op>
bool mpi_ireducible() {
  if constexpr (mpi_reduces<T>)
    return builtin_op<Op, typename reduce_view<T>::element>() != MPI_OP_NULL;
  else
    return false;
}

/// The collective that a reduction of this kind is.
constexpr coll_kind coll_kind_of(reduce_kind kind) noexcept {
  switch (kind) {
    case reduce_kind::reduce:
      return coll_kind::ireduce;
    case reduce_kind::allreduce:
      return coll_kind::iallreduce;
    case reduce_kind::scan:
      return coll_kind::iscan;
    case reduce_kind::exscan:
      return coll_kind::iexscan;
  }
  return coll_kind::iallreduce;
}

/// Posts one MPI_I* reduction of `count` elements of `in` into `out` in `r`.
inline void start_mpi_reduction(const void* in, void* out, int count, MPI_Datatype type, MPI_Op op,
                                MPI_Comm comm, int root, reduce_kind kind, MPI_Request* r) {
  switch (kind) {
    case reduce_kind::reduce:
      RELAY_MPI(MPI_Ireduce, in, out, count, type, op, root, comm, r);
      break;
    case reduce_kind::allreduce:
      RELAY_MPI(MPI_Iallreduce, in, out, count, type, op, comm, r);
      break;
    case reduce_kind::scan:
      RELAY_MPI(MPI_Iscan, in, out, count, type, op, comm, r);
      break;
    case reduce_kind::exscan:
      RELAY_MPI(MPI_Iexscan, in, out, count, type, op, comm, r);
      break;
  }
}

/// One MPI_I* reduction of `s->input` into `s->value` (`out` points into value), after the
/// agreement when collective checks are on (the element type and count then match on every
/// rank, or the start raises usage_error on every rank).
template <class R, class T, class Op>
void start_mpi_reduction(mpi_coll_state<R, T>& s, void* out, const Op&, const communicator& comm,
                         int root, reduce_kind kind) {
  using E = typename reduce_view<T>::element;
  const std::size_t n = reduce_view<T>::size(s.input);
  if (n > static_cast<std::size_t>(INT_MAX))
    throw usage_error("a non-blocking reduction takes at most 2^31-1 elements");
  const int count = static_cast<int>(n);
  const void* in = reduce_view<T>::data(s.input);
  const MPI_Op op = builtin_op<Op, E>();
  s.start_checked(comm, signature_of<E>(coll_kind_of(kind), root, count),
                  [=, c = comm.native()](MPI_Request* r) {
                    start_mpi_reduction(in, out, count, datatype<E>(), op, c, root, kind, r);
                  });
}

/// The MPI path: the result is a T (or std::optional<T> when `optional`), sized like `value`.
template <bool optional, class T, class Op>
auto mpi_ireduction(const communicator& comm, T value, const Op& op, int root, reduce_kind kind,
                    bool has_result) {
  using R = std::conditional_t<optional, std::optional<T>, T>;
  auto s = std::make_unique<mpi_coll_state<R, T>>();
  s->input = std::move(value);
  void* out = nullptr;
  if (has_result) {
    T& result = [&]() -> T& {
      if constexpr (optional)
        return s->value.emplace(s->input);
      else
        return s->value = s->input;
    }();
    out = reduce_view<T>::data(result);
  }
  start_mpi_reduction(*s, out, op, comm, root, kind);
  return mpi_request(std::move(s));
}

/// op(a, b), element by element for vectors (as the blocking reductions), which must then have
/// the same length.
template <class T, class Op>
T combine(const Op& op, T a, T b, const char* what) {
  if constexpr (mpi_reducible<T> && !bytewise<T>) {
    if (a.size() != b.size())
      throw usage_error(std::string(what) + ": the vectors have different lengths (" +
                        std::to_string(a.size()) + " and " + std::to_string(b.size()) + ")");
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = op(a[i], b[i]);
    return a;
  } else {
    return T(op(std::move(a), std::move(b)));
  }
}

/// The pieces path: this rank's value goes to the ranks in `to`, the values of the ranks in
/// `from` come here; the result is the fold in rank order of the values of ranks [0, upto).
template <bool optional, class T, class Op>
auto piece_ireduction(const communicator& comm, T value, const Op& op, coll_kind kind,
                      bool (*sends_to)(int self, int peer, int root), int root, int upto) {
  using R = std::conditional_t<optional, std::optional<T>, T>;
  std::int64_t count = -1;  // a vector's length, which must be the same on every rank
  if constexpr (mpi_reducible<T> && !bytewise<T>) count = static_cast<std::int64_t>(value.size());
  auto s = std::make_unique<exchange_op<R>>(comm, signature_of<T>(kind, root, count));
  const char* what = s->what;
  const int me = comm.rank();
  byte_buffer& out = s->outgoing(0);
  to_piece(value, out);
  for (int r = 0; r < comm.size(); ++r) {
    if (r == me) continue;
    if (sends_to(me, r, root)) s->send(r, {out.data(), out.size()});
    if (r < upto && sends_to(r, me, root)) s->expect(r);
  }
  if (upto > 0)
    s->make = [mine = std::move(value), op, upto, what](exchange_op<R>& y) mutable {
      std::optional<T> acc;
      for (int r = 0; r < upto; ++r) {
        T v{};
        if (r == y.rank())
          v = std::move(mine);
        else
          from_piece(piece_of(y, r), v);
        acc = acc ? combine(op, std::move(*acc), std::move(v), what) : std::move(v);
      }
      y.value = std::move(*acc);
    };
  return exchange_request(std::move(s));
}
}  // namespace detail

/// Starts combining every rank's `value` with `op` in rank order; wait() returns the result on
/// `root` and std::nullopt elsewhere. Called by every rank with the same root.
template <class T, class Op>
[[nodiscard]] coll_request<std::optional<T>> ireduce(const communicator& comm, T value, Op op,
                                                     int root) {
  detail::check_sendable<T>();
  detail::check_rank(comm, root, "root");
  const bool is_root = comm.rank() == root;
  if constexpr (detail::mpi_reduces<T>)
    if (detail::mpi_ireducible<T, Op>())
      return detail::mpi_ireduction<true>(comm, std::move(value), op, root,
                                          detail::reduce_kind::reduce, is_root);
  return detail::piece_ireduction<true>(
      comm, std::move(value), op, detail::coll_kind::ireduce,
      [](int, int peer, int r) { return peer == r; }, root, is_root ? comm.size() : 0);
}

/// Starts combining every rank's `value` with `op` in rank order; wait() returns the result on
/// every rank. Called by every rank.
template <class T, class Op>
[[nodiscard]] coll_request<T> iallreduce(const communicator& comm, T value, Op op) {
  detail::check_sendable<T>();
  if constexpr (detail::mpi_reduces<T>)
    if (detail::mpi_ireducible<T, Op>())
      return detail::mpi_ireduction<false>(comm, std::move(value), op, 0,
                                           detail::reduce_kind::allreduce, true);
  return detail::piece_ireduction<false>(
      comm, std::move(value), op, detail::coll_kind::iallreduce, [](int, int, int) { return true; },
      0, comm.size());
}

/// Starts the inclusive prefix reduction: wait() returns op(v0, ..., vr) on rank r. Called by
/// every rank.
template <class T, class Op>
[[nodiscard]] coll_request<T> iscan(const communicator& comm, T value, Op op) {
  detail::check_sendable<T>();
  if constexpr (detail::mpi_reduces<T>)
    if (detail::mpi_ireducible<T, Op>())
      return detail::mpi_ireduction<false>(comm, std::move(value), op, 0, detail::reduce_kind::scan,
                                           true);
  return detail::piece_ireduction<false>(
      comm, std::move(value), op, detail::coll_kind::iscan,
      [](int self, int peer, int) { return peer > self; }, 0, comm.rank() + 1);
}

/// Starts the exclusive prefix reduction: wait() returns op(v0, ..., v(r-1)) on rank r > 0 and
/// std::nullopt on rank 0. Called by every rank.
template <class T, class Op>
[[nodiscard]] coll_request<std::optional<T>> iexscan(const communicator& comm, T value, Op op) {
  detail::check_sendable<T>();
  if constexpr (detail::mpi_reduces<T>)
    if (detail::mpi_ireducible<T, Op>()) {
      // MPI leaves rank 0's result undefined: it gets none.
      return detail::mpi_ireduction<true>(comm, std::move(value), op, 0,
                                          detail::reduce_kind::exscan, comm.rank() != 0);
    }
  return detail::piece_ireduction<true>(
      comm, std::move(value), op, detail::coll_kind::iexscan,
      [](int self, int peer, int) { return peer > self; }, 0, comm.rank());
}

/// Starts reducing the spans `in` (the same length on every rank) with one of MPI's own
/// operations into the root's `out` (MPI_Ireduce on the caller's memory; `out` is not touched
/// elsewhere, pass `{}`). Throws usage_error at once for an operation that MPI does not have or
/// an `out` shorter than `in` on the root. Called by every rank with the same root.
template <bytewise E, class Op>
[[nodiscard]] coll_request<> ireduce_into(const communicator& comm, std::span<const E> in,
                                          std::span<E> out, Op, int root) {
  detail::check_rank(comm, root, "root");
  const MPI_Op op = detail::builtin_op<Op, E>();
  if (op == MPI_OP_NULL)
    throw usage_error("ireduce_into: the operation is not one of MPI's own; use ireduce");
  if (comm.rank() == root && out.size() < in.size())
    detail::bad_length("ireduce_into", out.size(), in.size());
  if (in.size() > static_cast<std::size_t>(INT_MAX))
    throw usage_error("ireduce_into: at most 2^31-1 elements");
  auto s = std::make_unique<detail::mpi_coll_state<detail::no_value>>();
  const int n = static_cast<int>(in.size());
  s->start_checked(comm, detail::signature_of<E>(detail::coll_kind::ireduce, root, n),
                   [in, out, n, op, root, c = comm.native()](MPI_Request* r) {
                     RELAY_MPI(MPI_Ireduce, in.data(), out.data(), n, datatype<E>(), op, root, c,
                               r);
                   });
  return detail::mpi_request(std::move(s));
}

/// As ireduce_into, with the result in every rank's `out` (MPI_Iallreduce).
template <bytewise E, class Op>
[[nodiscard]] coll_request<> iallreduce_into(const communicator& comm, std::span<const E> in,
                                             std::span<E> out, Op) {
  const MPI_Op op = detail::builtin_op<Op, E>();
  if (op == MPI_OP_NULL)
    throw usage_error("iallreduce_into: the operation is not one of MPI's own; use iallreduce");
  if (out.size() < in.size()) detail::bad_length("iallreduce_into", out.size(), in.size());
  if (in.size() > static_cast<std::size_t>(INT_MAX))
    throw usage_error("iallreduce_into: at most 2^31-1 elements");
  auto s = std::make_unique<detail::mpi_coll_state<detail::no_value>>();
  const int n = static_cast<int>(in.size());
  s->start_checked(comm, detail::signature_of<E>(detail::coll_kind::iallreduce, 0, n),
                   [in, out, n, op, c = comm.native()](MPI_Request* r) {
                     RELAY_MPI(MPI_Iallreduce, in.data(), out.data(), n, datatype<E>(), op, c, r);
                   });
  return detail::mpi_request(std::move(s));
}

}  // namespace relay
