#include "presieve.hpp"

#include <immintrin.h>

#include <array>
#include <cstring>
#include <vector>

#include "summation.hpp"
#include "wheel.hpp"

namespace prime_sums::sieve_detail {

namespace {

// ---- pre-sieve patterns ------------------------------------------------------------------------

/// Groups of pre-sieved primes; each group's pattern repeats every (product of its primes) bytes.
constexpr std::array<std::array<std::uint32_t, 4>, 10> presieve_groups = {{{7, 11, 13, 17},
                                                                           {19, 23, 29, 0},
                                                                           {31, 37, 41, 0},
                                                                           {43, 47, 0, 0},
                                                                           {53, 59, 0, 0},
                                                                           {61, 67, 0, 0},
                                                                           {71, 73, 0, 0},
                                                                           {79, 83, 0, 0},
                                                                           {89, 97, 0, 0},
                                                                           {101, 103, 0, 0}}};

struct presieve_tables {
  std::array<std::vector<std::uint8_t>, presieve_groups.size()> pattern;  // period + chunk bytes
  std::array<std::uint64_t, presieve_groups.size()> period{};

  presieve_tables() {
    for (std::size_t g = 0; g < presieve_groups.size(); ++g) {
      std::uint64_t period_bytes = 1;
      for (auto p : presieve_groups[g])
        if (p) period_bytes *= p;
      period[g] = period_bytes;
      auto& pat = pattern[g];
      pat.assign(period_bytes + presieve_slack, 0xff);
      const std::uint64_t len = pat.size();
      for (auto p : presieve_groups[g]) {
        if (!p) continue;
        // Every multiple p*m (m >= 1 coprime to 30) with byte < len.
        for (std::uint64_t m = 1; p * m / 30 < len; ++m) {
          const int b = bit_of[(p * m) % 30];
          if (b >= 0) pat[p * m / 30] &= static_cast<std::uint8_t>(~(1u << b));
        }
      }
    }
  }
};

const presieve_tables& presieve() {
  static const presieve_tables tables;
  return tables;
}

/// dst[0, n) = the pre-sieved bytes starting at absolute wheel byte `at`. The chunk is cut into
/// pieces in which no pattern wraps around, and every piece ANDs all the patterns in one pass.
/// Each pattern carries a copy of its first bytes past its end, so the last vector of a piece
/// may run over (up to 31 bytes into dst's slack) with correct values.
template <class Piece>
inline void presieve_pieces(std::uint8_t* dst, std::uint64_t at, std::size_t n, Piece piece) {
  const auto& t = presieve();
  constexpr std::size_t G = presieve_groups.size();
  std::array<std::uint64_t, G> off;
  for (std::size_t g = 0; g < G; ++g) off[g] = at % t.period[g];
  std::size_t i = 0;
  while (i < n) {
    std::uint64_t len = n - i;
    for (std::size_t g = 0; g < G; ++g) len = std::min(len, t.period[g] - off[g]);
    std::array<const std::uint8_t*, G> src;
    for (std::size_t g = 0; g < G; ++g) src[g] = t.pattern[g].data() + off[g];
    piece(dst + i, src, static_cast<std::size_t>(len));
    i += len;
    for (std::size_t g = 0; g < G; ++g) {
      off[g] += len;
      if (off[g] == t.period[g]) off[g] = 0;
    }
  }
}

__attribute__((target("avx2"))) void presieve_fill_avx2(std::uint8_t* dst, std::uint64_t at,
                                                        std::size_t n) {
  constexpr std::size_t G = presieve_groups.size();
  presieve_pieces(
      dst, at, n,
      [](std::uint8_t * d, const std::array<const std::uint8_t*, G>& src, std::size_t len)
          __attribute__((target("avx2"))) {
            for (std::size_t i = 0; i < len; i += 32) {
              __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src[0] + i));
              for (std::size_t g = 1; g < G; ++g)
                x = _mm256_and_si256(
                    x, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src[g] + i)));
              _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + i), x);
            }
          });
}

void presieve_fill_scalar(std::uint8_t* dst, std::uint64_t at, std::size_t n) {
  constexpr std::size_t G = presieve_groups.size();
  presieve_pieces(
      dst, at, n,
      [](std::uint8_t* d, const std::array<const std::uint8_t*, G>& src, std::size_t len) {
        for (std::size_t i = 0; i < len; i += 8) {
          std::uint64_t x, y;
          std::memcpy(&x, src[0] + i, 8);
          for (std::size_t g = 1; g < G; ++g) {
            std::memcpy(&y, src[g] + i, 8);
            x &= y;
          }
          std::memcpy(d + i, &x, 8);
        }
      });
}

}  // namespace

void presieve_fill(std::uint8_t* dst, std::uint64_t at, std::size_t n) {
  if (use_avx2())
    presieve_fill_avx2(dst, at, n);
  else
    presieve_fill_scalar(dst, at, n);
}

}  // namespace prime_sums::sieve_detail
