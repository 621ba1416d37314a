#pragma once
// Task files: one shell command per line, a task's id is its line number.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace task_farm {

/// One task: the command on line `id` of the task file.
struct task {
  std::int64_t id = 0;
  std::string command;
  std::int32_t phase = 0;  ///< how many `#FARM barrier` lines come before it (directives.hpp)
  std::int32_t cores = 0;  ///< from `#FARM cores=N` before it; 0: --cores-per-task
  friend bool operator==(const task&, const task&) = default;
};

/// The longest line a task file may hold (the newline not counted).
/// The task file name that means standard input (as for parallel and xargs).
inline constexpr std::string_view stdin_name = "-";

/// Reads a task file, or standard input for "-" (on rank 0: mpirun passes its standard input to
/// rank 0). Throws relay::usage_error.
[[nodiscard]] std::string read_task_file(const std::string& path);

inline constexpr std::size_t max_line_bytes = std::size_t{1} << 20;

/// Parses the text of a task file. Each line that holds something other than white space is a
/// task, run by /bin/sh -c, except lines whose first non-blank character is '#': comments, or
/// `#FARM` directives (directives.hpp). A trailing '\r' (a file saved on Windows) is dropped.
/// Throws relay::usage_error naming the line for a NUL byte, a line longer than max_line_bytes,
/// or a bad directive.
[[nodiscard]] std::vector<task> parse_tasks(std::string_view text);

/// Reads a whole file. Throws relay::usage_error ("cannot read task file 'x': No such file or
/// directory") when it cannot; `what` names the file's role in the message.
[[nodiscard]] std::string read_file(const std::string& path, std::string_view what);

/// Writes `text` to `path` atomically (a temporary file, fsync, rename). Throws relay::usage_error.
void write_file_atomic(const std::string& path, std::string_view text);

}  // namespace task_farm
