// The test main's own report (mpi_main.cpp), checked by CTest: a failure on a rank other than 0
// must be printed by rank 0 with the rank's number, mark the test failed, and make the exit code
// non-zero. The failing test is disabled, so only the harness checks in tests/CMakeLists.txt run
// it (--gtest_also_run_disabled_tests).

#include <gtest/gtest.h>

#include "relay/relay.hpp"

namespace {

TEST(Harness, PassesOnEveryRank) {
  const relay::communicator world;
  EXPECT_GE(world.size(), 1);
}

TEST(Harness, DISABLED_FailsOnTheLastRank) {
  const relay::communicator world;
  if (world.rank() == world.size() - 1 && world.size() > 1)
    ADD_FAILURE() << "deliberate failure on rank " << world.rank();
}

}  // namespace
