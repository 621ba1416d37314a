#pragma once
/// \file
/// The sample stream of mc_pi: every sample is a pure function of (seed, global sample index).
///
/// Sample i (0 <= i < 2^63) of seed s:
///   - block b = i / block_size, position j = i % block_size;
///   - words = Threefry4x64-20(counter {j / 4, 0, 0, 0}, key {s, b, 0, 0}), Random123's
///     `threefry4x64` with its default (and recommended) 20 rounds;
///   - w = words[j % 4]; x = w mod 2^32 (the low half), y = w / 2^32 (the high half).
///
/// So every block of samples is its own stream, keyed by (seed, block index), and the counter is
/// the position within the block. Blocks are fixed in global index space, which makes the total
/// hit count the same for any rank count and any split of the work.
///
/// The point. (x, y) picks one of the 2^64 equal cells of the unit square; the sample is the
/// cell's centre ((x + 1/2) / 2^32, (y + 1/2) / 2^32). It is a hit when it lies inside the
/// quarter disc u^2 + v^2 < 1, that is (x + 1/2)^2 + (y + 1/2)^2 < 2^64, that is
///   x(x+1) + y(y+1) + 1/2 < 2^64  <=>  x(x+1) + y(y+1) <= 2^64 - 1,
/// a test in exact integers (each product is below 2^64; the sum is checked without overflow).
/// Centres rather than corners. Counted exactly (a walk along the circle over all 2^32 columns),
/// 14488038916154288230 of the 2^64 cell centres are inside, so E[4 hits / N] = pi + 9.2e-15,
/// while the corner point (x/2^32, y/2^32) would give pi + 9.3e-10 (about 2^-30, the cells that
/// the circle cuts). The standard error of even 2^63 samples is 5.4e-10.

#include <Random123/threefry.h>

#include <cstdint>

namespace mc_pi {

/// Samples per block: each block is one Random123 stream, key {seed, block index, 0, 0}.
inline constexpr std::uint64_t block_size = std::uint64_t{1} << 16;
/// Samples per Threefry4x64 call: four 64-bit words, one sample (two 32-bit coordinates) each.
inline constexpr std::uint64_t samples_per_counter = 4;
inline constexpr std::uint64_t counters_per_block = block_size / samples_per_counter;
/// The largest sample count (and so the largest global index + 1).
inline constexpr std::uint64_t max_samples = std::uint64_t{1} << 63;

/// The generator, exactly as Random123 defines it (20 rounds).
using generator = r123::Threefry4x64;
static_assert(generator::rounds == 20, "mc_pi's stream is defined with Threefry4x64-20");

/// One sample: the integer cell coordinates (x, y), each uniform on [0, 2^32).
struct point {
  std::uint32_t x = 0;
  std::uint32_t y = 0;
  friend constexpr bool operator==(const point&, const point&) = default;
};

/// The key of block `block` for `seed`.
[[nodiscard]] inline generator::key_type block_key(std::uint64_t seed, std::uint64_t block) {
  return generator::key_type{{seed, block, 0, 0}};
}

/// The four words of counter `counter` (samples 4*counter .. 4*counter+3) of a block.
[[nodiscard]] inline generator::ctr_type block_words(std::uint64_t seed, std::uint64_t block,
                                                     std::uint64_t counter) {
  return generator{}(generator::ctr_type{{counter, 0, 0, 0}}, block_key(seed, block));
}

/// The point that a 64-bit word encodes: x from the low half, y from the high half.
[[nodiscard]] constexpr point word_point(std::uint64_t w) noexcept {
  return {static_cast<std::uint32_t>(w), static_cast<std::uint32_t>(w >> 32)};
}

/// Whether the cell centre of (x, y) lies inside the quarter disc: x(x+1) + y(y+1) < 2^64.
[[nodiscard]] constexpr bool inside(point p) noexcept {
  const std::uint64_t x = p.x, y = p.y;
  const std::uint64_t a = x * x + x;  // <= 2^64 - 2^32: no overflow
  const std::uint64_t b = y * y + y;
  return a <= ~b;  // a + b <= 2^64 - 1, with ~b = 2^64 - 1 - b
}

/// Whether the sample that word `w` encodes is a hit.
[[nodiscard]] constexpr bool word_inside(std::uint64_t w) noexcept {
  return inside(word_point(w));
}

/// Sample `index` of `seed`, straight from the definition (slow: one generator call per sample).
[[nodiscard]] inline point sample(std::uint64_t seed, std::uint64_t index) {
  const std::uint64_t block = index / block_size;
  const std::uint64_t position = index % block_size;
  const auto words = block_words(seed, block, position / samples_per_counter);
  return word_point(words.v[position % samples_per_counter]);
}

}  // namespace mc_pi
