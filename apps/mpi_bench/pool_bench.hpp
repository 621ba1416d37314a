#pragma once
// mpi_bench --ops pool: relay::pool's map, timed. Trivial tasks (x + 2) measure what the pool
// costs per task and per chunk; tasks of calibrated real work measure its parallel efficiency
// against a serial loop over the same tasks in the same run.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "relay/communicator.hpp"

namespace mpi_bench {

/// Which pools to measure: the root working too (the pool's default), the root only handing out
/// work (as in mpi4py.futures, whose root runs no tasks), or both.
enum class root_mode { both, yes, no };

/// What `--ops pool` runs.
struct pool_settings {
  int reps = 5;                   ///< timed maps per row; the median is reported
  std::size_t tasks = 1'000'000;  ///< trivial tasks per map, at most
  /// Fewer trivial tasks where a map of `tasks` would take longer than this (a probe map first
  /// measures the rate), so that slow configurations do not take minutes.
  double max_map_seconds = 5;
  std::vector<std::size_t> chunksizes{1, 100, 10000};  ///< for the trivial tasks
  std::size_t work_tasks = 10'000;              ///< tasks of real work per map (0: no such rows)
  double work_us = 100;                         ///< the length of one such task, calibrated
  std::vector<std::size_t> work_chunksizes{1};  ///< for the tasks of real work
  root_mode roots = root_mode::both;
  int group_size = 0;  ///< pool_options::group_size (0: automatic, 1: flat, g: groups of g)
};

/// One measured configuration: the medians over the repetitions of one map.
struct pool_row {
  std::string task;  ///< "x+2", or "work_<us>us"
  std::size_t chunksize = 0;
  std::size_t tasks = 0;
  bool root_works = true;
  int group_size = 0;                ///< as passed in the options
  int workers = 0;                   ///< ranks that run tasks
  double seconds = 0;                ///< median wall time of one map on the root
  double tasks_per_second = 0;       ///< tasks / seconds
  double best_tasks_per_second = 0;  ///< the fastest repetition
  /// CPU seconds of the root's MPI thread (its dispatcher) per map, median; with the root
  /// working in a single-threaded MPI it includes the root's own tasks.
  double dispatcher_cpu_s = 0;
  std::vector<std::uint64_t> tasks_per_rank;  ///< from the median repetition
  std::uint64_t messages = 0;                 ///< sent and received by the root (median rep.)
  /// Tasks of real work only: the serial loop's median time, a task's measured length, and the
  /// median of the per-repetition efficiencies serial / (ranks * parallel). Else negative.
  double serial_seconds = -1;
  double task_us = -1;
  double efficiency = -1;
};

/// Runs every configuration of `ps` on `comm` (called by every rank) and returns the rows on
/// every rank (only rank 0's are complete). Throws relay::error when a map returns a wrong result.
std::vector<pool_row> run_pool(const relay::communicator& comm, const pool_settings& ps);

/// The number of iterations of the work loop that takes about `us` microseconds on rank 0,
/// the same on every rank (called by every rank).
std::uint64_t calibrate_work(const relay::communicator& comm, double us);

/// The task of real work: `iters` steps of a xorshift generator seeded with `x`.
std::uint64_t work(std::int64_t x, std::uint64_t iters);

}  // namespace mpi_bench
