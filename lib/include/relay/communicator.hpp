#pragma once
/// \file
/// The communicator: a group of ranks that talk to each other.

#include <mpi.h>

#include <boost/mpi/communicator.hpp>

namespace relay {

class communicator;
namespace detail {
inline MPI_Comm internal_comm(const communicator& comm);
MPI_Comm make_internal_comm(const communicator& comm);
}  // namespace detail

/// The wildcard source of a receive: a message from any rank (MPI_ANY_SOURCE).
inline constexpr int any_source = MPI_ANY_SOURCE;
/// The wildcard tag of a receive: a message with any tag (MPI_ANY_TAG).
inline constexpr int any_tag = MPI_ANY_TAG;
/// The color that leaves a rank out of every part in `communicator::split`.
inline constexpr int undefined_color = MPI_UNDEFINED;

/// A cheap, copyable handle to an MPI communicator, built on `boost::mpi::communicator`. Copies
/// share the underlying MPI communicator, which is freed with the last copy when relay created
/// it (split, dup). The handle, rank and size are cached, so asking for them costs nothing.
class communicator {
 public:
  /// The world communicator, `MPI_COMM_WORLD`.
  communicator();
  /// Wraps an existing MPI communicator without taking ownership of it. Its error handler is set
  /// to `MPI_ERRORS_RETURN`, so that errors on it become exceptions.
  explicit communicator(MPI_Comm comm);
  /// Wraps a Boost.MPI communicator (shares its ownership).
  explicit communicator(const boost::mpi::communicator& comm);

  /// This process's rank in the communicator, in [0, size()).
  [[nodiscard]] int rank() const noexcept { return rank_; }
  /// The number of ranks.
  [[nodiscard]] int size() const noexcept { return size_; }
  /// True for rank 0, which relay's apps use to print.
  [[nodiscard]] bool is_root() const noexcept { return rank_ == 0; }
  /// False for the null communicator that `split` gives to ranks with `undefined_color`.
  [[nodiscard]] bool valid() const noexcept { return native() != MPI_COMM_NULL; }

  /// Blocks until every rank has called it. Called by every rank of the communicator.
  void barrier() const;
  /// Splits into disjoint communicators, one per `color`, ranked by `key` (ties by old rank).
  /// Ranks passing `undefined_color` get an invalid communicator. Called by every rank.
  [[nodiscard]] communicator split(int color, int key = 0) const;
  /// A new communicator with the same group, in which messages cannot collide with this one's.
  /// Called by every rank.
  [[nodiscard]] communicator dup() const;

  /// The raw MPI handle, for calling MPI directly.
  [[nodiscard]] MPI_Comm native() const noexcept { return native_; }
  /// The Boost.MPI communicator, for Boost.MPI's own algorithms.
  [[nodiscard]] const boost::mpi::communicator& boost() const noexcept { return comm_; }

  /// The largest tag a message may carry (MPI_TAG_UB; at least 32767).
  [[nodiscard]] int max_tag() const noexcept { return tag_ub_; }

 private:
  friend MPI_Comm detail::internal_comm(const communicator& comm);
  friend MPI_Comm detail::make_internal_comm(const communicator& comm);

  boost::mpi::communicator comm_;
  // comm_'s handle: Boost.MPI's conversion is an out-of-line call, and every message asks for it.
  MPI_Comm native_ = MPI_COMM_NULL;
  mutable MPI_Comm internal_ = MPI_COMM_NULL;  // cache of detail::internal_comm
  int rank_ = 0;
  int size_ = 0;
  int tag_ub_ = 32767;
};

namespace detail {
/// A private duplicate of `comm`, made on first use and kept as an attribute of `comm`, so that
/// messages relay sends inside its own algorithms never match a user's receives. Every rank
/// reaches the first use from the same collective call, so the duplication is matched. Inline:
/// every collective asks for it, and after the first use it is a cached handle.
inline MPI_Comm internal_comm(const communicator& comm) {
  if (comm.internal_ != MPI_COMM_NULL) [[likely]]
    return comm.internal_;
  return make_internal_comm(comm);
}
/// internal_comm's first use on `comm`: finds or makes the duplicate, and caches it.
MPI_Comm make_internal_comm(const communicator& comm);
}  // namespace detail

}  // namespace relay
