#pragma once
/// \file
/// Non-blocking collectives: ibarrier, ibcast, iscatter, iscatterv (here), igather, igatherv,
/// iallgather, iallgatherv (igather.hpp), ireduce, iallreduce, iscan, iexscan (ireduce.hpp).
///
/// Each takes the arguments of its blocking twin and returns a coll_request, whose wait() returns
/// what the blocking call returns and whose test() returns it as a std::optional. Every rank
/// starts the collectives of one communicator in the same order, as MPI requires; they may then
/// be waited for in any order, and mix with isend and irecv requests in wait_all and wait_any.
///
/// A mismatched call (another collective, root, type or count on some rank) raises usage_error
/// in every rank's wait(), no data moved: always on the pieces path, on MPI's when checks are on.
///
/// Two paths (docs/library.md, "Non-blocking collectives", has the progress rule):
/// - **MPI's own**: a bytewise value, and the `_into` forms over spans of bytewise elements, are
///   one MPI_I* call (MPI_Ibcast, MPI_Iscatter, ...) on the caller's communicator, reading and
///   writing the caller's memory or the request's (a moved-in value) with no copy. MPI moves them
///   on inside any MPI call of this process.
/// - **Pieces**: vectors of unknown length, serialized values and user operations on them travel
///   as pieces (a header with the size, then the bytes) sent with MPI_Isend/MPI_Irecv on relay's
///   private duplicate of the communicator, with tags of their own per collective, so that they
///   never meet the user's messages or another collective's. Every send, and the receive of
///   every header, is posted when the collective starts; the receive of a piece's data is posted
///   by relay's progress in any thread (every test and wait, iprobe, the blocking receives) once
///   its header arrived, and the result (a deserialization, a fold in rank order) is made by the
///   owner's wait or test that sees the last piece.
///
/// Values given by value are moved into the request (move them in to avoid a copy); a span given
/// to an `_into` form must stay alive and untouched until the request completes.

#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "relay/coll_request.hpp"
#include "relay/communicator.hpp"
#include "relay/datatype.hpp"
#include "relay/detail/checks.hpp"
#include "relay/detail/icoll.hpp"
#include "relay/error.hpp"
#include "relay/serialization.hpp"

