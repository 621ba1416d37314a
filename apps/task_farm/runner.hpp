#pragma once
// Running tasks on one rank: signals, process spawning and killing, and the serial runner that
// works through a chunk of assignments with retries and timeouts.

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "protocol.hpp"
#include "status.hpp"

namespace task_farm {

inline constexpr double never = std::numeric_limits<double>::infinity();

/// The signals the farm handles itself: SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2 (stop the farm)
/// and SIGCHLD (a task ended).
/// block_signals() must run first thing in main, before MPI starts its threads, so that every
/// thread of the process has them blocked and they are only ever read from the signalfd.
void block_signals();

/// A signalfd for the farm's signals. Waiting on it sleeps: no CPU is used while tasks run.
class signal_source {
 public:
  signal_source();
  ~signal_source();
  signal_source(const signal_source&) = delete;
  signal_source& operator=(const signal_source&) = delete;
  /// Sleeps until a signal is pending or `seconds` pass (never: no limit; 0: just look).
  void wait(double seconds) const;
  /// The signals that arrived since the last call (SIGCHLD included), without blocking.
  [[nodiscard]] std::vector<int> take();

 private:
  int fd_ = -1;
};

/// What a rank needs to run tasks.
struct exec_settings {
  std::string outdir;  ///< where task-<id>.out and .err go
  double timeout = 0;  ///< seconds per attempt; 0: no limit
  std::int32_t rank = 0;
  std::string host;
  double timeout_kill_delay = 2.0;    ///< SIGTERM to SIGKILL after --timeout
  double interrupt_kill_delay = 0.2;  ///< SIGTERM to SIGKILL when the farm is stopped
};

/// Builds the environment of the tasks: this process's environment without the variables with
/// which Open MPI's launcher tells a process that it is an MPI rank (so that a task may start
/// its own MPI program), plus TASK_RANK, TASK_HOST, and per attempt TASK_ID and TASK_ATTEMPT.
class task_environment {
 public:
  task_environment(std::int32_t rank, const std::string& host);
  /// A null-terminated envp for one attempt; valid until the next call.
  char* const* make(std::int64_t id, std::int32_t attempt);

 private:
  std::vector<std::string> base_;
  std::string id_, attempt_;
  std::vector<char*> envp_;
};

/// True if an environment variable (NAME=value) is one of Open MPI's launch variables that tasks
/// do not inherit.
[[nodiscard]] bool is_launcher_variable(std::string_view entry);

/// One running attempt at a time: spawns it (/bin/sh -c, its own process group, output to files),
/// reaps it, and kills its whole process group on a timeout or when the farm stops.
class process_runner {
 public:
  explicit process_runner(exec_settings settings);
  ~process_runner();
  process_runner(const process_runner&) = delete;
  process_runner& operator=(const process_runner&) = delete;

  [[nodiscard]] bool busy() const { return pid_ > 0; }
  /// Starts an attempt. Returns a finished record (outcome::error) if it could not be started.
  std::optional<attempt_record> start(const assignment& a, std::int32_t attempt);
  /// Reaps the attempt if it ended and sends due signals; returns its record once it ended.
  std::optional<attempt_record> poll(double now);
  /// When poll must next be called (a timeout or a kill is due), on the monotonic clock.
  [[nodiscard]] double next_deadline() const;
  /// Kills the running attempt's process group at `deadline` (unless it ends first) and records
  /// it as interrupted. An earlier deadline replaces a later one.
  void interrupt_at(double deadline);
  /// Kills the running attempt's process group at once and waits for it (used on the way out).
  void kill_now();

 private:
  attempt_record finish(int wait_status, double now);

  exec_settings settings_;
  task_environment env_;
  int devnull_ = -1;
  pid_t pid_ = -1;
  attempt_record current_;
  double start_mono_ = 0;
  double timeout_at_ = never;
  double interrupt_at_ = never;
  double kill_at_ = never;
  bool term_sent_ = false;
  outcome kill_reason_ = outcome::ok;
};

/// Works through assignments one attempt at a time: retries failed attempts (up to `retries`
/// more, on this rank, at once), and stops early when asked.
class local_runner {
 public:
  /// With `fail_fast`, a task that fails with no retry left stops this runner (drain).
  local_runner(process_runner& proc, std::uint64_t retries, bool fail_fast)
      : proc_(proc), retries_(retries), fail_fast_(fail_fast) {}

  void add(std::vector<assignment> tasks);
  /// Stops early: drain (finish the running attempt) or interrupt (kill it after `grace`).
  void stop(stop_mode mode, double now, double grace);
  /// Reaps, retries and starts attempts; finished attempts are appended to `out`.
  void step(double now, std::vector<attempt_record>& out);

  [[nodiscard]] bool busy() const { return proc_.busy(); }
  /// Nothing running and nothing that will start.
  [[nodiscard]] bool done() const {
    return !busy() && (mode_ != stop_mode::none || (chunk_.empty() && !retry_));
  }
  [[nodiscard]] bool needs_work() const {
    return mode_ == stop_mode::none && !busy() && !has_queued();
  }
  /// Assignments (or a retry) waiting to start.
  [[nodiscard]] bool has_queued() const { return !chunk_.empty() || retry_.has_value(); }
  /// How many assignments wait to start.
  [[nodiscard]] std::size_t queued() const { return chunk_.size(); }
  [[nodiscard]] double next_deadline() const { return proc_.next_deadline(); }
  [[nodiscard]] stop_mode mode() const { return mode_; }

 private:
  void finished(attempt_record rec, std::vector<attempt_record>& out);

  process_runner& proc_;
  std::uint64_t retries_;
  bool fail_fast_;
  std::deque<assignment> chunk_;
  assignment current_;
  std::uint64_t tries_ = 0;            ///< attempts of current_ in this run
  std::optional<std::int32_t> retry_;  ///< the attempt number of a pending retry of current_
  stop_mode mode_ = stop_mode::none;
};

}  // namespace task_farm
