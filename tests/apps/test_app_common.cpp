// apps/common: the command-line number parsers (values, bounds and the exact messages that the
// apps' bad-input tests match), number formatting, the CPU clock and the progress line's gate.

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "clock.hpp"
#include "format.hpp"
#include "parse.hpp"
#include "progress.hpp"
#include "relay/error.hpp"

namespace {

using relay::app::count_range;
using relay::app::number_range;
using relay::app::parse_count;
using relay::app::parse_number;
using relay::app::parse_seconds;

/// The message of the usage_error that `f` throws, or "" when it throws none.
template <class F>
std::string message_of(F f) {
  try {
    f();
  } catch (const relay::usage_error& e) {
    return e.what();
  }
  return "";
}

TEST(ParseCount, PlainAndENotation) {
  EXPECT_EQ(parse_count("1000", "N", {.min = 0}), 1000u);
  EXPECT_EQ(parse_count("+7", "N"), 7u);
  EXPECT_EQ(parse_count("1e9", "N"), 1'000'000'000u);
  EXPECT_EQ(parse_count("2.5e3", "N"), 2500u);
  EXPECT_EQ(parse_count("0", "N", {.min = 0}), 0u);
  EXPECT_EQ(parse_count("18446744073709551615", "N", {.min = 0}), UINT64_MAX);
  EXPECT_EQ(parse_count("0.0e0", "N", {.min = 0}), 0u);
}

TEST(ParseCount, BoundsAndMessages) {
  EXPECT_EQ(message_of([] { (void)parse_count("0", "--samples"); }),
            "--samples must be at least 1 (got \"0\")");
  EXPECT_EQ(message_of([] { (void)parse_count("4", "--reps", {.min = 5, .max = 9}); }),
            "--reps must be at least 5 (got \"4\")");
  EXPECT_EQ(message_of([] { (void)parse_count("10", "--reps", {.min = 5, .max = 9}); }),
            "--reps is too large: the limit is 9 (got \"10\")");
  EXPECT_EQ(parse_count("9", "--reps", {.min = 5, .max = 9}), 9u);
  EXPECT_EQ(message_of([] { (void)parse_count("-5", "N"); }),
            "N must not be negative (got \"-5\")");
  EXPECT_EQ(message_of([] { (void)parse_count("abc", "N"); }),
            "N must be a non-negative integer (got \"abc\")");
  EXPECT_EQ(message_of([] { (void)parse_count("", "N"); }),
            "N must be a non-negative integer (got \"\")");
  EXPECT_EQ(message_of([] { (void)parse_count("2.5", "N"); }),
            "N must be a whole number (got \"2.5\")");
  EXPECT_EQ(message_of([] { (void)parse_count("1e30", "N"); }), "N is too large (got \"1e30\")");
  EXPECT_EQ(message_of([] { (void)parse_count("18446744073709551616", "N"); }),
            "N is too large (got \"18446744073709551616\")");
}

TEST(ParseNumber, ValuesAndMessages) {
  const number_range positive{.min = 0, .positive = true, .noun = "positive number"};
  EXPECT_DOUBLE_EQ(parse_number("0.5", "--x", positive), 0.5);
  EXPECT_DOUBLE_EQ(parse_number("1e-3", "--x", positive), 1e-3);
  EXPECT_DOUBLE_EQ(parse_number("0", "--x"), 0.0);
  EXPECT_EQ(message_of([] { (void)parse_number("0", "--x", {.positive = true}); }),
            "--x must be more than 0 (got \"0\")");
  EXPECT_EQ(message_of([] { (void)parse_number("-1", "--x"); }),
            "--x must not be negative (got \"-1\")");
  for (const char* bad : {"abc", "nan", "inf", "0x10", " 1", "", "1e"})
    EXPECT_EQ(message_of([&] { (void)parse_number(bad, "--x", positive); }),
              std::string("--x must be a positive number (got \"") + bad + "\")")
        << bad;
  EXPECT_EQ(message_of([] { (void)parse_number("1e400", "--x"); }),
            "--x is too large (got \"1e400\")");
  EXPECT_EQ(message_of([] { (void)parse_number("61", "--x", {.max = 60}); }),
            "--x is too large (got \"61\")");
  EXPECT_EQ(message_of([] { (void)parse_number("0.5", "--x", {.min = 1}); }),
            "--x must be at least 1 (got \"0.5\")");
}

TEST(ParseSeconds, ZeroOnlyWhenAllowed) {
  EXPECT_DOUBLE_EQ(parse_seconds("30", "--timeout", false), 30.0);
  EXPECT_DOUBLE_EQ(parse_seconds("0", "--grace", true), 0.0);
  EXPECT_EQ(message_of([] { (void)parse_seconds("0", "--timeout", false); }),
            "--timeout must be more than 0 (got \"0\")");
  EXPECT_EQ(message_of([] { (void)parse_seconds("abc", "--timeout", false); }),
            "--timeout must be a number of seconds (got \"abc\")");
  EXPECT_EQ(message_of([] { (void)parse_seconds("2e9", "--timeout", false); }),
            "--timeout is too large (got \"2e9\")");
}

TEST(Format, PrintfAndFixed) {
  EXPECT_EQ(relay::app::format("%.3e", 12345.678), "1.235e+04");
  EXPECT_EQ(relay::app::format("%+.1f", 2.25), "+2.2");
  EXPECT_EQ(relay::app::fixed(2.5, 3), "2.500");
  EXPECT_EQ(relay::app::fixed(1e20, 1), "100000000000000000000.0");  // longer than any buffer guess
}

TEST(Clock, CpuSecondsCountWork) {
  const double before = relay::app::cpu_seconds();
  volatile std::uint64_t x = 0;
  while (relay::app::cpu_seconds() - before < 0.02) x = x + 1;
  EXPECT_GE(relay::app::cpu_seconds() - before, 0.02);
  EXPECT_GT(relay::app::monotonic_seconds(), 0.0);
  EXPECT_GT(relay::app::wall_seconds(), 1.6e9);  // after 2020
}

TEST(Progress, NeverDueWhenDisabled) {
  relay::app::progress_line off(false, true);
  EXPECT_FALSE(off.due());
  EXPECT_GE(off.elapsed(), 0.0);
}

}  // namespace
