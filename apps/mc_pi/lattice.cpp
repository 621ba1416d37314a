// mc_pi_lattice: counts exactly how many of the 2^64 grid cells mc_pi's hit test accepts, and so
// the bias of the estimator that the 32-bit grid alone causes (the figures in stream.hpp and the
// README). Walks the circle once: for each column x the highest row inside only goes down as x
// goes up, so 2^32 columns take about 2^33 steps (tens of seconds). Not part of the build by
// default: cmake --build build --target mc_pi_lattice && build/bin/mc_pi_lattice

#include <cstdint>
#include <cstdio>

#include "stream.hpp"

namespace {

__extension__ using u128 = unsigned __int128;

/// The cells (x, y) in [0, 2^32)^2 with x(x+1) + y(y+1) < 2^64 (centre rule, `centre`) or with
/// x^2 + y^2 < 2^64 (corner rule).
u128 count(bool centre) {
  const std::uint64_t top = 0xFFFFFFFFu;
  const u128 limit = (u128{1} << 64);
  const auto f = [centre](std::uint64_t v) { return u128{v} * (centre ? v + 1 : v); };
  u128 cells = 0;
  std::uint64_t y = top;  // the highest row inside column x; never below 0 for x < 2^32
  for (std::uint64_t x = 0; x <= top; ++x) {
    while (f(x) + f(y) >= limit) --y;
    cells += u128{y} + 1;
    if (centre && (x & 0xFFFFFF) == 0) {
      // Spot checks against the kernels' own test.
      const mc_pi::point in{static_cast<std::uint32_t>(x), static_cast<std::uint32_t>(y)};
      if (!mc_pi::inside(in)) std::printf("mismatch at %llu\n", static_cast<unsigned long long>(x));
      if (y < top && mc_pi::inside({in.x, in.y + 1}))
        std::printf("mismatch above %llu\n", static_cast<unsigned long long>(x));
    }
  }
  return cells;
}

void report(const char* name, u128 cells) {
  // 4 cells / 2^64 - pi, in long double (64-bit mantissa: `cells` < 2^64 is exact).
  const long double estimate =
      4.0L * static_cast<long double>(static_cast<std::uint64_t>(cells)) / 18446744073709551616.0L;
  std::printf("%-28s %20llu cells inside; E[4 hits / N] - pi = %+.3Le\n", name,
              static_cast<unsigned long long>(cells),
              estimate - 3.141592653589793238462643383279502884L);
}

}  // namespace

int main() {
  report("centre rule (mc_pi)", count(true));
  report("corner rule x^2 + y^2 < 2^64", count(false));
}
