// dr's hard special leaves: a segmented sieve of [lo, hi) that answers phi_s(v, b - 1) for the
// leaves x / (p_b m) = v in each segment, between crossing off p_(b-1) and p_b.
//
// The segment holds its odd numbers as bits (bit t: s_lo + 2t + 1), starts from the pattern of
// the primes 3..13, and keeps two levels of counters of what is left: per 256 bits (count and the
// sum of the bit indices t) and per 16384 bits. phi_s over the segment up to v is then
// count (s_lo + 1) + 2 sum(t): the level-2 and level-1 counters below v (walked by a cursor, as a
// b's leaves come in increasing v), then at most 3 words and one masked word. Crossing a number
// off updates one counter of each level.
//
// A task knows nothing of the numbers below lo: it runs with phi_s(lo - 1, b - 1) = 0 and returns
// per b the sum of its leaves' weights (combine() multiplies it by the real value) and phi_s over
// its own numbers (which the tasks above it need).

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <stdexcept>

#include "dr_impl.hpp"

namespace prime_sums {

namespace {

using dr_detail::position_sum;

/// The multiples k p crossed off are those with k coprime to 30 (the others went with 3 and 5):
/// the gaps between such k, starting from k = 1, 7, 11, 13, 17, 19, 23, 29.
constexpr std::uint8_t wheel_gap[8] = {6, 4, 2, 4, 2, 4, 6, 2};
constexpr std::uint8_t wheel_residue[8] = {1, 7, 11, 13, 17, 19, 23, 29};

/// One segment of odd numbers with its counters. A counter packs a count and a sum of bit
/// indices t into one word, so that crossing a number off is one subtraction per level:
/// count << 40 | sum at both levels, level 1 (256 bits) and level 2 (16384 bits): the sum of
/// t < 2^21 over the 64 level-1 blocks of one level-2 block is below 2^35, so packed counters
/// of one level-2 block add up and subtract without a carry between the fields.
class segment_sieve {
 public:
  explicit segment_sieve(std::uint64_t numbers)
      : bits_(numbers / 128 + 1),
        level1_(numbers / (2 << shift1) + 1),
        level2_(numbers / (2 << shift2) + 1) {}

  /// Fills [s_lo, s_hi) (s_lo divisible by 128) with the numbers coprime to 2..13.
  void reset(std::uint64_t s_lo, std::uint64_t s_hi) {
    lo_ = s_lo;
    nbits_ = (s_hi - s_lo) / 2;  // the odd numbers s_lo + 2t + 1 < s_hi
    const std::vector<std::uint64_t>& pattern = dr_detail::presieve_pattern();
    const std::uint64_t words = (nbits_ + 63) / 64;
    std::uint64_t k = (s_lo / 128) % dr_detail::pattern_words;
    for (std::uint64_t w = 0; w < words; ++w) {
      bits_[w] = pattern[k];
      if (++k == dr_detail::pattern_words) k = 0;
    }
    if (nbits_ % 64) bits_[words - 1] &= (std::uint64_t{1} << (nbits_ % 64)) - 1;
    n1_ = (words + words1 - 1) / words1;
    n2_ = (words + 64 * words1 - 1) / (64 * words1);
    std::fill_n(level2_.begin(), n2_, 0);
    count_ = sum_ = 0;
    for (std::uint64_t j = 0; j < n1_; ++j) {
      std::uint64_t c = 0, s = 0;
      for (std::uint64_t w = words1 * j; w < std::min(words, words1 * (j + 1)); ++w) {
        const auto k1 = static_cast<std::uint64_t>(std::popcount(bits_[w]));
        c += k1;
        s += k1 * 64 * w + position_sum(bits_[w]);
      }
      level1_[j] = c << 40 | s;
      level2_[j / 64] += c << 40 | s;
      count_ += c, sum_ += s;
    }
  }

