// relay under MPI_THREAD_MULTIPLE: four threads per rank post non-blocking receives and send at
// the same time, and resolve the datatypes of types never seen before at the same time. Run it
// under ThreadSanitizer (scripts/tsan.sh) to find data races in relay's shared state.
//
// Deadlock-free by construction: thread t of each rank receives only from thread t of the
// previous rank (itself at 1 rank) on tags that only thread t uses, and every receive is posted
// before its thread sends. Vectors are sent with isend, never a blocking send, because a receive
// of unknown size only reaches MPI (as a matched probe) when it is waited on.

#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <exception>
#include <latch>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "relay/relay.hpp"
#include "test_support.hpp"

namespace {

using namespace relay_test;

constexpr int thread_count = 4;
constexpr int iterations = 200;

#define RELAY_REQUIRE_THREAD_MULTIPLE()                                  \
  do {                                                                   \
    if (relay::environment::provided() != relay::thread_level::multiple) \
      GTEST_SKIP() << "MPI does not provide MPI_THREAD_MULTIPLE";        \
  } while (0)

/// Collects the failures of worker threads, for the main thread to report (gtest's assertions
/// are kept to the main thread).
class failures {
 public:
  void add(std::string what) {
    const std::scoped_lock lock(mutex_);
    list_.push_back(std::move(what));
  }
  [[nodiscard]] std::vector<std::string> take() {
    const std::scoped_lock lock(mutex_);
    return std::move(list_);
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> list_;
};

/// Runs `body(t)` on `thread_count` threads that start together; an exception becomes a failure.
template <class F>
std::vector<std::string> run_threads(F body) {
  failures failed;
  std::latch start(thread_count);
  std::vector<std::thread> threads;
  for (int t = 0; t < thread_count; ++t)
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      try {
        body(t, failed);
      } catch (const std::exception& e) {
        failed.add("thread " + std::to_string(t) + ": " + e.what());
      }
    });
  for (auto& thread : threads) thread.join();
  return failed.take();
}

/// The vector that rank `r`'s thread `t` sends in iteration `i`: lengths from 0 to past the
/// eager limits of shared memory (4 KiB) so that both protocols run.
std::vector<int> make_payload(int r, int t, int i) {
  const auto length = static_cast<std::size_t>((i * 97 + t * 13) % 3001);
  std::vector<int> v(length);
  for (std::size_t k = 0; k < length; ++k) v[k] = r * 1'000'000 + t * 100'000 + i + int(k % 7);
  return v;
}

TEST(Threads, NonblockingReceivesFromFourThreads) {
  RELAY_REQUIRE_THREAD_MULTIPLE();
  const relay::communicator comm = relay::communicator().dup();
  const int me = comm.rank(), next = next_rank(comm), prev = prev_rank(comm);

  const auto failed = run_threads([&](int t, failures& out) {
    const int vector_tag = 100 + 3 * t, int_tag = vector_tag + 1, point_tag = vector_tag + 2;
    for (int i = 0; i < iterations; ++i) {
      auto vector_in = relay::irecv<std::vector<int>>(comm, prev, vector_tag);
      auto int_in = relay::irecv<int>(comm, prev, int_tag);
      auto point_in = relay::irecv<point>(comm, prev, point_tag);

      relay::request vector_out = relay::isend(comm, make_payload(me, t, i), next, vector_tag);
      // A receive of a fixed size is posted in MPI at once, so a blocking send to it completes.
      relay::send(comm, me * 1000 + t * 100 + i, next, int_tag);
      relay::request point_out = relay::isend(comm, point{i, me + t * 0.5}, next, point_tag);

      const std::vector<int> v = vector_in.wait();
      const int n = int_in.wait();
      const point p = point_in.wait();
      vector_out.wait();
      point_out.wait();

      const std::string where = "rank " + std::to_string(me) + " thread " + std::to_string(t) +
                                " iteration " + std::to_string(i) + ": ";
      if (v != make_payload(prev, t, i)) out.add(where + "wrong vector");
      if (n != prev * 1000 + t * 100 + i) out.add(where + "wrong int " + std::to_string(n));
      if (!(p == point{i, prev + t * 0.5})) out.add(where + "wrong point");
    }
  });
  for (const auto& f : failed) ADD_FAILURE() << f;
}

/// A trivially copyable type of exactly N bytes, which travels as relay's cached bytes type.
template <std::size_t N>
struct blob {
  unsigned char bytes[N];
};

/// Sizes 69 to 586, which nothing else in this program uses, on both sides of the datatype
/// cache's table of small sizes (up to 256 bytes).
template <std::size_t... I>
std::vector<std::pair<std::size_t, MPI_Datatype>> resolve_fresh_types(std::index_sequence<I...>) {
  return {{69 + I * 11, relay::datatype<blob<69 + I * 11>>()}...};
}

TEST(Threads, DatatypesOfNewSizesFromFourThreads) {
  RELAY_REQUIRE_THREAD_MULTIPLE();
  std::vector<std::vector<std::pair<std::size_t, MPI_Datatype>>> seen(thread_count);
  const auto failed = run_threads([&](int t, failures&) {
    seen[static_cast<std::size_t>(t)] = resolve_fresh_types(std::make_index_sequence<48>{});
  });
  for (const auto& f : failed) ADD_FAILURE() << f;
  for (int t = 1; t < thread_count; ++t)
    EXPECT_EQ(seen[static_cast<std::size_t>(t)], seen[0]) << "thread " << t << " got other types";
  for (const auto& [size, type] : seen[0]) {
    int bytes = 0;
    MPI_Type_size(type, &bytes);
    EXPECT_EQ(static_cast<std::size_t>(bytes), size);
  }
}

}  // namespace
