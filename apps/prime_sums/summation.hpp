#pragma once
// Summing the primes a segment left standing: a branch-free table kernel (AVX2 nibble look-ups
// and sums of absolute differences where the CPU has them, in summation_avx2.cpp):
// sum = 30 * sum(byte index * popcount) + sum(offsets of the set bits).

#include <cstddef>
#include <cstdint>

#include "prime_sums.hpp"

namespace prime_sums::sieve_detail {

/// For bytes s[0, n): count = number of set bits, weighted = sum of i * popcount(s[i]),
/// offsets = sum of the residues of the set bits. The numbers they stand for (byte i at absolute
/// index base + i) sum to 30 * (base * count + weighted) + offsets.
struct byte_sums {
  std::uint64_t count = 0;
  std::uint64_t weighted = 0;
  std::uint64_t offsets = 0;
};

/// True when the sieve's kernels (pre-sieve and summation) use AVX2: the CPU has it and
/// sieve_force_scalar has not turned it off.
[[nodiscard]] bool use_avx2();

/// The sums of the set bits of s[0, n), by the kernel use_avx2() picks.
[[nodiscard]] byte_sums sum_bytes(const std::uint8_t* s, std::size_t n);

/// The portable kernel.
[[nodiscard]] byte_sums sum_bytes_scalar(const std::uint8_t* s, std::size_t n);
/// The AVX2 kernel (call only where the CPU has AVX2).
[[nodiscard]] byte_sums sum_bytes_avx2(const std::uint8_t* s, std::size_t n);

/// 30 * (base * count + weighted) + offsets, in 128 bits: the sum of the numbers that the bytes
/// summed into `b` stand for, the first byte being wheel byte `base`.
[[nodiscard]] inline u128 value_of(const byte_sums& b, std::uint64_t base) {
  return 30 * (static_cast<u128>(base) * b.count + b.weighted) + b.offsets;
}

}  // namespace prime_sums::sieve_detail
