// Deleglise-Rivat for sums of primes (see dr.hpp for the formula).
//
// phi_s(x, a) is the sum over the leaves of the tree of phi_s(v, b) = phi_s(v, b - 1) -
// p_b phi_s(v / p_b, b - 1), cut where n <= y:
//   ordinary leaves  n <= y squarefree with no prime factor <= p_c:   mu(n) n phi_s(x / n, c);
//   special leaves   n = m p_b, m <= y < m p_b, lpf(m) > p_b:       -mu(m) m p_b phi_s(x / n, b -
//   1).
// A special leaf with m = q prime and v = x / (p_b q) < p_b^2 is easy: what survives the first
// b - 1 primes below v is 1 and the primes in [p_b, v], so phi_s = 1 + pi_s(v) - pi_s(p_(b-1))
// (just 1, "trivial", when v < p_b). Consecutive q share pi(v), so the easy leaves are summed in
// runs of q from the prime table. The other special leaves are hard: dr_hard.cpp sieves [1, x / y)
// in segments and reads phi_s off counters of what is not yet crossed off.
//
// Exactness: every sum is taken mod 2^128 (unsigned __int128 wraps). The answer, the sum of the
// primes <= x < 2^64, is below 2^127, so it is exact, however large or negative the parts are
// on the way: + - * are ring operations mod 2^128, and no part is ever divided or compared.

#include "dr.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "dr_impl.hpp"

