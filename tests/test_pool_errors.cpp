// relay::pool's bad input: every case throws on every rank, with the same kind and text, and
// nobody hangs. Also: idle ranks do not spin while tasks are long.
#include <gtest/gtest.h>

#include <chrono>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "relay/pool.hpp"
#include "test_support.hpp"

namespace {

relay::communicator world() {
  return relay::communicator();
}

std::vector<int> iota(int n) {
  std::vector<int> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), 0);
  return v;
}

/// Its serialize() throws when saving the value 13.
struct bomb {
  int value = 0;
  template <class Archive>
  void serialize(Archive& ar, unsigned) {
    if (Archive::is_saving::value && value == 13) throw std::runtime_error("bomb 13 cannot travel");
    ar& value;
  }
};

/// Runs `call` on every rank and returns what it threw ("" if nothing), as "kind: text".
template <class Call>
std::string thrown(Call&& call) {
  try {
    call();
  } catch (const relay::task_error& e) {
    return std::string("task_error: ") + e.what();
  } catch (const relay::usage_error& e) {
    return std::string("usage_error: ") + e.what();
  } catch (const relay::error& e) {
    return std::string("error: ") + e.what();
  } catch (const std::exception& e) {
    return std::string("other: ") + e.what();
  }
  return "";
}

/// The same text on every rank (gathered to rank 0 and compared there).
void expect_same_everywhere(const std::string& mine) {
  auto all = relay::gather(world(), mine, 0);
  if (!all) return;
  for (std::size_t r = 0; r < all->size(); ++r) EXPECT_EQ((*all)[r], mine) << "rank " << r;
}

TEST(PoolErrors, BadOptionsOnEveryRank) {
  relay::pool_options zero;
  zero.chunksize = 0;
  const auto a = thrown([&] { relay::pool p(world(), zero); });
  EXPECT_EQ(a, "usage_error: relay::pool: chunksize must be at least 1 (got 0)");
  relay::pool_options negative;
  negative.chunksize = static_cast<std::size_t>(-3);
  EXPECT_NE(thrown([&] {
              relay::pool p(world(), negative);
            }).find("usage_error: relay::pool: chunksize 18446744073709551613 is too large"),
            std::string::npos);
  relay::pool_options root;
  root.root = world().size();
  EXPECT_NE(thrown([&] { relay::pool p(world(), root); }).find("usage_error"), std::string::npos);
  relay::pool_options sleep;
  sleep.idle_sleep_max = 0;
  EXPECT_NE(thrown([&] { relay::pool p(world(), sleep); }).find("usage_error"), std::string::npos);
}

TEST(PoolErrors, NegativeChunksizeInOneCall) {
  relay::pool pool(world());
  const auto what = thrown(
      [&] { (void)pool.map([](int x) { return x; }, iota(10), static_cast<std::size_t>(-1)); });
  EXPECT_NE(what.find("usage_error: relay::pool: chunksize 18446744073709551615 is too large"),
            std::string::npos)
      << what;
  expect_same_everywhere(what);
  auto ok = pool.map([](int x) { return x; }, iota(10));  // usable afterwards
  if (pool.is_root()) {
    EXPECT_EQ(ok.size(), 10u);
  }
}

TEST(PoolErrors, TaskThrowsOnSomeRanksOnly) {
  RELAY_REQUIRE_RANKS(world(), 2);
  relay::pool pool(world());
  const auto what = thrown([&] {
    pool.for_each(
        [](int, relay::task_context& ctx) {
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
          if (ctx.rank() == 1) throw std::runtime_error("rank 1 fails");
        },
        iota(20 * pool.size()));
  });
  EXPECT_NE(what.find("task_error: task "), std::string::npos) << what;
  EXPECT_NE(what.find("failed on rank 1 ("), std::string::npos) << what;
  EXPECT_NE(what.find("): rank 1 fails"), std::string::npos) << what;
  expect_same_everywhere(what);
}

