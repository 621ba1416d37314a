// prime_sums's dr method (Deleglise-Rivat for sums) on one process: dr_sum for every N up to
// 10^5 and for random N up to 1e9 against the sieve, for random N up to 1e12 against lucy, with
// several values of alpha, and dr_plan's tasks run in any order. Serial (the test runs at one
// rank); the rank counts are checked by the app tests (tests/apps/prime_sums.cmake).

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "dr.hpp"
#include "prime_sums.hpp"

namespace {

using prime_sums::u128;
namespace ps = prime_sums;

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

/// Compares dr_sum(n) with `expected` for each n; reports the first few differences and their
/// count (one failure per n would flood the log if something is off everywhere).
void expect_dr_matches(const std::vector<std::uint64_t>& ns, const std::vector<u128>& expected,
                       const std::string& against) {
  ASSERT_EQ(ns.size(), expected.size());
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < ns.size(); ++i) {
    const u128 got = ps::dr_sum(ns[i]);
    if (got == expected[i]) continue;
    if (++wrong <= 10)
      ADD_FAILURE() << "dr_sum(" << ns[i] << ") = " << ps::to_string(got) << ", " << against
                    << " gives " << ps::to_string(expected[i]);
  }
  EXPECT_EQ(wrong, 0u) << "of " << ns.size() << " values of N differ from " << against;
}

TEST(PrimeSumsDr, EveryNUpTo1e5MatchesTheSieve) {
  std::vector<std::uint64_t> ns(100001);
  for (std::uint64_t n = 0; n < ns.size(); ++n) ns[n] = n;
  const std::vector<u128> sieve = ps::sieve_sums(ns);  // one pass answers them all
  const auto start = std::chrono::steady_clock::now();
  expect_dr_matches(ns, sieve, "the sieve");
  std::cout << "dr_sum for every N = 0..100000: " << seconds_since(start) << " s\n";
}

TEST(PrimeSumsDr, RandomNUpTo1e9MatchTheSieve) {
  const std::uint64_t seed = 20261130;
  std::cout << "random N up to 1e9: seed " << seed << "\n";
  std::mt19937_64 rng(seed);
  std::vector<std::uint64_t> ns;
  for (int i = 0; i < 2000; ++i) ns.push_back(rng() % 1000000001u);
  ns.push_back(1000000000);
  ns.push_back(999999937);  // the last prime below 1e9
  const std::vector<u128> sieve = ps::sieve_sums(ns);
  const auto start = std::chrono::steady_clock::now();
  expect_dr_matches(ns, sieve, "the sieve");
  std::cout << "dr_sum for " << ns.size() << " random N up to 1e9: " << seconds_since(start)
            << " s\n";
}

TEST(PrimeSumsDr, RandomNUpTo1e12MatchLucy) {
  const std::uint64_t seed = 977;
  std::cout << "random N up to 1e12: seed " << seed << "\n";
  std::mt19937_64 rng(seed);
  std::vector<std::uint64_t> ns;
  for (int i = 0; i < 5; ++i) ns.push_back(rng() % 1000000000001u);
  for (int i = 0; i < 5; ++i) ns.push_back(rng() % 10000000001u);
  // Edges: a prime's square (1000003^2) and its neighbours, a cube (10007^3), 2^40.
  for (std::uint64_t n :
       {1000006000009ull, 1000006000008ull, 1000006000010ull, 1002101470343ull, 1099511627776ull})
    ns.push_back(n);
  std::vector<u128> lucy;
  for (const std::uint64_t n : ns) lucy.push_back(ps::lucy_sum(n));
  expect_dr_matches(ns, lucy, "lucy");
}

TEST(PrimeSumsDr, EveryAlphaGivesTheSameSum) {
  for (const std::uint64_t x : {100000007ull, 100000000000ull, 1099511627777ull}) {
    const u128 expected = ps::lucy_sum(x);
    for (const double alpha : {0.0, 1.0, 1.5, 2.0, 3.0, 5.0, 8.0, 16.0})
      EXPECT_EQ(ps::to_string(ps::dr_sum(x, alpha)), ps::to_string(expected))
          << "x = " << x << ", alpha = " << alpha;
  }
  // Small x, where y = alpha x^(1/3) meets sqrt(x).
  for (const std::uint64_t x : {10ull, 100ull, 1000ull, 30030ull})
    for (const double alpha : {1.0, 2.0, 4.0})
      EXPECT_EQ(ps::dr_sum(x, alpha), ps::sieve_sums(std::vector<std::uint64_t>{x})[0])
          << "x = " << x << ", alpha = " << alpha;
}

TEST(PrimeSumsDr, PlanTasksInAnyOrderAndForAnyRankCount) {
  const std::uint64_t x = 10000000000;  // OEIS A046731: 2220822432581729238
  const u128 expected = ps::parse_u128("2220822432581729238");
  const ps::dr_plan plan(x);
  EXPECT_EQ(plan.x(), x);
  EXPECT_GT(plan.y(), 0u);
  EXPECT_LE(plan.y(), ps::isqrt(x));
  EXPECT_GT(plan.memory_bytes(), 0u);
  for (const int ranks : {1, 2, 3, 7, 16}) {
    const std::vector<ps::dr_task> tasks = plan.tasks(ranks);
    ASSERT_FALSE(tasks.empty());
    // Run them last to first: a rank may get any task, in any order.
    std::vector<ps::dr_result> results(tasks.size());
    for (std::size_t i = tasks.size(); i-- > 0;) results[i] = plan.run(tasks[i]);
    EXPECT_EQ(ps::to_string(plan.combine(tasks, results)), ps::to_string(expected))
        << ranks << " ranks' tasks";
    // Hard tasks come first and tile their range in order.
    std::size_t k = 0;
    for (; k < tasks.size() && tasks[k].kind == ps::dr_task::hard; ++k) {
      if (k > 0) {
        EXPECT_EQ(tasks[k].begin, tasks[k - 1].end) << "hard task " << k;
      }
    }
    for (; k < tasks.size(); ++k) EXPECT_NE(tasks[k].kind, ps::dr_task::hard) << "task " << k;
  }
}

}  // namespace
