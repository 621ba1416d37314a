// prime_sums kernels and their distribution: every method against known sums (OEIS A046731) and
// against each other, the sieve's blocks against independent references (trial division, Lucy,
// Miller-Rabin), and the same sums at every rank count (this test runs at 1, 2, 3 and 4 ranks).

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "driver.hpp"
#include "prime_sums.hpp"
#include "relay/relay.hpp"

namespace {

using prime_sums::u128;
namespace ps = prime_sums;

u128 big(const char* digits) {
  return ps::parse_u128(digits);
}

/// Sum of the primes below 10^k, k = 1..12 (OEIS A046731).
const std::vector<const char*> a046731 = {"17",
                                          "1060",
                                          "76127",
                                          "5736396",
                                          "454396537",
                                          "37550402023",
                                          "3203324994356",
                                          "279209790387276",
                                          "24739512092254535",
                                          "2220822432581729238",
                                          "201467077743744681014",
                                          "18435588552550705911377"};

std::uint64_t pow10(int k) {
  std::uint64_t v = 1;
  while (k-- > 0) v *= 10;
  return v;
}

/// Deterministic Miller-Rabin for 64-bit n: an independent primality reference.
bool miller_rabin(std::uint64_t n) {
  if (n < 2) return false;
  for (std::uint64_t p : {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37})
    if (n % p == 0) return n == p;
  std::uint64_t d = n - 1;
  int s = 0;
  while (d % 2 == 0) d /= 2, ++s;
  auto mulmod = [n](std::uint64_t a, std::uint64_t b) {
    return static_cast<std::uint64_t>(static_cast<u128>(a) * b % n);
  };
  auto powmod = [&](std::uint64_t a, std::uint64_t e) {
    std::uint64_t r = 1;
    for (; e; e >>= 1, a = mulmod(a, a))
      if (e & 1) r = mulmod(r, a);
    return r;
  };
  for (std::uint64_t a : {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37}) {
    std::uint64_t x = powmod(a, d);
    if (x == 1 || x == n - 1) continue;
    bool composite = true;
    for (int i = 1; i < s && composite; ++i) {
      x = mulmod(x, x);
      if (x == n - 1) composite = false;
    }
    if (composite) return false;
  }
  return true;
}

/// The plain reference: a byte-per-number sieve.
std::vector<u128> reference_sums(std::uint64_t limit) {
  std::vector<std::uint8_t> composite(limit + 1, 0);
  std::vector<u128> prefix(limit + 1, 0);
  u128 sum = 0;
  for (std::uint64_t i = 2; i <= limit; ++i) {
    if (!composite[i]) {
      sum += i;
      for (std::uint64_t j = i * i; j <= limit; j += i) composite[j] = 1;
    }
    prefix[i] = sum;
  }
  return prefix;
}

// ---- text --------------------------------------------------------------------------------------

TEST(PrimeSums, DecimalTextOf128BitValues) {
  EXPECT_EQ(ps::to_string(0), "0");
  EXPECT_EQ(ps::to_string(1234567890), "1234567890");
  const u128 max = ~u128{0};
  EXPECT_EQ(ps::to_string(max), "340282366920938463463374607431768211455");
  EXPECT_EQ(ps::parse_u128("340282366920938463463374607431768211455"), max);
  EXPECT_THROW((void)ps::parse_u128("340282366920938463463374607431768211456"),
               std::invalid_argument);
  EXPECT_THROW((void)ps::parse_u128("12a"), std::invalid_argument);
  EXPECT_THROW((void)ps::parse_u128(""), std::invalid_argument);
  for (const char* s : a046731) EXPECT_EQ(ps::to_string(big(s)), s);
}

TEST(PrimeSums, IntegerSquareRoot) {
  for (std::uint64_t n = 0; n < 100000; ++n) {
    const std::uint64_t r = ps::isqrt(n);
    EXPECT_LE(r * r, n);
    EXPECT_GT((r + 1) * (r + 1), n);
  }
  EXPECT_EQ(ps::isqrt(UINT64_MAX), 4294967295u);
  EXPECT_EQ(ps::isqrt(std::uint64_t{4294967295u} * 4294967295u), 4294967295u);
  EXPECT_EQ(ps::isqrt(std::uint64_t{4294967295u} * 4294967295u - 1), 4294967294u);
}

// ---- the kernels on one process ----------------------------------------------------------------

TEST(PrimeSums, AllKernelsMatchAPlainSieveUpTo20000) {
  constexpr std::uint64_t limit = 20000;
  const std::vector<u128> ref = reference_sums(limit);
  std::vector<std::uint64_t> ns(limit + 1);
  std::iota(ns.begin(), ns.end(), 0);
  const std::vector<u128> sieve = ps::sieve_sums(ns);
  for (std::uint64_t n = 0; n <= limit; ++n) {
    ASSERT_EQ(sieve[n], ref[n]) << "sieve, N = " << n;
    ASSERT_EQ(ps::lucy_sum(n), ref[n]) << "lucy, N = " << n;
    if (n % 97 == 0 || n < 200) {
      ASSERT_EQ(ps::trial_sum_range(2, n), ref[n]) << "trial, N = " << n;
    }
  }
  EXPECT_EQ(ps::lucy_sum(0), 0u);
  EXPECT_EQ(ps::lucy_sum(1), 0u);
  EXPECT_EQ(ps::lucy_sum(2), 2u);
  EXPECT_EQ(ps::lucy_sum(3), 5u);
}

TEST(PrimeSums, PrimesUpTo) {
  const auto primes = ps::primes_up_to(1000000);
  EXPECT_EQ(primes.size(), 78498u);
  EXPECT_EQ(primes.front(), 2u);
  EXPECT_EQ(primes.back(), 999983u);
  EXPECT_TRUE(ps::primes_up_to(1).empty());
  EXPECT_EQ(ps::primes_up_to(2), std::vector<std::uint32_t>{2});
}

TEST(PrimeSums, LucyMatchesA046731UpTo1e12) {
  for (int k = 1; k <= 12; ++k) EXPECT_EQ(ps::lucy_sum(pow10(k)), big(a046731[k - 1])) << "1e" << k;
}

TEST(PrimeSums, TrialIsTheSeedsIsPrime) {
  std::uint64_t steps = 0;
  EXPECT_FALSE(ps::is_prime_trial(0));
  EXPECT_FALSE(ps::is_prime_trial(1));
  EXPECT_TRUE(ps::is_prime_trial(2));
  EXPECT_TRUE(ps::is_prime_trial(3));
  EXPECT_FALSE(ps::is_prime_trial(25));
  EXPECT_TRUE(ps::is_prime_trial(1000000000039ull, &steps));  // a prime above 1e12
  EXPECT_EQ(steps, (ps::isqrt(1000000000039ull) - 5) / 6 + 1);
  for (std::uint64_t n = 0; n < 5000; ++n) EXPECT_EQ(ps::is_prime_trial(n), miller_rabin(n)) << n;
}

/// Sieve blocks that start and end anywhere add up to the whole, near the segment edges too.
TEST(PrimeSums, SieveBlocksTileTheRange) {
  const std::uint64_t max_n = 30ull * (1u << 18) * 3 + 1234;  // three segments and a bit
  std::vector<std::uint64_t> ns;
  for (std::uint64_t s : {1ull, 2ull, 3ull})
    for (std::int64_t d : {-31, -30, -1, 0, 1, 29, 30})
      ns.push_back(
          static_cast<std::uint64_t>(static_cast<std::int64_t>(30ull * (1u << 18) * s) + d));
  ns.push_back(max_n);
  std::sort(ns.begin(), ns.end());
  const std::vector<u128> ref = reference_sums(max_n);
  const std::uint64_t bytes = ps::sieve_bytes(max_n);
  std::mt19937_64 rng(42);
  for (int trial = 0; trial < 6; ++trial) {
    std::vector<std::uint64_t> cuts = {0, bytes};
    for (int c = 0; c < trial * 2; ++c) cuts.push_back(rng() % bytes);
    cuts.push_back(std::min<std::uint64_t>(bytes, 1));  // a one-byte block at the start
    std::sort(cuts.begin(), cuts.end());
    std::vector<u128> total(ns.size(), 0);
    for (std::size_t b = 0; b + 1 < cuts.size(); ++b) {
      const auto part = ps::sieve_block(ns, cuts[b], cuts[b + 1]);
      for (std::size_t i = 0; i < ns.size(); ++i) total[i] += part.sums[i];
    }
    for (std::size_t i = 0; i < ns.size(); ++i) EXPECT_EQ(total[i], ref[ns[i]]) << "N = " << ns[i];
  }
}

/// Far from 0 the sieve uses its bucket sieve (primes above 131072); a block there sums exactly
/// what Lucy's two prefix sums say, or (near 1e15, sieving primes up to 3.2e7) what Miller-Rabin
/// finds number by number. The cases are dealt out over the ranks.
TEST(PrimeSums, SieveBlocksFarOutUseBucketsExactly) {
  relay::communicator world;
  for (int c = world.rank(); c < 3; c += world.size()) {
    if (c < 2) {
      const std::uint64_t at = c == 0 ? 1000000000000ull : 2345678901234ull;
      const std::uint64_t b0 = at / 30, b1 = b0 + 3 * (1u << 18) + 777;  // > 3 segments
      const std::uint64_t n = 30 * b1 - 1;
      const auto part = ps::sieve_block(std::vector<std::uint64_t>{n}, b0, b1);
      EXPECT_EQ(part.sums[0], ps::lucy_sum(n) - ps::lucy_sum(30 * b0 - 1)) << "block at " << at;
    } else {
      const std::uint64_t b0 = 1000000000000000ull / 30, b1 = b0 + 6000;
      u128 expected = 0;
      std::uint64_t count = 0;
      for (std::uint64_t x = 30 * b0; x < 30 * b1; ++x)
        if (miller_rabin(x)) expected += x, ++count;
      const auto part = ps::sieve_block(std::vector<std::uint64_t>{30 * b1 - 1}, b0, b1);
      EXPECT_EQ(part.sums[0], expected);
      EXPECT_EQ(part.primes, count);
    }
  }
}

/// The work-balanced blocks tile the bytes in order, for any number of parts; the first block,
/// where fewer sieving primes are active, is the largest.
TEST(PrimeSums, SieveSplitTilesTheRange) {
  for (const std::uint64_t n :
       std::vector<std::uint64_t>{0, 29, 1000, 123456789, 10000000000, UINT64_MAX}) {
    for (const std::uint64_t parts : std::vector<std::uint64_t>{1, 2, 3, 7, 64}) {
      const auto cuts = ps::sieve_split(n, parts);
      ASSERT_EQ(cuts.size(), parts + 1);
      EXPECT_EQ(cuts.front(), 0u);
      EXPECT_EQ(cuts.back(), ps::sieve_bytes(n));
      EXPECT_TRUE(std::is_sorted(cuts.begin(), cuts.end())) << n << " in " << parts;
    }
  }
  const auto two = ps::sieve_split(10000000000ull, 2);
  EXPECT_GT(two[1], ps::sieve_bytes(10000000000ull) / 2);
}

TEST(PrimeSums, ScalarAndAvx2KernelsAgree) {
  const std::vector<std::uint64_t> ns = {1000, 7777777, 123456789};
  const bool old = ps::sieve_force_scalar(true);
  EXPECT_STREQ(ps::sieve_kernel_name(), "scalar");
  const auto scalar = ps::sieve_sums(ns);
  ps::sieve_force_scalar(false);
  const auto fast = ps::sieve_sums(ns);
  ps::sieve_force_scalar(old);
  EXPECT_EQ(scalar, fast);
  EXPECT_EQ(fast[0], 76127u);
}

// ---- distributed -------------------------------------------------------------------------------

TEST(PrimeSums, EveryMethodGivesTheSeedsSums) {
  relay::communicator world;
  const std::vector<std::uint64_t> ns = {100000, 200000, 300000};
  const std::vector<u128> expected = {454396537u, 1709600813u, 3709507114u};
  for (auto d : {ps::decomposition::block, ps::decomposition::cyclic, ps::decomposition::dynamic}) {
    ps::options opt;
    opt.decomp = d;
    const auto r = ps::run_trial(world, ns, opt);
    EXPECT_EQ(r.sums, expected) << ps::name(d);
    // Every number 2..300000 is tested exactly once over the ranks.
    EXPECT_EQ(relay::allreduce(world, r.mine.numbers, std::plus<>{}), 299999u) << ps::name(d);
  }
  EXPECT_EQ(ps::run_sieve(world, ns, {}).sums, expected);
  EXPECT_EQ(ps::run_lucy(world, ns, {}).sums, expected);
  const auto dr = ps::run_dr(world, ns, {});
  EXPECT_EQ(dr.sums, expected);
  EXPECT_GT(dr.mine.memory, 0u);  // every rank builds the tables
}

TEST(PrimeSums, SmallNAndDuplicatesInAnyOrder) {
  relay::communicator world;
  const std::vector<std::uint64_t> ns = {3, 0, 2, 1, 3, 10, 0};
  const std::vector<u128> expected = {5, 0, 2, 0, 5, 17, 0};
  for (auto m : {ps::method::trial, ps::method::sieve, ps::method::lucy, ps::method::dr})
    EXPECT_EQ(ps::run(m, world, ns, {}).sums, expected) << ps::name(m);
  EXPECT_TRUE(ps::run(ps::method::sieve, world, std::vector<std::uint64_t>{}, {}).sums.empty());
}

TEST(PrimeSums, A046731ByTheSieveUpTo1e9AndTrialUpTo1e5) {
  relay::communicator world;
  std::vector<std::uint64_t> ns;
  std::vector<u128> expected;
  for (int k = 1; k <= 9; ++k) ns.push_back(pow10(k)), expected.push_back(big(a046731[k - 1]));
  EXPECT_EQ(ps::run_sieve(world, ns, {}).sums, expected);
  ns.resize(5);
  expected.resize(5);
  EXPECT_EQ(ps::run_trial(world, ns, {}).sums, expected);
}

TEST(PrimeSums, SieveAgreesWithLucyOnRandomNUpTo1e9) {
  relay::communicator world;
  std::mt19937_64 rng(20240501);
  std::vector<std::uint64_t> ns;
  for (int i = 0; i < 24; ++i) ns.push_back(rng() % 1000000001ull);
  ns.push_back(999999999);
  const auto sieve = ps::run_sieve(world, ns, {});
  const auto lucy = ps::run_lucy(world, ns, {});
  EXPECT_EQ(sieve.sums, lucy.sums);
  // The sieve's blocks cover 0..max N exactly once.
  const std::uint64_t numbers = relay::allreduce(world, sieve.mine.numbers, std::plus<>{});
  EXPECT_EQ(numbers, *std::max_element(ns.begin(), ns.end()) + 1);
}

TEST(PrimeSums, LucySharesTheNsOutLargestFirst) {
  const std::vector<std::uint64_t> ns = {10, 100, 1000, 10000, 100000};
  EXPECT_EQ(ps::lucy_owners(ns, 1), (std::vector<int>{0, 0, 0, 0, 0}));
  EXPECT_EQ(ps::lucy_owners(ns, 2), (std::vector<int>{1, 1, 1, 1, 0}));
  EXPECT_EQ(ps::lucy_owners(ns, 8), (std::vector<int>{4, 3, 2, 1, 0}));
}

TEST(PrimeSums, AutoPicksTheSmallestEstimate) {
  std::vector<std::uint64_t> many;  // 10,000 Ns up to 1e7: one sieve pass answers them all
  for (std::uint64_t n = 1000; n <= 10000000; n += 1000) many.push_back(n);
  const std::vector<std::vector<std::uint64_t>> cases = {{100000, 200000, 300000},
                                                         {1000000000000ull},
                                                         {100000000000000000ull},
                                                         many,
                                                         {10, 1000000000000000ull}};
  for (const auto& ns : cases)
    for (const int ranks : {1, 2, 7}) {
      const ps::method picked = ps::pick_auto(ns, ranks);
      EXPECT_NE(picked, ps::method::trial);
      for (auto m : {ps::method::sieve, ps::method::lucy, ps::method::dr})
        EXPECT_LE(ps::estimate_seconds(picked, ns, ranks), ps::estimate_seconds(m, ns, ranks))
            << ps::name(picked) << " picked over " << ps::name(m) << " for " << ns.size()
            << " Ns up to " << ns.back() << " at " << ranks << " ranks";
    }
  EXPECT_EQ(ps::pick_auto(many, 2), ps::method::sieve);
  // One large N: dr's N^(2/3) beats lucy's N^(3/4) and the sieve's N by far.
  EXPECT_EQ(ps::pick_auto(std::vector<std::uint64_t>{100000000000000000ull}, 2), ps::method::dr);
}

TEST(PrimeSums, VerifyPairsDrWithLucy) {
  EXPECT_EQ(ps::verify_method(ps::method::dr), ps::method::lucy);
  EXPECT_EQ(ps::verify_method(ps::method::lucy), ps::method::dr);
  EXPECT_EQ(ps::verify_method(ps::method::sieve), ps::method::lucy);
  EXPECT_EQ(ps::verify_method(ps::method::trial), ps::method::lucy);
}

TEST(PrimeSums, LucyReportsTheMemoryOfItsTables) {
  relay::communicator world;
  const std::vector<std::uint64_t> ns = {1000000, 100000000};
  const auto r = ps::run_lucy(world, ns, {});
  // Each N goes whole to one rank, which holds one N's tables at a time.
  std::uint64_t expected = 0;
  const std::vector<int> owner = ps::lucy_owners(ns, world.size());
  for (std::size_t k = 0; k < ns.size(); ++k)
    if (owner[k] == world.rank()) expected = std::max(expected, ps::lucy_memory_bytes(ns[k]));
  EXPECT_EQ(r.mine.memory, expected);
  EXPECT_EQ(ps::run_sieve(world, ns, {}).mine.memory, 0u);
}

}  // namespace
