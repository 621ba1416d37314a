#pragma once
// Reductions and scans of serialized values (big integers, strings), combined in rank order over
// point-to-point messages on relay's private duplicate of the communicator.

#include <optional>
#include <utility>

#include "relay/communicator.hpp"
#include "relay/config.hpp"
#include "relay/p2p.hpp"

namespace relay::detail {

/// Binomial-tree reduction of serialized values to rank 0 of `comm`, combining in rank order:
/// each rank holds the combination of a contiguous run of ranks starting at itself and appends
/// the run that follows. Returns the result on rank 0 (other ranks: their partial value).
template <class T, class Op>
T tree_reduce(const communicator& comm, T value, const Op& op) {
  const communicator internal(internal_comm(comm));
  const int rank = comm.rank(), size = comm.size();
  for (int mask = 1; mask < size; mask <<= 1) {
    if (rank & mask) {
      send(internal, value, rank - mask, detail::reduce_tag);
      break;
    }
    if (rank + mask < size)
      value = op(std::move(value), recv<T>(internal, rank + mask, detail::reduce_tag));
  }
  return value;
}

/// tree_reduce, with the result moved to `root` (rank 0 holds it after the tree); nullopt
/// elsewhere.
template <class T, class Op>
std::optional<T> tree_reduce_to(const communicator& comm, T value, Op op, int root) {
  T out = tree_reduce(comm, std::move(value), op);
  if (root != 0) {
    const communicator internal(internal_comm(comm));
    if (comm.rank() == 0) send(internal, out, root, detail::reduce_tag);
    if (comm.rank() == root) out = recv<T>(internal, 0, detail::reduce_tag);
  }
  if (comm.rank() != root) return std::nullopt;
  return std::optional<T>(std::move(out));
}

/// Inclusive scan of serialized values by recursive doubling, in rank order. With `exclusive`,
/// returns the combination of the lower ranks' values instead (nullopt on rank 0).
template <class T, class Op>
std::optional<T> doubling_scan(const communicator& comm, const T& value, const Op& op,
                               bool exclusive) {
  const communicator internal(internal_comm(comm));
  const int rank = comm.rank(), size = comm.size();
  T partial = value;       // combination of the ranks in my current subcube
  std::optional<T> lower;  // combination of all lower ranks seen so far
  for (int mask = 1; mask < size; mask <<= 1) {
    const int partner = rank ^ mask;
    if (partner >= size) continue;
    T theirs = sendrecv<T>(internal, partial, partner, partner, detail::scan_tag, detail::scan_tag);
    if (partner < rank) {
      lower = lower ? op(theirs, *lower) : theirs;
      partial = op(std::move(theirs), partial);
    } else {
      partial = op(partial, std::move(theirs));
    }
  }
  if (exclusive) return lower;
  return lower ? op(*lower, value) : value;
}

}  // namespace relay::detail
