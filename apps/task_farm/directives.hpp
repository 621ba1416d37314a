#pragma once
// `#FARM` lines in a task file: directives, not comments. `#FARM barrier`: no task after it
// starts until every task before it has ended. Any other `#FARM` word is an error naming its line,
// so that a directive this version does not know is never silently skipped.

#include <cstdint>
#include <optional>
#include <string_view>

namespace task_farm {

/// What a `#FARM` line asks for.
enum class directive : std::int32_t {
  barrier,  ///< `#FARM barrier`
};

/// The directive on a task-file line, or nothing when the line is none (a `#FARM` directive is
/// the line's first word, after blanks; "#FARMS" or "# FARM" are comments). Throws
/// relay::usage_error naming `line_no` for an empty or unknown directive.
[[nodiscard]] std::optional<directive> parse_directive(std::string_view line, std::int64_t line_no);

}  // namespace task_farm
