// relay::pool: the collective calls, the executor and failures, at every rank count. Built twice:
// test_pool (MPI_THREAD_FUNNELED: the root's tasks run in a thread of their own) and
// test_pool_single (MPI_THREAD_SINGLE: the root interleaves its tasks with its serving).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <list>
#include <numeric>
#include <optional>
#include <ranges>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "relay/pool.hpp"
#include "test_support.hpp"

namespace {

using relay_test::make_particle;
using relay_test::particle;

relay::communicator world() {
  return relay::communicator();
}

// test_pool_groups builds this file with groups of RELAY_POOL_TEST_GROUP_SIZE ranks, each with
// its own dispatcher; test_pool and test_pool_single use the default (flat on one node).
#ifndef RELAY_POOL_TEST_GROUP_SIZE
#define RELAY_POOL_TEST_GROUP_SIZE 0
#endif

relay::pool_options test_options() {
  relay::pool_options o;
  o.group_size = RELAY_POOL_TEST_GROUP_SIZE;
  return o;
}

std::vector<int> iota(int n) {
  std::vector<int> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), 0);
  return v;
}

TEST(Pool, MapInInputOrderAtEveryChunksize) {
  relay::pool pool(world(), test_options());
  const auto in = iota(1000);
  for (std::size_t cs : {1, 7, 100, 5000}) {
    auto out = pool.map([](int x) { return 2.0 * x + 1; }, in, cs);
    if (pool.is_root()) {
      ASSERT_EQ(out.size(), in.size());
      for (std::size_t i = 0; i < in.size(); ++i) EXPECT_EQ(out[i], 2.0 * in[i] + 1);
      EXPECT_EQ(pool.last_stats().tasks, in.size());
    } else {
      EXPECT_TRUE(out.empty());
    }
  }
}

// Chunks of 10 tasks of 6 ms take 60 ms, above prefetch_below: a worker holds one at a time and
// asks for the next one as the chunk's last milliseconds begin (a message with no results).
// Every task runs once, in input order, and the chunks spread over the ranks.
TEST(Pool, LongChunksAskForTheNextBeforeTheyEnd) {
  relay::pool pool(world(), test_options());
  const auto in = iota(40 * pool.size());
  const auto out = pool.map(
      [](int x) {
        std::this_thread::sleep_for(std::chrono::milliseconds(6));
        return 3 * x;
      },
      in, 10);
  if (pool.is_root()) {
    ASSERT_EQ(out.size(), in.size());
    for (std::size_t i = 0; i < in.size(); ++i) EXPECT_EQ(out[i], 3 * in[i]);
    const auto& st = pool.last_stats();
    std::size_t total = 0;
    for (const auto n : st.tasks_per_rank) {
      EXPECT_EQ(n % 10, 0U);  // whole chunks
      total += n;
    }
    EXPECT_EQ(total, in.size());
  }
}

TEST(Pool, EveryRankWorks) {
  relay::pool pool(world(), test_options());
  // Tasks long enough that every rank gets some.
  auto ranks = pool.map(
      [](int, relay::task_context& ctx) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        return ctx.rank();
      },
      iota(8 * pool.size()));
  if (pool.is_root()) {
    std::set<int> seen(ranks.begin(), ranks.end());
    EXPECT_EQ(static_cast<int>(seen.size()), pool.size());
    const auto& st = pool.last_stats();
    for (int r = 0; r < pool.size(); ++r)
      EXPECT_EQ(st.tasks_per_rank[static_cast<std::size_t>(r)],
                static_cast<std::size_t>(std::count(ranks.begin(), ranks.end(), r)));
  }
}

