#pragma once
// mc_pi's output: the progress line's text, the text report and --json.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "run.hpp"

namespace mc_pi {

/// One rank's share of a run, gathered on rank 0 for the report.
struct per_rank {
  std::uint64_t samples;
  double seconds;
  int cpus;  ///< CPUs this rank may run on (its affinity mask), 0 when unknown
};

/// The progress line for `p`: percent done, the round, samples/s and the seconds left.
[[nodiscard]] std::string progress_text(const progress& p);

/// "2 ranks", or "2 ranks x 4 threads" with more than one thread per rank.
[[nodiscard]] std::string units_text(int ranks, unsigned threads);

/// Prints the run as one JSON object on stdout.
void print_json(const run_options& options, const run_result& result, int ranks);

/// Prints the text report on stdout: the estimate, its errors, rates per rank and, with a
/// baseline, the parallel efficiency.
void print_text(const run_options& options, const run_result& result,
                const std::vector<per_rank>& everyone, std::optional<double> baseline);

}  // namespace mc_pi
