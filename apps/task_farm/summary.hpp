#pragma once
// The end-of-run summary: counts, the slowest tasks, per-rank busy time and utilization.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "status.hpp"

namespace task_farm {

/// What a run did, as rank 0 saw it.
struct run_facts {
  std::size_t total_tasks = 0;          ///< tasks in the task file
  std::size_t skipped = 0;              ///< succeeded in an earlier run: not run again
  std::vector<std::int64_t> planned;    ///< ids this run was to run
  std::vector<attempt_record> records;  ///< every attempt of this run
  double seconds = 0;                   ///< wall-clock time of the run
  std::vector<std::string> hosts;       ///< per rank
  std::vector<double> cpu_seconds;      ///< per rank: CPU time the farm itself used
  int signal = 0;                       ///< the signal that stopped the run, or 0
  bool failed_fast = false;             ///< --fail-fast stopped it
};

struct rank_summary {
  int rank = 0;
  std::string host;
  std::size_t attempts = 0;
  double busy_seconds = 0;
  double utilization = 0;  ///< busy / run time
  double cpu_seconds = 0;
};

struct run_summary {
  std::size_t tasks = 0, succeeded = 0, failed = 0, skipped = 0, interrupted = 0, not_run = 0;
  std::size_t attempts = 0, retried = 0;
  double seconds = 0;
  int signal = 0;
  bool failed_fast = false;
  std::vector<attempt_record> failures;  ///< the last attempt of each failed task, by id
  std::vector<attempt_record> slowest;   ///< the longest attempts, longest first (at most 5)
  std::vector<rank_summary> per_rank;
};

[[nodiscard]] run_summary summarize(const run_facts& facts);
/// The exit code: 0 when every task has succeeded, 128+N after signal N, 1 otherwise.
[[nodiscard]] int exit_code(const run_summary& s);
[[nodiscard]] std::string to_text(const run_summary& s, const std::string& outdir);
[[nodiscard]] nlohmann::ordered_json to_json(const run_summary& s, const std::string& outdir);
/// "SIGTERM" for 15, "signal 99" for an unknown one.
[[nodiscard]] std::string signal_name(int signo);

}  // namespace task_farm