TEST(Pool, EveryKindOfType) {
  relay::pool pool(world(), test_options());
  std::vector<std::string> words;
  for (int i = 0; i < 50; ++i)
    words.push_back(std::string(static_cast<std::size_t>(i), static_cast<char>('a' + i % 26)));
  auto lengths = pool.map([](const std::string& s) { return s.size(); }, words, 3);
  auto particles = pool.map([](int i) { return make_particle(i); }, iota(40), 4);
  auto sums = pool.map(
      [](const particle& p) { return std::accumulate(p.position.begin(), p.position.end(), 0.0); },
      particles, 2);
  auto big =
      pool.map([](int n) { return std::vector<double>(static_cast<std::size_t>(n) * 300, n); },
               iota(12), 5);  // results over the first-piece size
  if (pool.is_root()) {
    for (std::size_t i = 0; i < words.size(); ++i) EXPECT_EQ(lengths[i], i);
    for (int i = 0; i < 40; ++i)
      EXPECT_EQ(particles[static_cast<std::size_t>(i)], make_particle(i));
    for (int i = 0; i < 40; ++i)
      EXPECT_DOUBLE_EQ(sums[static_cast<std::size_t>(i)], (i + 1) * (i + 0.5));
    for (int n = 0; n < 12; ++n)
      EXPECT_EQ(big[static_cast<std::size_t>(n)],
                std::vector<double>(static_cast<std::size_t>(n) * 300, n));
  }
}

TEST(Pool, MapOverAnyRange) {
  relay::pool pool(world(), test_options());
  // Any range, not only vectors: a set and a list. (Views, such as std::views::iota, work too
  // with GCC; clang 14, the tsan preset's compiler, cannot compile libstdc++ 12's views.)
  std::set<int> base;
  for (int i = 0; i < 300; ++i) base.insert(i);
  auto out = pool.map([](int x) { return x * x; }, base, 11);
  const std::list<std::string> names{"a", "bb", "ccc"};
  auto sizes = pool.map([](const std::string& s) { return s.size(); }, names);
  auto none = pool.map([](int x) { return x; }, std::vector<int>{});
  if (pool.is_root()) {
    ASSERT_EQ(out.size(), 300u);
    for (int i = 0; i < 300; ++i) EXPECT_EQ(out[static_cast<std::size_t>(i)], i * i);
    EXPECT_EQ(sizes, (std::vector<std::size_t>{1, 2, 3}));
  }
  EXPECT_TRUE(none.empty());
}

TEST(Pool, ForEachRunsEveryTask) {
  relay::pool pool(world(), test_options());
  pool.for_each([](int x) { return x; }, iota(500), 9);
  if (pool.is_root()) {
    EXPECT_EQ(pool.last_stats().tasks, 500u);
  }
}

TEST(Pool, StreamWithRetriesFromTheSink) {
  relay::pool pool(world(), test_options());
  // 100 inputs; every odd result sends its input back once more (as task_farm's retries).
  int produced = 0;
  std::deque<int> again;
  std::multiset<int> results;
  auto source = [&]() -> std::optional<int> {
    if (!again.empty()) {
      const int x = again.front();
      again.pop_front();
      return x + 1000;
    }
    if (produced < 100) return produced++;
    return std::nullopt;
  };
  auto sink = [&](std::size_t, int r) {
    results.insert(r);
    if (r < 1000 && r % 2 == 1) again.push_back(r);
  };
  pool.stream<int>([](int x) { return x; }, source, sink, 3);
  if (pool.is_root()) {
    EXPECT_EQ(results.size(), 150u);
    for (int i = 0; i < 100; ++i) EXPECT_EQ(results.count(i), 1u);
    for (int i = 1; i < 100; i += 2) EXPECT_EQ(results.count(i + 1000), 1u);
  }
}

TEST(Pool, StreamStopsFromATick) {
  relay::pool pool(world(), test_options());
  std::size_t given = 0;
  std::size_t got = 0;
  const auto start = std::chrono::steady_clock::now();
  pool.stream<int>(
      [](int x) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        return x;
      },
      [&]() -> std::optional<int> { return static_cast<int>(given++); },  // endless
      [&](std::size_t, int) { ++got; }, 1,
      [&] {
        if (std::chrono::steady_clock::now() - start > std::chrono::milliseconds(100)) pool.stop();
      },
      0.01);
  if (pool.is_root()) {
    EXPECT_GT(got, 0u);
    EXPECT_LE(got, given);
  }
}

