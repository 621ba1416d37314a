#pragma once
// The status log, OUTDIR/status.tsv: a header line, then one line per finished attempt, and the
// resume plan computed from it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "taskfile.hpp"

namespace task_farm {

/// How an attempt ended.
enum class outcome : std::int32_t {
  ok = 0,           ///< exited with status 0
  failed = 1,       ///< exited with a non-zero status
  signal = 2,       ///< killed by a signal that the farm did not send (exit shows 128+signal)
  timeout = 3,      ///< killed by the farm after --timeout (with its whole process group)
  interrupted = 4,  ///< killed by the farm when it was stopped (SIGTERM/SIGINT/SIGUSR1): unfinished
  error = 5,        ///< could not be started (its output file could not be created, say)
};

/// The word used in the log's result column.
[[nodiscard]] std::string_view to_string(outcome o);
/// The outcome for a word of the result column, if it is one.
[[nodiscard]] std::optional<outcome> outcome_from_string(std::string_view word);

/// One finished attempt, as it travels between ranks (trivially copyable: no strings).
struct attempt_record {
  std::int64_t id = 0;         ///< the task's id (line number)
  std::int32_t rank = 0;       ///< the rank that ran it
  std::int32_t exit_code = 0;  ///< the exit status, or 128+N when killed by signal N
  outcome result = outcome::ok;
  std::int32_t attempt = 1;  ///< 1 for a task's first run; counts on across --resume
  double start = 0;          ///< wall-clock start, seconds since the epoch
  double end = 0;            ///< wall-clock end, seconds since the epoch
  double elapsed = 0;        ///< seconds, from a monotonic clock
  friend bool operator==(const attempt_record&, const attempt_record&) = default;
};

/// A line of the log: an attempt with the host that ran it and its command.
struct status_line {
  attempt_record rec;
  std::string host;
  std::string command;
  friend bool operator==(const status_line&, const status_line&) = default;
};

/// The log's first line (without its newline).
[[nodiscard]] std::string_view status_header();

/// Escapes a field for the log: backslash, tab, newline and carriage return become \\, \t, \n, \r.
[[nodiscard]] std::string escape_field(std::string_view text);
/// Undoes escape_field. Returns nothing for a malformed escape.
[[nodiscard]] std::optional<std::string> unescape_field(std::string_view text);

/// A time as the log writes it: ISO 8601 in UTC with milliseconds, "2025-06-01T12:00:00.123Z".
[[nodiscard]] std::string format_time(double epoch_seconds);
/// Parses format_time's output.
[[nodiscard]] std::optional<double> parse_time(std::string_view text);

/// One log line, with its newline.
[[nodiscard]] std::string format_status_line(const status_line& line);
/// Parses one log line (without its newline); nothing if it is malformed.
[[nodiscard]] std::optional<status_line> parse_status_line(std::string_view line);

/// A whole log read back.
struct status_log_contents {
  std::vector<status_line> lines;
  /// Bytes of complete lines: a last line without its newline (cut off when a job was killed in
  /// the middle of a write) is not counted, so the log can be truncated to this length.
  std::size_t complete_bytes = 0;
  bool torn_tail = false;  ///< a partial last line was found (and ignored)
};

/// Parses the text of a status log. Throws relay::usage_error if the header is not the farm's or a
/// complete line is malformed ("status.tsv line 7: ...").
[[nodiscard]] status_log_contents parse_status_log(std::string_view text);

/// What a run has to do, given the tasks and the attempts logged so far.
struct run_plan {
  struct entry {
    task t;
    std::int32_t first_attempt = 1;  ///< the attempt number of its next run
  };
  std::vector<entry> to_run;          ///< in id order: never run, failed, or unfinished
  std::size_t already_succeeded = 0;  ///< logged as succeeded before: skipped
  std::size_t already_failed = 0;     ///< logged as ended, not succeeded, with skip_failed: skipped
};

/// Plans a run: every task without a logged success runs, with attempt numbers that continue the
/// log's. Throws relay::usage_error when the log does not belong to these tasks: a logged id that
/// is no task now, or whose command differs (the task file was edited, so line numbers, the ids, no
/// longer name the same tasks).
/// With skip_failed (--resume-unfinished), a task whose last attempt ended (failed, killed by a
/// signal, timed out or could not start) is skipped too: only the never run and the interrupted
/// ones run.
[[nodiscard]] run_plan plan_run(const std::vector<task>& tasks,
                                const std::vector<status_line>& history, bool skip_failed = false);

}  // namespace task_farm
