// mc_pi's core: the sample stream against Random123 itself, the exact hit test against 128-bit
// arithmetic, every kernel against the scalar reference bit for bit, the split over ranks and
// rounds, and the statistics. Every rank runs every test; the distributed runs check that the
// hits are the same at 1, 2, 3 and 4 ranks.

#include <gtest/gtest.h>

#include <Random123/threefry.h>

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "estimate.hpp"
#include "kernels.hpp"
#include "relay/relay.hpp"
#include "run.hpp"
#include "stream.hpp"

namespace {

using mc_pi::block_size;
using mc_pi::kernel_kind;
using u64 = std::uint64_t;
__extension__ using u128 = unsigned __int128;

constexpr u64 max64 = ~u64{0};
constexpr u64 last_block = mc_pi::max_samples / block_size - 1;  // the block of index 2^63 - 1

/// The hit test written the long way: (2x+1)^2 + (2y+1)^2 < 2^66 in 128-bit integers, i.e. the
/// cell centre ((x + 1/2) / 2^32, (y + 1/2) / 2^32) inside the unit circle.
bool centre_inside(u64 x, u64 y) {
  const u128 a = 2 * static_cast<u128>(x) + 1, b = 2 * static_cast<u128>(y) + 1;
  return a * a + b * b < (static_cast<u128>(1) << 66);
}

/// A plain serial loop over Random123's Threefry4x64 (the documented stream, re-derived here
/// without mc_pi's code): hits among global samples [begin, end).
u64 serial_hits(u64 seed, u64 begin, u64 end) {
  r123::Threefry4x64 threefry;
  u64 hits = 0;
  for (u64 i = begin; i < end; ++i) {
    const u64 block = i / 65536, position = i % 65536;
    const r123::Threefry4x64::ctr_type counter = {{position / 4, 0, 0, 0}};
    const r123::Threefry4x64::key_type key = {{seed, block, 0, 0}};
    const u64 word = threefry(counter, key).v[position % 4];
    hits += centre_inside(word & 0xFFFFFFFFu, word >> 32);
  }
  return hits;
}

std::vector<kernel_kind> kernels() {
  return mc_pi::available_kernels();
}

/// Whether the i-th of a test's serial checks is this rank's: the ranks share them out, so the
/// test takes no longer at 4 ranks than at 1 (and never calls a collective).
bool mine(std::size_t i) {
  const relay::communicator world;
  return i % static_cast<std::size_t>(world.size()) == static_cast<std::size_t>(world.rank());
}

TEST(McPiStream, SampleIsRandom123Threefry4x64WordOfBlockKeyAndCounter) {
  r123::Threefry4x64 threefry;
  for (u64 seed : {u64{0}, u64{1}, u64{0x0123456789ABCDEF}, max64})
    for (u64 index : {u64{0}, u64{1}, u64{3}, u64{4}, u64{65535}, u64{65536}, u64{1234567891},
                      mc_pi::max_samples - 1}) {
      const r123::Threefry4x64::ctr_type counter = {{(index % 65536) / 4, 0, 0, 0}};
      const r123::Threefry4x64::key_type key = {{seed, index / 65536, 0, 0}};
      const u64 word = threefry(counter, key).v[index % 4];
      const auto p = mc_pi::sample(seed, index);
      EXPECT_EQ(p.x, static_cast<std::uint32_t>(word)) << seed << " " << index;
      EXPECT_EQ(p.y, static_cast<std::uint32_t>(word >> 32)) << seed << " " << index;
    }
  EXPECT_EQ(unsigned{r123::Threefry4x64::rounds}, 20u);  // a copy: the member has no definition
}

TEST(McPiStream, KnownAnswerOfRandom123) {
  // Random123's known-answer test vector for threefry4x64_20 (kat_vectors): counter and key of
  // all zeros. Pins the generator (and its round count) that the stream is defined on.
  r123::Threefry4x64 threefry;
  const auto out = threefry({{0, 0, 0, 0}}, {{0, 0, 0, 0}});
  EXPECT_EQ(out.v[0], 0x09218ebde6c85537ULL);
  EXPECT_EQ(out.v[1], 0x55941f5266d86105ULL);
  EXPECT_EQ(out.v[2], 0x4bd25e16282434dcULL);
  EXPECT_EQ(out.v[3], 0xee29ec846bd2e40bULL);
}

TEST(McPiStream, InsideIsTheExactCellCentreTest) {
  const u64 top = 0xFFFFFFFFu;
  // Corners and edges of the grid.
  for (u64 x : {u64{0}, u64{1}, top - 1, top})
    for (u64 y : {u64{0}, u64{1}, top - 1, top})
      EXPECT_EQ(mc_pi::inside({static_cast<std::uint32_t>(x), static_cast<std::uint32_t>(y)}),
                centre_inside(x, y))
          << x << " " << y;
  // Along the circle: for each x, the largest y inside, and the next one, which is outside.
  std::mt19937_64 rng(3);
  for (int i = 0; i < 20000; ++i) {
    const u64 x =
        i < 100 ? static_cast<u64>(i) : (i < 200 ? top - static_cast<u64>(i - 100) : rng() & top);
    // y(y+1) <= 2^64 - 1 - x(x+1): start from the floating-point root, then fix it exactly.
    const double room = std::ldexp(1.0, 64) - static_cast<double>(x) * static_cast<double>(x + 1);
    u64 y = static_cast<u64>(std::max(0.0, std::floor(std::sqrt(room) - 1)));
    y = std::min(y, top);
    while (y < top && centre_inside(x, y + 1)) ++y;
    while (y > 0 && !centre_inside(x, y)) --y;
    for (u64 yy : {y, y + 1}) {
      if (yy > top) continue;
      const mc_pi::point p{static_cast<std::uint32_t>(x), static_cast<std::uint32_t>(yy)};
      ASSERT_EQ(mc_pi::inside(p), centre_inside(x, yy)) << x << " " << yy;
      ASSERT_EQ(mc_pi::inside({p.y, p.x}), centre_inside(yy, x)) << yy << " " << x;
    }
  }
  // Random points.
  for (int i = 0; i < 100000; ++i) {
    const u64 w = rng();
    ASSERT_EQ(mc_pi::word_inside(w), centre_inside(w & top, w >> 32)) << w;
  }
}

TEST(McPiKernels, SmallCountsEqualAPlainSerialLoop) {
  struct run_case {
    u64 seed, begin, end;
  };
  const std::vector<run_case> cases = {
      {1, 0, 0},          {1, 0, 1},         {1, 0, 3},           {1, 0, 5},
      {7, 0, 65535},      {7, 0, 65536},     {7, 0, 65537},       {42, 0, 200003},
      {max64, 0, 100001}, {3, 65530, 65542}, {3, 131071, 196613}, {0, 1, 70001},
  };
  for (auto kind : kernels())
    for (std::size_t i = 0; i < cases.size(); ++i) {
      if (!mine(i)) continue;
      const auto& c = cases[i];
      EXPECT_EQ(mc_pi::count_hits(kind, c.seed, c.begin, c.end),
                serial_hits(c.seed, c.begin, c.end))
          << mc_pi::kernel_name(kind) << " seed " << c.seed << " [" << c.begin << ", " << c.end
          << ")";
    }
  // Near the top of the index range.
  const u64 top = mc_pi::max_samples;
  for (auto kind : kernels())
    EXPECT_EQ(mc_pi::count_hits(kind, 5, top - 70000, top), serial_hits(5, top - 70000, top));
}

TEST(McPiKernels, FastKernelsEqualTheScalarReferenceBitForBit) {
  const auto kinds = kernels();
  if (kinds.size() < 2) GTEST_SKIP() << "only the scalar kernel runs on this CPU";
  std::mt19937_64 rng(11);
  const std::vector<u64> seeds = {0, 1, 2, 0xDEADBEEF, u64{1} << 32, max64, rng(), rng()};
  const std::vector<u64> blocks = {0, 1, 2, 12345, u64{1} << 32, last_block, rng() % last_block};
  for (auto kind : kinds) {
    if (kind == kernel_kind::scalar) continue;
    std::size_t pair = 0;
    for (u64 seed : seeds)
      for (u64 block : blocks) {
        if (!mine(pair++)) continue;
        // Whole counters: every length around the kernel's step sizes, at ragged starts.
        for (u64 c0 : {u64{0}, u64{1}, u64{5}, u64{13}, u64{16370}})
          for (u64 n = 0; n <= 60 && c0 + n <= mc_pi::counters_per_block; ++n) {
            const u64 fast = kind == kernel_kind::avx2
#if defined(MC_PI_HAVE_AVX2_KERNEL)
                                 ? mc_pi::detail::counter_hits_avx2(seed, block, c0, c0 + n)
#else
                                 ? 0
#endif
                                 : 0;
            ASSERT_EQ(fast, mc_pi::detail::counter_hits_scalar(seed, block, c0, c0 + n))
                << "seed " << seed << " block " << block << " counters [" << c0 << ", " << c0 + n
                << ")";
          }
        // Sample ranges with ragged heads and tails, and the whole block.
        std::mt19937_64 ranges(seed ^ block);
        for (int i = 0; i < 24; ++i) {
          u64 begin = ranges() % block_size, end = begin + ranges() % (block_size - begin + 1);
          if (i % 2) end = std::min(block_size, begin + ranges() % 200);
          if (i == 0) begin = 0, end = block_size;
          ASSERT_EQ(mc_pi::block_hits(kind, seed, block, begin, end),
                    mc_pi::block_hits(kernel_kind::scalar, seed, block, begin, end))
              << mc_pi::kernel_name(kind) << " seed " << seed << " block " << block << " [" << begin
              << ", " << end << ")";
        }
      }
  }
}

TEST(McPiKernels, AnySplitOfARangeGivesTheSameHits) {
  const u64 seed = 99, n = 5 * block_size + 12345;
  const u64 whole = mc_pi::count_hits(mc_pi::best_kernel(), seed, 0, n);
  EXPECT_EQ(whole, mc_pi::count_hits(kernel_kind::scalar, seed, 0, n));
  for (int trial = 0; trial < 20; ++trial) {
    std::mt19937_64 rng(static_cast<u64>(trial));
    if (!mine(static_cast<std::size_t>(trial))) continue;
    u64 sum = 0;
    for (u64 at = 0; at < n;) {
      const u64 step = std::min(n - at, 1 + rng() % (trial < 10 ? 1000 : 3 * block_size));
      sum += mc_pi::count_hits(mc_pi::best_kernel(), seed, at, at + step);
      at += step;
    }
    EXPECT_EQ(sum, whole) << "trial " << trial;
  }
  for (u64 ranks = 1; ranks <= 9; ++ranks) {
    if (!mine(ranks)) continue;
    u64 sum = 0, covered = 0;
    for (u64 r = 0; r < ranks; ++r) {
      const auto share = mc_pi::rank_share(0, n, ranks, r);
      if (!share.empty()) {
        EXPECT_EQ(share.begin, covered) << ranks << " ranks, rank " << r;
        covered = share.end;
      }
      sum += mc_pi::count_hits(mc_pi::best_kernel(), seed, share.begin, share.end);
    }
    EXPECT_EQ(covered, n);
    EXPECT_EQ(sum, whole) << ranks << " ranks";
  }
}

TEST(McPiKernels, BadRangesThrow) {
  EXPECT_THROW((void)mc_pi::block_hits(kernel_kind::scalar, 1, 0, 5, 4), std::invalid_argument);
  EXPECT_THROW((void)mc_pi::block_hits(kernel_kind::scalar, 1, 0, 0, block_size + 1),
               std::invalid_argument);
  EXPECT_THROW((void)mc_pi::count_hits(kernel_kind::scalar, 1, 0, mc_pi::max_samples + 1),
               std::invalid_argument);
  EXPECT_EQ(mc_pi::kernel_from_name("scalar"), kernel_kind::scalar);
  EXPECT_EQ(mc_pi::kernel_from_name("avx2"), kernel_kind::avx2);
  EXPECT_FALSE(mc_pi::kernel_from_name("bogus"));
  EXPECT_TRUE(mc_pi::kernel_available(kernel_kind::scalar));
  if (!mc_pi::kernel_available(kernel_kind::avx2)) {
    EXPECT_THROW((void)mc_pi::count_hits(kernel_kind::avx2, 1, 0, 10), std::invalid_argument);
  }
}

TEST(McPiStream, DifferentSeedsAndBlocksGiveDifferentStreams) {
  const std::vector<u64> seeds = {0, 1, 2, u64{1} << 32, (u64{1} << 32) + 1, max64};
  // The first 4096 points of each seed: no two seeds share more than a chance few.
  std::vector<std::vector<u64>> words;
  for (u64 seed : seeds) {
    std::vector<u64> w;
    for (u64 i = 0; i < 4096; ++i) {
      const auto p = mc_pi::sample(seed, i);
      w.push_back(p.x | (u64{p.y} << 32));
    }
    words.push_back(w);
  }
  for (std::size_t a = 0; a < seeds.size(); ++a)
    for (std::size_t b = a + 1; b < seeds.size(); ++b) {
      int same = 0;
      for (std::size_t i = 0; i < 4096; ++i) same += words[a][i] == words[b][i];
      EXPECT_EQ(same, 0) << "seeds " << seeds[a] << " and " << seeds[b];
    }
  // Hit counts of 2^18 samples differ between seeds (equal by chance with p ~ 1e-3 per pair).
  std::set<u64> counts;
  for (u64 seed : seeds) counts.insert(mc_pi::count_hits(mc_pi::best_kernel(), seed, 0, 1 << 18));
  EXPECT_GE(counts.size(), seeds.size() - 1);
  // Blocks are different streams too: block 0 and block 1 of one seed share no words.
  std::set<u64> block0;
  for (u64 i = 0; i < 4096; ++i) {
    const auto p = mc_pi::sample(7, i);
    block0.insert(p.x | (u64{p.y} << 32));
  }
  int shared = 0;
  for (u64 i = 0; i < 4096; ++i) {
    const auto p = mc_pi::sample(7, block_size + i);
    shared += block0.count(p.x | (u64{p.y} << 32)) != 0;
  }
  EXPECT_EQ(shared, 0);
}

TEST(McPiEstimate, Statistics) {
  const auto e = mc_pi::make_estimate(4, 3);
  EXPECT_DOUBLE_EQ(e.pi, 3.0);
  EXPECT_DOUBLE_EQ(e.error, 3.0 - std::numbers::pi);
  EXPECT_DOUBLE_EQ(e.std_error, 4.0 * std::sqrt(0.75 * 0.25 / 4));
  EXPECT_DOUBLE_EQ(mc_pi::make_estimate(10, 10).std_error, 0.0);
  EXPECT_DOUBLE_EQ(mc_pi::make_estimate(10, 0).pi, 0.0);
  EXPECT_THROW((void)mc_pi::make_estimate(0, 0), std::invalid_argument);
  EXPECT_THROW((void)mc_pi::make_estimate(3, 4), std::invalid_argument);
  // Exact integers: N = 2^63 samples.
  const auto big = mc_pi::make_estimate(mc_pi::max_samples, mc_pi::max_samples / 4 * 3);
  EXPECT_DOUBLE_EQ(big.pi, 3.0);
}

TEST(McPiEstimate, RankSharesTileAnyRangeInWholeBlocks) {
  const std::vector<std::pair<u64, u64>> ranges = {
      {0, 0},
      {0, 1},
      {0, 5},
      {0, block_size},
      {0, 3 * block_size + 5},
      {100, 100 + 7 * block_size},
      {block_size - 1, 2 * block_size + 1},
      {mc_pi::max_samples - 3 * block_size - 2, mc_pi::max_samples}};
  for (const auto& [begin, end] : ranges)
    for (u64 ranks : {1, 2, 3, 4, 7, 64}) {
      u64 at = begin;
      for (u64 r = 0; r < ranks; ++r) {
        const auto s = mc_pi::rank_share(begin, end, ranks, r);
        if (s.empty()) continue;
        EXPECT_EQ(s.begin, at);
        // Boundaries inside the range fall on block boundaries.
        if (s.begin != begin) {
          EXPECT_EQ(s.begin % block_size, 0u);
        }
        if (s.end != end) {
          EXPECT_EQ(s.end % block_size, 0u);
        }
        at = s.end;
      }
      EXPECT_EQ(at, end) << begin << " " << end << " " << ranks;
    }
}

TEST(McPiEstimate, RoundsGrowInWholeBlocksUpToTheCap) {
  const u64 cap = u64{1} << 40;
  u64 done = mc_pi::first_round_samples;
  int rounds = 1;
  while (done < cap && rounds < 200) {
    const u64 next = mc_pi::next_round_end(done, done / 4 * 3 + 17, cap, 1e-7);
    ASSERT_GT(next, done);
    ASSERT_GE(next, done + done / 4);
    ASSERT_TRUE(next % block_size == 0 || next == cap);
    done = next;
    ++rounds;
  }
  EXPECT_EQ(done, cap);
  // One round predicts the rest: 16 p(1-p) / E^2 samples for E = 1e-4 is about 2.7e8.
  const u64 next = mc_pi::next_round_end(u64{1} << 20, 823550, cap, 1e-4);
  EXPECT_GT(next, 2.7e8);
  EXPECT_LT(next, 2.8e8);
  // Capped.
  EXPECT_EQ(mc_pi::next_round_end(u64{1} << 20, 823550, 5000000, 1e-6), 5000000u);
  EXPECT_EQ(mc_pi::next_round_end(5000000, 3926990, 5000000, 1e-6), 5000000u);
}

// ---- Over the ranks: every test below runs at 1, 2, 3 and 4 ranks. ----------------------------

TEST(McPiRun, SameHitsAtAnyRankCount) {
  const relay::communicator world;
  const std::vector<std::pair<u64, u64>> cases = {
      {1, 1}, {5, 2}, {65537, 3}, {3 * 65536 + 5, 4}, {1000003, 1}, {7 * 65536 - 1, max64}};
  for (const auto& [samples, seed] : cases) {
    mc_pi::run_options options;
    options.samples = samples;
    options.seed = seed;
    const auto result = mc_pi::run(world, options);
    EXPECT_EQ(result.samples, samples);
    EXPECT_EQ(result.hits, mc_pi::count_hits(kernel_kind::scalar, seed, 0, samples))
        << samples << " samples, seed " << seed << ", " << world.size() << " ranks";
    EXPECT_EQ(result.rounds, 1);
    // Every rank drew its share, and the shares add up.
    EXPECT_EQ(relay::allreduce(world, result.my_samples, std::plus<>{}), samples);
  }
}

TEST(McPiRun, SameHitsForAnyRanksTimesThreads) {
  const relay::communicator world;
  // Fewer samples than threads, a partial block, blocks not divisible by the units.
  const std::vector<std::pair<u64, u64>> cases = {{3, 8}, {65537, 3}, {5 * 65536 + 17, 11}};
  for (const auto& [samples, seed] : cases) {
    const u64 expected = mc_pi::count_hits(kernel_kind::scalar, seed, 0, samples);
    for (unsigned threads : {1u, 2u, 3u, 4u, 7u}) {
      mc_pi::run_options options;
      options.samples = samples;
      options.seed = seed;
      options.threads = threads;
      const auto result = mc_pi::run(world, options);
      EXPECT_EQ(result.hits, expected) << samples << " samples, seed " << seed << ", "
                                       << world.size() << " ranks x " << threads << " threads";
      EXPECT_EQ(relay::allreduce(world, result.my_samples, std::plus<>{}), samples);
    }
  }
  // With a target error, the rounds too.
  mc_pi::run_options one, four;
  one.samples = four.samples = mc_pi::max_samples;
  one.target_error = four.target_error = 3e-3;
  four.threads = 4;
  const auto a = mc_pi::run(world, one), b = mc_pi::run(world, four);
  EXPECT_EQ(a.samples, b.samples);
  EXPECT_EQ(a.hits, b.hits);
  EXPECT_EQ(a.rounds, b.rounds);
}

TEST(McPiRun, ZeroThreadsThrowsOnEveryRankBeforeAnyCommunication) {
  const relay::communicator world;
  mc_pi::run_options options;
  options.samples = 10;
  options.threads = 0;
  EXPECT_THROW((void)mc_pi::run(world, options), std::invalid_argument);
}

// mpirun binds a rank to one core by default: --threads 2 then runs both threads on it, and only
// a warning tells the user why there is no speed-up.
TEST(McPiRun, AffinityWarningWhenARankHasFewerCpusThanThreads) {
  EXPECT_EQ(mc_pi::affinity_warning({1, 1}, 1, 8), "");
  EXPECT_EQ(mc_pi::affinity_warning({2, 4}, 2, 8), "");
  EXPECT_EQ(mc_pi::affinity_warning({0, 0}, 8, 8), "");  // unknown: say nothing
  EXPECT_EQ(mc_pi::affinity_warning({2, 2}, 7, 2), "");  // oversubscribing the node on purpose
  EXPECT_EQ(mc_pi::affinity_warning({1}, 2, 0), "");
  const std::string w = mc_pi::affinity_warning({4, 1, 0}, 2, 4);
  EXPECT_NE(w.find("only 1 CPU "), std::string::npos) << w;
  EXPECT_NE(w.find("--map-by slot:PE=2"), std::string::npos) << w;
  EXPECT_NE(w.find("--cpus-per-task=2"), std::string::npos) << w;
  EXPECT_EQ(w.back(), '\n');
  EXPECT_NE(mc_pi::affinity_warning({3}, 4, 8).find("only 3 CPUs"), std::string::npos);
  EXPECT_GE(mc_pi::allowed_cpus(), 1);
  EXPECT_GE(mc_pi::online_cpus(), mc_pi::allowed_cpus());
}

TEST(McPiRun, TargetErrorRunsTheSameRoundsAtAnyRankCount) {
  const relay::communicator world;
  for (double target : {1e-2, 1e-3}) {
    mc_pi::run_options options;
    options.samples = mc_pi::max_samples;
    options.seed = 5;
    options.target_error = target;
    const auto result = mc_pi::run(world, options);
    // The same rounds, worked out serially.
    u64 done = std::min<u64>(options.samples, mc_pi::first_round_samples), hits = 0, at = 0;
    int rounds = 1;
    for (;;) {
      hits += mc_pi::count_hits(mc_pi::best_kernel(), 5, at, done);
      at = done;
      if (mc_pi::standard_error(done, hits) < target) break;
      done = mc_pi::next_round_end(done, hits, options.samples, target);
      ++rounds;
    }
    EXPECT_TRUE(result.target_reached);
    EXPECT_EQ(result.samples, done);
    EXPECT_EQ(result.hits, hits);
    EXPECT_EQ(result.rounds, rounds);
    EXPECT_LT(mc_pi::standard_error(result.samples, result.hits), target);
  }
  // The cap wins over the target.
  mc_pi::run_options capped;
  capped.samples = 3000001;
  capped.target_error = 1e-7;
  const auto result = mc_pi::run(world, capped);
  EXPECT_FALSE(result.target_reached);
  EXPECT_EQ(result.samples, 3000001u);
  EXPECT_EQ(result.hits, mc_pi::count_hits(kernel_kind::scalar, 1, 0, 3000001));
}

TEST(McPiRun, LargeNIsWithinFiveStandardErrorsOfPi) {
  const relay::communicator world;
  for (u64 seed : {1, 2}) {
    mc_pi::run_options options;
    options.samples = u64{1} << 24;
    options.seed = seed;
    const auto result = mc_pi::run(world, options);
    const auto e = mc_pi::make_estimate(result.samples, result.hits);
    EXPECT_LT(std::abs(e.error), 5 * e.std_error) << "seed " << seed << ": pi ~ " << e.pi;
    EXPECT_NEAR(e.std_error,
                4 * std::sqrt(std::numbers::pi / 4 * (1 - std::numbers::pi / 4) /
                              static_cast<double>(options.samples)),
                1e-6);
  }
}

}  // namespace
