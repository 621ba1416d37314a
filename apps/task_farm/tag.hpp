#pragma once
// --tag: each finished attempt's output lines are also copied to the farm's standard output (its
// error output to standard error), each line prefixed with the task's id and a tab, as GNU
// parallel's --tag prefixes its arguments. The rank that ran the attempt reads its output back
// through its own descriptors (rank_output.hpp), under every --output mode, tags it, and sends it
// to rank 0 in its attempt_report (work.hpp); rank 0 alone prints, one task's lines in one
// write, as each attempt is logged, so lines of different tasks never mix, whatever the launcher
// does with the output of several ranks.

#include <cstdint>
#include <string>
#include <string_view>

namespace task_farm {

/// `text` with "<id>\t" before each line, and a newline after the last one if it had none.
[[nodiscard]] std::string tag_lines(std::int64_t id, std::string_view text);

/// Writes `out` to standard output and `err` to standard error, each whole (rank 0, --tag).
void print_tagged(std::string_view out, std::string_view err);

}  // namespace task_farm
