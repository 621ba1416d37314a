// The AVX2 summation kernel: nibble look-ups for the residues of the set bits and sums of
// absolute differences for the counts, 32 bytes at a time.

#include <immintrin.h>

#include "summation.hpp"
#include "wheel.hpp"

namespace prime_sums::sieve_detail {

namespace {
__attribute__((target("avx2"))) std::uint64_t hsum64(__m256i v) {
  alignas(32) std::uint64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), v);
  return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}
}  // namespace

__attribute__((target("avx2"))) byte_sums sum_bytes_avx2(const std::uint8_t* s, std::size_t n) {
  const __m256i nibble = _mm256_set1_epi8(0x0f);
  const __m256i zero = _mm256_setzero_si256();
  const __m256i ones16 = _mm256_set1_epi16(1);
  const __m256i count_tab = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1,
                                             1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  // Residue sums of the low nibble (bits for 1, 7, 11, 13) and the high one (17, 19, 23, 29).
  alignas(32) std::uint8_t lo_tab[32], hi_tab[32], index[32];
  for (int v = 0; v < 16; ++v) {
    int lo = 0, hi = 0;
    for (int i = 0; i < 4; ++i)
      if ((v >> i) & 1) lo += static_cast<int>(wheel[i]), hi += static_cast<int>(wheel[i + 4]);
    lo_tab[v] = lo_tab[v + 16] = static_cast<std::uint8_t>(lo);
    hi_tab[v] = hi_tab[v + 16] = static_cast<std::uint8_t>(hi);
  }
  for (int i = 0; i < 32; ++i) index[i] = static_cast<std::uint8_t>(i);
  const __m256i offs_lo = _mm256_load_si256(reinterpret_cast<const __m256i*>(lo_tab));
  const __m256i offs_hi = _mm256_load_si256(reinterpret_cast<const __m256i*>(hi_tab));
  const __m256i idx = _mm256_load_si256(reinterpret_cast<const __m256i*>(index));

  byte_sums r;
  const std::size_t vectors = n / 32;
  std::size_t v = 0;
  while (v < vectors) {
    // Blocks short enough that the 32-bit lanes of the in-vector weights cannot overflow.
    const std::size_t block_end = std::min(vectors, v + (std::size_t{1} << 20));
    const std::size_t block_begin = v;
    __m256i cnt = zero, prefix = zero, offs = zero, w32 = zero;
    for (; v < block_end; ++v) {
      const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + 32 * v));
      const __m256i lo = _mm256_and_si256(x, nibble);
      const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), nibble);
      const __m256i pc =
          _mm256_add_epi8(_mm256_shuffle_epi8(count_tab, lo), _mm256_shuffle_epi8(count_tab, hi));
      const __m256i os =
          _mm256_add_epi8(_mm256_shuffle_epi8(offs_lo, lo), _mm256_shuffle_epi8(offs_hi, hi));
      prefix = _mm256_add_epi64(prefix, cnt);  // counts of the vectors before this one
      cnt = _mm256_add_epi64(cnt, _mm256_sad_epu8(pc, zero));
      offs = _mm256_add_epi64(offs, _mm256_sad_epu8(os, zero));
      w32 = _mm256_add_epi32(w32, _mm256_madd_epi16(_mm256_maddubs_epi16(pc, idx), ones16));
    }
    const std::uint64_t nv = block_end - block_begin;
    const std::uint64_t c = hsum64(cnt);
    // sum over vectors u of u * count(u) = (nv - 1) * total - sum of the running prefixes
    const std::uint64_t by_vector = (nv - 1) * c - hsum64(prefix);
    alignas(32) std::uint32_t lanes[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), w32);
    std::uint64_t within = 0;
    for (auto l : lanes) within += l;
    r.weighted += 32 * (block_begin * c + by_vector) + within;
    r.count += c;
    r.offsets += hsum64(offs);
  }
  for (std::size_t i = 32 * vectors; i < n; ++i) {
    const std::uint8_t b = s[i];
    r.count += byte_count[b];
    r.weighted += i * byte_count[b];
    r.offsets += byte_offsets[b];
  }
  return r;
}

}  // namespace prime_sums::sieve_detail
