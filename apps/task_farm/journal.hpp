#pragma once
// The ranks' journals of successes, OUTDIR/.done-<rank>: each rank appends a status line (with
// no command) for every attempt of its own that succeeded, with one write(2), the moment it has
// reaped the task, before its report travels to rank 0. A farm whose ranks are all killed at once
// (mpirun exits at once on timeout(1)'s two signals, and its ranks get SIGKILL) can leave
// attempts that succeeded, so ran their side effects, but never reached status.tsv: --resume
// logs them from the journals instead of running them a second time. This narrows the window of
// at-least-once from "reported and logged" to "reaped by its rank". The journals are removed at
// the farm's clean end; on nodes without a shared file system rank 0 sees its own only.

#include <string>
#include <vector>

#include "status.hpp"

namespace task_farm {

/// One rank's journal, truncated when opened. A journal that cannot be written gives one line on
/// stderr, and the farm runs on without it.
class done_journal {
 public:
  done_journal(const std::string& outdir, int rank, std::string host);
  ~done_journal();
  done_journal(const done_journal&) = delete;
  done_journal& operator=(const done_journal&) = delete;
  /// Appends attempt `r` (a success) with one write(2).
  void record(const attempt_record& r);
  /// Removes the journal: every attempt of the run was logged (the farm ended cleanly).
  void remove();

 private:
  std::string path_;
  std::string host_;
  int fd_ = -1;
};

/// The successes in OUTDIR/.done-* that `history` does not hold (by task id and attempt), in
/// journal order, without their commands. Malformed or torn lines are skipped.
[[nodiscard]] std::vector<status_line> unlogged_successes(const std::string& outdir,
                                                          const std::vector<status_line>& history);

/// Removes OUTDIR/.done-* (once what they held is in status.tsv).
void remove_journals(const std::string& outdir);

}  // namespace task_farm
