#include "directives.hpp"

#include <charconv>
#include <string>

#include "relay/error.hpp"

namespace task_farm {

namespace {

constexpr std::string_view blanks = " \t\r\f\v";

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace

std::optional<directive> parse_directive(std::string_view line, std::int64_t line_no) {
  const auto first = line.find_first_not_of(blanks);
  if (first == std::string_view::npos) return std::nullopt;
  line.remove_prefix(first);
  constexpr std::string_view prefix = "#FARM";
  if (!line.starts_with(prefix)) return std::nullopt;
  std::string_view rest = line.substr(prefix.size());
  if (!rest.empty() && blanks.find(rest.front()) == std::string_view::npos) return std::nullopt;
  const auto word_start = rest.find_first_not_of(blanks);
  const auto where = "line " + std::to_string(line_no) + ": ";
  if (word_start == std::string_view::npos)
    throw relay::usage_error(where + "'#FARM' without a directive (known: barrier, cores=N)");
  rest.remove_prefix(word_start);
  while (!rest.empty() && blanks.find(rest.back()) != std::string_view::npos) rest.remove_suffix(1);
  const std::string word = lower(rest);
  if (word == "barrier") return directive{directive::kind::barrier, 0};
  if (word.starts_with("cores=")) {
    const std::string_view n = std::string_view(word).substr(6);
    std::int32_t cores = 0;
    const auto [ptr, ec] = std::from_chars(n.data(), n.data() + n.size(), cores);
    if (n.empty() || ec != std::errc{} || ptr != n.data() + n.size() || cores < 1 ||
        cores > max_task_cores)
      throw relay::usage_error(where + "'#FARM " + std::string(rest) +
                               "': cores= needs a whole number from 1 to " +
                               std::to_string(max_task_cores));
    return directive{directive::kind::cores, cores};
  }
  throw relay::usage_error(where + "unknown directive '#FARM " + std::string(rest) +
                           "' (known: barrier, cores=N; a comment must not start with '#FARM ')");
}

}  // namespace task_farm
