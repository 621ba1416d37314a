// Non-blocking collectives under MPI_THREAD_MULTIPLE: four threads per rank, each running
// ibcast, iallreduce, igather, iscan and iallgatherv (trivial and serialized values, MPI's
// operations and user ones) on a duplicate communicator of its own, several outstanding at once
// and waited in reverse order, every value checked. Label `threads` (and the ThreadSanitizer run).

#include <gtest/gtest.h>

#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "relay/relay.hpp"
#include "test_support.hpp"

namespace {

using namespace relay_test;

constexpr int thread_count = 4;
constexpr int iterations = 30;

std::string concat(std::string a, const std::string& b) {
  return a + b;
}

/// One thread's work on its own communicator; returns the first mismatch, or "".
std::string work(const relay::communicator& comm, int t) {
  const int p = comm.size(), me = comm.rank();
  for (int i = 0; i < iterations; ++i) {
    const int root = (i + t) % p;
    const std::string word = make_string(me + t);
    auto b = relay::ibcast(comm, me == root ? make_map(i + t) : std::map<std::string, int>{}, root);
    auto sum = relay::iallreduce(comm, me + i, relay::ops::plus{});
    auto text = relay::iallreduce(comm, word, concat);
    auto g = relay::igather(comm, me * 100 + t, root);
    auto scan = relay::iscan(comm, std::vector<long>{me + 1L, t + 0L}, relay::ops::plus{});
    auto pieces =
        relay::iallgatherv(comm, std::vector<std::string>(static_cast<std::size_t>(me) % 3, word));
    std::string all;
    std::size_t piece_count = 0;
    for (int r = 0; r < p; ++r) {
      all += make_string(r + t);
      piece_count += static_cast<std::size_t>(r) % 3;
    }
    if (pieces.wait().size() != piece_count) return "iallgatherv";
    if (scan.wait() != std::vector<long>{(me + 1L) * (me + 2L) / 2, t * (me + 1L)}) return "iscan";
    auto gathered = g.wait();
    if (gathered.has_value() != (me == root)) return "igather root";
    if (gathered)
      for (int r = 0; r < p; ++r)
        if ((*gathered)[static_cast<std::size_t>(r)] != r * 100 + t) return "igather value";
    if (text.wait() != all) return "iallreduce (user op)";
    if (sum.wait() != p * (p - 1) / 2 + p * i) return "iallreduce";
    if (b.wait() != make_map(i + t)) return "ibcast";
  }
  return "";
}

TEST(ICollectivesThreads, FourThreadsOnDuplicatedCommunicators) {
  if (relay::environment::provided() != relay::thread_level::multiple)
    GTEST_SKIP() << "MPI does not provide MPI_THREAD_MULTIPLE";
  relay::communicator world;
  std::vector<relay::communicator> comms;
  for (int t = 0; t < thread_count; ++t) comms.push_back(world.dup());
  std::mutex lock;
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  for (int t = 0; t < thread_count; ++t)
    threads.emplace_back([&, t] {
      std::string failed;
      try {
        failed = work(comms[static_cast<std::size_t>(t)], t);
      } catch (const std::exception& e) {
        failed = e.what();
      }
      if (!failed.empty()) {
        const std::scoped_lock guard(lock);
        failures.push_back("thread " + std::to_string(t) + ": " + failed);
      }
    });
  for (auto& th : threads) th.join();
  for (const auto& f : failures) ADD_FAILURE() << f;
}

}  // namespace
