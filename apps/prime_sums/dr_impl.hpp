#pragma once
// dr_plan's parameters and tables (dr.cpp builds them; dr.cpp and dr_hard.cpp run the tasks).

#include <cstdint>
#include <vector>

#include "dr.hpp"
#include "dr_tables.hpp"

namespace prime_sums {

struct dr_plan::impl {
  /// The first c = 6 primes (2..13) are handled by tiny_phi and the pre-sieve pattern.
  static constexpr std::uint32_t c = 6;
  /// Below this, dr sums a plain sieve: its parts would be smaller than their set-up.
  static constexpr std::uint64_t direct_below = 1024;
  /// Numbers per segment of the hard leaves' sieve (a multiple of 65536: one level-2 counter).
  static constexpr std::uint64_t max_segment = std::uint64_t{1} << 22;

  std::uint64_t x = 0;
  std::uint64_t y = 0;         ///< alpha x^(1/3), in [x^(1/3), sqrt(x)]
  std::uint64_t limit = 0;     ///< the prime table's limit: >= sqrt(x), limit + 1 divisible by 30
  std::uint64_t hard_end = 0;  ///< the hard leaves lie in [1, hard_end): x / (y + 1) + 1
  std::uint64_t segment = 0;   ///< numbers per segment of the hard leaves' sieve
  std::uint32_t a = 0;         ///< pi(y)
  std::uint32_t b_max = 0;     ///< the largest b with hard leaves
  bool direct = false;
  u128 direct_sum = 0;

  std::vector<std::uint32_t> primes;  ///< primes[b] = p_b for 1 <= b <= a; primes[0] = 0
  std::vector<std::uint64_t> psum;    ///< psum[b] = p_1 + ... + p_b (below 2^64: y < 2^31)
  std::vector<double> inverse;        ///< inverse[b] = 1 / p_b (fast x / p_b / q in easy())
  dr_detail::prime_table table;       ///< primes up to `limit`
  dr_detail::factor_table factors;    ///< mu and lpf of the odd n <= y
  const dr_detail::tiny_phi& phi6 = dr_detail::tiny_phi::get();

  impl(std::uint64_t x, double alpha);

  /// The largest b whose hard leaves can lie at or above `lo`: a hard leaf x / (p_b m) = v has
  /// m >= p_(b+1) > p_b, so p_b^2 < x / v.
  [[nodiscard]] std::uint32_t b_limit(std::uint64_t lo) const;

  [[nodiscard]] dr_result ordinary(std::uint64_t begin, std::uint64_t end) const;
  [[nodiscard]] dr_result easy(std::uint64_t b_begin, std::uint64_t b_end) const;
  [[nodiscard]] dr_result p2(std::uint64_t byte_begin, std::uint64_t byte_end) const;
  [[nodiscard]] dr_result hard(std::uint64_t lo, std::uint64_t hi) const;  // dr_hard.cpp
};

}  // namespace prime_sums
