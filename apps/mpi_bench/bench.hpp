#pragma once
// mpi_bench's measuring core: the library and raw MPI (or Boost.MPI) side by side, interleaved,
// with warm-ups, a barrier before every timed loop, the maximum over ranks, and medians over
// repetitions.

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "relay/communicator.hpp"

namespace mpi_bench {

/// How long and how often to measure.
struct settings {
  int reps = 5;            ///< timed repetitions of each (lib, raw) pair; medians are reported
  double loop_ms = 2.0;    ///< target duration of one timed loop, which sets its iteration count
  int min_iters = 2;       ///< at least this many iterations per timed loop
  int max_iters = 100000;  ///< at most this many
  int window = 64;         ///< messages in flight in the bandwidth test
  std::size_t elements = 100000;  ///< elements of each serialized container
};

/// One measured line: our library against a reference (raw MPI, or Boost.MPI).
struct row {
  std::string op;
  std::string type;       ///< element or value type
  std::size_t bytes = 0;  ///< message size (per rank for scatter and gather)
  double lib_us = 0;      ///< median time per operation, max over ranks
  double ref_us = 0;      ///< the same for the reference
  double ratio = 0;       ///< median of the per-repetition ratios lib/ref
  double lib_mbps = -1;   ///< MB/s (1e6 bytes) where it applies, else negative
  double ref_mbps = -1;
};

/// The contiguous-data operations, in their order of appearance.
inline const std::vector<std::string>& contiguous_ops() {
  static const std::vector<std::string> ops{"pingpong", "bw",     "bcast",    "scatter",
                                            "gather",   "reduce", "allreduce"};
  return ops;
}
/// The serialized-type operations (relay against Boost.MPI's default path).
inline const std::vector<std::string>& serialized_ops() {
  static const std::vector<std::string> ops{"ser_p2p", "ser_bcast"};
  return ops;
}
/// True for operations that need two ranks.
inline bool needs_two_ranks(const std::string& op) {
  return op == "pingpong" || op == "bw" || op == "ser_p2p";
}

/// The median of `v` (the mean of the two middle values for an even count); `v` is not empty.
double median(std::vector<double> v);

/// Times `body` over `iters` iterations after a barrier; returns microseconds per iteration,
/// the maximum over ranks (every rank gets the same number).
double time_loop(const relay::communicator& comm, int iters, const std::function<void()>& body);

/// Measures `lib` against `ref` with warm-ups, a calibrated iteration count and `s.reps`
/// interleaved repetitions (the order alternates). Fills the times and the ratio of `out`.
void compare(const relay::communicator& comm, const settings& s, const std::function<void()>& lib,
             const std::function<void()>& ref, row& out);

/// Runs contiguous operation `op` at `bytes` (lib and raw MPI), checks the data both moved, and
/// returns the measured row. Throws relay::error if any rank received wrong data.
row run_contiguous(const relay::communicator& comm, const settings& s, const std::string& op,
                   std::size_t bytes);

/// Runs serialized operation `op` for every serialized type (relay and Boost.MPI), checking the
/// received values. Returns one row per type.
std::vector<row> run_serialized(const relay::communicator& comm, const settings& s,
                                const std::string& op);

/// Throws relay::error naming the op, side and a failing rank unless `ok` holds on every rank.
void expect_everywhere(const relay::communicator& comm, bool ok, const std::string& what);

}  // namespace mpi_bench
