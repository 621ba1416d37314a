#pragma once
// --tag: each finished attempt's output lines are also copied to the farm's standard output (its
// error output to standard error), each line prefixed with the task's id and a tab, as GNU
// parallel's --tag prefixes its arguments. Rank 0 prints them, one task's lines in one write, as
// each attempt is logged, so lines of different tasks never interleave. It reads the task's files
// in the output directory (--output per-task), which rank 0 sees when that directory is on a
// file system shared by the nodes, as a cluster's home or scratch is.

#include <cstdint>
#include <string>
#include <string_view>

namespace task_farm {

/// `text` with "<id>\t" before each line, and a newline after the last one if it had none.
[[nodiscard]] std::string tag_lines(std::int64_t id, std::string_view text);

/// Copies task `id`'s OUTDIR/task-<id>.out to stdout and .err to stderr, tagged. A file that rank
/// 0 cannot read (no shared file system) gets one line on stderr saying so.
void print_tagged(const std::string& outdir, std::int64_t id);

}  // namespace task_farm