  /// Crosses off the multiples k p >= p in the segment with k coprime to 30 (p >= 17 prime, all
  /// smaller primes crossed off already).
  void cross_off(std::uint64_t p) {
    const std::uint64_t s_hi = lo_ + 2 * nbits_;
    std::uint64_t k = std::max<std::uint64_t>(1, (lo_ + p - 1) / p);  // the first k p >= s_lo
    // Up to the next k coprime to 30 (29 is a residue, so there is one in this turn).
    const std::uint64_t base = k / 30 * 30;
    unsigned i = 0;
    while (wheel_residue[i] < k - base) ++i;
    k = base + wheel_residue[i];
    if (k * p >= s_hi) return;
    // A level-2 counter takes many crossings in a row: they add up in a register (a subtraction
    // in memory per crossing would chain each one to the one before).
    std::uint64_t t = (k * p - lo_ - 1) / 2, block2 = t >> shift2, take2 = 0;
    auto cross = [&](std::uint64_t u) {
      std::uint64_t& word = bits_[u / 64];
      const std::uint64_t set = (word >> (u % 64)) & 1;
      word &= ~(std::uint64_t{1} << (u % 64));
      const std::uint64_t mask = 0 - set;
      level1_[u >> shift1] -= ((std::uint64_t{1} << 40) + u) & mask;
      if (u >> shift2 != block2) {
        flush(block2, take2);
        block2 = u >> shift2, take2 = 0;
      }
      take2 += ((std::uint64_t{1} << 40) + u) & mask;
    };
    // One at a time up to the wheel's start (k = 1 mod 30), then whole turns of 8 multiples with
    // fixed offsets (k - 1) / 2 p, then the rest one at a time.
    for (; i != 0 && t < nbits_; t += wheel_gap[i] / 2 * p, i = (i + 1) & 7) cross(t);
    if (i == 0) {
      for (; t + 14 * p < nbits_; t += 15 * p) {
        cross(t), cross(t + 3 * p), cross(t + 5 * p), cross(t + 6 * p);
        cross(t + 8 * p), cross(t + 9 * p), cross(t + 11 * p), cross(t + 14 * p);
      }
      for (; t < nbits_; t += wheel_gap[i] / 2 * p, i = (i + 1) & 7) cross(t);
    }
    flush(block2, take2);
  }

  /// phi_s over the whole segment.
  [[nodiscard]] u128 total() const { return value(count_, sum_); }

  /// Answers phi_s over [s_lo, v] for increasing v (one b's leaves); start() before each b.
  void start() { at2_ = at1_ = 0, c2_ = s2_ = acc1_ = 0; }
  [[nodiscard]] u128 upto(std::uint64_t v) {
    if (v <= lo_) return 0;  // s_lo is even: no odd number of the segment is <= v
    const std::uint64_t t = std::min((v - lo_ - 1) / 2, nbits_ - 1);
    const std::uint64_t j2 = t >> shift2;
    while (at2_ < j2) {
      c2_ += level2_[at2_] >> 40, s2_ += level2_[at2_] & mask40;
      ++at2_;
      at1_ = at2_ << 6, acc1_ = 0;
    }
    const std::uint64_t j1 = t >> shift1;
    while (at1_ < j1) acc1_ += level1_[at1_++];
    std::uint64_t c = c2_ + (acc1_ >> 40), s = s2_ + (acc1_ & mask40);
    const std::uint64_t w_last = t >> 6;
    for (std::uint64_t w = j1 * words1; w <= w_last; ++w) {
      const std::uint64_t bits =
          w == w_last ? bits_[w] & dr_detail::bits_through(t % 64) : bits_[w];
      const auto k = static_cast<std::uint64_t>(std::popcount(bits));
      c += k;
      s += k * 64 * w + position_sum(bits);
    }
    return value(c, s);
  }

 private:
  static constexpr unsigned shift1 = 8;           // level 1: 256 bits
  static constexpr unsigned shift2 = shift1 + 6;  // level 2: 64 level-1 blocks
  static constexpr std::uint64_t words1 = (std::uint64_t{1} << shift1) / 64;
  static constexpr std::uint64_t mask40 = (std::uint64_t{1} << 40) - 1;

  /// Takes what a run of crossings removed from one level-2 block off it and off the totals.
  void flush(std::uint64_t block2, std::uint64_t take2) {
    level2_[block2] -= take2;
    count_ -= take2 >> 40, sum_ -= take2 & mask40;
  }

  /// The sum of the numbers s_lo + 2t + 1 from a count and a sum of t.
  [[nodiscard]] u128 value(std::uint64_t count, std::uint64_t sum_t) const {
    return static_cast<u128>(count) * (lo_ + 1) + 2 * static_cast<u128>(sum_t);
  }

