#pragma once
// The sieve's mod-30 wheel: byte b of the bit array holds the numbers 30b + {1, 7, 11, 13, 17,
// 19, 23, 29}, one bit each (a byte covers 30 numbers, so the array is 1/30 of the range). Its
// tables, and the tuning constants of the stages (see sieve.cpp for the stages).

#include <array>
#include <cstdint>

namespace prime_sums::sieve_detail {

// ---- the wheel ---------------------------------------------------------------------------------

inline constexpr std::array<std::uint32_t, 8> wheel = {1, 7, 11, 13, 17, 19, 23, 29};

/// Bit index of a residue mod 30 that is coprime to 30 (-1 for the others).
inline constexpr std::array<int, 30> bit_of = [] {
  std::array<int, 30> b{};
  b.fill(-1);
  for (int i = 0; i < 8; ++i) b[wheel[i]] = i;
  return b;
}();

/// For a residue r mod 30: how far to the next residue coprime to 30 (>= r), and its wheel index.
struct wheel_next {
  std::uint8_t add;
  std::uint8_t index;
};
inline constexpr std::array<wheel_next, 30> next_coprime = [] {
  std::array<wheel_next, 30> t{};
  for (int r = 0; r < 30; ++r) {
    int d = 0;
    while (bit_of[(r + d) % 30] < 0) ++d;
    t[r] = {static_cast<std::uint8_t>(d), static_cast<std::uint8_t>(bit_of[(r + d) % 30])};
  }
  return t;
}();

/// Bits of a byte that stand for numbers 30b + r' with r' <= r (r = 0..29).
inline constexpr std::array<std::uint8_t, 30> mask_upto = [] {
  std::array<std::uint8_t, 30> t{};
  for (int r = 0; r < 30; ++r) {
    unsigned m = 0;
    for (int i = 0; i < 8; ++i)
      if (static_cast<int>(wheel[i]) <= r) m |= 1u << i;
    t[r] = static_cast<std::uint8_t>(m);
  }
  return t;
}();

/// Per byte value: the number of set bits, and the sum of the residues of the set bits.
inline constexpr std::array<std::uint8_t, 256> byte_count = [] {
  std::array<std::uint8_t, 256> t{};
  for (int v = 0; v < 256; ++v)
    for (int i = 0; i < 8; ++i) t[v] = static_cast<std::uint8_t>(t[v] + ((v >> i) & 1));
  return t;
}();
inline constexpr std::array<std::uint8_t, 256> byte_offsets = [] {
  std::array<std::uint8_t, 256> t{};
  for (int v = 0; v < 256; ++v)
    for (int i = 0; i < 8; ++i)
      if ((v >> i) & 1) t[v] = static_cast<std::uint8_t>(t[v] + wheel[i]);
  return t;
}();

/// Step table for one multiple at a time: for wheel state w = class * 8 + k (class: p mod 30 as a
/// wheel index; k: the wheel index of the cofactor m), crossing off p*m clears `mask` and the
/// next multiple is dq * q + dc bytes further (q = p / 30), in state `next`.
struct wheel_step {
  std::uint8_t mask;  // AND mask
  std::uint8_t dq;
  std::uint8_t dc;
  std::uint8_t next;
};
inline constexpr std::array<wheel_step, 64> steps = [] {
  std::array<wheel_step, 64> t{};
  for (int c = 0; c < 8; ++c) {
    const int a = static_cast<int>(wheel[c]);
    for (int k = 0; k < 8; ++k) {
      const int r = static_cast<int>(wheel[k]);
      const int r_next = k == 7 ? 31 : static_cast<int>(wheel[k + 1]);
      // p*m = 30*q*m + a*m; byte = q*m + (a*m)/30.
      t[c * 8 + k] = {static_cast<std::uint8_t>(~(1u << bit_of[(a * r) % 30])),
                      static_cast<std::uint8_t>(r_next - r),
                      static_cast<std::uint8_t>((a * r_next) / 30 - (a * r) / 30),
                      static_cast<std::uint8_t>(c * 8 + (k + 1) % 8)};
    }
  }
  return t;
}();

// ---- tuning ----------------------------------------------------------------------------------
// Measured with perf on the development machine (AMD EPYC: 32 KiB L1d, 512 KiB L2 per core).

/// Bytes per segment: half of L2 (7.9 million numbers), so that the segment and the bucket
/// lists stay in L2. 128 KiB and 512 KiB measured the same within noise; 32 KiB was slower
/// (many more visits to each medium prime).
inline constexpr std::uint64_t seg_bytes = 1u << 18;
/// Bytes per chunk for the small primes: the L1 data cache.
inline constexpr std::uint64_t chunk_bytes = 1u << 15;
/// Primes below small_limit cross off per L1 chunk (at least 4 wheel turns per chunk, so the
/// per-call overhead is amortized; chunk / 2 and chunk / 8 were slower), primes below
/// medium_limit per segment (at least 2 turns), the rest through the buckets.
inline constexpr std::uint64_t small_limit = chunk_bytes / 4;
inline constexpr std::uint64_t medium_limit = seg_bytes / 2;
/// Pattern bytes past the period, and dst slack: the pre-sieve's last vector may run over.
inline constexpr std::uint64_t presieve_slack = 64;
/// Primes 7..103 come from the pre-sieve patterns (up to 67 measured the same; up to 163 would
/// cost more pattern streams than the hits it saves).
inline constexpr std::uint32_t presieve_max = 103;
inline constexpr std::array<std::uint32_t, 24> presieved_primes = {
    7,  11, 13, 17, 19, 23, 29, 31, 37, 41, 43,  47,
    53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103};

}  // namespace prime_sums::sieve_detail