namespace prime_sums {

namespace {

/// floor(x^(1/3)), exactly.
std::uint64_t icbrt(std::uint64_t x) {
  auto r = static_cast<std::uint64_t>(std::cbrt(static_cast<double>(x)));
  while (r > 0 && static_cast<u128>(r) * r * r > x) --r;
  while (static_cast<u128>(r + 1) * (r + 1) * (r + 1) <= x) ++r;
  return r;
}

/// The default alpha: y = alpha x^(1/3) balances the hard leaves' sieve of [1, x / y) against
/// the leaves, whose number grows with y (measured with scripts/bench_prime_sums_dr.sh).
double default_alpha(std::uint64_t x) {
  const double l = std::log10(static_cast<double>(x));
  return std::max(1.0, 0.0025 * l * l * l);
}

/// n / d from n as a double and 1 / d. The product's relative error is below 2^-51, so for a
/// quotient below 2^50 it is off by less than 1, and the remainder corrects it: exact. A larger
/// quotient may be off by a few units (still far above anything it is compared with here).
inline std::uint64_t divide(std::uint64_t n, double nd, std::uint64_t d, double inv_d) {
  auto v = static_cast<std::uint64_t>(static_cast<std::int64_t>(nd * inv_d));
  const auto rem = static_cast<std::int64_t>(n - v * d);
  v += rem >= static_cast<std::int64_t>(d);
  v -= rem < 0;
  return v;
}

}  // namespace

dr_plan::impl::impl(std::uint64_t x_, double alpha) : x(x_) {
  if (x < direct_below) {
    direct = true;
    for (const std::uint32_t p : primes_up_to(static_cast<std::uint32_t>(x))) direct_sum += p;
    return;
  }
  if (alpha <= 0) alpha = default_alpha(x);
  const std::uint64_t root = isqrt(x), cube = icbrt(x);
  const double wanted = alpha * static_cast<double>(cube);
  y = wanted >= static_cast<double>(root) ? root : static_cast<std::uint64_t>(wanted);
  y = std::clamp<std::uint64_t>(y, std::max<std::uint64_t>(cube, 13),
                                std::min(root, std::uint64_t{1} << 30));
  limit = (root / 30 + 1) * 30 - 1;
  hard_end = x / (y + 1) + 1;
  segment = std::min(max_segment, (hard_end + 65535) / 65536 * 65536);

  const std::vector<std::uint32_t> list = primes_up_to(static_cast<std::uint32_t>(y));
  a = static_cast<std::uint32_t>(list.size());
  primes.assign(1, 0);
  primes.insert(primes.end(), list.begin(), list.end());
  psum.assign(primes.size(), 0);
  inverse.assign(primes.size(), 0);
  for (std::size_t b = 1; b < primes.size(); ++b) {
    psum[b] = psum[b - 1] + primes[b];
    inverse[b] = 1.0 / primes[b];
  }

  // Hard leaves: m composite needs p_(b+1) p_(b+2) <= y, so p_b < sqrt(y); m = q prime needs
  // p_b < q <= x / p_b^3, so p_b^4 < x.
  const std::uint64_t reach = std::max(isqrt(y), isqrt(root));
  const auto upto = static_cast<std::uint32_t>(
      std::upper_bound(primes.begin() + 1, primes.end(), reach) - primes.begin() - 1);
  b_max = std::min(upto, a - 1);

  table = dr_detail::prime_table(limit);
  table.add_counts(y);  // easy(): pi(v) for the clustered leaves, v < y
  factors = dr_detail::factor_table(y);
}

std::uint32_t dr_plan::impl::b_limit(std::uint64_t lo) const {
  if (lo == 0) return b_max;
  const std::uint64_t bound = isqrt(x / lo);
  const auto upto = static_cast<std::uint32_t>(
      std::upper_bound(primes.begin() + 1, primes.end(), bound) - primes.begin() - 1);
  return std::min(b_max, upto);
}

dr_result dr_plan::impl::ordinary(std::uint64_t begin, std::uint64_t end) const {
  dr_result out;
  end = std::min(end, y + 1);
  for (std::uint64_t n = begin | 1; n < end; n += 2) {  // even n have the factor 2 <= p_c
    const std::int32_t e = factors[n];
    if (e == 0 || std::abs(e) <= 13) continue;
    const u128 term = static_cast<u128>(n) * phi6(x / n);
    out.sum += e > 0 ? term : -term;
    ++out.leaves;
  }
  return out;
}

dr_result dr_plan::impl::easy(std::uint64_t b_begin, std::uint64_t b_end) const {
  // Each easy leaf adds p q phi_s(v, b - 1) = p q (1 - pi_s(p_(b-1)) + pi_s(v)), v = x / (p q),
  // with q > p, q p > y (a special leaf), q > x / p^3 (not hard), q <= y. Per b, sum_q is the
  // sum of its q and sum_qs that of q pi_s(v).
  struct leaves_of_b {
    std::uint64_t b, p, xp;
    double xpd;
    std::size_t i;            // the next q is primes[i]
    std::size_t sparse_stop;  // the sparse leaves are primes[i] for i < sparse_stop
    bool trivial;             // v < p reached: the rest are trivial
    u128 sum_q, sum_qs;
  };
  std::vector<leaves_of_b> all;
  for (std::uint64_t b = std::max<std::uint64_t>(b_begin, c + 1);
       b < std::min<std::uint64_t>(b_end, a); ++b) {
    const std::uint64_t p = primes[b], xp = x / p;
    const std::uint64_t after = std::max({p, y / p, xp / p / p});
    if (after >= y) continue;
    const auto i = static_cast<std::size_t>(
        std::upper_bound(primes.begin() + 1, primes.begin() + a + 1, after) - primes.begin());
    const auto stop = static_cast<std::size_t>(
        std::upper_bound(primes.begin() + 1, primes.begin() + a + 1, std::min(y, isqrt(xp))) -
        primes.begin());
    all.push_back({b, p, xp, static_cast<double>(xp), i, std::max(i, stop), false, 0, 0});
  }
  dr_result out;
  // Sparse leaves, q <= sqrt(x / p): v changes by more than a prime gap from one q to the next,
  // so each q is a look-up in the prime table. The table is larger than the L2 cache, so the
  // look-ups go window by window from the top of the table down (v falls as q rises), every b
  // taking the leaves in the window. x / p / q by a reciprocal (divide(): exact, v <= sqrt(x)).
  constexpr std::uint64_t window = std::uint64_t{1} << 23;  // numbers: 1 MiB of table
  for (std::uint64_t w_lo = limit / window * window;; w_lo -= window) {
    for (leaves_of_b& s : all) {
      if (s.trivial) continue;
      // Locals, so that the sums stay in registers.
      const std::uint64_t xp = s.xp, bound = std::max(w_lo, s.p);
      const double xpd = s.xpd;
      std::size_t i = s.i;
      // q < y < 2^30 and fewer than 2^34 leaves: sum_q fits in 64 bits.
      std::uint64_t sum_q = 0;
      u128 sum_qs = 0;
      for (; i < s.sparse_stop; ++i) {
        const std::uint64_t q = primes[i];
        const std::uint64_t v = divide(xp, xpd, q, inverse[i]);
        if (v < bound) {
          s.trivial = v < s.p;
          break;
        }
        sum_q += q;
        sum_qs += u128{q} * table.sum(v);
      }
      out.leaves += i - s.i;
      s.i = i;
      s.sum_q += sum_q;
      s.sum_qs += sum_qs;
    }
    if (w_lo == 0) break;
  }
  std::uint64_t clustered = 0;
  for (leaves_of_b& s : all) {
    // Clustered leaves, q > sqrt(x / p), so v = x / (p q) < q <= y: runs of consecutive q share
    // pi(v). Walk the primes r = p_j from the first v down to p instead of the q: the q with
    // pi(x / (p q)) = j are those after the previous run up to x / (p p_j). Each r costs one
    // division and one look-up of pi, independent of the other r, and the sums come from psum.
    std::size_t done = s.i - 1;  // the q = p_1 .. p_done are summed
    std::uint64_t sum_q = 0;
    u128 sum_qs = 0;
    if (!s.trivial && s.i <= a) {
      const std::uint64_t v = divide(s.xp, s.xpd, primes[s.i], inverse[s.i]);
      for (std::size_t j = v < s.p ? 0 : table.count(v); j >= s.b && done < a; --j) {
        const std::uint64_t last = divide(s.xp, s.xpd, primes[j], inverse[j]);
        // k never falls as j does (x / (p p_j) rises); an r with no q of its own adds 0, with
        // no branch (whether it has any follows no pattern).
        const std::size_t k = last >= y ? a : table.count(last);
        const std::uint64_t group = psum[k] - psum[done];
        sum_q += group;
        sum_qs += u128{group} * psum[j];
        clustered += k != done;
        done = k;
      }
    }
    s.sum_q += sum_q;
    s.sum_qs += sum_qs;
    // Trivial leaves, v < p: phi_s(v, b - 1) = 1.
    const u128 trivial = psum[a] - psum[done];
    out.sum += u128{s.p} * (s.sum_q * (1 - u128{psum[s.b - 1]}) + s.sum_qs + trivial);
  }
  out.leaves += clustered;
  return out;
}

dr_result dr_plan::impl::p2(std::uint64_t byte_begin, std::uint64_t byte_end) const {
  // P2_s = sum over y < p <= sqrt(x) of p (pi_s(x / p) - pi_s(p - 1)). This task takes the p with
  // x / p in [30 byte_begin, 30 byte_end), sieved here; pi_s(x / p) = pi_s(30 byte_begin - 1) +
  // (the part in the block), and combine() adds the first part as weight_sum * (the sum below).
  // The first block also takes the p with x / p <= limit, straight from the table.
  dr_result out;
  const std::uint64_t root = isqrt(x);
  const std::uint64_t first_byte = (limit + 1) / 30;
  auto minus_below = [&](std::uint64_t p) { out.sum -= u128{p} * (table.sum(p) - p); };
  if (byte_begin == first_byte) {
    for (std::uint64_t p = table.next_prime(std::max(y, x / (limit + 1))); p != 0 && p <= root;
         p = table.next_prime(p)) {
      out.sum += u128{p} * table.sum(x / p);
      minus_below(p);
    }
  }
  if (byte_begin >= byte_end) return out;
  const std::uint64_t p_top = std::min(root, x / (30 * byte_begin));
  std::vector<std::uint64_t> ps, ns;
  for (std::uint64_t p = table.next_prime(std::max(y, x / (30 * byte_end))); p != 0 && p <= p_top;
       p = table.next_prime(p))
    ps.push_back(p);
  std::reverse(ps.begin(), ps.end());  // p descending: x / p ascending
  ns.reserve(ps.size() + 1);
  for (const std::uint64_t p : ps) ns.push_back(x / p);
  ns.push_back(30 * byte_end - 1);  // the block's total, for the blocks above
  const sieve_result r = sieve_block(ns, byte_begin, byte_end);
  for (std::size_t i = 0; i < ps.size(); ++i) {
    out.sum += u128{ps[i]} * r.sums[i];
    out.weight_sum += ps[i];
    minus_below(ps[i]);
  }
  out.totals.assign(1, r.sums.back());
  out.leaves = 30 * (byte_end - byte_begin);
  return out;
}

}  // namespace prime_sums
