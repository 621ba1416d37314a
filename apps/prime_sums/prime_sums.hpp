#pragma once
// prime_sums kernels: sums of the primes <= N by trial division (the seed's is_prime), by a
// segmented mod-30 wheel sieve, and by Lucy_Hedgehog's sub-linear method. Everything here is
// single-process; the distribution over MPI ranks is in driver.hpp.

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace prime_sums {

__extension__ using u128 = unsigned __int128;

// ---- 128-bit decimal text ----------------------------------------------------------------------

/// The decimal digits of `v`, exactly.
[[nodiscard]] std::string to_string(u128 v);
/// Parses a plain decimal integer below 2^128; throws std::invalid_argument otherwise.
[[nodiscard]] u128 parse_u128(std::string_view text);

// ---- trial division ----------------------------------------------------------------------------

/// The seed's is_prime: 2 and 3, then divisors 5, 7, 11, 13, ... (6k +- 1) up to sqrt(n).
/// Adds the number of loop iterations (each one or two divisions) to *steps when given.
[[nodiscard]] bool is_prime_trial(std::uint64_t n, std::uint64_t* steps = nullptr);

/// Sum of the primes in [lo, hi] (inclusive) by trial division; adds its steps to *steps.
[[nodiscard]] u128 trial_sum_range(std::uint64_t lo, std::uint64_t hi,
                                   std::uint64_t* steps = nullptr);

// ---- segmented sieve ---------------------------------------------------------------------------

// The sieve works on a bit array over the mod-30 wheel: byte b stands for the 30 numbers
// [30b, 30b + 30), of which its 8 bits are those coprime to 30 (30b + 1, 7, 11, 13, 17, 19, 23,
// 29). All numbers up to N lie in bytes [0, sieve_bytes(N)).

/// The number of wheel bytes that hold the numbers 0..max_n: floor(max_n / 30) + 1.
[[nodiscard]] constexpr std::uint64_t sieve_bytes(std::uint64_t max_n) {
  return max_n / 30 + 1;
}

/// Called now and then with the fraction of the block done (0..1).
using progress_fn = std::function<void(double fraction)>;

/// What one block of the sieve found.
struct sieve_result {
  std::vector<u128> sums;      ///< per N: the sum of the primes <= N that lie in the block
  std::uint64_t primes = 0;    ///< primes found in the block (<= max N)
  std::uint64_t segments = 0;  ///< segments sieved
};

/// Sieves wheel bytes [byte_begin, byte_end), i.e. the numbers [30 byte_begin, 30 byte_end), and
/// returns, for each N of `sorted_ns` (ascending), the sum of the primes <= N in that block.
/// Blocks that tile [0, sieve_bytes(max N)) give partial sums that add up to the whole.
[[nodiscard]] sieve_result sieve_block(std::span<const std::uint64_t> sorted_ns,
                                       std::uint64_t byte_begin, std::uint64_t byte_end,
                                       const progress_fn& progress = {});

/// Cut points 0 = c_0 <= c_1 <= ... <= c_parts = sieve_bytes(max_n) of blocks of equal estimated
/// work (the work per byte grows along the range; see sieve.cpp). Rank r sieves [c_r, c_r+1).
[[nodiscard]] std::vector<std::uint64_t> sieve_split(std::uint64_t max_n, std::uint64_t parts);

/// Sums of the primes <= each N (any order) with one sieve pass on this process.
[[nodiscard]] std::vector<u128> sieve_sums(std::span<const std::uint64_t> ns);

/// The primes <= limit (limit < 2^32), by a simple segmented sieve of the odd numbers.
[[nodiscard]] std::vector<std::uint32_t> primes_up_to(std::uint32_t limit);

/// Which summation kernel the sieve uses on this CPU ("avx2" or "scalar").
[[nodiscard]] const char* sieve_kernel_name();
/// Forces the portable scalar kernels (for tests that compare the two); returns the old setting.
bool sieve_force_scalar(bool force);

// ---- Lucy_Hedgehog -----------------------------------------------------------------------------

/// Sum of the primes <= n by Lucy_Hedgehog's method: O(n^(3/4)) time, O(n^(1/2)) memory (32
/// bytes per entry of the two tables of floor(n/i) values). Exact for every n < 2^64 that fits in
/// memory.
[[nodiscard]] u128 lucy_sum(std::uint64_t n);

/// Bytes of memory that lucy_sum(n) allocates.
[[nodiscard]] std::uint64_t lucy_memory_bytes(std::uint64_t n);

/// floor(sqrt(n)), exactly.
[[nodiscard]] std::uint64_t isqrt(std::uint64_t n);

}  // namespace prime_sums
