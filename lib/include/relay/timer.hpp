#pragma once
/// \file
/// Wall-clock timing with MPI_Wtime, summarized over the ranks.

#include <mpi.h>

#include "relay/communicator.hpp"

namespace relay {

/// The spread of one measurement over the ranks.
struct timing {
  double min = 0;   ///< fastest rank, seconds
  double mean = 0;  ///< average over ranks, seconds
  double max = 0;   ///< slowest rank, seconds: the parallel time
  /// max / mean: 1.0 is perfect balance.
  [[nodiscard]] double imbalance() const noexcept { return mean > 0 ? max / mean : 1.0; }
};

/// A stopwatch on MPI_Wtime. Starts on construction.
class timer {
 public:
  timer() : start_(MPI_Wtime()) {}
  /// Restarts the clock.
  void restart() noexcept { start_ = MPI_Wtime(); }
  /// Seconds since construction or the last restart, on this rank.
  [[nodiscard]] double elapsed() const noexcept { return MPI_Wtime() - start_; }
  /// The elapsed time's min, mean and max over the ranks, on every rank. Called by every rank of
  /// the communicator.
  [[nodiscard]] timing summarize(const communicator& comm) const;

 private:
  double start_;
};

/// The min, mean and max of `seconds` over the ranks, on every rank. Called by every rank of the
/// communicator.
[[nodiscard]] timing summarize(const communicator& comm, double seconds);

}  // namespace relay
