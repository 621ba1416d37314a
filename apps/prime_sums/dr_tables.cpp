// dr's tables: the pre-sieve pattern, the prime table up to sqrt(x), the factor table up to y
// and phi_s(v, 6) by periodicity (dr_tables.hpp).

#include "dr_tables.hpp"

#include <algorithm>
#include <climits>
#include <numeric>

namespace prime_sums::dr_detail {

const std::vector<std::uint64_t>& presieve_pattern() {
  static const std::vector<std::uint64_t> pattern = [] {
    std::vector<std::uint64_t> p(pattern_words, 0);
    for (std::uint64_t g = 0; g < 64 * pattern_words; ++g) {
      const std::uint64_t n = 2 * g + 1;
      if (n % 3 && n % 5 && n % 7 && n % 11 && n % 13) p[g / 64] |= std::uint64_t{1} << (g % 64);
    }
    return p;
  }();
  return pattern;
}

prime_table::prime_table(std::uint64_t limit) : limit_(limit) {
  const std::uint64_t words = limit / 128 + 1;
  std::vector<std::uint64_t> bits(words);
  const std::vector<std::uint64_t>& pattern = presieve_pattern();
  for (std::uint64_t w = 0; w < words; ++w) bits[w] = pattern[w % pattern_words];
  bits[0] &= ~std::uint64_t{1};  // 1 is not prime
  bits[0] |= 0b1101110;          // 3, 5, 7, 11, 13 are (bits 1, 2, 3, 5, 6)
  // Cross off the odd multiples of the primes 17..sqrt(limit), a segment of words at a time so
  // that the words stay in cache while every prime passes over them.
  const auto root = static_cast<std::uint32_t>(isqrt(limit));
  const std::vector<std::uint32_t> primes = primes_up_to(root);
  std::vector<std::uint64_t> next(primes.size());  // the next odd index g (n = 2g + 1) to cross
  for (std::size_t k = 0; k < primes.size(); ++k)
    next[k] = std::uint64_t{primes[k]} * primes[k] / 2;
  constexpr std::uint64_t seg_words = 1 << 15;  // 256 KiB of bits
  for (std::uint64_t w0 = 0; w0 < words; w0 += seg_words) {
    const std::uint64_t g_end = std::min(w0 + seg_words, words) * 64;
    for (std::size_t k = 0; k < primes.size(); ++k) {
      const std::uint64_t p = primes[k];
      if (p < 17) continue;
      std::uint64_t g = next[k];
      for (; g < g_end; g += p) bits[g / 64] &= ~(std::uint64_t{1} << (g % 64));
      next[k] = g;
    }
  }
  // Nothing above the limit: keep the bits i of the last word with 128 w + 2 i + 1 <= limit.
  const unsigned r = static_cast<unsigned>(limit % 128);
  bits[words - 1] &= r == 0 ? 0 : bits_through((r - 1) / 2);
  words_.resize(words);
  std::uint64_t run = limit >= 2 ? 2 : 0;
  for (std::uint64_t w = 0; w < words; ++w) {
    words_[w] = {bits[w], run};
    run += static_cast<std::uint64_t>(std::popcount(bits[w])) * (128 * w + 1) +
           2 * position_sum(bits[w]);
  }
}

void prime_table::add_counts(std::uint64_t upto) {
  const std::uint64_t words = std::min(upto, limit_) / 128 + 1;
  counts_.resize(words);
  std::uint32_t run = limit_ >= 2 ? 1 : 0;
  for (std::uint64_t w = 0; w < words; ++w) {
    counts_[w] = run;
    run += static_cast<std::uint32_t>(std::popcount(words_[w].bits));
  }
}

std::uint64_t prime_table::prev_prime(std::uint64_t v) const {
  if (v == 2) return 2;
  if (v % 2 == 0) --v;
  const std::uint64_t g = v / 2;
  std::uint64_t w = g / 64;
  std::uint64_t bits = words_[w].bits & bits_through(static_cast<unsigned>(g % 64));
  while (bits == 0) {
    if (w == 0) return 2;
    bits = words_[--w].bits;
  }
  return 128 * w + 2 * static_cast<std::uint64_t>(63 - std::countl_zero(bits)) + 1;
}

std::uint64_t prime_table::next_prime(std::uint64_t v) const {
  if (v < 2) return 2;
  const std::uint64_t g = (v + 1) / 2;  // the first odd number > v is 2g + 1
  if (2 * g + 1 > limit_) return 0;
  std::uint64_t w = g / 64;
  std::uint64_t bits = words_[w].bits & ~(bits_through(static_cast<unsigned>(g % 64)) >> 1);
  while (bits == 0) {
    if (++w == words_.size()) return 0;
    bits = words_[w].bits;
  }
  return 128 * w + 2 * static_cast<std::uint64_t>(std::countr_zero(bits)) + 1;
}

factor_table::factor_table(std::uint64_t limit) : v_(limit / 2 + 1, 1) {
  // v_[n / 2] for odd n: start at mu = 1 with no factor (lpf 0 stands for "none yet"), then every
  // odd prime flips the sign of its multiples, zeroes the multiples of its square, and sets the
  // least prime factor of the multiples that have none yet. Kept apart: sign and lpf.
  std::vector<std::uint32_t> lpf(v_.size(), 0);
  for (std::uint64_t p = 3; p <= limit; p += 2) {
    if (lpf[p / 2] != 0) continue;  // composite
    for (std::uint64_t m = p; m <= limit; m += 2 * p) {
      if (lpf[m / 2] == 0) lpf[m / 2] = static_cast<std::uint32_t>(p);
      v_[m / 2] = -v_[m / 2];
    }
    if (p * p <= limit)
      for (std::uint64_t m = p * p; m <= limit; m += 2 * p * p) v_[m / 2] = 0;
  }
  for (std::size_t i = 0; i < v_.size(); ++i) {
    if (v_[i] == 0) continue;
    const std::int32_t f = i == 0 ? INT32_MAX : static_cast<std::int32_t>(lpf[i]);
    v_[i] = v_[i] > 0 ? f : -f;
  }
}

const tiny_phi& tiny_phi::get() {
  static const tiny_phi table;
  return table;
}

tiny_phi::tiny_phi() : count_(Q), sum_(Q) {
  std::uint32_t c = 0, s = 0;
  for (std::uint64_t r = 0; r < Q; ++r) {
    if (r > 0 && std::gcd(r, Q) == 1) {
      ++c;
      s += static_cast<std::uint32_t>(r);
    }
    count_[r] = c;
    sum_[r] = s;
  }
}

}  // namespace prime_sums::dr_detail
