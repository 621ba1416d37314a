#pragma once
// Parsing of command-line numbers with bounds, failing with a usage_error that names the option
// and quotes the text. Every rank parses the same arguments, so every rank fails together.

#include <cstdint>
#include <limits>
#include <string_view>

namespace relay::app {

/// The allowed values of a count, both ends included.
struct count_range {
  std::uint64_t min = 1;
  std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
};

/// Parses a count: a plain non-negative integer ("1000") or one in e-notation ("1e9", "2.5e3")
/// that names an integer, within `range`. `what` names the option in messages, e.g. "--count".
/// Throws usage_error for a negative, fractional or non-numeric value, one above `range.max`
/// ("is too large: the limit is ...") or below `range.min` ("must be at least ...").
[[nodiscard]] std::uint64_t parse_count(std::string_view text, std::string_view what,
                                        count_range range = {});

/// The allowed values of a real number.
struct number_range {
  double min = 0;         ///< the least value (when `positive`, values above it)
  bool positive = false;  ///< true: the value must be above `min`, which must be 0
  double max = std::numeric_limits<double>::max();
  std::string_view noun = "number";  ///< what a malformed value is told to be: "a <noun>"
};

/// Parses a finite decimal number ("30", "0.5", "1e3"; no hex, no inf or nan) within `range`.
/// Throws usage_error: "<what> must be a <noun>" when it is no such number, "must not be
/// negative" below 0, "must be more than 0" for 0 when `positive`, "must be at least <min>",
/// "is too large" above `max`.
[[nodiscard]] double parse_number(std::string_view text, std::string_view what,
                                  number_range range = {});

/// Parses a duration in seconds: a non-negative finite number of at most 1e9 (about 30 years),
/// more than 0 unless `allow_zero`.
[[nodiscard]] double parse_seconds(std::string_view text, std::string_view what, bool allow_zero);

}  // namespace relay::app
