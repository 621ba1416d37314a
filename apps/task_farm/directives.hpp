#pragma once
// `#FARM` lines in a task file: directives, not comments. `#FARM barrier`: no task after it
// starts until every task before it has ended. `#FARM cores=N`: each task after it (up to the
// next `#FARM cores=`) runs only while its rank holds N cores of its node (slots.hpp). Any other
// `#FARM` word is an error naming its line, so a directive is never silently skipped.

#include <cstdint>
#include <optional>
#include <string_view>

namespace task_farm {

/// The most cores one task may ask for.
inline constexpr std::int32_t max_task_cores = 1 << 16;

/// What a `#FARM` line asks for.
struct directive {
  enum class kind : std::int32_t {
    barrier,  ///< `#FARM barrier`
    cores,    ///< `#FARM cores=N`: the tasks after it need N cores each (until the next one)
  };
  kind what = kind::barrier;
  std::int32_t cores = 0;  ///< for kind::cores, 1 to max_task_cores
  friend bool operator==(const directive&, const directive&) = default;
};

/// The directive on a task-file line, or nothing when the line is none (a `#FARM` directive is
/// the line's first word, after blanks; "#FARMS" or "# FARM" are comments). Throws
/// relay::usage_error naming `line_no` for an empty or unknown directive, or a bad core count.
[[nodiscard]] std::optional<directive> parse_directive(std::string_view line, std::int64_t line_no);

}  // namespace task_farm
