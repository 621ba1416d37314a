// Segmented sieve of Eratosthenes on a mod-30 wheel, summing the primes it finds.
//
// Layout: byte b holds the numbers 30b + {1, 7, 11, 13, 17, 19, 23, 29}, one bit each, so a
// byte covers 30 numbers and the array is 1/30 of the range (a plain byte-per-odd sieve is 15x
// larger and touches 15x more memory).
//
// Per segment (seg_bytes, sized to half of L2):
//   1. pre-sieve: the segment is filled from precomputed periodic patterns of the primes
//      7..67 (ANDed together), instead of crossing off their many multiples one by one;
//   2. small sieving primes (at least several hits per L1 chunk) cross off within L1-sized chunks
//      of the segment, eight multiples per turn of the wheel with fixed offsets and masks
//      (one unrolled loop per residue class of p mod 30);
//   3. medium primes cross off over the whole segment with the same loops;
//   4. large primes (fewer hits than a segment has wheel turns) live in buckets, one per upcoming
//      segment (Oliveira e Silva's bucket sieve): a segment touches only the primes that hit it;
//   5. the surviving bits are summed with a branch-free table kernel (AVX2 nibble look-ups and
//      sums of absolute differences where the CPU has them): sum = 30 * sum(byte index * popcount)
//      + sum(offsets of the set bits).

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "prime_sums.hpp"

