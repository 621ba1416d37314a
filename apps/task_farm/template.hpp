#pragma once
// Argument templates and sweeps, as GNU parallel's: `task_farm --template 'cmd {1} {2}' ::: a b
// ::: 1 2` (or `:::: FILE`, one argument a line) expands to a task file, one line per
// combination of arguments, which the farm saves in its directory like any task file.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace task_farm {

/// One input source: the arguments after a `:::`, or a file named after `::::` (one argument a
/// line).
struct arg_source {
  bool file = false;                ///< `values` holds one path, read when the sweep is expanded
  std::vector<std::string> values;  ///< the arguments (or the path)
  friend bool operator==(const arg_source&, const arg_source&) = default;
};

/// The most tasks one sweep may expand to.
inline constexpr std::size_t max_sweep_tasks = 10'000'000;

/// Splits the command line at the first `:::` or `::::`: the arguments before it stay for the
/// option parser (`argc` shrinks), the sources after it are returned. Throws relay::usage_error
/// for a `:::` or `::::` with nothing after it.
[[nodiscard]] std::vector<arg_source> split_sources(int& argc, char** argv);

/// A word quoted for /bin/sh as GNU parallel quotes it: unchanged when it holds only letters,
/// digits and `-_+./`, else in single quotes (a `'` inside becomes `'"'"'`).
[[nodiscard]] std::string shell_quote(std::string_view word);

/// Checks a template: one line, not blank, not a comment, and every {N} within `sources`.
/// Throws relay::usage_error.
void check_template(std::string_view templ, std::size_t sources);

/// One command: `templ` with GNU parallel's replacement strings filled from `args` (one argument
/// per source; `seq` is the job's number from 1). {} is every argument, {N} the N-th; the
/// modifiers . (no extension), / (basename), // (dirname) and /. (basename without extension)
/// apply to either ({.}, {2/}); {#} is `seq`. Arguments are shell-quoted; other braces are kept.
/// A template without a replacement string gets " {}" appended, as in parallel.
[[nodiscard]] std::string expand_template(std::string_view templ, std::span<const std::string> args,
                                          std::int64_t seq);

/// The task file of a sweep: one line per combination of the sources' arguments, the first
/// source varying slowest (parallel's order). Reads `::::` files. Throws relay::usage_error for
/// an unreadable file, an empty source, an argument holding a newline, or more than
/// max_sweep_tasks tasks.
[[nodiscard]] std::string expand_sweep(std::string_view templ, std::vector<arg_source> sources);

}  // namespace task_farm