  std::vector<std::uint64_t> bits_;
  std::vector<std::uint64_t> level1_;  // per 256 bits: count << 40 | sum of t
  std::vector<std::uint64_t> level2_;  // per 16384 bits: count << 40 | sum of t
  std::uint64_t lo_ = 0, nbits_ = 0, n1_ = 0, n2_ = 0;
  std::uint64_t count_ = 0, sum_ = 0;  // what is left in the whole segment (sum of t < 2^42)
  std::uint64_t at2_ = 0, at1_ = 0, c2_ = 0, s2_ = 0, acc1_ = 0;  // upto()'s cursors
};

}  // namespace

dr_result dr_plan::impl::hard(std::uint64_t lo, std::uint64_t hi) const {
  if (lo % 128 != 0) throw std::invalid_argument("dr: a hard task must start at a multiple of 128");
  const std::uint32_t bmax = b_limit(lo);
  dr_result out;
  out.weights.assign(bmax + 1, 0);
  out.totals.assign(bmax + 1, 0);  // per b: phi_s over [lo, s_lo) so far, then the task's total
  std::vector<u128>& below = out.totals;
  segment_sieve seg(segment);
  for (std::uint64_t s_lo = lo; s_lo < hi; s_lo += segment) {
    const std::uint64_t s_hi = std::min(hi, s_lo + segment);
    seg.reset(s_lo, s_hi);
    // This segment's leaves have b <= b_limit(s_lo), and so do those of every segment above it
    // (b_limit falls as lo rises): phi_s here for a larger b is never read, so the primes beyond
    // are not crossed off.
    const std::uint32_t bseg = b_limit(s_lo);
    for (std::uint32_t b = c + 1; b <= bseg; ++b) {
      const std::uint64_t p = primes[b], xp = x / p;
      // The leaves x / (p m) in [s_lo, s_hi): m in (xp / s_hi, xp / s_lo], m > y / p, m > p.
      const std::uint64_t m_top = std::min(y, s_lo == 0 ? y : xp / s_lo);
      const std::uint64_t m_after = std::max({xp / s_hi, y / p, p});
      const std::uint64_t q_top = std::min(m_top, xp / p / p);  // a prime m is hard up to x / p^3
      u128 weights = 0;
      seg.start();
      if (m_top > m_after) {
        if (b + 2 <= a && std::uint64_t{primes[b + 1]} * primes[b + 2] <= y) {
          // Composite m too: every squarefree m with lpf(m) > p, from the factor table. The m
          // are picked a chunk at a time without a branch (about half are not leaves, in no
          // pattern a branch predictor could learn), then their leaves are summed.
          std::int64_t picked[256];  // -mu(m) m
          for (std::uint64_t m = (m_top - 1) | 1; m > m_after;) {
            std::size_t n = 0;
            for (std::size_t k = 0; k < 256 && m > m_after; ++k, m -= 2) {
              const std::int32_t e = factors[m];
              const auto f = static_cast<std::uint64_t>(std::abs(e));
              const auto sm = static_cast<std::int64_t>(m);
              picked[n] = e > 0 ? -sm : sm;
              n += static_cast<std::size_t>((e != 0) & (f > p) & ((f != m) | (m <= q_top)));
            }
            for (std::size_t k = 0; k < n; ++k) {
              const std::uint64_t mm = static_cast<std::uint64_t>(std::abs(picked[k]));
              const u128 w = picked[k] < 0 ? -u128{mm * p} : u128{mm * p};
              out.sum += w * (below[b] + seg.upto(xp / mm));
              weights += w;
            }
            out.leaves += n;
          }
        } else if (q_top > m_after) {
          // Only primes q: walk them down from q_top.
          auto it = std::upper_bound(primes.begin() + 1, primes.begin() + a + 1, q_top);
          for (--it; *it > m_after; --it) {
            const std::uint64_t q = *it;
            const u128 w = u128{q * p};
            out.sum += w * (below[b] + seg.upto(xp / q));
            weights += w;
            ++out.leaves;
          }
        }
      }
      out.weights[b] += weights;
      below[b] += seg.total();
      if (b < bseg) seg.cross_off(p);
    }
  }
  return out;
}

}  // namespace prime_sums
