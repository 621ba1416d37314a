// 128-bit decimal text, integer square roots, and the seed's trial division.

#include <cmath>
#include <stdexcept>
#include <string>

#include "prime_sums.hpp"

namespace prime_sums {

std::string to_string(u128 v) {
  if (v == 0) return "0";
  char buf[40];
  int i = 40;
  while (v != 0) {
    buf[--i] = static_cast<char>('0' + static_cast<int>(v % 10));
    v /= 10;
  }
  return {buf + i, buf + 40};
}

u128 parse_u128(std::string_view text) {
  if (text.empty()) throw std::invalid_argument("parse_u128: empty text");
  const u128 max = ~u128{0};
  u128 v = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      throw std::invalid_argument("parse_u128: not a decimal integer: " + std::string(text));
    const auto d = static_cast<unsigned>(c - '0');
    if (v > (max - d) / 10)
      throw std::invalid_argument("parse_u128: too large: " + std::string(text));
    v = v * 10 + d;
  }
  return v;
}

std::uint64_t isqrt(std::uint64_t n) {
  auto r = static_cast<std::uint64_t>(std::sqrt(static_cast<double>(n)));
  while (static_cast<u128>(r) * r > n) --r;
  while (static_cast<u128>(r + 1) * (r + 1) <= n) ++r;
  return r;
}

bool is_prime_trial(std::uint64_t n, std::uint64_t* steps) {
  if (n <= 1) return false;
  if (n <= 3) return true;
  if (n % 2 == 0 || n % 3 == 0) return false;
  // The seed's loop: while i*i <= n, try i and i + 2, then i += 6. (The bound is taken once, as
  // isqrt(n), so that i*i cannot overflow near 2^64.)
  const std::uint64_t root = isqrt(n);
  std::uint64_t count = 0;
  bool prime = true;
  for (std::uint64_t i = 5; i <= root; i += 6) {
    ++count;
    if (n % i == 0 || n % (i + 2) == 0) {
      prime = false;
      break;
    }
  }
  if (steps) *steps += count;
  return prime;
}

u128 trial_sum_range(std::uint64_t lo, std::uint64_t hi, std::uint64_t* steps) {
  u128 sum = 0;
  if (lo > hi) return sum;
  for (std::uint64_t x = lo;; ++x) {
    if (is_prime_trial(x, steps)) sum += x;
    if (x == hi) break;
  }
  return sum;
}

}  // namespace prime_sums