TEST(Pool, InterruptReachesRunningTasks) {
  // With one rank, or with MPI_THREAD_SINGLE on the root, the root runs its tasks in the
  // serving thread itself: nothing can interrupt them there, so the root's tasks do not wait.
  RELAY_REQUIRE_RANKS(world(), 2);
  const bool root_interruptible = relay::environment::provided() >= relay::thread_level::funneled;
  relay::pool pool(world(), test_options());
  std::vector<std::int64_t> codes;
  const auto start = std::chrono::steady_clock::now();
  pool.stream<int>(
      [root_interruptible](int, relay::task_context& ctx) {
        if (ctx.rank() == 0 && !root_interruptible) return 42L;
        const auto t0 = std::chrono::steady_clock::now();
        while (!ctx.interrupted()) {
          if (std::chrono::steady_clock::now() - t0 > std::chrono::seconds(20)) return -1L;
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return static_cast<long>(ctx.interrupt_code());
      },
      [n = 0, &pool]() mutable -> std::optional<int> {
        if (n < pool.size()) return n++;
        return std::nullopt;
      },
      [&](std::size_t, long code) { codes.push_back(code); }, 1,
      [&] {
        if (std::chrono::steady_clock::now() - start > std::chrono::milliseconds(200))
          pool.interrupt(42);
      },
      0.02);
  if (pool.is_root()) {
    EXPECT_FALSE(codes.empty());
    for (auto c : codes) EXPECT_EQ(c, 42);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  }
}

TEST(Pool, ImapInOrderAndUnordered) {
  relay::pool pool(world(), test_options());
  const auto in = iota(200);
  std::vector<int> ordered;
  for (int r : pool.imap([](int x) { return x + 2; }, in, 3)) ordered.push_back(r);
  std::vector<std::pair<std::size_t, int>> unordered;
  for (auto& p : pool.imap_unordered([](int x) { return x * 3; }, in, 5)) unordered.push_back(p);
  if (pool.is_root()) {
    ASSERT_EQ(ordered.size(), in.size());
    for (int i = 0; i < 200; ++i) EXPECT_EQ(ordered[static_cast<std::size_t>(i)], i + 2);
    ASSERT_EQ(unordered.size(), in.size());
    std::sort(unordered.begin(), unordered.end());
    for (int i = 0; i < 200; ++i) EXPECT_EQ(unordered[static_cast<std::size_t>(i)].second, 3 * i);
  } else {
    EXPECT_TRUE(ordered.empty());
  }
}

TEST(Pool, ImapLeftEarlyEndsTheCall) {
  relay::pool pool(world(), test_options());
  const auto in = iota(1000);
  int seen = 0;
  for (int r : pool.imap([](int x) { return x; }, in, 1)) {
    EXPECT_EQ(r, seen);
    if (++seen == 10) break;
  }
  // The pool is usable afterwards.
  auto out = pool.map([](int x) { return x + 1; }, iota(20));
  if (pool.is_root()) {
    EXPECT_EQ(out.back(), 20);
  }
}

TEST(Pool, TaskErrorOnEveryRank) {
  relay::pool pool(world(), test_options());
  auto f = [](int x) {
    if (x == 17) throw std::runtime_error("seventeen");
    return x;
  };
  try {
    (void)pool.map(f, iota(100), 4);
    ADD_FAILURE() << "no task_error";
  } catch (const relay::task_error& e) {
    EXPECT_EQ(e.index(), 17u);
    EXPECT_EQ(e.message(), "seventeen");
    EXPECT_GE(e.rank(), 0);
    EXPECT_LT(e.rank(), pool.size());
    EXPECT_FALSE(e.host().empty());
    EXPECT_EQ(std::string(e.what()).rfind("task 17 failed on rank ", 0), 0u) << e.what();
  }
  // The pool is usable afterwards.
  auto out = pool.map([](int x) { return x; }, iota(10));
  if (pool.is_root()) {
    EXPECT_EQ(out.size(), 10u);
  }
}

TEST(Pool, KeepGoingRunsEveryTask) {
  relay::pool_options opts = test_options();
  opts.errors = relay::on_error::keep_going;
  relay::pool pool(world(), opts);
  try {
    pool.for_each(
        [](int x) {
          if (x % 10 == 3) throw std::invalid_argument("bad " + std::to_string(x));
        },
        iota(100), 2);
    ADD_FAILURE() << "no task_error";
  } catch (const relay::task_error& e) {
    ASSERT_EQ(e.failures().size(), 10u);
    for (std::size_t i = 0; i < 10; ++i) {
      EXPECT_EQ(e.failures()[i].index, 10 * i + 3);
      EXPECT_EQ(e.failures()[i].message, "bad " + std::to_string(10 * i + 3));
    }
    EXPECT_EQ(e.index(), 3u);
  }
  if (pool.is_root()) {
    EXPECT_EQ(pool.last_stats().tasks, 100u);
  }
}

TEST(Pool, ExecutorSubmitAsCompletedWait) {
  relay::pool pool(world(), test_options());
  auto square = pool.define([](int x) { return x * x; });
  auto slow = pool.define([](int ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    return ms;
  });
  auto fails =
      pool.define([](int x) -> int { throw std::runtime_error("no " + std::to_string(x)); });
  pool.run([&](relay::executor& ex) {
    EXPECT_EQ(ex.size(), pool.size());
    std::vector<relay::future<int>> fs;
    for (int i = 0; i < 20; ++i) fs.push_back(ex.submit(square, i));
    std::set<int> got;
    for (auto& f : relay::as_completed(fs)) got.insert(f.get());
    EXPECT_EQ(got.size(), 20u);
    EXPECT_EQ(*got.rbegin(), 361);
    EXPECT_EQ(fs[5].index(), 5u);

    std::vector<relay::future<int>> two;
    two.push_back(ex.submit(slow, 1));
    two.push_back(ex.submit(slow, 300));
    auto w = relay::wait(two, relay::return_when::first_completed);
    EXPECT_FALSE(w.done.empty());
    relay::wait(two);
    EXPECT_TRUE(two[0].ready() && two[1].ready());
    EXPECT_EQ(two[1].get(), 300);

    auto bad = ex.submit(fails, 7);
    bad.wait();
    EXPECT_TRUE(bad.failed());
    try {
      bad.get();
      ADD_FAILURE();
    } catch (const relay::task_error& e) {
      EXPECT_EQ(e.message(), "no 7");
      EXPECT_EQ(e.index(), bad.index());
    }
    auto squares = ex.map(square, iota(100), 7);
    ASSERT_EQ(squares.size(), 100u);
    for (int i = 0; i < 100; ++i) EXPECT_EQ(squares[static_cast<std::size_t>(i)], i * i);
  });
}

TEST(Pool, ExecutorBodyThrowsOnEveryRank) {
  relay::pool pool(world(), test_options());
  auto id = pool.define([](int x) { return x; });
  try {
    pool.run([&](relay::executor& ex) {
      (void)ex.submit(id, 1).get();
      throw relay::usage_error("body failed");
    });
    ADD_FAILURE() << "no exception";
  } catch (const relay::usage_error& e) {
    EXPECT_STREQ(e.what(), "body failed");
  }
}

TEST(Pool, AnotherRootAndARootThatDoesNotWork) {
  relay::pool_options opts = test_options();
  opts.root = world().size() - 1;
  relay::pool last_root(world(), opts);
  EXPECT_EQ(last_root.is_root(), world().rank() == world().size() - 1);
  auto out = last_root.map([](int x) { return x - 1; }, iota(100), 3);
  if (last_root.is_root()) {
    ASSERT_EQ(out.size(), 100u);
    EXPECT_EQ(out[99], 98);
  }
  relay::pool_options idle_root = test_options();
  idle_root.root_works = false;
  relay::pool pool(world(), idle_root);
  auto ranks = pool.map([](int, relay::task_context& ctx) { return ctx.rank(); }, iota(50), 2);
  if (pool.is_root()) {
    ASSERT_EQ(ranks.size(), 50u);
    // With one rank the root works anyway (there is nobody else).
    if (pool.size() > 1) {
      EXPECT_EQ(std::count(ranks.begin(), ranks.end(), 0), 0);
    }
  }
}

TEST(Pool, ResultsOfALongChunkArriveBeforeItEnds) {
  // flush_after: a result that has waited 1 ms leaves before the rest of its chunk.
  relay::pool_options opts = test_options();
  opts.flush_after = 0.001;
  relay::pool pool(world(), opts);
  const auto start = std::chrono::steady_clock::now();
  double first = -1;
  double last = -1;
  std::size_t count = 0;
  for (auto& [i, r] : pool.imap_unordered(
           [](int x) {
             std::this_thread::sleep_for(std::chrono::milliseconds(20));
             return x;
           },
           iota(10), 10)) {  // one chunk of 10 tasks: 200 ms
    EXPECT_EQ(static_cast<int>(i), r);
    last = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (first < 0) first = last;
    ++count;
  }
  if (pool.is_root()) {
    EXPECT_EQ(count, 10u);
    // Serially (one rank, or a root without a thread of its own that took the chunk itself)
    // nothing iterates while the chunk runs.
    if (pool.size() > 1 && relay::environment::provided() >= relay::thread_level::funneled) {
      // Relative to the whole chunk, so that a loaded machine, which stretches both, passes: the
      // first of 10 results arrives after about a tenth of the chunk's time, not at its end.
      EXPECT_LT(first, 0.6 * last)
          << "the first result waited for the whole chunk (" << first << " s of " << last << " s)";
    }
  }
  relay::pool_options now = test_options();
  now.flush_after = 0;  // every result at once
  relay::pool eager(world(), now);
  auto out = eager.map([](int x) { return 3 * x; }, iota(300), 17);
  if (eager.is_root()) {
    ASSERT_EQ(out.size(), 300u);
    EXPECT_EQ(out[299], 897);
  }
}

TEST(Pool, FailureAndMismatchOnTheLastRank) {
  // With groups, the last rank is a member of the last group: its failure and its signature
  // travel through its group's dispatcher.
  RELAY_REQUIRE_RANKS(world(), 2);
  relay::pool pool(world(), test_options());
  const int last = pool.size() - 1;
  try {
    pool.for_each(
        [last](int, relay::task_context& ctx) {
          std::this_thread::sleep_for(std::chrono::milliseconds(3));
          if (ctx.rank() == last) throw std::runtime_error("last rank fails");
        },
        iota(10 * pool.size()));
    ADD_FAILURE() << "no task_error";
  } catch (const relay::task_error& e) {
    EXPECT_EQ(e.rank(), last);
    EXPECT_EQ(e.message(), "last rank fails");
  }
  std::string what;
  try {
    if (world().rank() == last)
      (void)pool.map([](int x) { return static_cast<float>(x); }, iota(40));
    else
      (void)pool.map([](int x) { return static_cast<double>(x); }, iota(40));
  } catch (const relay::usage_error& e) {
    what = e.what();
  }
  EXPECT_NE(what.find("rank " + std::to_string(last) + " runs map(int) -> float"),
            std::string::npos)
      << what;
  auto ok = pool.map([](int x) { return x; }, iota(30));
  if (pool.is_root()) {
    EXPECT_EQ(ok.size(), 30u);
  }
}

}  // namespace
