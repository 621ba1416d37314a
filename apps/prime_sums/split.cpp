// ---- splitting the range by work ----------------------------------------------------------------
// The work per wheel byte grows along the range: at number v every sieving prime p <= sqrt(v)
// crosses off 8/p of the bytes, and the primes past the L1 limit cost more per hit (their hits go
// to L2). With equal blocks the first rank finishes early (at 1e10 on 2 ranks by about 15%), so
// the ranks get blocks of equal estimated work instead. The weights were measured on the
// development machine (AMD EPYC): a hit in L2 costs about 1.9 hits in L1, a bucket hit about 3,
// and the pre-sieve, the summation and the per-chunk loop overheads about 1 hit per byte.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "prime_sums.hpp"
#include "wheel.hpp"

namespace prime_sums {

using namespace sieve_detail;

namespace {
constexpr double cost_per_byte = 1.0;
constexpr double cost_medium_hit = 1.9;
constexpr double cost_bucket_hit = 3.0;

/// Sum over the primes p in (lo, hi] of 8/p, by Mertens: 8 ln(ln hi / ln lo).
double hits_between(double lo, double hi) {
  return hi > lo ? 8 * std::log(std::log(hi) / std::log(lo)) : 0;
}

/// Estimated work per wheel byte at number v, for sieving primes up to sqrt(max_n).
double work_density(double v, double root_max) {
  const double y = std::min(std::sqrt(v), root_max);
  const double lo = presieve_max, l1 = static_cast<double>(small_limit),
               l2 = static_cast<double>(medium_limit);
  return cost_per_byte + hits_between(lo, std::min(y, l1)) +
         cost_medium_hit * hits_between(l1, std::min(y, l2)) +
         cost_bucket_hit * hits_between(l2, y);
}
}  // namespace

std::vector<std::uint64_t> sieve_split(std::uint64_t max_n, std::uint64_t parts) {
  const std::uint64_t bytes = sieve_bytes(max_n);
  std::vector<std::uint64_t> cuts(parts + 1, bytes);
  cuts[0] = 0;
  constexpr std::size_t grid = 4096;
  if (parts == 0 || bytes < 64 * parts || bytes < grid) {
    for (std::uint64_t k = 0; k <= parts; ++k)
      cuts[k] = bytes / std::max<std::uint64_t>(parts, 1) * k +
                std::min(k, bytes % std::max<std::uint64_t>(parts, 1));
    return cuts;
  }
  // Cumulative work on a uniform grid of the bytes (trapezoids), then linear interpolation.
  const double root_max = std::sqrt(static_cast<double>(max_n));
  const double step = static_cast<double>(bytes) / grid;
  std::vector<double> cumulative(grid + 1, 0.0);
  double prev = work_density(0, root_max);
  for (std::size_t i = 1; i <= grid; ++i) {
    const double d = work_density(30 * step * static_cast<double>(i), root_max);
    cumulative[i] = cumulative[i - 1] + 0.5 * (prev + d) * step;
    prev = d;
  }
  std::size_t at = 0;
  for (std::uint64_t k = 1; k < parts; ++k) {
    const double target = cumulative[grid] * static_cast<double>(k) / static_cast<double>(parts);
    while (at < grid && cumulative[at + 1] < target) ++at;
    const double f =
        (target - cumulative[at]) / std::max(cumulative[at + 1] - cumulative[at], 1e-300);
    const auto cut = static_cast<std::uint64_t>((static_cast<double>(at) + f) * step);
    cuts[k] = std::clamp(cut, cuts[k - 1], bytes);
  }
  return cuts;
}

}  // namespace prime_sums
