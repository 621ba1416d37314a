#pragma once
// The progress line an app prints on stderr during a long run.

#include <chrono>
#include <string>

namespace relay::app {

/// True when this process's stderr is a terminal.
[[nodiscard]] bool stderr_is_terminal();

/// A progress line on stderr, for rank 0 of a long run. On a terminal it is redrawn in place at
/// most every 0.25 s and erased by clear(); elsewhere (when the app is asked for progress
/// anyway) each update is a line of its own, at most every 5 s. Nothing is shown in the first
/// second, so short runs stay quiet.
class progress_line {
 public:
  /// `enabled`: whether to show anything at all (rank 0, and a terminal or a request);
  /// `in_place`: redraw one line (a terminal) rather than print lines.
  explicit progress_line(bool enabled, bool in_place = stderr_is_terminal());
  progress_line(const progress_line&) = delete;
  progress_line& operator=(const progress_line&) = delete;
  ~progress_line() { clear(); }

  /// Seconds since the line was made.
  [[nodiscard]] double elapsed() const;
  /// True when an update now would be shown; build the text only then.
  [[nodiscard]] bool due() const;
  /// Shows `text` if an update is due.
  void show(const std::string& text);
  /// Erases a line drawn in place.
  void clear();

 private:
  bool enabled_;
  bool in_place_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  double last_ = 0;
};

}  // namespace relay::app
