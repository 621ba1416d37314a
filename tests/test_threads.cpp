// relay under MPI_THREAD_MULTIPLE: four threads per rank post non-blocking receives and send at
// the same time, run every blocking collective at the same time (each thread on its own
// duplicate of the world, as MPI requires: collectives on one communicator must be ordered), mix
// the two, and resolve the datatypes of types never seen before at the same time. Every value is
// checked. Run it under ThreadSanitizer (the tsan preset, scripts/tsan.sh) to find data races in
// relay's shared state (the datatype cache, the cache of user reduction operations, the internal
// communicators' attribute).
//
// Deadlock-free by construction: thread t of each rank receives only from thread t of the
// previous rank (itself at 1 rank) on tags that only thread t uses, and every receive is posted
// before its thread sends. Vectors are sent with isend, never a blocking send, because a receive
// of unknown size only reaches MPI (as a matched probe) when it is waited on.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <latch>
#include <mutex>
#include <set>
#include <span>
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

/// One round of every blocking collective on `comm` (used by thread `t` only), in round `i`, from
/// root (i + t) % size, with trivial, serialized and user-operation values; every value that comes
/// back is checked against what each rank must have sent. Failures go to `out`.
void collective_round(const relay::communicator& comm, int t, int i, failures& out) {
  const int me = comm.rank(), n = comm.size(), root = (i + t) % n;
  const std::string where = "rank " + std::to_string(me) + " thread " + std::to_string(t) +
                            " round " + std::to_string(i) + " root " + std::to_string(root) + ": ";
  const auto fail = [&](const std::string& what) { out.add(where + what); };
  const auto word = [&](int r) {
    return "r" + std::to_string(r) + "t" + std::to_string(t) + "i" + std::to_string(i);
  };

  // bcast: a trivial value and a serialized one.
  const int number = relay::bcast(comm, me == root ? 7 * i + t : -1, root);
  if (number != 7 * i + t) fail("bcast int " + std::to_string(number));
  std::vector<std::string> words;
  for (int k = 0; k < i % 5; ++k) words.push_back(word(root) + "#" + std::to_string(k));
  const auto got_words = relay::bcast(comm, me == root ? words : std::vector<std::string>{}, root);
  if (got_words != words) fail("bcast vector<string>");

  // scatter and scatterv (serialized elements, piece r + 1 long for rank r).
  std::vector<int> per_rank(static_cast<std::size_t>(n));
  for (int r = 0; r < n; ++r) per_rank[static_cast<std::size_t>(r)] = 1000 * r + 10 * t + i;
  const int piece = relay::scatter(comm, me == root ? per_rank : std::vector<int>{}, root);
  if (piece != 1000 * me + 10 * t + i) fail("scatter " + std::to_string(piece));
  std::vector<std::size_t> counts;
  std::vector<std::string> flat;
  for (int r = 0; r < n; ++r) {
    counts.push_back(static_cast<std::size_t>(r + 1));
    for (int k = 0; k <= r; ++k) flat.push_back(word(r) + "." + std::to_string(k));
  }
  const std::vector<std::size_t> no_counts;
  const auto mine = relay::scatterv(
      comm, me == root ? flat : std::vector<std::string>{},
      me == root ? std::span<const std::size_t>(counts) : std::span<const std::size_t>(no_counts),
      root);
  std::vector<std::string> want_mine;
  for (int k = 0; k <= me; ++k) want_mine.push_back(word(me) + "." + std::to_string(k));
  if (mine != want_mine) fail("scatterv");

  // gather, allgather, gatherv, allgatherv.
  const auto gathered = relay::gather(comm, word(me), root);
  if (me == root) {
    bool ok = gathered && gathered->size() == static_cast<std::size_t>(n);
    for (int r = 0; ok && r < n; ++r) ok = (*gathered)[static_cast<std::size_t>(r)] == word(r);
    if (!ok) fail("gather");
  } else if (gathered) {
    fail("gather returned a value off the root");
  }
  if (relay::allgather(comm, 1000 * me + 10 * t + i) != per_rank) fail("allgather");
  const auto piece_of = [&](int r) {
    return std::vector<int>(static_cast<std::size_t>((r + i) % 3), r * 100 + t);
  };
  std::vector<int> concatenated;
  for (int r = 0; r < n; ++r) {
    const auto p = piece_of(r);
    concatenated.insert(concatenated.end(), p.begin(), p.end());
  }
  const auto gathered_v = relay::gatherv(comm, piece_of(me), root);
  if (me == root && (!gathered_v || *gathered_v != concatenated)) fail("gatherv");
  if (relay::allgatherv(comm, piece_of(me)) != concatenated) fail("allgatherv");

  // reduce, allreduce, scan, exscan: a built-in operation, a user operation on a trivial type and
  // a non-commutative one on a serialized type (concatenation in rank order).
  const auto value = [&](int r) { return (r + 1) * (t + 1) + i; };
  int sum = 0, prefix = 0, best = 0;
  std::string all_words, words_before;
  for (int r = 0; r < n; ++r) {
    sum += value(r);
    best = std::max(best, (r * 37 + i * 11 + t) % 101);
    all_words += word(r);
    if (r < me) words_before += word(r);
    if (r <= me) prefix += value(r);
  }
  const auto reduced = relay::reduce(comm, value(me), std::plus<>{}, root);
  if (me == root && (!reduced || *reduced != sum)) fail("reduce");
  if (relay::allreduce(comm, value(me), std::plus<>{}) != sum) fail("allreduce plus");
  const auto max_of = [](int a, int b) { return std::max(a, b); };
  if (relay::allreduce(comm, (me * 37 + i * 11 + t) % 101, max_of) != best)
    fail("allreduce user max");
  const auto concat = [](const std::string& a, const std::string& b) { return a + b; };
  if (relay::allreduce(comm, word(me), concat) != all_words) fail("allreduce concatenation");
  if (relay::scan(comm, value(me), std::plus<>{}) != prefix) fail("scan");
  if (relay::exscan(comm, word(me), concat, std::string{}) != words_before) fail("exscan");
  comm.barrier();
}