namespace relay {

namespace detail {
/// True for the values that MPI's own collectives move (std::vector<bool> has no data()).
template <class T>
inline constexpr bool mpi_direct = bytewise<T> && !std::is_same_v<T, bool>;

/// The bytes of `value` as a piece: its own bytes, a vector's elements, or its archive.
template <class T>
void to_piece(const T& value, byte_buffer& out) {
  if constexpr (bytewise<T>) {
    out.append(reinterpret_cast<const char*>(&value), sizeof(T));
  } else if constexpr (resizable_contiguous<T>) {
    out.append(reinterpret_cast<const char*>(value.data()), value.size() * sizeof(element_t<T>));
  } else {
    save(out, value);
  }
}
/// The value of a piece made by to_piece.
template <class T>
void from_piece(std::span<const char> in, T& value) {
  if constexpr (bytewise<T>) {
    if (in.size() != sizeof(T)) throw error("a collective's piece has the wrong size for its type");
    std::memcpy(&value, in.data(), sizeof(T));
  } else if constexpr (resizable_contiguous<T>) {
    using E = element_t<T>;
    if (in.size() % sizeof(E) != 0)
      throw error("a collective's piece has the wrong size for its type");
    value.resize(in.size() / sizeof(E));
    if (!in.empty()) std::memcpy(value.data(), in.data(), in.size());
  } else {
    load(in, value);
  }
}
/// The piece received from `source`.
template <class T>
std::span<const char> piece_of(exchange_op<T>& x, int source) {
  const auto& b = x.in[static_cast<std::size_t>(source)];
  return {b.data(), b.size()};
}
/// One MPI_I* call's request.
template <class T, class In = no_value>
auto mpi_request(std::unique_ptr<mpi_coll_state<T, In>> s) {
  using R = std::conditional_t<std::is_same_v<T, no_value>, void, T>;
  void* v = &s->value;
  return coll_request<R>(std::move(s), v);
}
/// A piece exchange's request, started.
template <class T>
coll_request<T> exchange_request(std::unique_ptr<exchange_op<T>> s) {
  s->start();
  void* v = &s->value;
  return coll_request<T>(std::move(s), v);
}
/// Throws usage_error for an `_into` root whose buffer has the wrong length.
[[noreturn]] inline void bad_length(const char* what, std::size_t got, std::size_t want) {
  throw usage_error(std::string(what) + ": the root's buffer holds " + std::to_string(got) +
                    " elements, not " + std::to_string(want));
}
}  // namespace detail

/// Starts a barrier (MPI_Ibarrier): wait() returns once every rank has started it. Called by every
/// rank of the communicator.
[[nodiscard]] inline coll_request<> ibarrier(const communicator& comm) {
  auto s = std::make_unique<detail::mpi_coll_state<detail::no_value>>();
  RELAY_MPI(MPI_Ibarrier, comm.native(), &s->handle);
  return coll_request<>(std::move(s), nullptr);
}

namespace detail {
/// The pieces of a broadcast of `v` (the root's value, or where the others receive it), in the
/// exchange `x`.
template <class T, class R>
void ibcast_pieces(exchange_op<R>& x, T& v, int root) {
  x.what = "ibcast";
  if (x.rank() != root) {
    x.expect(root);
    if constexpr (resizable_contiguous<T>) {
      x.sink = [&v](int, std::size_t n) {
        v.resize(n / sizeof(element_t<T>));
        return reinterpret_cast<char*>(v.data());
      };
    } else {
      x.make = [&v, root](exchange_op<R>& y) { from_piece(piece_of(y, root), v); };
    }
    return;
  }
  std::span<const char> bytes;
  try {
    if constexpr (resizable_contiguous<T>) {
      bytes = {reinterpret_cast<const char*>(v.data()), v.size() * sizeof(element_t<T>)};
    } else {
      byte_buffer& out = x.outgoing(0);
      save(out, v);
      bytes = {out.data(), out.size()};
    }
  } catch (...) {
    for (int r = 0; r < x.size(); ++r)
      if (r != root) x.send_failure(r);
    x.own_failure = std::current_exception();
    return;
  }
  for (int r = 0; r < x.size(); ++r)
    if (r != root) x.send(r, bytes);
}
}  // namespace detail

/// Starts broadcasting the root's `value`; wait() returns it on every rank. As bcast: `value` is
/// ignored on the other ranks (pass `{}`). A bytewise value is one MPI_Ibcast; a vector or string
/// is sent from the root's moved-in vector and received straight into the result; other types
/// are serialized (a failure to serialize reaches every rank's wait). Called by every rank.
template <class T>
[[nodiscard]] coll_request<T> ibcast(const communicator& comm, T value, int root) {
  detail::check_sendable<T>();
  detail::check_rank(comm, root, "root");
  if constexpr (detail::mpi_direct<T>) {
    auto s = std::make_unique<detail::mpi_coll_state<T>>();
    s->value = std::move(value);
    s->start_checked(comm, detail::signature_of<T>(detail::coll_kind::ibcast, root, 1),
                     [v = &s->value, root, c = comm.native()](MPI_Request* r) {
                       RELAY_MPI(MPI_Ibcast, v, 1, datatype<T>(), root, c, r);
                     });
    return detail::mpi_request(std::move(s));
  } else {
    auto s = std::make_unique<detail::exchange_op<T>>(
        comm, detail::signature_of<T>(detail::coll_kind::ibcast, root));
    if (comm.rank() == root) s->value = std::move(value);
    detail::ibcast_pieces(*s, s->value, root);
    return detail::exchange_request(std::move(s));
  }
}

/// Starts broadcasting the root's `buffer` into the other ranks' `buffer`s, of the same length
/// on every rank: one MPI_Ibcast on the caller's memory, as in a raw MPI program. Called by every
/// rank.
template <bytewise E>
[[nodiscard]] coll_request<> ibcast_into(const communicator& comm, std::span<E> buffer, int root) {
  detail::check_rank(comm, root, "root");
  auto s = std::make_unique<detail::mpi_coll_state<detail::no_value>>();
  s->start_checked(comm,
                   detail::signature_of<E>(detail::coll_kind::ibcast, root,
                                           static_cast<std::int64_t>(buffer.size())),
                   [buffer, root, c = comm.native()](MPI_Request* r) {
                     detail::counted_type ct(datatype<E>(), buffer.size());
                     RELAY_MPI(MPI_Ibcast, buffer.data(), ct.count(), ct.type(), root, c, r);
                   });
  return detail::mpi_request(std::move(s));
}

/// Starts broadcasting the root's `value` into the other ranks' `value`, of any type, reusing its
/// memory (as bcast_into: a loop that receives into one vector of strings allocates little once
/// warm). The caller keeps `value` alive, and does not touch it, until the request completes:
/// the root sends from it, the others receive into it. Called by every rank.
template <class T>
requires(!detail::is_span<T>)
    [[nodiscard]] coll_request<> ibcast_into(const communicator& comm, T& value, int root) {
  detail::check_sendable<T>();
  detail::check_rank(comm, root, "root");
  if constexpr (detail::mpi_direct<T>) {
    return ibcast_into(comm, std::span<T>(&value, 1), root);
  } else {
    auto s = std::make_unique<detail::exchange_op<detail::no_value>>(
        comm, detail::signature_of<T>(detail::coll_kind::ibcast, root));
    detail::ibcast_pieces(*s, value, root);
    s->start();
    return coll_request<>(std::move(s), nullptr);
  }
}

namespace detail {
/// iscatter's state on MPI's path: each rank receives its value and how many values the root
/// held, so that a wrong length fails on every rank.
template <class T>
class scatter_state final : public gated_state {
 public:
  struct slot {
    T value;
    std::uint64_t root_count;
  };
  slot value{};
  std::vector<slot> input;  // the root's
  std::uint64_t ranks = 0;
  bool advance(const MPI_Status& st) override {
    mpi_status = st;
    if (value.root_count != ranks)
      throw usage_error("iscatter: the root holds " + std::to_string(value.root_count) +
                        " values for " + std::to_string(ranks) + " ranks");
    return true;
  }
};
}  // namespace detail

/// Starts sending `values[r]` from the root to each rank r; wait() returns this rank's element.
/// As scatter: the root's `values` must hold exactly size() elements, else wait() raises
/// usage_error on every rank. Called by every rank with the same root.
template <class T>
[[nodiscard]] coll_request<T> iscatter(const communicator& comm, std::vector<T> values, int root) {
  detail::check_sendable<T>();
  detail::check_rank(comm, root, "root");
  const auto p = static_cast<std::size_t>(comm.size());
  const bool is_root = comm.rank() == root;
  if constexpr (bytewise<T>) {
    auto s = std::make_unique<detail::scatter_state<T>>();
    using slot = typename detail::scatter_state<T>::slot;
    s->ranks = p;
    if (is_root) {
      s->input.assign(p, slot{T{}, values.size()});
      if (values.size() == p)
        for (std::size_t r = 0; r < p; ++r) s->input[r].value = values[r];
    }
    s->start_checked(comm, detail::signature_as<slot, T>(detail::coll_kind::iscatter, root, 1),
                     [from = is_root ? s->input.data() : nullptr, to = &s->value, root,
                      c = comm.native()](MPI_Request* r) {
                       RELAY_MPI(MPI_Iscatter, from, sizeof(slot), MPI_BYTE, to, sizeof(slot),
                                 MPI_BYTE, root, c, r);
                     });
    void* v = &s->value.value;
    return coll_request<T>(std::move(s), v);
  } else {
    auto s = std::make_unique<detail::exchange_op<T>>(
        comm, detail::signature_of<T>(detail::coll_kind::iscatter, root));
    auto* x = s.get();
    if (!is_root) {
      x->expect(root);
      x->make = [root](detail::exchange_op<T>& y) {
        detail::from_piece(detail::piece_of(y, root), y.value);
      };
      return detail::exchange_request(std::move(s));
    }
    try {
      if (values.size() != p)
        throw usage_error("iscatter: the root holds " + std::to_string(values.size()) +
                          " values for " + std::to_string(p) + " ranks");
      for (std::size_t r = 0; r < p; ++r)
        if (static_cast<int>(r) != root) detail::to_piece(values[r], x->outgoing(r));
    } catch (...) {
      for (int r = 0; r < comm.size(); ++r)
        if (r != root) x->send_failure(r);
      x->own_failure = std::current_exception();
      return detail::exchange_request(std::move(s));
    }
    for (std::size_t r = 0; r < p; ++r)
      if (static_cast<int>(r) != root)
        x->send(static_cast<int>(r), {x->out[r].data(), x->out[r].size()});
    x->value = std::move(values[static_cast<std::size_t>(root)]);
    return detail::exchange_request(std::move(s));
  }
}

/// Starts scattering the root's `send` in equal blocks of recv.size() elements, block r into rank
/// r's `recv`: one MPI_Iscatter on the caller's memory. `send` is read on the root only (pass `{}`
/// elsewhere) and must hold recv.size() * size() elements; if it does not, the root's wait()
/// raises usage_error and the other ranks receive zeros (the same length is expected on every
/// rank, as in MPI). Called by every rank with the same root.
template <bytewise E>
[[nodiscard]] coll_request<> iscatter_into(const communicator& comm, std::span<const E> send,
                                           std::span<E> recv, int root) {
  detail::check_rank(comm, root, "root");
  auto s = std::make_unique<detail::mpi_coll_state<detail::no_value, std::vector<E>>>();
  const void* from = send.data();
  if (comm.rank() == root && send.size() != recv.size() * static_cast<std::size_t>(comm.size())) {
    try {
      detail::bad_length("iscatter_into", send.size(),
                         recv.size() * static_cast<std::size_t>(comm.size()));
    } catch (...) {
      s->local_failure = std::current_exception();
    }
    s->input.assign(recv.size() * static_cast<std::size_t>(comm.size()), E{});
    from = s->input.data();
  }
  s->start_checked(comm,
                   detail::signature_of<E>(detail::coll_kind::iscatter, root,
                                           static_cast<std::int64_t>(recv.size())),
                   [from, recv, root, c = comm.native()](MPI_Request* r) {
                     detail::counted_type ct(datatype<E>(), recv.size());
                     RELAY_MPI(MPI_Iscatter, from, ct.count(), ct.type(), recv.data(), ct.count(),
                               ct.type(), root, c, r);
                   });
  return detail::mpi_request(std::move(s));
}

/// Starts sending `counts[r]` consecutive elements of the root's `data` to each rank r, in rank
/// order; wait() returns this rank's piece. As scatterv: `counts` is read on the root only (pass
/// `{}` elsewhere) and must have size() entries that sum to data.size(), else wait() raises
/// usage_error on every rank. Pieces of bytewise elements are sent from the root's moved-in
/// `data` and received straight into the result. Called by every rank with the same root.
template <class E>
[[nodiscard]] coll_request<std::vector<E>> iscatterv(const communicator& comm, std::vector<E> data,
                                                     std::span<const std::size_t> counts,
                                                     int root) {
  detail::check_sendable<std::vector<E>>();
  detail::check_rank(comm, root, "root");
  using V = std::vector<E>;
  auto s = std::make_unique<detail::exchange_op<V>>(
      comm, detail::signature_of<V>(detail::coll_kind::iscatterv, root));
  auto* x = s.get();
  const auto p = static_cast<std::size_t>(comm.size());
  if (comm.rank() != root) {
    x->expect(root);
    if constexpr (detail::mpi_direct<E>) {
      x->sink = [x](int, std::size_t n) {
        x->value.resize(n / sizeof(E));
        return reinterpret_cast<char*>(x->value.data());
      };
    } else {
      x->make = [root](detail::exchange_op<V>& y) {
        detail::from_piece(detail::piece_of(y, root), y.value);
      };
    }
    return detail::exchange_request(std::move(s));
  }
  std::vector<std::size_t> offsets(p + 1, 0);
  try {
    if (counts.size() != p)
      throw usage_error("iscatterv: the root passes " + std::to_string(counts.size()) +
                        " counts for " + std::to_string(p) + " ranks");
    for (std::size_t r = 0; r < p; ++r) offsets[r + 1] = offsets[r] + counts[r];
    if (offsets[p] != data.size())
      throw usage_error("iscatterv: the counts add up to " + std::to_string(offsets[p]) +
                        " elements, but the root holds " + std::to_string(data.size()));
    if constexpr (!detail::mpi_direct<E>) {
      for (std::size_t r = 0; r < p; ++r)
        if (static_cast<int>(r) != root)
          detail::to_piece(V(data.begin() + static_cast<std::ptrdiff_t>(offsets[r]),
                             data.begin() + static_cast<std::ptrdiff_t>(offsets[r + 1])),
                           x->outgoing(r));
    }
  } catch (...) {
    for (int r = 0; r < comm.size(); ++r)
      if (r != root) x->send_failure(r);
    x->own_failure = std::current_exception();
    return detail::exchange_request(std::move(s));
  }
  x->value.assign(data.begin() + static_cast<std::ptrdiff_t>(offsets[root]),
                  data.begin() + static_cast<std::ptrdiff_t>(offsets[root + 1]));
  auto kept = std::make_shared<V>(std::move(data));
  for (std::size_t r = 0; r < p; ++r) {
    if (static_cast<int>(r) == root) continue;
    if constexpr (detail::mpi_direct<E>)
      x->send(static_cast<int>(r),
              {reinterpret_cast<const char*>(kept->data() + offsets[r]), counts[r] * sizeof(E)});
    else
      x->send(static_cast<int>(r), {x->out[r].data(), x->out[r].size()});
  }
  x->keep = std::move(kept);
  return detail::exchange_request(std::move(s));
}

}  // namespace relay