TEST(PoolErrors, InputThatCannotBeSerialized) {
  relay::pool pool(world());
  std::vector<bomb> in(30);
  for (int i = 0; i < 30; ++i) in[static_cast<std::size_t>(i)].value = i;
  const auto what = thrown([&] { (void)pool.map([](const bomb& b) { return b.value; }, in, 2); });
  EXPECT_EQ(what, "error: bomb 13 cannot travel");
  expect_same_everywhere(what);
}

TEST(PoolErrors, SourceSinkAndTickThatThrow) {
  relay::pool pool(world());
  const auto source = thrown([&] {
    int n = 0;
    pool.stream<int>([](int x) { return x; },
                     [&]() -> std::optional<int> {
                       if (n == 50) throw std::runtime_error("source broke");
                       return n++;
                     },
                     [](std::size_t, int) {});
  });
  EXPECT_EQ(source, "error: source broke");
  expect_same_everywhere(source);
  const auto sink = thrown([&] {
    int n = 0;
    pool.stream<int>([](int x) { return x; },
                     [&]() -> std::optional<int> {
                       if (n < 50) return n++;
                       return std::nullopt;
                     },
                     [](std::size_t i, int) {
                       if (i == 7) throw relay::usage_error("sink refuses 7");
                     });
  });
  EXPECT_EQ(sink, "usage_error: sink refuses 7");
  expect_same_everywhere(sink);
  const auto tick = thrown([&] {
    pool.stream<int>(
        [](int x) {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
          return x;
        },
        [n = 0]() mutable -> std::optional<int> { return n++; }, [](std::size_t, int) {}, 1,
        [] { throw std::runtime_error("tick broke"); }, 0.01);
  });
  EXPECT_EQ(tick, "error: tick broke");
  expect_same_everywhere(tick);
}

TEST(PoolErrors, ResultTypeThatDiffersBetweenRanks) {
  RELAY_REQUIRE_RANKS(world(), 2);
  relay::pool pool(world());
  std::string what;
  if (world().rank() == 1)
    what = thrown([&] { (void)pool.map([](int x) { return static_cast<float>(x); }, iota(40)); });
  else
    what = thrown([&] { (void)pool.map([](int x) { return static_cast<double>(x); }, iota(40)); });
  EXPECT_NE(what.find("usage_error: relay::pool: the ranks disagree on call"), std::string::npos)
      << what;
  EXPECT_NE(what.find("map(int) -> double"), std::string::npos) << what;
  EXPECT_NE(what.find("rank 1 runs map(int) -> float"), std::string::npos) << what;
  expect_same_everywhere(what);
  auto ok = pool.map([](int x) { return x; }, iota(10));  // usable afterwards
  if (pool.is_root()) {
    EXPECT_EQ(ok.size(), 10u);
  }
}

TEST(PoolErrors, DefinedFunctionThatDiffersBetweenRanks) {
  RELAY_REQUIRE_RANKS(world(), 2);
  relay::pool pool(world());
  if (world().rank() == 1)
    (void)pool.define([](int x) { return static_cast<float>(x); });
  else
    (void)pool.define([](int x) { return static_cast<double>(x); });
  const auto what = thrown([&] { pool.run([](relay::executor&) {}); });
  EXPECT_NE(what.find("usage_error: relay::pool: the ranks disagree"), std::string::npos) << what;
  expect_same_everywhere(what);
}

TEST(PoolErrors, IdleRanksDoNotSpin) {
  relay::pool pool(world());
  const int tasks = 3 * pool.size();
  pool.for_each([](int) { std::this_thread::sleep_for(std::chrono::milliseconds(100)); },
                iota(tasks));
  if (pool.is_root()) {
    const auto& st = pool.last_stats();
    EXPECT_GE(st.wall_seconds, 0.29);
    // About 2% of a core measured at 2 ranks; a tenth leaves room for a loaded machine.
    EXPECT_LT(st.dispatcher_cpu_seconds, 0.1 * st.wall_seconds)
        << st.dispatcher_cpu_seconds << " s of CPU in " << st.wall_seconds << " s";
  }
}

}  // namespace
