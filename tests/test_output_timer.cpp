// Ordered output (gather_text, print_ordered) and timing (timer, summarize).

#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "relay/relay.hpp"
#include "test_support.hpp"

namespace {

using namespace relay_test;

// ---- output ----------------------------------------------------------------------------------

TEST(Output, GatherTextReturnsEveryRankInOrderOnRankZero) {
  relay::communicator comm;
  const std::string mine =
      comm.rank() % 2 == 1 ? "" : "rank " + std::to_string(comm.rank()) + "\nline two";
  const auto texts = relay::gather_text(comm, mine);
  ASSERT_EQ(texts.has_value(), comm.rank() == 0);  // nothing collective follows here
  if (texts) {
    ASSERT_EQ(texts->size(), static_cast<std::size_t>(comm.size()));
    for (int r = 0; r < comm.size(); ++r)
      EXPECT_EQ((*texts)[static_cast<std::size_t>(r)],
                r % 2 == 1 ? "" : "rank " + std::to_string(r) + "\nline two");
  }
  // Text larger than any eager buffer.
  const std::string big(5000 + static_cast<std::size_t>(comm.rank()),
                        static_cast<char>('a' + comm.rank()));
  const auto bigs = relay::gather_text(comm, big);
  if (bigs) {
    for (int r = 0; r < comm.size(); ++r)
      EXPECT_EQ((*bigs)[static_cast<std::size_t>(r)],
                std::string(5000 + static_cast<std::size_t>(r), static_cast<char>('a' + r)));
  }
}

TEST(Output, PrintOrderedWritesRankOrderOnRankZeroOnly) {
  relay::communicator comm;
  std::ostringstream out;
  // Odd ranks end their text with a newline, even ones do not (one is added), and the last rank
  // prints nothing at all when there is more than one rank.
  std::string mine = "from " + std::to_string(comm.rank());
  if (comm.rank() % 2 == 1) mine += "\n";
  if (comm.size() > 1 && comm.rank() == comm.size() - 1) mine.clear();
  relay::print_ordered(comm, mine, out);
  if (comm.rank() == 0) {
    std::string expected;
    for (int r = 0; r < comm.size(); ++r)
      if (comm.size() == 1 || r != comm.size() - 1) expected += "from " + std::to_string(r) + "\n";
    EXPECT_EQ(out.str(), expected);
  } else {
    EXPECT_EQ(out.str(), "");
  }
}

TEST(Output, PrintOrderedToStdout) {
  relay::communicator comm;
  testing::internal::CaptureStdout();
  relay::print_ordered(comm, "line " + std::to_string(comm.rank()));
  const std::string printed = testing::internal::GetCapturedStdout();
  if (comm.rank() == 0) {
    std::string expected;
    for (int r = 0; r < comm.size(); ++r) expected += "line " + std::to_string(r) + "\n";
    EXPECT_EQ(printed, expected);
  } else {
    EXPECT_EQ(printed, "");
  }
}

// ---- timing ----------------------------------------------------------------------------------

TEST(Timer, SummarizeGivesMinMeanMaxOverRanks) {
  relay::communicator comm;
  const int p = comm.size();
  const relay::timing exact = relay::summarize(comm, static_cast<double>(comm.rank()));
  EXPECT_EQ(exact.min, 0.0);
  EXPECT_EQ(exact.max, p - 1.0);
  EXPECT_DOUBLE_EQ(exact.mean, (p - 1) / 2.0);
  EXPECT_DOUBLE_EQ(exact.imbalance(), p == 1 ? 1.0 : 2.0);  // max / mean, 1.0 when mean is 0
  const relay::timing same = relay::summarize(comm, 0.25);
  EXPECT_EQ(same.min, 0.25);
  EXPECT_EQ(same.max, 0.25);
  EXPECT_DOUBLE_EQ(same.mean, 0.25);
  EXPECT_DOUBLE_EQ(same.imbalance(), 1.0);
  EXPECT_EQ(relay::timing{}.imbalance(), 1.0);
}

TEST(Timer, MeasuresElapsedTimeOnEveryRank) {
  relay::communicator comm;
  const relay::timer outer;
  relay::timer t;
  const auto nap = std::chrono::milliseconds(10 + 10 * comm.rank());
  std::this_thread::sleep_for(nap);
  const double mine = t.elapsed();
  EXPECT_GE(mine, 0.009 + 0.01 * comm.rank());
  const relay::timing s = t.summarize(comm);
  EXPECT_LE(s.min, s.mean);
  EXPECT_LE(s.mean, s.max);
  EXPECT_GE(s.min, 0.009);
  EXPECT_GE(s.max, 0.009 + 0.01 * (comm.size() - 1));
  EXPECT_GE(s.imbalance(), 1.0);
  // Every rank gets the same summary.
  const auto all = relay::allgather(comm, s);
  for (const relay::timing& other : all) {
    EXPECT_EQ(other.min, s.min);
    EXPECT_EQ(other.mean, s.mean);
    EXPECT_EQ(other.max, s.max);
  }
  t.restart();  // forgets the nap: now behind `outer` by at least the nap
  const double since_restart = t.elapsed();
  EXPECT_GE(since_restart, 0.0);
  EXPECT_LE(since_restart + 0.009, outer.elapsed());
}

}  // namespace
