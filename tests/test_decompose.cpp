// Work decomposition: block_range, block_owner, block_sizes, cyclic_range. Pure functions, checked
// exhaustively for small sizes and at the top of the 64-bit range; every rank runs them, and the
// ranks also check that their blocks of a shared range tile it.

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

#include "relay/relay.hpp"
#include "test_support.hpp"

namespace {

using relay::block_owner;
using relay::block_range;
using relay::block_sizes;
using relay::cyclic_range;
using relay::range;

constexpr std::uint64_t max64 = std::numeric_limits<std::uint64_t>::max();

// Usable in constant expressions.
static_assert(block_range(10, 3, 0) == range{0, 4});
static_assert(block_range(10, 3, 2) == range{7, 10});
static_assert(block_owner(10, 3, 4) == 1);
static_assert(cyclic_range(10, 3, 1).size() == 3);
static_assert(range{3, 3}.empty() && range{2, 5}.size() == 3);

TEST(Decompose, BlocksTileTheRangeExhaustively) {
  for (std::uint64_t parts = 1; parts <= 9; ++parts) {
    for (std::uint64_t n = 0; n <= 40; ++n) {
      const auto sizes = block_sizes(n, parts);
      ASSERT_EQ(sizes.size(), parts);
      std::uint64_t expected_begin = 0;
      for (std::uint64_t i = 0; i < parts; ++i) {
        const range b = block_range(n, parts, i);
        EXPECT_EQ(b.begin, expected_begin) << "n " << n << " parts " << parts << " i " << i;
        EXPECT_LE(b.begin, b.end);
        EXPECT_EQ(b.size(), sizes[i]);
        EXPECT_EQ(b.size(), n / parts + (i < n % parts ? 1 : 0)) << "larger blocks first";
        for (std::uint64_t k = b.begin; k < b.end; ++k)
          EXPECT_EQ(block_owner(n, parts, k), i) << "n " << n << " parts " << parts << " k " << k;
        expected_begin = b.end;
      }
      EXPECT_EQ(expected_begin, n) << "n " << n << " parts " << parts;
    }
  }
}

TEST(Decompose, CyclicRangesDealIndicesOut) {
  for (std::uint64_t parts = 1; parts <= 9; ++parts) {
    for (std::uint64_t n = 0; n <= 40; ++n) {
      std::vector<int> hits(n, 0);
      for (std::uint64_t i = 0; i < parts; ++i) {
        const cyclic_range part(n, parts, i);
        std::uint64_t count = 0, expected = i;
        for (std::uint64_t k : part) {
          EXPECT_EQ(k, expected) << "n " << n << " parts " << parts << " i " << i;
          EXPECT_LT(k, n);
          if (k < n) ++hits[k];
          expected += parts;
          ++count;
        }
        EXPECT_EQ(count, part.size()) << "n " << n << " parts " << parts << " i " << i;
      }
      for (std::uint64_t k = 0; k < n; ++k) EXPECT_EQ(hits[k], 1) << "index " << k;
    }
  }
}

TEST(Decompose, IteratorsBehaveAsForwardIterators) {
  const cyclic_range part(7, 3, 1);  // 1, 4
  auto it = part.begin();
  EXPECT_EQ(*it, 1U);
  auto old = it++;
  EXPECT_EQ(*old, 1U);
  EXPECT_EQ(*it, 4U);
  EXPECT_EQ(++it, part.end());
  EXPECT_EQ(cyclic_range(0, 4, 3).begin(), cyclic_range(0, 4, 3).end());
  EXPECT_EQ(cyclic_range(2, 4, 3).size(), 0U);
}

TEST(Decompose, NoOverflowNear2To64) {
  for (std::uint64_t n : {max64, max64 - 1, max64 - 5, std::uint64_t{1} << 63}) {
    for (std::uint64_t parts :
         {std::uint64_t{1}, std::uint64_t{2}, std::uint64_t{3}, std::uint64_t{7},
          std::uint64_t{1} << 32, (std::uint64_t{1} << 63) + 1, max64 - 1, max64}) {
      const std::uint64_t q = n / parts, r = n % parts;
      // First, last and the boundary between larger and smaller blocks.
      for (std::uint64_t i : {std::uint64_t{0}, r == 0 ? 0 : r - 1, r, parts - 1}) {
        if (i >= parts) continue;
        const range b = block_range(n, parts, i);
        const std::uint64_t expected_begin = i * q + (i < r ? i : r);
        EXPECT_EQ(b.begin, expected_begin) << n << " " << parts << " " << i;
        EXPECT_EQ(b.size(), q + (i < r ? 1 : 0)) << n << " " << parts << " " << i;
        EXPECT_LE(b.end, n);
        if (!b.empty()) {
          EXPECT_EQ(block_owner(n, parts, b.begin), i);
          EXPECT_EQ(block_owner(n, parts, b.end - 1), i);
        }
      }
      EXPECT_EQ(block_range(n, parts, parts - 1).end, n);
      EXPECT_EQ(block_owner(n, parts, n - 1), n >= parts ? parts - 1 : n - 1);
      EXPECT_EQ(block_owner(n, parts, 0), 0U);
      // The last cyclic part: iteration stops at n instead of wrapping past 2^64.
      const cyclic_range last(n, parts, parts - 1);
      std::uint64_t count = 0, previous = 0;
      for (std::uint64_t k : last) {
        EXPECT_LT(k, n);
        if (count > 0) {
          EXPECT_GT(k, previous);
        }
        previous = k;
        if (++count > 8) break;  // parts may be small: the first few suffice
      }
      if (parts > n / 8) {
        EXPECT_EQ(count, last.size());
      }
    }
  }
  EXPECT_EQ(block_sizes(max64, 3), (std::vector<std::uint64_t>(3, max64 / 3)));
  EXPECT_EQ(cyclic_range(max64, max64 - 1, max64 - 2).size(), 1U);
  EXPECT_EQ(cyclic_range(max64, 2, 0).size(), max64 / 2 + 1);
  EXPECT_EQ(cyclic_range(max64, 2, 1).size(), max64 / 2);
}

TEST(Decompose, InvalidArgumentsThrow) {
  EXPECT_THROW((void)block_range(5, 0, 0), relay::usage_error);
  EXPECT_THROW((void)block_range(5, 3, 3), relay::usage_error);
  EXPECT_THROW((void)block_owner(5, 3, 5), relay::usage_error);
  EXPECT_THROW((void)block_owner(5, 0, 1), relay::usage_error);
  EXPECT_THROW((void)block_owner(0, 3, 0), relay::usage_error);
  EXPECT_THROW((void)cyclic_range(5, 0, 0), relay::usage_error);
  EXPECT_THROW((void)cyclic_range(5, 2, 2), relay::usage_error);
}

// Each rank takes its block of a shared range; together they cover it once.
TEST(Decompose, RanksTileASharedRange) {
  relay::communicator comm;
  const auto p = static_cast<std::uint64_t>(comm.size());
  const auto me = static_cast<std::uint64_t>(comm.rank());
  for (std::uint64_t n : {std::uint64_t{0}, std::uint64_t{1}, p + 1, 1000 * p + p - 1}) {
    const range mine = block_range(n, p, me);
    const auto all = relay::allgather(comm, mine);
    std::uint64_t next = 0;
    for (const range& b : all) {
      EXPECT_EQ(b.begin, next);
      next = b.end;
    }
    EXPECT_EQ(next, n);
    std::uint64_t cyclic_sum = 0;
    for (std::uint64_t k : cyclic_range(n, p, me)) cyclic_sum += k;
    EXPECT_EQ(relay::allreduce(comm, cyclic_sum, std::plus<>{}), n == 0 ? 0 : n * (n - 1) / 2);
  }
}

}  // namespace
