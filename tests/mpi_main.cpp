// An MPI-aware main for GoogleTest. Every rank runs every test. Only rank 0 prints gtest's
// report; after each test, the failures of the other ranks are gathered to rank 0 and printed
// with their rank numbers, and the test counts as failed if it failed on any rank. The exit code
// is non-zero if any rank saw a failure.

#include <gtest/gtest.h>

#include <iostream>
#include <sstream>

#include "relay/relay.hpp"

namespace {

class rank_reporter : public testing::EmptyTestEventListener {
 public:
  explicit rank_reporter(relay::communicator comm) : comm_(std::move(comm)) {}

  void OnTestPartResult(const testing::TestPartResult& result) override {
    if (!result.failed()) return;
    failures_ << "[  rank " << comm_.rank() << " ] "
              << (result.file_name() ? result.file_name() : "?") << ":" << result.line_number()
              << ": " << result.summary() << "\n";
  }

  void OnTestEnd(const testing::TestInfo& info) override {
    const std::string mine = failures_.str();
    failures_.str("");
    // A collective after every test: all ranks run the same tests in the same order.
    const auto texts = relay::gather_text(comm_, mine);
    const bool failed_anywhere = relay::allreduce(comm_, !mine.empty() ? 1 : 0, relay::ops::max{}) != 0;
    if (comm_.rank() != 0) {
      any_failure_ |= failed_anywhere;
      return;
    }
    for (std::size_t r = 1; r < texts->size(); ++r)
      if (!(*texts)[r].empty()) std::cout << (*texts)[r];
    if (failed_anywhere) {
      any_failure_ = true;
      if (!info.result()->Failed())
        std::cout << "[  FAILED  ] " << info.test_suite_name() << "." << info.name()
                  << " failed on another rank (see above)\n";
    }
    std::cout.flush();
  }

  [[nodiscard]] bool any_failure() const { return any_failure_; }

 private:
  relay::communicator comm_;
  std::ostringstream failures_;
  bool any_failure_ = false;
};

}  // namespace

// A test that needs another thread level compiles this file with RELAY_TEST_THREAD_LEVEL set
// (test_threads: multiple).
#ifndef RELAY_TEST_THREAD_LEVEL
#define RELAY_TEST_THREAD_LEVEL single
#endif

int main(int argc, char** argv) {
  relay::environment env(argc, argv, relay::thread_level::RELAY_TEST_THREAD_LEVEL);
  relay::communicator world;
  testing::InitGoogleTest(&argc, argv);

  auto& listeners = testing::UnitTest::GetInstance()->listeners();
  if (world.rank() != 0) delete listeners.Release(listeners.default_result_printer());
  auto* reporter = new rank_reporter(world);
  listeners.Append(reporter);  // gtest owns it

  const int local = RUN_ALL_TESTS();
  const bool failed = local != 0 || reporter->any_failure();
  const int global = relay::allreduce(world, failed ? 1 : 0, relay::ops::max{});
  if (world.rank() == 0 && global != 0 && !failed)
    std::cout << "Some tests failed on ranks other than 0 (see above).\n";
  return global;
}
