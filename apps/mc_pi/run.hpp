#pragma once
/// \file
/// A Monte Carlo pi run over the ranks of a communicator.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "kernels.hpp"
#include "relay/communicator.hpp"

namespace mc_pi {

/// How far a run has got, as rank 0 sees it (for a progress line).
struct progress {
  std::uint64_t done = 0;  ///< samples finished, counting rank 0's progress as every rank's
  std::uint64_t goal = 0;  ///< the end of the current round (the whole run without a target)
  int round = 1;           ///< 1-based round number
  double seconds = 0;      ///< since the start
};

struct run_options {
  std::uint64_t samples = 1'000'000'000;  ///< N; with target_error, the most to draw
  std::uint64_t seed = 1;
  std::optional<double> target_error;  ///< sample in rounds until the standard error is below
  kernel_kind kernel = best_kernel();
  /// Threads per rank (std::jthread; the calling thread is thread 0). Each round, a rank's samples
  /// are split in whole blocks over its threads just as the round is split over the ranks, and a
  /// sample is a pure function of (seed, global index): the hits are the same for any ranks x
  /// threads. Only the calling thread calls MPI (thread_level::funneled is enough).
  unsigned threads = 1;
  /// Called on rank 0 every few million samples, when set.
  std::function<void(const progress&)> on_progress;
};

struct run_result {
  std::uint64_t samples = 0;  ///< samples drawn, over all ranks
  std::uint64_t hits = 0;     ///< hits, over all ranks (the same for any rank count)
  double seconds = 0;         ///< wall time of the slowest rank, start barrier to final reduction
  std::uint64_t my_samples = 0;  ///< samples this rank drew (all its threads)
  double my_seconds = 0;         ///< this rank's wall time spent drawing them
  int rounds = 0;                ///< 1 without a target
  bool target_reached = false;   ///< with a target: the standard error fell below it
};

/// Runs on every rank of `comm` (a collective call) with `options.threads` threads per rank (at
/// least 1; std::invalid_argument otherwise). Every rank returns the same samples, hits, seconds,
/// rounds and target_reached. An exception in a worker thread is rethrown by the calling thread
/// once every thread has stopped.
[[nodiscard]] run_result run(const relay::communicator& comm, const run_options& options);

/// The CPUs the calling process may run on (sched_getaffinity), 0 when the system cannot tell.
[[nodiscard]] int allowed_cpus();

/// The line to print on standard error when a binding leaves some rank fewer CPUs than it has
/// threads and than its node has online (`online`): Open MPI's mpirun binds each rank to one core
/// by default at 1 or 2 ranks, so `mpirun -n 1 mc_pi --threads 2` runs both threads on one core.
/// Empty when every rank has enough, or when the counts are unknown (0).
[[nodiscard]] std::string affinity_warning(const std::vector<int>& cpus, unsigned threads,
                                           int online);

/// The node's online CPUs (sysconf), 0 when unknown.
[[nodiscard]] int online_cpus();

}  // namespace mc_pi
