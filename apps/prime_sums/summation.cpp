#include "summation.hpp"

#include "wheel.hpp"

namespace prime_sums {

namespace sieve_detail {

namespace {
bool force_scalar = false;
}  // namespace

byte_sums sum_bytes_scalar(const std::uint8_t* s, std::size_t n) {
  byte_sums r;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t v = s[i];
    r.count += byte_count[v];
    r.weighted += i * byte_count[v];
    r.offsets += byte_offsets[v];
  }
  return r;
}

bool use_avx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has && !force_scalar;
}

byte_sums sum_bytes(const std::uint8_t* s, std::size_t n) {
  return use_avx2() ? sum_bytes_avx2(s, n) : sum_bytes_scalar(s, n);
}

}  // namespace sieve_detail

const char* sieve_kernel_name() {
  return sieve_detail::use_avx2() ? "avx2" : "scalar";
}

bool sieve_force_scalar(bool force) {
  const bool old = sieve_detail::force_scalar;
  sieve_detail::force_scalar = force;
  return old;
}

}  // namespace prime_sums
