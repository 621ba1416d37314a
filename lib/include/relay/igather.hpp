#pragma once
/// \file
/// Non-blocking gathers: igather, igatherv, iallgather, iallgatherv and the `_into` forms (see
/// icollectives.hpp for how non-blocking collectives run).

#include <mpi.h>

#include <cstddef>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "relay/icollectives.hpp"

namespace relay {

namespace detail {
/// Sends this rank's piece `mine` to `dests` (every rank but this one, or the root) and expects
/// one from every other rank if `receive`; the result is made by `make`.
template <class R, class T>
void exchange_pieces(exchange_op<R>& x, const T& mine, int root, bool receive) {
  byte_buffer& out = x.outgoing(0);
  to_piece(mine, out);
  const std::span<const char> bytes(out.data(), out.size());
  for (int r = 0; r < x.size(); ++r) {
    if (r == x.rank()) continue;
    if (root < 0 || r == root) x.send(r, bytes);
    if (receive) x.expect(r);
  }
}
}  // namespace detail

/// Starts gathering every rank's `value` on the root, in rank order; wait() returns the size()
/// values on the root and std::nullopt elsewhere. A bytewise value is one MPI_Igather straight
/// into the result; other values are sent as pieces. Called by every rank with the same root.
template <class T>
[[nodiscard]] coll_request<std::optional<std::vector<T>>> igather(const communicator& comm,
                                                                  const T& value, int root) {
  detail::check_sendable<T>();
  detail::check_rank(comm, root, "root");
  using R = std::optional<std::vector<T>>;
  const bool is_root = comm.rank() == root;
  if constexpr (detail::mpi_direct<T>) {
    auto s = std::make_unique<detail::mpi_coll_state<R, T>>();
    s->input = value;
    if (is_root) s->value.emplace(static_cast<std::size_t>(comm.size()));
    s->start_checked(comm, detail::signature_of<T>(detail::coll_kind::igather, root, 1),
                     [in = &s->input, out = is_root ? s->value->data() : nullptr, root,
                      c = comm.native()](MPI_Request* r) {
                       RELAY_MPI(MPI_Igather, in, 1, datatype<T>(), out, 1, datatype<T>(), root, c,
                                 r);
                     });
    return detail::mpi_request(std::move(s));
  } else {
    auto s = std::make_unique<detail::exchange_op<R>>(
        comm, detail::signature_of<T>(detail::coll_kind::igather, root));
    detail::exchange_pieces(*s, value, root, is_root);
    if (is_root)
      s->make = [mine = value](detail::exchange_op<R>& y) {
        y.value.emplace(static_cast<std::size_t>(y.size()));
        for (int r = 0; r < y.size(); ++r)
          if (r == y.rank())
            (*y.value)[static_cast<std::size_t>(r)] = mine;
          else
            detail::from_piece(detail::piece_of(y, r), (*y.value)[static_cast<std::size_t>(r)]);
      };
    return detail::exchange_request(std::move(s));
  }
}

/// Starts gathering every rank's `value` on every rank, in rank order; wait() returns the size()
/// values. A bytewise value is one MPI_Iallgather straight into the result. Called by every rank.
template <class T>
[[nodiscard]] coll_request<std::vector<T>> iallgather(const communicator& comm, const T& value) {
  detail::check_sendable<T>();
  using R = std::vector<T>;
  if constexpr (detail::mpi_direct<T>) {
    auto s = std::make_unique<detail::mpi_coll_state<R, T>>();
    s->input = value;
    s->value.resize(static_cast<std::size_t>(comm.size()));
    s->start_checked(comm, detail::signature_of<T>(detail::coll_kind::iallgather, 0, 1),
                     [in = &s->input, out = s->value.data(), c = comm.native()](MPI_Request* r) {
                       RELAY_MPI(MPI_Iallgather, in, 1, datatype<T>(), out, 1, datatype<T>(), c, r);
                     });
    return detail::mpi_request(std::move(s));
  } else {
    auto s = std::make_unique<detail::exchange_op<R>>(
        comm, detail::signature_of<T>(detail::coll_kind::iallgather, 0));
    detail::exchange_pieces(*s, value, -1, true);
    s->make = [mine = value](detail::exchange_op<R>& y) {
      y.value.resize(static_cast<std::size_t>(y.size()));
      for (int r = 0; r < y.size(); ++r)
        if (r == y.rank())
          y.value[static_cast<std::size_t>(r)] = mine;
        else
          detail::from_piece(detail::piece_of(y, r), y.value[static_cast<std::size_t>(r)]);
    };
    return detail::exchange_request(std::move(s));
  }
}

namespace detail {
/// The concatenation, in rank order, of this rank's `mine` and the pieces of the others.
template <class E>
std::vector<E> concatenate(exchange_op<std::vector<E>>& y, std::vector<E>& mine) {
  std::vector<E> all;
  std::vector<E> part;
  for (int r = 0; r < y.size(); ++r) {
    if (r == y.rank()) {
      all.insert(all.end(), std::make_move_iterator(mine.begin()),
                 std::make_move_iterator(mine.end()));
      continue;
    }
    from_piece(piece_of(y, r), part);
    all.insert(all.end(), std::make_move_iterator(part.begin()),
               std::make_move_iterator(part.end()));
  }
  return all;
}
}  // namespace detail

/// Starts concatenating every rank's `piece` (any length) on the root, in rank order; wait()
/// returns the concatenation on the root and std::nullopt elsewhere. Each piece travels with its
/// size, so no counts are exchanged first; the root copies the pieces into one vector when the
/// last has arrived. Called by every rank with the same root.
template <class E>
[[nodiscard]] coll_request<std::optional<std::vector<E>>> igatherv(const communicator& comm,
                                                                   std::vector<E> piece, int root) {
  detail::check_sendable<std::vector<E>>();
  detail::check_rank(comm, root, "root");
  using R = std::optional<std::vector<E>>;
  auto s = std::make_unique<detail::exchange_op<R>>(
      comm, detail::signature_of<std::vector<E>>(detail::coll_kind::igatherv, root));
  const bool is_root = comm.rank() == root;
  if (!is_root) {
    detail::exchange_pieces(*s, piece, root, false);
    return detail::exchange_request(std::move(s));
  }
  for (int r = 0; r < comm.size(); ++r)
    if (r != root) s->expect(r);
  s->make = [mine = std::move(piece)](detail::exchange_op<R>& y) mutable {
    y.value.emplace();
    std::vector<E> part;
    for (int r = 0; r < y.size(); ++r) {
      std::vector<E>& from = r == y.rank() ? mine : part;
      if (r != y.rank()) detail::from_piece(detail::piece_of(y, r), part);
      y.value->insert(y.value->end(), std::make_move_iterator(from.begin()),
                      std::make_move_iterator(from.end()));
    }
  };
  return detail::exchange_request(std::move(s));
}

/// Starts concatenating every rank's `piece` on every rank, in rank order; wait() returns the
/// concatenation. Called by every rank.
template <class E>
[[nodiscard]] coll_request<std::vector<E>> iallgatherv(const communicator& comm,
                                                       std::vector<E> piece) {
  detail::check_sendable<std::vector<E>>();
  using R = std::vector<E>;
  auto s = std::make_unique<detail::exchange_op<R>>(
      comm, detail::signature_of<R>(detail::coll_kind::iallgatherv, 0));
  detail::exchange_pieces(*s, piece, -1, true);
  s->make = [mine = std::move(piece)](detail::exchange_op<R>& y) mutable {
    y.value = detail::concatenate(y, mine);
  };
  return detail::exchange_request(std::move(s));
}

/// Starts gathering every rank's `piece` (the same length on every rank) into the root's `all`,
/// in rank order: one MPI_Igather on the caller's memory. `all` is written on the root only
/// (pass `{}` elsewhere) and must hold piece.size() * size() elements; if it does not, the
/// root's wait() raises usage_error and the pieces are dropped. Called by every rank.
template <bytewise E>
[[nodiscard]] coll_request<> igather_into(const communicator& comm, std::span<const E> piece,
                                          std::span<E> all, int root) {
  detail::check_rank(comm, root, "root");
  auto s = std::make_unique<detail::mpi_coll_state<detail::no_value, std::vector<E>>>();
  void* to = all.data();
  const std::size_t want = piece.size() * static_cast<std::size_t>(comm.size());
  if (comm.rank() == root && all.size() != want) {
    try {
      detail::bad_length("igather_into", all.size(), want);
    } catch (...) {
      s->local_failure = std::current_exception();
    }
    s->input.resize(want);
    to = s->input.data();
  }
  s->start_checked(comm,
                   detail::signature_of<E>(detail::coll_kind::igather, root,
                                           static_cast<std::int64_t>(piece.size())),
                   [piece, to, root, c = comm.native()](MPI_Request* r) {
                     detail::counted_type ct(datatype<E>(), piece.size());
                     RELAY_MPI(MPI_Igather, piece.data(), ct.count(), ct.type(), to, ct.count(),
                               ct.type(), root, c, r);
                   });
  return detail::mpi_request(std::move(s));
}

/// As igather_into, into every rank's `all` (MPI_Iallgather); a rank whose `all` is not
/// piece.size() * size() long raises usage_error in its own wait().
template <bytewise E>
[[nodiscard]] coll_request<> iallgather_into(const communicator& comm, std::span<const E> piece,
                                             std::span<E> all) {
  auto s = std::make_unique<detail::mpi_coll_state<detail::no_value, std::vector<E>>>();
  void* to = all.data();
  const std::size_t want = piece.size() * static_cast<std::size_t>(comm.size());
  if (all.size() != want) {
    try {
      detail::bad_length("iallgather_into", all.size(), want);
    } catch (...) {
      s->local_failure = std::current_exception();
    }
    s->input.resize(want);
    to = s->input.data();
  }
  s->start_checked(comm,
                   detail::signature_of<E>(detail::coll_kind::iallgather, 0,
                                           static_cast<std::int64_t>(piece.size())),
                   [piece, to, c = comm.native()](MPI_Request* r) {
                     detail::counted_type ct(datatype<E>(), piece.size());
                     RELAY_MPI(MPI_Iallgather, piece.data(), ct.count(), ct.type(), to, ct.count(),
                               ct.type(), c, r);
                   });
  return detail::mpi_request(std::move(s));
}

}  // namespace relay
