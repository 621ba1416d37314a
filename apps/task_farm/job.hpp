#pragma once
// One run of a prepared farm on every rank: the settings every rank derives, the status log that
// rank 0 writes as attempts finish, and the summary of what ran.

#include <string>

#include "prepare.hpp"
#include "relay/communicator.hpp"
#include "runner.hpp"
#include "summary.hpp"

namespace task_farm {

/// What a run did. Complete on rank 0 only.
struct job_result {
  run_summary summary;
  std::string outdir;          ///< absolute
  std::string resume_command;  ///< how to start this farm again
};

/// `word` as one word for the shell: unchanged if it holds only characters that need no quoting,
/// else in single quotes.
[[nodiscard]] std::string shell_quote(const std::string& word);

/// Runs the farm that `prepare` set up, on every rank of `world` (collective): every rank runs
/// tasks, rank 0 also hands them out and logs each finished attempt in the status log at once.
/// `signals` must be the process's signal source (see block_signals).
[[nodiscard]] job_result run_job(const relay::communicator& world, prepared& p,
                                 signal_source& signals);

}  // namespace task_farm
