#pragma once
/// \file
/// What a receive reports besides its value: the message's source, tag and size.

#include <mpi.h>

#include <cstddef>

namespace relay {

/// Where a received message came from.
struct status {
  int source = MPI_PROC_NULL;  ///< the sending rank
  int tag = MPI_ANY_TAG;       ///< the message's tag
  MPI_Status mpi{};            ///< MPI's own status

  /// The message's size on the wire, in bytes (asked of MPI only when called).
  [[nodiscard]] std::size_t bytes() const {
    if (source == MPI_PROC_NULL) return 0;
    MPI_Count n = 0;
    MPI_Get_elements_x(&mpi, MPI_BYTE, &n);
    return n > 0 ? static_cast<std::size_t>(n) : 0;
  }
};

/// A received value together with its status.
template <class T>
struct message {
  T value;               ///< the received value
  relay::status status;  ///< where it came from
};

namespace detail {
inline status to_status(const MPI_Status& s) {
  return {s.MPI_SOURCE, s.MPI_TAG, s};
}
}  // namespace detail

}  // namespace relay
