#pragma once
// prime_sums's output: the sums and every rank's work, as text or one JSON object, and the
// differences a failed --verify found.

#include <optional>
#include <vector>

#include "driver.hpp"

namespace prime_sums {

/// One method's run: sums, every rank's stats on rank 0, and the wall time.
struct outcome {
  method m;
  std::vector<u128> sums;
  std::vector<rank_stats> ranks;  ///< rank 0 only
  double wall = 0;
  double imbalance = 1;
};

/// What was asked and how it was run, for the report.
struct run_facts {
  const std::vector<std::uint64_t>& ns;
  const options& opt;
  bool automatic = false;  ///< the method was picked by --method auto
  int ranks = 1;
};

/// Prints the results on stdout (rank 0): text, or with `json` one JSON object. `check` is the
/// --verify run, which agreed.
void print_results(const run_facts& facts, const outcome& main_run,
                   const std::optional<outcome>& check, bool json);

/// Prints one "VERIFY FAILED" line on stderr for each index in `differ` (rank 0).
void print_differences(const std::vector<std::uint64_t>& ns, const outcome& main_run,
                       const outcome& check, const std::vector<std::size_t>& differ);

}  // namespace prime_sums
