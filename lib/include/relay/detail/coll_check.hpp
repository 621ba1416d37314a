#pragma once
/// \file
/// The agreement that a non-blocking collective runs before it moves any data, so that a
/// mismatched call (another collective, root, value type or element count on some rank) fails
/// with usage_error on every rank instead of hanging or corrupting: a call_signature per rank,
/// compared by one MPI_Iallreduce of a fixed block on relay's private duplicate communicator.
/// The pieces path always runs it; MPI's own path only when collective checks are on
/// (relay::check_collectives, RELAY_CHECK_COLLECTIVES=1).

#include <mpi.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace relay::detail {

/// The collectives, as the agreement names them (an `_into` form has its call's kind: they move
/// the same messages).
enum class coll_kind : std::int64_t {
  ibcast = 1,
  iscatter,
  iscatterv,
  igather,
  igatherv,
  iallgather,
  iallgatherv,
  ireduce,
  iallreduce,
  iscan,
  iexscan,
  bcast,  // the blocking calls' MPI paths, checked with the switch on (agree_blocking)
  scatter,
  gather,
  allgather,
};

/// The call's name, for messages.
constexpr const char* kind_name(coll_kind k) noexcept {
  constexpr std::array<const char*, 16> names{"?",       "ibcast",     "iscatter",   "iscatterv",
                                              "igather", "igatherv",   "iallgather", "iallgatherv",
                                              "ireduce", "iallreduce", "iscan",      "iexscan",
                                              "bcast",   "scatter",    "gather",     "allgather"};
  const auto i = static_cast<std::size_t>(k);
  return i < names.size() ? names[i] : "?";
}

/// T's name as the compiler spells it (from __PRETTY_FUNCTION__, at compile time).
template <class T>
constexpr std::string_view type_name() noexcept {
  constexpr std::string_view f = __PRETTY_FUNCTION__;
  constexpr std::size_t at = f.find("T = ");
  if constexpr (at == std::string_view::npos) {
    return f;
  } else {
    constexpr std::size_t from = at + 4;
    constexpr std::size_t end = f.find_first_of(";]", from);
    return f.substr(from, end == std::string_view::npos ? f.size() - from : end - from);
  }
}

/// A hash of T (its name, sizeof and alignment) below 2^62, so that its negation is exact.
template <class T>
constexpr std::int64_t type_hash() noexcept {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (const char c : type_name<T>()) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  h ^= (sizeof(T) << 8) ^ alignof(T);
  h *= 1099511628211ULL;
  return static_cast<std::int64_t>(h >> 2);
}

/// What every rank must agree on for one collective call.
struct call_signature {
  coll_kind kind;
  int root;                    ///< the root, or 0 for a call without one
  std::int64_t type;           ///< type_hash of the value (or of the element MPI moves)
  std::string_view type_name;  ///< its name, for this rank's message
  std::int64_t count;          ///< the element count where every rank knows it, else -1
};

/// The signature of a call moving T (count -1: not known on every rank).
template <class T>
constexpr call_signature signature_of(coll_kind kind, int root, std::int64_t count = -1) noexcept {
  return {kind, root, type_hash<T>(), type_name<T>(), count};
}

/// The signature of a call whose messages are Wire's (compared), named as T in messages.
template <class Wire, class T>
constexpr call_signature signature_as(coll_kind kind, int root, std::int64_t count) noexcept {
  return {kind, root, type_hash<Wire>(), type_name<T>(), count};
}

/// The block that the agreement reduces with MPI_MIN: each field and its negation, so that
/// min == -max tells that every rank gave the same. An unknown count is the neutral element.
struct agreement {
  static constexpr int fields = 8;
  std::array<std::int64_t, fields> mine;
  std::array<std::int64_t, fields> all;
  call_signature sig;

  explicit agreement(const call_signature& s) noexcept : mine{}, all{}, sig(s) {
    constexpr std::int64_t none = std::numeric_limits<std::int64_t>::max();
    const auto k = static_cast<std::int64_t>(s.kind);
    mine = {k,
            -k,
            s.root,
            -s.root,
            s.type,
            -s.type,
            s.count < 0 ? none : s.count,
            s.count < 0 ? none : -s.count};
  }
  /// Posts the MPI_Iallreduce of the block on `comm` (every rank's, in the same order).
  void post(MPI_Comm comm, MPI_Request* request);
  /// Throws usage_error, naming the call, if the ranks disagree (the same on every rank).
  void verify() const;
};

/// Whether MPI's own path runs the agreement too (relay::check_collectives).
bool checks_on() noexcept;

/// The agreement of a blocking collective on MPI's path (bcast, scatter, gather, allgather of
/// bytewise values), run when checks_on(): one MPI_Allreduce of the block on `comm` itself, then
/// usage_error on every rank if the signatures differ. Every rank calls it at the same point.
void agree_blocking(MPI_Comm comm, const call_signature& sig);

}  // namespace relay::detail