namespace prime_sums {

namespace {

// ---- the wheel ---------------------------------------------------------------------------------

constexpr std::array<std::uint32_t, 8> wheel = {1, 7, 11, 13, 17, 19, 23, 29};

/// Bit index of a residue mod 30 that is coprime to 30 (-1 for the others).
constexpr std::array<int, 30> bit_of = [] {
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
constexpr std::array<wheel_next, 30> next_coprime = [] {
  std::array<wheel_next, 30> t{};
  for (int r = 0; r < 30; ++r) {
    int d = 0;
    while (bit_of[(r + d) % 30] < 0) ++d;
    t[r] = {static_cast<std::uint8_t>(d), static_cast<std::uint8_t>(bit_of[(r + d) % 30])};
  }
  return t;
}();

/// Bits of a byte that stand for numbers 30b + r' with r' <= r (r = 0..29).
constexpr std::array<std::uint8_t, 30> mask_upto = [] {
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
constexpr std::array<std::uint8_t, 256> byte_count = [] {
  std::array<std::uint8_t, 256> t{};
  for (int v = 0; v < 256; ++v)
    for (int i = 0; i < 8; ++i) t[v] = static_cast<std::uint8_t>(t[v] + ((v >> i) & 1));
  return t;
}();
constexpr std::array<std::uint8_t, 256> byte_offsets = [] {
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
constexpr std::array<wheel_step, 64> steps = [] {
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
constexpr std::uint64_t seg_bytes = 1u << 18;
/// Bytes per chunk for the small primes: the L1 data cache.
constexpr std::uint64_t chunk_bytes = 1u << 15;
/// Primes below small_limit cross off per L1 chunk (at least 4 wheel turns per chunk, so the
/// per-call overhead is amortized; chunk / 2 and chunk / 8 were slower), primes below
/// medium_limit per segment (at least 2 turns), the rest through the buckets.
constexpr std::uint64_t small_limit = chunk_bytes / 4;
constexpr std::uint64_t medium_limit = seg_bytes / 2;
/// Pattern bytes past the period, and dst slack: the pre-sieve's last vector may run over.
constexpr std::uint64_t presieve_slack = 64;
/// Primes 7..103 come from the pre-sieve patterns (up to 67 measured the same; up to 163 would
/// cost more pattern streams than the hits it saves).
constexpr std::uint32_t presieve_max = 103;
constexpr std::array<std::uint32_t, 24> presieved_primes = {7,  11, 13, 17, 19, 23, 29,  31,
                                                            37, 41, 43, 47, 53, 59, 61,  67,
                                                            71, 73, 79, 83, 89, 97, 101, 103};

// ---- crossing off, eight multiples per wheel turn ----------------------------------------------

/// Crosses off the multiples of p = 30 q + A in s[0, len), starting at the multiple at byte `pos`
/// whose cofactor has wheel index k; on return pos and k name the next multiple, with pos
/// relative to the end of this piece (s + len).
template <int A>
__attribute__((always_inline)) inline void cross_off(std::uint8_t* s, std::int64_t len,
                                                     std::uint64_t q, std::uint32_t& pos_io,
                                                     std::uint8_t& k_io) {
  constexpr int c = bit_of[A];
  auto mask = [](int k) constexpr {
    return static_cast<std::uint8_t>(~(1u << bit_of[(A * wheel[k]) % 30]));
  };
  constexpr std::uint8_t m0 = mask(0), m1 = mask(1), m2 = mask(2), m3 = mask(3), m4 = mask(4),
                         m5 = mask(5), m6 = mask(6), m7 = mask(7);
  static_assert(c >= 0);
  const auto qi = static_cast<std::int64_t>(q);
  const std::int64_t p = 30 * qi + A;
  const std::int64_t o[8] = {qi * 1 + (A * 1) / 30,   qi * 7 + (A * 7) / 30,
                             qi * 11 + (A * 11) / 30, qi * 13 + (A * 13) / 30,
                             qi * 17 + (A * 17) / 30, qi * 19 + (A * 19) / 30,
                             qi * 23 + (A * 23) / 30, qi * 29 + (A * 29) / 30};
  const std::int64_t o0 = o[0], o1 = o[1], o2 = o[2], o3 = o[3], o4 = o[4], o5 = o[5], o6 = o[6],
                     o7 = o[7];
  const unsigned k = k_io;
  std::int64_t b = static_cast<std::int64_t>(pos_io) - o[k];  // start of the wheel turn
  // The first (partial) turn, without branches: multiples before k or past the end go to the
  // spare byte s[len] (the next chunk's first byte, filled afterwards, or the padding).
  unsigned done = 0;
#define PS_MAYBE(j)                               \
  do {                                            \
    const bool hit = (j >= k) & (b + o##j < len); \
    s[hit ? b + o##j : len] &= m##j;              \
    done += hit;                                  \
  } while (false)
  PS_MAYBE(0);
  PS_MAYBE(1);
  PS_MAYBE(2);
  PS_MAYBE(3);
  PS_MAYBE(4);
  PS_MAYBE(5);
  PS_MAYBE(6);
  PS_MAYBE(7);
#undef PS_MAYBE
  if (k + done < 8) {
    k_io = static_cast<std::uint8_t>(k + done);
    pos_io = static_cast<std::uint32_t>(b + o[k + done] - len);
    return;
  }
  b += p;
  // Whole wheel turns: eight fixed offsets and masks.
  if (len > o7) {
    std::uint8_t* t = s + b;
    std::uint8_t* const end = s + (len - o7);
    for (; t < end; t += p) {
      t[o0] &= m0;
      t[o1] &= m1;
      t[o2] &= m2;
      t[o3] &= m3;
      t[o4] &= m4;
      t[o5] &= m5;
      t[o6] &= m6;
      t[o7] &= m7;
    }
    b = t - s;
  }
  // The last (partial) turn, again without branches: o is increasing, so the multiples that fit
  // are a prefix, and their number is the wheel index of the next multiple.
  done = 0;
#define PS_TAIL(j)                   \
  do {                               \
    const bool hit = b + o##j < len; \
    s[hit ? b + o##j : len] &= m##j; \
    done += hit;                     \
  } while (false)
  PS_TAIL(0);
  PS_TAIL(1);
  PS_TAIL(2);
  PS_TAIL(3);
  PS_TAIL(4);
  PS_TAIL(5);
  PS_TAIL(6);
#undef PS_TAIL
  k_io = static_cast<std::uint8_t>(done);
  pos_io = static_cast<std::uint32_t>(b + o[done] - len);
}

/// A sieving prime crossed off with the unrolled loops: p = 30 q + wheel[cls]; its next multiple
/// is at byte `pos` of the current piece, with cofactor wheel index k.
struct wheel_prime {
  std::uint32_t q;
  std::uint32_t pos;
  std::uint8_t cls;
  std::uint8_t k;
};

/// Sieving primes kept apart by residue class (p mod 30), so that each list runs one inlined
/// copy of the loops with no dispatch per prime.
struct wheel_lists {
  std::array<std::vector<wheel_prime>, 8> by_class;

  void add(const wheel_prime& w) { by_class[w.cls].push_back(w); }

  template <int C>
  static void run(std::vector<wheel_prime>& list, std::uint8_t* s, std::int64_t len) {
    for (auto& w : list) cross_off<static_cast<int>(wheel[C])>(s, len, w.q, w.pos, w.k);
  }
  void cross_off_all(std::uint8_t* s, std::int64_t len) {
    run<0>(by_class[0], s, len);
    run<1>(by_class[1], s, len);
    run<2>(by_class[2], s, len);
    run<3>(by_class[3], s, len);
    run<4>(by_class[4], s, len);
    run<5>(by_class[5], s, len);
    run<6>(by_class[6], s, len);
    run<7>(by_class[7], s, len);
  }
};

// ---- the bucket sieve for large primes ---------------------------------------------------------

/// A large sieving prime waiting in the bucket of the segment of its next multiple: q = p / 30,
/// and (pos << 6 | wheel state) with pos the byte within that segment.
struct bucket_prime {
  std::uint32_t q;
  std::uint32_t pos_state;
};

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

// ---- summing the set bits ----------------------------------------------------------------------

/// For bytes s[0, n): count = number of set bits, weighted = sum of i * popcount(s[i]),
/// offsets = sum of the residues of the set bits. The numbers they stand for (byte i at absolute
/// index base + i) sum to 30 * (base * count + weighted) + offsets.
struct byte_sums {
  std::uint64_t count = 0;
  std::uint64_t weighted = 0;
  std::uint64_t offsets = 0;
};

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

__attribute__((target("avx2"))) std::uint64_t hsum64(__m256i v) {
  alignas(32) std::uint64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), v);
  return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

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

// ---- kernel selection --------------------------------------------------------------------------

bool force_scalar = false;

bool use_avx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has && !force_scalar;
}

byte_sums sum_bytes(const std::uint8_t* s, std::size_t n) {
  return use_avx2() ? sum_bytes_avx2(s, n) : sum_bytes_scalar(s, n);
}

void presieve_fill(std::uint8_t* dst, std::uint64_t at, std::size_t n) {
  if (use_avx2())
    presieve_fill_avx2(dst, at, n);
  else
    presieve_fill_scalar(dst, at, n);
}

/// 30 * (base * count + weighted) + offsets, in 128 bits.
u128 value_of(const byte_sums& b, std::uint64_t base) {
  return 30 * (static_cast<u128>(base) * b.count + b.weighted) + b.offsets;
}

}  // namespace

const char* sieve_kernel_name() {
  return use_avx2() ? "avx2" : "scalar";
}

bool sieve_force_scalar(bool force) {
  const bool old = force_scalar;
  force_scalar = force;
  return old;
}

std::vector<std::uint32_t> primes_up_to(std::uint32_t limit) {
  std::vector<std::uint32_t> primes;
  if (limit < 2) return primes;
  primes.push_back(2);
  // Odd numbers only; base primes up to sqrt(limit) < 65536 sieve segments of 2^18 odd numbers.
  const auto root = static_cast<std::uint32_t>(isqrt(limit));
  std::vector<std::uint8_t> base(root / 2 + 1, 1);
  std::vector<std::uint32_t> base_primes;
  for (std::uint32_t i = 3; i <= root; i += 2) {
    if (!base[i / 2]) continue;
    base_primes.push_back(i);
    for (std::uint64_t j = std::uint64_t{i} * i; j <= root; j += 2 * i) base[j / 2] = 0;
  }
  constexpr std::uint64_t span = std::uint64_t{1} << 19;  // numbers per segment
  std::vector<std::uint8_t> seg(span / 2);
  for (std::uint64_t lo = 0; lo <= limit; lo += span) {
    const std::uint64_t hi = std::min<std::uint64_t>(lo + span, std::uint64_t{limit} + 1);
    std::fill(seg.begin(), seg.end(), 1);
    for (const std::uint64_t p : base_primes) {
      if (p * p >= hi) break;
      std::uint64_t j = std::max(p * p, (lo + p - 1) / p * p);
      if (j % 2 == 0) j += p;
      for (; j < hi; j += 2 * p) seg[(j - lo) / 2] = 0;
    }
    for (std::uint64_t n = lo + 1; n < hi; n += 2)
      if (n >= 3 && seg[(n - lo) / 2]) primes.push_back(static_cast<std::uint32_t>(n));
  }
  return primes;
}

sieve_result sieve_block(std::span<const std::uint64_t> ns, std::uint64_t byte_begin,
                         std::uint64_t byte_end, const progress_fn& progress) {
  if (!std::is_sorted(ns.begin(), ns.end()))
    throw std::invalid_argument("sieve_block: the Ns must be sorted");
  sieve_result out;
  out.sums.assign(ns.size(), 0);
  if (ns.empty()) return out;
  const std::uint64_t max_n = ns.back();
  byte_end = std::min(byte_end, sieve_bytes(max_n));
  if (byte_begin >= byte_end) return out;

  // 2, 3 and 5 are not on the wheel: the block that holds byte 0 adds them.
  if (byte_begin == 0) {
    for (std::size_t i = 0; i < ns.size(); ++i)
      for (std::uint64_t p : {2, 3, 5})
        if (p <= ns[i]) out.sums[i] += p;
    for (std::uint64_t p : {2, 3, 5})
      if (p <= max_n) ++out.primes;
  }

  // Sieving primes: 71 <= p <= sqrt(max N) (7..67 are pre-sieved). p^2 <= the block's end.
  const auto root = static_cast<std::uint32_t>(isqrt(max_n));
  const std::vector<std::uint32_t> primes = primes_up_to(root);
  std::size_t next_prime = 0;
  while (next_prime < primes.size() && primes[next_prime] <= presieve_max) ++next_prime;

  wheel_lists small, medium;
  // Buckets: a ring of one list per upcoming segment, long enough for the largest jump.
  std::uint64_t ring = 1;
  while (ring < (std::uint64_t{root} / 4) / seg_bytes + 4) ring <<= 1;
  std::vector<std::vector<bucket_prime>> buckets;
  if (root > medium_limit) buckets.resize(ring);

  std::vector<std::uint8_t> seg(seg_bytes + 64);

  // The Ns by wheel byte: the next one to answer, and the running sum of the block so far.
  std::size_t next_n = 0;
  while (next_n < ns.size() && ns[next_n] / 30 < byte_begin) ++next_n;  // before the block: 0
  u128 total = 0;
  std::uint64_t count = 0;

  std::uint64_t segment_index = 0;
  for (std::uint64_t seg_lo = byte_begin; seg_lo < byte_end; seg_lo += seg_bytes, ++segment_index) {
    const std::uint64_t len = std::min(seg_bytes, byte_end - seg_lo);
    const bool last_segment = seg_lo + len >= byte_end;
    std::uint8_t* s = seg.data();
    const u128 seg_end_number = static_cast<u128>(seg_lo + len) * 30;

    // Activate the primes whose square lies before this segment's end.
    while (next_prime < primes.size() &&
           static_cast<u128>(primes[next_prime]) * primes[next_prime] < seg_end_number) {
      const std::uint64_t p = primes[next_prime++];
      const u128 start = std::max<u128>(static_cast<u128>(p) * p, static_cast<u128>(seg_lo) * 30);
      u128 m = (start + p - 1) / p;
      const auto nx = next_coprime[static_cast<unsigned>(m % 30)];
      m += nx.add;
      const u128 byte = static_cast<u128>(p) * m / 30;
      const std::uint64_t pos = static_cast<std::uint64_t>(byte - seg_lo);
      const auto q = static_cast<std::uint32_t>(p / 30);
      const auto cls = static_cast<std::uint8_t>(bit_of[p % 30]);
      if (p < medium_limit) {
        wheel_prime w{q, static_cast<std::uint32_t>(pos), cls, nx.index};
        (p < small_limit ? small : medium).add(w);
      } else {
        const std::uint64_t ahead = pos / seg_bytes;
        buckets[(segment_index + ahead) & (ring - 1)].push_back(
            {q, static_cast<std::uint32_t>((pos % seg_bytes) << 6 | (cls * 8u + nx.index))});
      }
    }

    // Pre-sieve and small primes, one L1 chunk at a time.
    for (std::uint64_t c = 0; c < len; c += chunk_bytes) {
      const std::uint64_t clen = std::min(chunk_bytes, len - c);
      presieve_fill(s + c, seg_lo + c, clen);
      // The pre-sieve crossed off 7..103 themselves (bytes 0..3), and 1 is not a prime.
      const std::uint64_t at = seg_lo + c;
      if (at < 4) {
        if (at == 0) s[c] = static_cast<std::uint8_t>(s[c] & ~1u);
        for (const std::uint32_t p : presieved_primes)
          if (p / 30 >= at && p / 30 < at + clen)
            s[c + p / 30 - at] =
                static_cast<std::uint8_t>(s[c + p / 30 - at] | (1u << bit_of[p % 30]));
      }
      small.cross_off_all(s + c, static_cast<std::int64_t>(clen));
    }
    medium.cross_off_all(s, static_cast<std::int64_t>(len));

    if (!buckets.empty()) {
      auto& here = buckets[segment_index & (ring - 1)];
      for (const bucket_prime& b : here) {
        std::uint64_t pos = b.pos_state >> 6;
        unsigned state = b.pos_state & 63;
        const std::uint64_t q = b.q;
        while (pos < len) {
          const wheel_step st = steps[state];
          s[pos] &= st.mask;
          pos += q * st.dq + st.dc;
          state = st.next;
        }
        // The block's last segment may be short, and nothing follows it: a multiple past it is
        // not re-filed (its bucket could be this very list, which is being walked).
        if (last_segment) continue;
        assert(pos / seg_bytes >= 1 && pos / seg_bytes < ring);
        buckets[(segment_index + pos / seg_bytes) & (ring - 1)].push_back(
            {b.q, static_cast<std::uint32_t>((pos % seg_bytes) << 6 | state)});
      }
      here.clear();
    }

    // Sum, stopping at every N that ends inside this segment.
    std::uint64_t done = 0;  // bytes of this segment already added to total
    while (next_n < ns.size() && ns[next_n] / 30 < seg_lo + len) {
      const std::uint64_t n = ns[next_n];
      const std::uint64_t at = n / 30 - seg_lo;
      if (at > done) {
        const byte_sums b = sum_bytes(s + done, at - done);
        total += value_of(b, seg_lo + done);
        count += b.count;
        done = at;
      }
      const auto last = static_cast<std::uint8_t>(s[at] & mask_upto[n % 30]);
      const u128 partial =
          30 * static_cast<u128>(seg_lo + at) * byte_count[last] + byte_offsets[last];
      out.sums[next_n] += total + partial;
      if (next_n + 1 == ns.size()) out.primes += count + byte_count[last];
      ++next_n;
    }
    if (done < len) {
      const byte_sums b = sum_bytes(s + done, len - done);
      total += value_of(b, seg_lo + done);
      count += b.count;
    }
    out.segments++;
    if (progress && (segment_index & 15) == 15)
      progress(static_cast<double>(seg_lo + len - byte_begin) /
               static_cast<double>(byte_end - byte_begin));
  }
  // The Ns beyond the block take all of it.
  for (; next_n < ns.size(); ++next_n) {
    out.sums[next_n] += total;
    if (next_n + 1 == ns.size()) out.primes += count;
  }
  return out;
}

// ---- splitting the range by work ----------------------------------------------------------------
// The work per wheel byte grows along the range: at number v every sieving prime p <= sqrt(v)
// crosses off 8/p of the bytes, and the primes past the L1 limit cost more per hit (their hits go
// to L2). With equal blocks the first rank finishes early (at 1e10 on 2 ranks by about 15%), so
// the ranks get blocks of equal estimated work instead. The weights were measured on the
// development machine (AMD EPYC): a hit in L2 costs about 1.9 hits in L1, a bucket hit about 3,
// and the pre-sieve, the summation and the per-chunk loop overheads about 1 hit per byte.

namespace {
constexpr double cost_per_byte = 1.0;
constexpr double cost_medium_hit = 1.9;
constexpr double cost_bucket_hit = 3.0;

/// Sum over the primes p in (lo, hi] of 8/p, by Mertens: 8 ln(ln hi / ln lo).
double hits_between(double lo, double hi) {
  return hi > lo ? 8 * std::log(std::log(hi) / std::log(lo)) : 0;
}

/// Estimated work per wheel byte at number v, for sieving primes up to sqrt(max_n).
double work_density(double v, double root_max) {
  const double y = std::min(std::sqrt(v), root_max);
  const double lo = presieve_max, l1 = static_cast<double>(small_limit),
               l2 = static_cast<double>(medium_limit);
  return cost_per_byte + hits_between(lo, std::min(y, l1)) +
         cost_medium_hit * hits_between(l1, std::min(y, l2)) +
         cost_bucket_hit * hits_between(l2, y);
}
}  // namespace

std::vector<std::uint64_t> sieve_split(std::uint64_t max_n, std::uint64_t parts) {
  const std::uint64_t bytes = sieve_bytes(max_n);
  std::vector<std::uint64_t> cuts(parts + 1, bytes);
  cuts[0] = 0;
  constexpr std::size_t grid = 4096;
  if (parts == 0 || bytes < 64 * parts || bytes < grid) {
    for (std::uint64_t k = 0; k <= parts; ++k)
      cuts[k] = bytes / std::max<std::uint64_t>(parts, 1) * k +
                std::min(k, bytes % std::max<std::uint64_t>(parts, 1));
    return cuts;
  }
  // Cumulative work on a uniform grid of the bytes (trapezoids), then linear interpolation.
  const double root_max = std::sqrt(static_cast<double>(max_n));
  const double step = static_cast<double>(bytes) / grid;
  std::vector<double> cumulative(grid + 1, 0.0);
  double prev = work_density(0, root_max);
  for (std::size_t i = 1; i <= grid; ++i) {
    const double d = work_density(30 * step * static_cast<double>(i), root_max);
    cumulative[i] = cumulative[i - 1] + 0.5 * (prev + d) * step;
    prev = d;
  }
  std::size_t at = 0;
  for (std::uint64_t k = 1; k < parts; ++k) {
    const double target = cumulative[grid] * static_cast<double>(k) / static_cast<double>(parts);
    while (at < grid && cumulative[at + 1] < target) ++at;
    const double f =
        (target - cumulative[at]) / std::max(cumulative[at + 1] - cumulative[at], 1e-300);
    const auto cut = static_cast<std::uint64_t>((static_cast<double>(at) + f) * step);
    cuts[k] = std::clamp(cut, cuts[k - 1], bytes);
  }
  return cuts;
}

std::vector<u128> sieve_sums(std::span<const std::uint64_t> ns) {
  std::vector<std::uint64_t> sorted(ns.begin(), ns.end());
  std::sort(sorted.begin(), sorted.end());
  if (sorted.empty()) return {};
  const sieve_result r = sieve_block(sorted, 0, sieve_bytes(sorted.back()));
  std::vector<u128> out(ns.size());
  for (std::size_t i = 0; i < ns.size(); ++i) {
    const auto at = std::lower_bound(sorted.begin(), sorted.end(), ns[i]) - sorted.begin();
    out[i] = r.sums[static_cast<std::size_t>(at)];
  }
  return out;
}

}  // namespace prime_sums
