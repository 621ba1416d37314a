// Lucy_Hedgehog's prime sums: S(v) = sum of the primes <= v, for every v of the form floor(n/i).
//
// Start from S(v) = 2 + 3 + ... + v (every number "is prime") and, for each prime p <= sqrt(n),
// remove the numbers whose smallest prime factor is p:
//     S(v) -= p * (S(v / p) - S(p - 1))      for every v >= p^2, from the largest v down,
// where S(v / p) is still the value before p's step (it counts the survivors of the sieve by the
// primes below p, times p). The values v are the n / i for i <= sqrt(n) ("large") and 1..sqrt(n)
// ("small"): 2 sqrt(n) entries of 128 bits, and about n^(3/4) / log(n) updates in all.

#include <algorithm>
#include <vector>

#include "prime_sums.hpp"

namespace prime_sums {

namespace {
/// The sum of the odd numbers 3, 5, ..., up to v (0 for v < 3): ((v + 1) / 2)^2 - 1.
u128 sum_odd_3_to(std::uint64_t v) {
  if (v < 3) return 0;
  const u128 k = (static_cast<u128>(v) + 1) / 2;
  return k * k - 1;
}
}  // namespace

std::uint64_t lucy_memory_bytes(std::uint64_t n) {
  const std::uint64_t r = isqrt(n);
  return (r + 1) + (r / 2 + 1) * (sizeof(u128) + sizeof(double) + sizeof(std::uint64_t) +
                                  sizeof(std::uint32_t));
}

u128 lucy_sum(std::uint64_t n) {
  if (n < 3) return n == 2 ? 2 : 0;
  const std::uint64_t r = isqrt(n);
  // Only the odd primes are sieved (2 is added at the end), so S(v) changes only at odd v and
  // the small table keeps odd v alone: odd[h] = S(2h + 1), and S(v) = odd[(v - 1) / 2] for any
  // v >= 1 (an even v has the same sum as v - 1). S(v) for v <= sqrt(n) stays below v^2 / 2 <
  // 2^63, so 64 bits suffice. S(n / i) (odd i: n / i for even i is never read) needs 128 bits.
  // inv[i] = 1 / i turns the divisions n / (i p) into multiplications (with an exact correction).
  const std::uint64_t half = (r - 1) / 2;  // odd[0..half] covers the odd v <= r
  std::vector<std::uint64_t> odd(half + 1);
  std::vector<u128> large(half + 1);  // large[(i - 1) / 2] = S(n / i) for odd i
  std::vector<double> inv(half + 1);
  for (std::uint64_t h = 0; h <= half; ++h)
    odd[h] = static_cast<std::uint64_t>(sum_odd_3_to(2 * h + 1));
  for (std::uint64_t i = 1; i <= r; i += 2) {
    large[i / 2] = sum_odd_3_to(n / i);
    inv[i / 2] = 1.0 / static_cast<double>(i);
  }
  // Only large[i] for "rough" i (no prime factor below the current p) is ever read again: the
  // update of large[i] at p reads large[i p], and i p is rough for p. So the large entries are
  // walked through a shrinking list of rough i, which also stops at n / p^2 (beyond it, S(n / i)
  // no longer changes). skip[i] marks the odd multiples of the primes done so far.
  std::vector<std::uint32_t> rough;
  rough.reserve(half + 1);
  for (std::uint64_t i = 1; i <= r; i += 2) rough.push_back(static_cast<std::uint32_t>(i));
  std::vector<std::uint8_t> skip(r + 1, 0);
  // Exact below 2^52: the estimate is within 1 of floor(a / i), and the remainder corrects it.
  const bool use_inv = n < (std::uint64_t{1} << 52);

  for (std::uint64_t p = 3; p <= r; p += 2) {
    const std::uint64_t hp = (p - 1) / 2;
    if (odd[hp] == odd[hp - 1]) continue;  // p is not prime
    const std::uint64_t sp = odd[hp - 1];  // S(p - 1) = S(p - 2)
    const std::uint64_t p2 = p * p;
    const std::uint64_t bound = std::min(r, n / p2);  // large values n / i >= p^2
    for (std::uint64_t m = p; m <= bound; m += 2 * p) skip[m] = 1;
    const std::uint64_t direct = r / p;  // i p <= r: S(n / (i p)) is large[i p]
    const std::uint64_t np = n / p;      // floor(n / (i p)) = floor(floor(n / p) / i)
    const u128 sp128 = sp;
    std::size_t kept = 0, k = 0;
    const std::size_t size = rough.size();
    for (; k < size && rough[k] <= std::min(bound, direct); ++k) {
      const std::uint64_t i = rough[k];
      if (skip[i]) continue;
      large[i / 2] -= p * (large[i * p / 2] - sp128);
      rough[kept++] = static_cast<std::uint32_t>(i);
    }
    if (use_inv) {
      const auto npd = static_cast<double>(np);
      for (; k < size && rough[k] <= bound; ++k) {
        const std::uint64_t i = rough[k];
        if (skip[i]) continue;
        auto j = static_cast<std::int64_t>(npd * inv[i / 2]);
        const auto rem = static_cast<std::int64_t>(np) - j * static_cast<std::int64_t>(i);
        j += (rem >= static_cast<std::int64_t>(i)) - (rem < 0);
        large[i / 2] -= static_cast<u128>(p) * (odd[static_cast<std::uint64_t>(j - 1) / 2] - sp);
        rough[kept++] = static_cast<std::uint32_t>(i);
      }
    } else {
      for (; k < size && rough[k] <= bound; ++k) {
        const std::uint64_t i = rough[k];
        if (skip[i]) continue;
        large[i / 2] -= static_cast<u128>(p) * (odd[(np / i - 1) / 2] - sp);
        rough[kept++] = static_cast<std::uint32_t>(i);
      }
    }
    rough.resize(kept);  // the rough i beyond the bound are final
    // Small odd values v >= p^2, from the top down; the odd v in [j p, j p + p) share v / p = j.
    if (p2 <= r) {
      std::uint64_t h = half;  // the current odd v = 2h + 1, descending
      for (std::uint64_t j = r / p; j >= p; --j) {
        const std::uint64_t t = p * (odd[(j - 1) / 2] - sp);
        const std::uint64_t lo = j * p;
        for (; 2 * h + 1 >= lo; --h) odd[h] -= t;  // stops at v = p^2 > 1, so h stays > 0
      }
    }
  }
  return large[0] + 2;
}

}  // namespace prime_sums
