// The AVX2 kernel: Threefry4x64-20 on four counters per 256-bit register, three registers' worth
// (12 counters, 48 samples) per step, plus two counters per step on the scalar integer units,
// which AVX2 code leaves idle. The vector pipes are the bottleneck (about 14 vector operations
// per sample); on Zen 3, two scalar counters riding along gave 7-15% more than none or one, and
// 2, 3 or 4 registers per step were within the noise of each other.
//
// Same stream, same hits as the scalar kernel, bit for bit: the rounds, rotations and key
// schedule below are Random123's threefry4x64_R(20, ...) written out, and the hit test is
// stream.hpp's inside() in SIMD form. The unit tests compare the two.
//
// Compiled for any x86-64 target: only the functions marked with the avx2 target attribute use
// AVX2, and kernels.cpp calls them only when the CPU has it.

#if defined(MC_PI_HAVE_AVX2_KERNEL)

#include <immintrin.h>

#include <array>
#include <bit>
#include <cstdint>

#include "kernels.hpp"
#include "stream.hpp"

#define MC_PI_AVX2 __attribute__((target("avx2"), always_inline)) inline

namespace mc_pi::detail {

namespace {

using u64 = std::uint64_t;

constexpr u64 parity = 0x1BD11BDAA9FC1A22ULL;  // Threefry's key-schedule parity (Skein)

// Rotation constants of Threefry4x64 (Random123's R_64x4_*), by round modulo 8.
constexpr int rot[8][2] = {{14, 16}, {52, 57}, {23, 40}, {5, 37},
                           {25, 33}, {46, 12}, {58, 22}, {32, 32}};

MC_PI_AVX2 __m256i splat(u64 v) {
  return _mm256_set1_epi64x(static_cast<long long>(v));
}

/// Rotate each 64-bit lane left by R: a byte shuffle when R is a multiple of 8, else two shifts.
template <int R>
MC_PI_AVX2 __m256i rotl(__m256i v) {
  if constexpr (R == 32) {
    return _mm256_shuffle_epi32(v, 0xB1);
  } else if constexpr (R % 8 == 0) {
    constexpr int k = R / 8;  // output byte i of each lane is input byte (i - k) mod 8
    const __m256i shuffle = _mm256_setr_epi8(
        (8 - k) & 7, (9 - k) & 7, (10 - k) & 7, (11 - k) & 7, (12 - k) & 7, (13 - k) & 7,
        (14 - k) & 7, (15 - k) & 7, 8 + ((8 - k) & 7), 8 + ((9 - k) & 7), 8 + ((10 - k) & 7),
        8 + ((11 - k) & 7), 8 + ((12 - k) & 7), 8 + ((13 - k) & 7), 8 + ((14 - k) & 7),
        8 + ((15 - k) & 7), (8 - k) & 7, (9 - k) & 7, (10 - k) & 7, (11 - k) & 7, (12 - k) & 7,
        (13 - k) & 7, (14 - k) & 7, (15 - k) & 7, 8 + ((8 - k) & 7), 8 + ((9 - k) & 7),
        8 + ((10 - k) & 7), 8 + ((11 - k) & 7), 8 + ((12 - k) & 7), 8 + ((13 - k) & 7),
        8 + ((14 - k) & 7), 8 + ((15 - k) & 7));
    return _mm256_shuffle_epi8(v, shuffle);
  } else {
    return _mm256_or_si256(_mm256_slli_epi64(v, R), _mm256_srli_epi64(v, 64 - R));
  }
}

/// Threefry4x64 state: G registers of 4 counters each, and S counters in scalar registers.
template <int G, int S>
struct state {
  __m256i x0[G], x1[G], x2[G], x3[G];
  std::array<u64, S> s0, s1, s2, s3;
};

/// One round r (r >= 2): even rounds mix (x0,x1),(x2,x3); odd rounds (x0,x3),(x2,x1).
template <int G, int S, int r>
MC_PI_AVX2 void round(state<G, S>& s) {
  constexpr int ra = rot[r % 8][0], rb = rot[r % 8][1];
  if constexpr (r % 2 == 0) {
    for (int g = 0; g < G; ++g) {
      s.x0[g] = _mm256_add_epi64(s.x0[g], s.x1[g]);
      s.x1[g] = _mm256_xor_si256(rotl<ra>(s.x1[g]), s.x0[g]);
      s.x2[g] = _mm256_add_epi64(s.x2[g], s.x3[g]);
      s.x3[g] = _mm256_xor_si256(rotl<rb>(s.x3[g]), s.x2[g]);
    }
    for (int i = 0; i < S; ++i) {
      s.s0[i] += s.s1[i];
      s.s1[i] = std::rotl(s.s1[i], ra) ^ s.s0[i];
      s.s2[i] += s.s3[i];
      s.s3[i] = std::rotl(s.s3[i], rb) ^ s.s2[i];
    }
  } else {
    for (int g = 0; g < G; ++g) {
      s.x0[g] = _mm256_add_epi64(s.x0[g], s.x3[g]);
      s.x3[g] = _mm256_xor_si256(rotl<ra>(s.x3[g]), s.x0[g]);
      s.x2[g] = _mm256_add_epi64(s.x2[g], s.x1[g]);
      s.x1[g] = _mm256_xor_si256(rotl<rb>(s.x1[g]), s.x2[g]);
    }
    for (int i = 0; i < S; ++i) {
      s.s0[i] += s.s3[i];
      s.s3[i] = std::rotl(s.s3[i], ra) ^ s.s0[i];
      s.s2[i] += s.s1[i];
      s.s1[i] = std::rotl(s.s1[i], rb) ^ s.s2[i];
    }
  }
}

/// The key schedule of one block: ks[0..4] and, for each injection n = 1..5, the four words
/// added (ks[(n+i) % 5], with n added to the last), as scalars and as splatted registers.
struct schedule {
  u64 ks[5];
  u64 add[6][4];
  __m256i vadd[6][4];
};

/// Key injection n (after rounds 4n-1).
template <int G, int S, int n>
MC_PI_AVX2 void inject(state<G, S>& s, const schedule& k) {
  for (int g = 0; g < G; ++g) {
    s.x0[g] = _mm256_add_epi64(s.x0[g], k.vadd[n][0]);
    s.x1[g] = _mm256_add_epi64(s.x1[g], k.vadd[n][1]);
    s.x2[g] = _mm256_add_epi64(s.x2[g], k.vadd[n][2]);
    s.x3[g] = _mm256_add_epi64(s.x3[g], k.vadd[n][3]);
  }
  for (int i = 0; i < S; ++i) {
    s.s0[i] += k.add[n][0];
    s.s1[i] += k.add[n][1];
    s.s2[i] += k.add[n][2];
    s.s3[i] += k.add[n][3];
  }
}

/// Per lane, all ones where the sample in that 64-bit word misses (x(x+1) + y(y+1) >= 2^64).
/// With a = x(x+1) and b = y(y+1), both below 2^64 - 2^32: a + b >= 2^64 exactly when
/// a - 2^63 > 2^63 - 1 - b as signed 64-bit numbers, both sides in range.
MC_PI_AVX2 __m256i misses(__m256i w) {
  const __m256i top = splat(u64{1} << 63);  // blend in 0x80000000 as the high half
  const __m256i max_signed = splat((u64{1} << 63) - 1);
  // a - 2^63 = x*x + (x + 2^63); x + 2^63 is w's low half under 0x80000000.
  const __m256i a = _mm256_add_epi64(_mm256_mul_epu32(w, w), _mm256_blend_epi32(w, top, 0xAA));
  const __m256i y = _mm256_srli_epi64(w, 32);
  // 2^63 - 1 - b = ((2^63 - 1) - y) - y*y, and (2^63 - 1) - y = (2^63 - 1) ^ y for y < 2^32.
  const __m256i b = _mm256_sub_epi64(_mm256_xor_si256(y, max_signed), _mm256_mul_epu32(y, y));
  return _mm256_cmpgt_epi64(a, b);
}

template <int G, int S>
__attribute__((target("avx2"))) u64 counter_hits_avx2_impl(u64 seed, u64 block, u64 c0, u64 c1) {
  constexpr u64 per_step = 4 * G + S;  // 4G counters in registers, S on the scalar units
  schedule k{};
  k.ks[0] = seed;
  k.ks[1] = block;
  k.ks[2] = 0;
  k.ks[3] = 0;
  k.ks[4] = parity ^ seed ^ block;
  for (int n = 1; n <= 5; ++n) {
    for (int i = 0; i < 4; ++i) k.add[n][i] = k.ks[(n + i) % 5];
    k.add[n][3] += static_cast<u64>(n);
    for (int i = 0; i < 4; ++i) k.vadd[n][i] = splat(k.add[n][i]);
  }
  // Rounds 0 and 1 with counter {c, 0, 0, 0}: x1, x2, x3 start as key words, so much is the same
  // for every counter. With t = c + ks0 + ks1:
  //   round 0: x0 = t, x1 = rotl(ks1, 14) ^ t, x2 = ks2 + ks3 =: c2, x3 = rotl(ks3, 16) ^ c2 =: c3
  //   round 1: x0 = t + c3, x3 = rotl(c3, 52) ^ x0, x2 = c2 + x1, x1 = rotl(x1, 57) ^ x2.
  const u64 c2 = k.ks[2] + k.ks[3];
  const u64 c3 = std::rotl(k.ks[3], rot[0][1]) ^ c2;
  const u64 r1x1 = std::rotl(k.ks[1], rot[0][0]);
  const u64 r1x3 = std::rotl(c3, rot[1][0]);
  const __m256i vc2 = splat(c2), vc3 = splat(c3), vr1x1 = splat(r1x1), vr1x3 = splat(r1x3);

  const u64 steps = (c1 - c0) / per_step;
  const u64 vector_end = c0 + 4 * G * steps;  // counters [c0, vector_end) in registers,
  u64 scalar_c = vector_end;                  // [vector_end, vector_end + S steps) scalar
  __m256i t = _mm256_add_epi64(splat(c0 + k.ks[0] + k.ks[1]), _mm256_setr_epi64x(0, 1, 2, 3));
  const __m256i four = splat(4);
  __m256i missed = _mm256_setzero_si256();  // minus the misses, per lane
  u64 scalar_hits = 0;

  for (u64 step = 0; step < steps; ++step) {
    state<G, S> s;
    for (int g = 0; g < G; ++g) {
      s.x1[g] = _mm256_xor_si256(vr1x1, t);
      s.x0[g] = _mm256_add_epi64(t, vc3);
      s.x3[g] = _mm256_xor_si256(vr1x3, s.x0[g]);
      s.x2[g] = _mm256_add_epi64(vc2, s.x1[g]);
      s.x1[g] = _mm256_xor_si256(rotl<rot[1][1]>(s.x1[g]), s.x2[g]);
      t = _mm256_add_epi64(t, four);
    }
    for (int i = 0; i < S; ++i) {
      const u64 ts = scalar_c + k.ks[0] + k.ks[1];
      s.s0[i] = ts + c3;
      s.s1[i] = r1x1 ^ ts;
      s.s3[i] = r1x3 ^ s.s0[i];
      s.s2[i] = c2 + s.s1[i];
      s.s1[i] = std::rotl(s.s1[i], rot[1][1]) ^ s.s2[i];
      ++scalar_c;
    }
    round<G, S, 2>(s);
    round<G, S, 3>(s);
    inject<G, S, 1>(s, k);
    round<G, S, 4>(s);
    round<G, S, 5>(s);
    round<G, S, 6>(s);
    round<G, S, 7>(s);
    inject<G, S, 2>(s, k);
    round<G, S, 8>(s);
    round<G, S, 9>(s);
    round<G, S, 10>(s);
    round<G, S, 11>(s);
    inject<G, S, 3>(s, k);
    round<G, S, 12>(s);
    round<G, S, 13>(s);
    round<G, S, 14>(s);
    round<G, S, 15>(s);
    inject<G, S, 4>(s, k);
    round<G, S, 16>(s);
    round<G, S, 17>(s);
    round<G, S, 18>(s);
    round<G, S, 19>(s);
    inject<G, S, 5>(s, k);
    for (int g = 0; g < G; ++g) {
      missed = _mm256_add_epi64(missed, misses(s.x0[g]));
      missed = _mm256_add_epi64(missed, misses(s.x1[g]));
      missed = _mm256_add_epi64(missed, misses(s.x2[g]));
      missed = _mm256_add_epi64(missed, misses(s.x3[g]));
    }
    for (int i = 0; i < S; ++i)
      scalar_hits += static_cast<u64>(word_inside(s.s0[i])) + word_inside(s.s1[i]) +
                     word_inside(s.s2[i]) + word_inside(s.s3[i]);
  }
  alignas(32) long long lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), missed);
  const u64 vector_misses = static_cast<u64>(-lanes[0]) + static_cast<u64>(-lanes[1]) +
                            static_cast<u64>(-lanes[2]) + static_cast<u64>(-lanes[3]);
  const u64 vector_hits = 4 * (vector_end - c0) - vector_misses;
  return vector_hits + scalar_hits + counter_hits_scalar(seed, block, scalar_c, c1);
}

}  // namespace

u64 counter_hits_avx2(u64 seed, u64 block, u64 c0, u64 c1) {
#ifdef MC_PI_AVX2_VARIANT
  return counter_hits_avx2_impl<MC_PI_AVX2_VARIANT>(seed, block, c0, c1);
#else
  return counter_hits_avx2_impl<3, 2>(seed, block, c0, c1);  // see the top of the file
#endif
}

}  // namespace mc_pi::detail

#endif  // MC_PI_HAVE_AVX2_KERNEL
