#pragma once
// Crossing off, eight multiples per turn of the wheel: the loops for the small and medium
// sieving primes (fixed offsets and masks, one unrolled loop per residue class of p mod 30).

#include <array>
#include <cstdint>
#include <vector>

#include "wheel.hpp"

namespace prime_sums::sieve_detail {

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

}  // namespace prime_sums::sieve_detail
