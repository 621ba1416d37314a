#pragma once
// --joblog FILE: each attempt also logged in GNU parallel's joblog format, for the tools that read
// that format (parallel's own --resume reads it too).

#include <string>

#include "status.hpp"

namespace task_farm {

/// Appends one line per attempt to a joblog: Seq (the task id), Host, Starttime (Unix seconds),
/// JobRuntime (seconds), Send and Receive (0: the farm does not count them), Exitval, Signal
/// (the signal that killed the task, and then Exitval 0, as parallel writes it), Command. A new
/// or empty file gets parallel's header line first. Each line is one write(2).
class joblog {
 public:
  /// Opens `path` for appending (created if need be). Throws relay::usage_error.
  explicit joblog(const std::string& path);
  ~joblog();
  joblog(const joblog&) = delete;
  joblog& operator=(const joblog&) = delete;

  /// Appends the line of one attempt. Returns false (once told on stderr) if it cannot.
  bool append(const attempt_record& r, const std::string& host, const std::string& command);

  /// The line for one attempt, with its newline.
  [[nodiscard]] static std::string format(const attempt_record& r, const std::string& host,
                                          const std::string& command);

 private:
  int fd_ = -1;
  std::string path_;
  bool told_ = false;
};

}  // namespace task_farm
