#pragma once
// The pre-sieve: a segment starts as the AND of precomputed periodic patterns of the primes
// 7..103, instead of crossing off their many multiples one by one.

#include <cstddef>
#include <cstdint>

namespace prime_sums::sieve_detail {

/// dst[0, n) = the pre-sieved bytes starting at absolute wheel byte `at` (dst has 64 bytes of
/// slack past n). AVX2 where the CPU has it (see use_avx2).
void presieve_fill(std::uint8_t* dst, std::uint64_t at, std::size_t n);

}  // namespace prime_sums::sieve_detail
