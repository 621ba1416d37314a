#pragma once
// Running tasks on one rank: signals, and process spawning, waiting and killing.

#include <sys/types.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "rank_output.hpp"
#include "status.hpp"
#include "work.hpp"

namespace task_farm {

inline constexpr double never = std::numeric_limits<double>::infinity();

/// A command longer than this is not passed to /bin/sh -c (one argument may hold at most
/// MAX_ARG_STRLEN, 128 KiB, with its NUL) but written to OUTDIR/task-<id>.sh and run as
/// /bin/sh OUTDIR/task-<id>.sh.
inline constexpr std::size_t max_argument_bytes = 100 * 1024;

/// The signals the farm handles itself: SIGTERM, SIGINT, SIGHUP, SIGUSR1 and SIGUSR2 stop the
/// farm; SIGCHLD stays blocked as well, so that no handler installed by MPI can reap the tasks
/// (the farm waits for a task through its pidfd, not its SIGCHLD).
/// block_signals() must run first thing in main, before MPI starts its threads, so that every
/// thread of the process has them blocked and they are only ever read from the signalfd.
void block_signals();

/// A signalfd for the farm's stop signals. Any thread may read it; waiting on it sleeps.
class signal_source {
 public:
  signal_source();
  ~signal_source();
  signal_source(const signal_source&) = delete;
  signal_source& operator=(const signal_source&) = delete;
  /// The descriptor to poll: readable while a stop signal is pending.
  [[nodiscard]] int fd() const { return fd_; }
  /// Sleeps until a signal is pending or `seconds` pass (never: no limit; 0: just look).
  void wait(double seconds) const;
  /// The signals that arrived since the last call, without blocking.
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
  double timeout_kill_delay = 2.0;             ///< SIGTERM to SIGKILL after --timeout
  double interrupt_kill_delay = 0.2;           ///< SIGTERM to SIGKILL when the farm is stopped
  output_mode output = output_mode::per_task;  ///< where the tasks' output goes (--output)
  bool tag = false;  ///< --tag: keep each attempt's output, tagged, for take_tagged()
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
  /// Starts attempt a.attempt of task a.id. Returns a finished record (outcome::error) if it could
  /// not be started.
  std::optional<attempt_record> start(const assignment& a);
  /// Reaps the attempt if it ended and sends due signals; returns its record once it ended.
  std::optional<attempt_record> poll(double now);
  /// When poll must next be called (a timeout or a kill is due), on the monotonic clock.
  [[nodiscard]] double next_deadline() const;
  /// Sleeps until the running attempt ends, `also` (a descriptor, or -1) is readable, or
  /// `seconds` pass. It polls the attempt's pidfd; a kernel without pidfd_open (before Linux
  /// 5.3) makes it sleep at most 1 ms at a time instead.
  void wait(double seconds, int also = -1) const;
  /// Kills the running attempt's process group at `deadline` (unless it ends first) and records
  /// it as interrupted. An earlier deadline replaces a later one.
  void interrupt_at(double deadline);
  /// Kills the running attempt's process group at once and waits for it (used on the way out).
  void kill_now();
  /// With --tag, after poll returned an attempt's record: its output and error output, each line
  /// prefixed with the task's id and a tab (tag.hpp); moved out, so a second call gets "".
  void take_tagged(std::string& out, std::string& err);

 private:
  attempt_record finish(int wait_status, double now);

  exec_settings settings_;
  task_environment env_;
  task_output output_;
  void release();

  int devnull_ = -1;
  pid_t pid_ = -1;
  int pidfd_ = -1;
  attempt_record current_;
  double start_mono_ = 0;
  double timeout_at_ = never;
  double interrupt_at_ = never;
  double kill_at_ = never;
  bool term_sent_ = false;
  outcome kill_reason_ = outcome::ok;
  std::string tagged_[2];  ///< --tag: the last attempt's output and error output, tagged
};

}  // namespace task_farm
