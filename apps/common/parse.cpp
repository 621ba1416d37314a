#include "parse.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "app.hpp"

namespace relay::app {

namespace {

[[noreturn]] void bad(std::string_view text, std::string_view what, std::string_view why) {
  throw usage_error(std::string(what) + " " + std::string(why) + " (got \"" + std::string(text) +
                    "\")");
}

/// Parses digits into a 64-bit value; false on overflow.
bool digits_to_u64(std::string_view digits, std::uint64_t& out) {
  out = 0;
  for (char c : digits) {
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (out > (UINT64_MAX - d) / 10) return false;
    out = out * 10 + d;
  }
  return true;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

std::uint64_t parse_count(std::string_view text, std::string_view what, count_range range) {
  std::string_view s = text;
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (!s.empty() && s.front() == '-') bad(text, what, "must not be negative");
  // Split "<mantissa>[e<exponent>]", with the mantissa "<int>[.<frac>]".
  std::string_view mantissa = s, exponent_text;
  if (auto e = s.find_first_of("eE"); e != std::string_view::npos) {
    mantissa = s.substr(0, e);
    exponent_text = s.substr(e + 1);
    if (!exponent_text.empty() && exponent_text.front() == '+') exponent_text.remove_prefix(1);
    if (!all_digits(exponent_text)) bad(text, what, "must be a non-negative integer");
  }
  std::string_view int_part = mantissa, frac_part;
  if (auto dot = mantissa.find('.'); dot != std::string_view::npos) {
    int_part = mantissa.substr(0, dot);
    frac_part = mantissa.substr(dot + 1);
  }
  if ((int_part.empty() && frac_part.empty()) || (!int_part.empty() && !all_digits(int_part)) ||
      (!frac_part.empty() && !all_digits(frac_part)))
    bad(text, what, "must be a non-negative integer");
  // value = digits(int_part frac_part) * 10^(exponent - len(frac_part)), exactly.
  std::uint64_t exponent = 0;
  if (!exponent_text.empty() &&
      (exponent_text.size() > 4 || !digits_to_u64(exponent_text, exponent)))
    bad(text, what, "is too large");
  std::string digits = std::string(int_part) + std::string(frac_part);
  const auto frac_len = static_cast<std::int64_t>(frac_part.size());
  std::int64_t shift = static_cast<std::int64_t>(exponent) - frac_len;
  // Drop trailing zeros that a negative shift would divide away.
  while (shift < 0 && !digits.empty() && digits.back() == '0') {
    digits.pop_back();
    ++shift;
  }
  if (shift < 0) bad(text, what, "must be a whole number");
  const auto first = digits.find_first_not_of('0');
  digits = first == std::string::npos ? "0" : digits.substr(first);
  std::uint64_t value = 0;
  if (!digits_to_u64(digits, value)) bad(text, what, "is too large");
  for (std::int64_t i = 0; i < shift && value != 0; ++i) {
    if (value > UINT64_MAX / 10) bad(text, what, "is too large");
    value *= 10;
  }
  if (value > range.max) bad(text, what, "is too large: the limit is " + std::to_string(range.max));
  if (value < range.min) bad(text, what, "must be at least " + std::to_string(range.min));
  return value;
}

double parse_number(std::string_view text, std::string_view what, number_range range) {
  const std::string a_noun = "must be a " + std::string(range.noun);
  // Decimal digits, sign, point and exponent only: strtod's hex, inf, nan and leading blanks
  // are no way to write an option's value.
  if (text.empty() || text.find_first_not_of("0123456789.eE+-") != std::string_view::npos)
    bad(text, what, a_noun);
  if (text.front() == '-') bad(text, what, "must not be negative");
  const std::string copy(text);
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size()) bad(text, what, a_noun);
  if (errno == ERANGE || !std::isfinite(v) || v > range.max) bad(text, what, "is too large");
  if (v == 0 && range.positive) bad(text, what, "must be more than 0");
  if (v < range.min) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", range.min);
    bad(text, what, std::string("must be at least ") + buf);
  }
  return v;
}

double parse_seconds(std::string_view text, std::string_view what, bool allow_zero) {
  return parse_number(text, what,
                      {.min = 0, .positive = !allow_zero, .max = 1e9, .noun = "number of seconds"});
}

}  // namespace relay::app