/// A communicator per thread, duplicated from the world on the main thread (dup is a collective
/// on the world: the threads may not call it at once).
std::vector<relay::communicator> one_dup_per_thread() {
  std::vector<relay::communicator> comms;
  for (int t = 0; t < thread_count; ++t) comms.push_back(relay::communicator().dup());
  return comms;
}

constexpr int collective_rounds = 30;

TEST(Threads, CollectivesOnDuplicatedCommunicatorsFromFourThreads) {
  RELAY_REQUIRE_THREAD_MULTIPLE();
  const auto comms = one_dup_per_thread();
  const auto failed = run_threads([&](int t, failures& out) {
    const auto& comm = comms[static_cast<std::size_t>(t)];
    for (int i = 0; i < collective_rounds; ++i) collective_round(comm, t, i, out);
    // A split of its own duplicate (collective on that duplicate only): the same round on it.
    const relay::communicator half = comm.split(comm.rank() % 2, -comm.rank());
    for (int i = 0; i < collective_rounds / 3; ++i) collective_round(half, t, i, out);
  });
  for (const auto& f : failed) ADD_FAILURE() << f;
}

TEST(Threads, CollectivesAndPointToPointAtOnce) {
  RELAY_REQUIRE_THREAD_MULTIPLE();
  // Threads 0 and 1 run collectives on their duplicates while threads 2 and 3 exchange messages
  // on the world itself, with tags only they use, around the ring.
  const auto comms = one_dup_per_thread();
  const relay::communicator world;
  const int me = world.rank(), next = next_rank(world), prev = prev_rank(world);
  const auto failed = run_threads([&](int t, failures& out) {
    if (t < 2) {
      for (int i = 0; i < collective_rounds; ++i)
        collective_round(comms[static_cast<std::size_t>(t)], t, i, out);
      return;
    }
    const int tag = 500 + t;
    for (int i = 0; i < iterations; ++i) {
      auto in = relay::irecv<std::vector<int>>(world, prev, tag);
      relay::request sent = relay::isend(world, make_payload(me, t, i), next, tag);
      const std::vector<int> v = in.wait();
      sent.wait();
      if (v != make_payload(prev, t, i))
        out.add("rank " + std::to_string(me) + " thread " + std::to_string(t) + " message " +
                std::to_string(i) + ": wrong vector");
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
