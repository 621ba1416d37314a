#pragma once
// The tables that dr's tasks read (dr.cpp, dr_hard.cpp): all built once per x on every rank and
// read only afterwards, so any number of tasks may use them at once.

#include <bit>
#include <cstdint>
#include <vector>

#include "prime_sums.hpp"

namespace prime_sums::dr_detail {

/// Odd numbers as bits, 64 to a word: word w holds 128 w + 2 i + 1 at bit i (the same layout in
/// the prime table and in the hard leaves' sieve, relative to its segment).
/// Masks of the bit positions i that have bit k set: sum of the positions of the set bits of v =
/// sum over k of 2^k popcount(v & position_mask[k]).
inline constexpr std::uint64_t position_mask[6] = {0xAAAAAAAAAAAAAAAAull, 0xCCCCCCCCCCCCCCCCull,
                                                   0xF0F0F0F0F0F0F0F0ull, 0xFF00FF00FF00FF00ull,
                                                   0xFFFF0000FFFF0000ull, 0xFFFFFFFF00000000ull};

/// The sum of the positions (0..63) of the set bits of v.
inline std::uint64_t position_sum(std::uint64_t v) {
  std::uint64_t s = 0;
  for (int k = 0; k < 6; ++k)
    s += static_cast<std::uint64_t>(std::popcount(v & position_mask[k])) << k;
  return s;
}

/// Bits 0..i of a word.
inline std::uint64_t bits_through(unsigned i) {
  return i >= 63 ? ~std::uint64_t{0} : (std::uint64_t{2} << i) - 1;
}

/// The odd numbers coprime to 3, 5, 7, 11 and 13 as words of the layout above: word k of the
/// pattern is word k mod 15015 of the numbers from 0 (15015 = 3 5 7 11 13, odd, so the pattern of
/// 15015 words repeats exactly). 1 is kept, the primes 3..13 themselves are crossed off.
const std::vector<std::uint64_t>& presieve_pattern();
inline constexpr std::uint64_t pattern_words = 15015;

/// Sum and count of the primes up to a limit, and the primes' neighbours, from one bit per odd
/// number and the sum of the primes below each word: 16 bytes per 128 numbers.
class prime_table {
 public:
  prime_table() = default;
  /// Covers 0..limit (limit < 2^33).
  explicit prime_table(std::uint64_t limit);

  [[nodiscard]] std::uint64_t limit() const { return limit_; }
  /// The sum of the primes <= v (v <= limit). Below 2^33, that sum is below 2^64.
  [[nodiscard]] std::uint64_t sum(std::uint64_t v) const {
    if (v < 2) return 0;
    const std::uint64_t g = (v - 1) / 2;  // the largest odd number <= v is 2 g + 1
    const std::uint64_t w = g / 64;
    const entry& e = words_[w];
    const std::uint64_t bits = e.bits & (~std::uint64_t{0} >> (63 - g % 64));
    return e.before + static_cast<std::uint64_t>(std::popcount(bits)) * (128 * w + 1) +
           2 * position_sum(bits);
  }
  /// Builds what count() reads, for v <= upto (<= limit): 4 bytes per 128 numbers.
  void add_counts(std::uint64_t upto);
  /// pi(v), the number of primes <= v, for v <= add_counts' upto.
  [[nodiscard]] std::uint32_t count(std::uint64_t v) const {
    if (v < 2) return 0;
    const std::uint64_t g = (v - 1) / 2;
    const std::uint64_t bits = words_[g / 64].bits & (~std::uint64_t{0} >> (63 - g % 64));
    return counts_[g / 64] + static_cast<std::uint32_t>(std::popcount(bits));
  }
  /// The largest prime <= v (2 <= v <= limit).
  [[nodiscard]] std::uint64_t prev_prime(std::uint64_t v) const;
  /// The smallest prime > v, or 0 when there is none up to the limit.
  [[nodiscard]] std::uint64_t next_prime(std::uint64_t v) const;
  [[nodiscard]] std::uint64_t bytes() const {
    return sizeof(entry) * words_.size() + 4 * counts_.size();
  }

 private:
  struct entry {
    std::uint64_t bits;    // bit i: 128 w + 2 i + 1 is prime (and <= limit)
    std::uint64_t before;  // the sum of the primes < 128 w (2 included)
  };
  std::uint64_t limit_ = 0;
  std::vector<entry> words_;           // one look-up touches one 16-byte entry
  std::vector<std::uint32_t> counts_;  // the primes < 128 w (2 included), up to add_counts' upto
};

/// mu and the least prime factor of the odd n <= limit, in one int32: 0 when n is not squarefree,
/// else mu(n) * lpf(n), with lpf(1) = INT32_MAX (1 has no prime factor, so it is "rough" for all).
class factor_table {
 public:
  factor_table() = default;
  explicit factor_table(std::uint64_t limit);  // limit < 2^31
  [[nodiscard]] std::int32_t operator[](std::uint64_t odd_n) const { return v_[odd_n / 2]; }
  [[nodiscard]] std::uint64_t bytes() const { return 4 * v_.size(); }

 private:
  std::vector<std::int32_t> v_;
};

/// phi_s(v, 6): the sum of the n <= v coprime to 2, 3, 5, 7, 11, 13 (1 included), mod 2^128, in
/// O(1) from the period Q = 30030: the coprime residues of [kQ + 1, kQ + Q] sum to
/// k Q phi(Q) + Q phi(Q) / 2, so the periods below v = qQ + r add up to (Q / 2) phi(Q) q^2.
class tiny_phi {
 public:
  static constexpr std::uint64_t Q = 30030;
  static constexpr std::uint64_t phi_Q = 5760;
  /// The one table (built on first use, thread-safe).
  static const tiny_phi& get();
  [[nodiscard]] u128 operator()(std::uint64_t v) const {
    const std::uint64_t q = v / Q, r = v % Q;
    const u128 q128 = q;
    return u128{Q / 2 * phi_Q} * q128 * q128 + q128 * Q * count_[r] + sum_[r];
  }

 private:
  tiny_phi();
  std::vector<std::uint32_t> count_, sum_;  // over the coprime k in [1, r]
};

}  // namespace prime_sums::dr_detail
