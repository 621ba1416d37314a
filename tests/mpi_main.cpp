// An MPI-aware main for GoogleTest. Every rank runs every test. Only rank 0 prints gtest's
// report; after each test, the failures of the other ranks are gathered to rank 0 and printed
// with their rank numbers, and the test counts as failed if it failed on any rank. The exit code
// is non-zero if any rank saw a failure.
//
// The reporting uses plain MPI calls on a duplicate of MPI_COMM_WORLD, never relay: a bug in
// relay's collectives must show up as a failed test, not as a harness that hangs or misreports.
// relay::environment still starts and ends MPI, because the library under test needs what it
// sets up (its private channel and its error handlers).

#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdlib>
#include <iostream>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "relay/environment.hpp"

namespace {

// The harness has no one to report its own MPI errors to: it ends the job.
void check(int code, const char* what) {
  if (code == MPI_SUCCESS) return;
  std::cerr << "mpi_main: " << what << " failed (MPI error " << code << ")" << std::endl;
  MPI_Abort(MPI_COMM_WORLD, 3);
  std::abort();
}

// 1 if `failed` is true on any rank of `comm`.
bool any_rank(MPI_Comm comm, bool failed) {
  int mine = failed ? 1 : 0;
  int any = 0;
  check(MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, comm), "MPI_Allreduce");
  return any != 0;
}

// Every rank's text, concatenated in rank order on rank 0 (empty elsewhere).
std::string gather_texts(MPI_Comm comm, const std::string& mine) {
  int rank = 0;
  int size = 1;
  check(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank");
  check(MPI_Comm_size(comm, &size), "MPI_Comm_size");
  const int length = static_cast<int>(mine.size());
  std::vector<int> lengths(rank == 0 ? static_cast<std::size_t>(size) : 0);
  check(MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, comm), "MPI_Gather");
  std::vector<int> offsets(lengths.size(), 0);
  if (!lengths.empty()) std::exclusive_scan(lengths.begin(), lengths.end(), offsets.begin(), 0);
  std::string all(rank == 0 ? static_cast<std::size_t>(offsets.back() + lengths.back()) : 0, '\0');
  check(MPI_Gatherv(mine.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(),
                    MPI_CHAR, 0, comm),
        "MPI_Gatherv");
  return all;
}

class rank_reporter : public testing::EmptyTestEventListener {
 public:
  explicit rank_reporter(MPI_Comm comm) : comm_(comm) {
    check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
  }

  void OnTestPartResult(const testing::TestPartResult& result) override {
    if (!result.failed()) return;
    failures_ << "[  rank " << rank_ << " ] " << (result.file_name() ? result.file_name() : "?")
              << ":" << result.line_number() << ": " << result.summary() << "\n";
  }

  void OnTestEnd(const testing::TestInfo& info) override {
    const std::string mine = failures_.str();
    failures_.str("");
    // A collective after every test: all ranks run the same tests in the same order. Rank 0's
    // own failures are printed by gtest; its text is gathered too (MPI_Gatherv needs every
    // rank) but skipped here.
    const std::string all = gather_texts(comm_, rank_ == 0 ? std::string() : mine);
    const bool failed_anywhere = any_rank(comm_, !mine.empty());
    any_failure_ |= failed_anywhere;
    if (rank_ != 0) return;
    std::cout << all;
    if (failed_anywhere && !info.result()->Failed())
      std::cout << "[  FAILED  ] " << info.test_suite_name() << "." << info.name()
                << " failed on another rank (see above)\n";
    std::cout.flush();
  }

  [[nodiscard]] bool any_failure() const { return any_failure_; }

 private:
  MPI_Comm comm_;
  int rank_ = 0;
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
  const relay::environment env(argc, argv, relay::thread_level::RELAY_TEST_THREAD_LEVEL);
  MPI_Comm reports = MPI_COMM_NULL;  // the harness's own: no test's message can match its calls
  check(MPI_Comm_dup(MPI_COMM_WORLD, &reports), "MPI_Comm_dup");
  int rank = 0;
  check(MPI_Comm_rank(reports, &rank), "MPI_Comm_rank");
  testing::InitGoogleTest(&argc, argv);

  auto& listeners = testing::UnitTest::GetInstance()->listeners();
  if (rank != 0) delete listeners.Release(listeners.default_result_printer());
  auto* reporter = new rank_reporter(reports);
  listeners.Append(reporter);  // gtest owns it

  const int local = RUN_ALL_TESTS();
  const bool failed = local != 0 || reporter->any_failure();
  const bool failed_anywhere = any_rank(reports, failed);
  if (rank == 0 && failed_anywhere && !failed)
    std::cout << "Some tests failed on ranks other than 0 (see above).\n";
  check(MPI_Comm_free(&reports), "MPI_Comm_free");
  return failed_anywhere ? 1 : 0;
}
