#pragma once
// The live progress line (--progress, or on its own when the farm's stderr is a terminal): tasks
// done and failed, running, the rate and an ETA, on rank 0's stderr.

#include <cstddef>
#include <string>

namespace task_farm {

/// True if this process's stderr is a terminal, or, for a rank of Open MPI's mpirun (whose ranks
/// write to pipes), if the stderr of its parent (mpirun, or orted) is one.
[[nodiscard]] bool stderr_is_terminal();

/// The progress line's text, e.g. "task_farm: 37/100 done, 2 failed, 4 running, 12.3 tasks/s,
/// ETA 0:05".
[[nodiscard]] std::string progress_text(std::size_t done, std::size_t failed, std::size_t running,
                                        std::size_t total, double seconds);

/// Prints the line: on a terminal rewritten in place 4 times a second, elsewhere one line every
/// 2 seconds.
class progress_line {
 public:
  progress_line(bool enabled, bool terminal) : enabled_(enabled), terminal_(terminal) {}
  /// Prints if it is time (now: seconds since the farm started).
  void update(std::size_t done, std::size_t failed, std::size_t running, std::size_t total,
              double now);
  /// Clears the line on a terminal (before the summary).
  void finish();
  /// Clears the line on a terminal before other output (--tag); the next update redraws it.
  void clear();

 private:
  bool enabled_;
  bool terminal_;
  double next_ = 0;
  bool shown_ = false;
};

}  // namespace task_farm
