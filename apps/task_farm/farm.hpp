#pragma once
// The farm on every rank, on relay::pool: rank 0 hands out attempts and logs them, every rank
// (rank 0 too) runs them.

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "meta.hpp"
#include "relay/communicator.hpp"
#include "runner.hpp"
#include "work.hpp"

namespace task_farm {

struct farm_settings {
  farm_options options;
  std::string outdir;          ///< absolute
  double grace = 5;            ///< seconds running tasks get after SIGUSR1/SIGUSR2 (--grace)
  double term_grace = 5;       ///< the same after SIGTERM/SIGINT/SIGHUP, fitted to the launcher's
                               ///< SIGTERM-to-SIGKILL window (see fit_grace)
  std::string note;            ///< why term_grace is shorter than grace, if it is
  std::string host;            ///< this rank's host name
  std::string resume_command;  ///< printed by rank 0 when the farm is stopped early
  int max_cores = 1;           ///< the most cores a task needs: above 1, ranks share node_slots
  bool progress = false;       ///< rank 0 prints the progress line (progress.hpp)
  bool terminal = false;       ///< ... rewritten in place on a terminal
  bool tag = false;            ///< --tag: rank 0 prints each attempt's tagged output (tag.hpp)

  /// The grace period after signal `s`.
  [[nodiscard]] double grace_for(int s) const;
};

/// The grace period that fits the launcher: Open MPI's mpirun (4.x, ORTE), on SIGTERM or SIGINT,
/// sends the ranks SIGTERM and then, odls_base_sigkill_timeout seconds later (default 1), SIGKILL;
/// its ranks see that setting as OMPI_MCA_odls_base_sigkill_timeout when it was given. The
/// farm then needs about 0.6 s to kill the tasks' process groups, log them and exit. Elsewhere
/// (srun, a direct start) the window is unknown and `grace` is kept. Sets `note` when shortened.
[[nodiscard]] double fit_grace(double grace, std::string& note);

/// What a run did. Only rank 0's is complete; the others know their own cpu_seconds.
struct farm_result {
  std::vector<attempt_record> records;  ///< rank 0: every attempt, in the order they were logged
  std::vector<double> cpu_seconds;      ///< rank 0: per rank
  int signal = 0;                       ///< the first signal that stopped the farm (on any rank)
  bool failed_fast = false;
  bool log_trouble = false;  ///< stopped at once because the log could not grow (see record_sink)
  double seconds = 0;
};

/// Rank 0 hands each finished attempt to this (to log it) as soon as it arrives. It returns false
/// when the log is (nearly) out of space or cannot be written: the farm then stops at once (it
/// hands out nothing more and kills the running tasks, whose ends are still logged if they can be).
using record_sink = std::function<bool(std::span<const attempt_record>)>;

/// Runs the farm on every rank of `world` (collective). Rank 0 passes the tasks to run, in
/// order (each with its first attempt number), and the sink; the other ranks pass nothing.
/// `signals` must be the process's signal source (see block_signals).
farm_result run_farm(const relay::communicator& world, const farm_settings& settings,
                     std::vector<assignment> queue, const record_sink& sink,
                     signal_source& signals);

}  // namespace task_farm
