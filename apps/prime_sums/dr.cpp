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
        const std::size_t k = last >= y ? a : table.count(last);
        if (k > done) {
          const std::uint64_t group = psum[k] - psum[done];
          sum_q += group;
          sum_qs += u128{group} * psum[j];
          ++clustered;
          done = k;
        }
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

// ---- the plan ----------------------------------------------------------------------------------

dr_plan::dr_plan(std::uint64_t x, double alpha) : p_(std::make_unique<impl>(x, alpha)) {}
dr_plan::~dr_plan() = default;

std::uint64_t dr_plan::x() const {
  return p_->x;
}
std::uint64_t dr_plan::y() const {
  return p_->y;
}

std::uint64_t dr_plan::memory_bytes() const {
  const impl& d = *p_;
  if (d.direct) return 0;
  // The tables; one hard task's segment (bits and counters) and arrays per b; one P2 block's
  // primes p, x / p and partial sums (at most about 2^20 of each, 40 bytes in all); and the
  // easy leaves' state per b.
  const std::uint64_t segment = d.segment / 16 + d.segment / 64;
  const double p2_primes = std::min(
      std::ldexp(1.0, 20), static_cast<double>(d.limit) / std::log(static_cast<double>(d.limit)));
  return d.table.bytes() + d.factors.bytes() + 20 * d.primes.size() + segment + 32 * (d.b_max + 1) +
         static_cast<std::uint64_t>(40 * p2_primes) + 80 * d.a / 16;
}

namespace {

// Rough costs in nanoseconds on one core (measured at 1e15-1e16), only to cut the work into
// tasks of similar size and to hand the largest out first.
constexpr double ns_per_crossing = 4;
constexpr double ns_per_hard_leaf = 40;
constexpr double ns_per_easy_leaf = 7;
constexpr double ns_per_p2_number = 0.3;
constexpr double ns_per_p2_prime = 50;
constexpr double ns_per_ordinary_n = 2;
/// Smaller tasks than this cost more to set up and hand out than they can balance.
constexpr double min_task_ns = 1e6;

/// Cuts units 0..n-1 of the given costs into consecutive runs of about `target` each; returns
/// the run boundaries 0 = u_0 < u_1 < ... = n.
std::vector<std::uint64_t> cut(const std::vector<double>& cost, double target) {
  std::vector<std::uint64_t> at{0};
  double run = 0;
  for (std::size_t u = 0; u < cost.size(); ++u) {
    run += cost[u];
    if (run >= target && u + 1 < cost.size()) at.push_back(u + 1), run = 0;
  }
  at.push_back(cost.size());
  return at;
}

}  // namespace

std::vector<dr_task> dr_plan::tasks(int ranks) const {
  const impl& d = *p_;
  std::vector<dr_task> out;
  if (d.direct) return out;
  const auto r = static_cast<double>(std::max(ranks, 1));
  auto pi = [&](std::uint64_t v) {  // pi(v) for v <= y
    return static_cast<double>(std::upper_bound(d.primes.begin() + 1, d.primes.end(), v) -
                               d.primes.begin() - 1);
  };

  // Hard leaves: runs of whole segments. A segment costs its crossings off (the multiples k p,
  // k coprime to 30, of the primes up to its b_limit) and its leaves (about one in ln p of the
  // m in its range has no prime factor <= p).
  std::vector<double> inverse_sum(d.b_max + 1, 0);
  for (std::uint32_t b = impl::c + 1; b <= d.b_max; ++b)
    inverse_sum[b] = inverse_sum[b - 1] + 1.0 / d.primes[b];
  const std::uint64_t segments = (d.hard_end + d.segment - 1) / d.segment;
  std::vector<double> seg_cost(segments);
  double hard_total = 0;
  for (std::uint64_t k = 0; k < segments; ++k) {
    const std::uint64_t lo = k * d.segment, hi = std::min(d.hard_end, lo + d.segment);
    const std::uint32_t bmax = d.b_limit(lo);
    double leaves = 0;
    for (std::uint32_t b = impl::c + 1; b <= bmax; ++b) {
      const std::uint64_t p = d.primes[b], xp = d.x / p;
      const double top = static_cast<double>(std::min(d.y, lo == 0 ? d.y : xp / lo));
      const double after = static_cast<double>(std::max({xp / hi, d.y / p, p}));
      if (top > after) leaves += (top - after) / (2 * std::log(static_cast<double>(p)));
    }
    seg_cost[k] = ns_per_crossing * static_cast<double>(hi - lo) * 4 / 15 * inverse_sum[bmax] +
                  ns_per_hard_leaf * leaves;
    hard_total += seg_cost[k];
  }
  const double hard_target = std::max(hard_total / (48 * r), min_task_ns);
  const std::vector<std::uint64_t> hard_cuts = cut(seg_cost, hard_target);
  for (std::size_t k = 0; k + 1 < hard_cuts.size(); ++k) {
    double cost = 0;
    for (std::uint64_t u = hard_cuts[k]; u < hard_cuts[k + 1]; ++u) cost += seg_cost[u];
    const std::uint64_t lo = hard_cuts[k] * d.segment;
    const std::uint64_t hi = std::min(d.hard_end, hard_cuts[k + 1] * d.segment);
    // A single segment may cost more than a task should (the first ones, dense with leaves):
    // it is cut into pieces of whole 128-number words (split evenly; the leaves crowd at its
    // start, so this only bounds the damage).
    const double share = hard_target > 0 ? cost / (1.5 * hard_target) : 1;
    const auto pieces = static_cast<std::uint64_t>(std::min(
        std::ceil(share), static_cast<double>(std::min<std::uint64_t>(64, (hi - lo) / 128))));
    if (hard_cuts[k + 1] - hard_cuts[k] == 1 && pieces > 1) {
      const std::uint64_t words = (hi - lo) / 128;
      for (std::uint64_t j = 0; j < pieces; ++j)
        out.push_back({dr_task::hard, lo + 128 * (words * j / pieces),
                       j + 1 == pieces ? hi : lo + 128 * (words * (j + 1) / pieces),
                       cost / static_cast<double>(pieces)});
    } else {
      out.push_back({dr_task::hard, lo, hi, cost});
    }
  }

  // P2: blocks of the range (limit, x / (y + 1)] in wheel bytes, about 4 per rank, but each with
  // at most about 2^20 primes p (x / p in the block): a block keeps its x / p and their sums in
  // memory (40 bytes each), and near sqrt(x) a short block holds many p.
  const std::uint64_t first = (d.limit + 1) / 30;
  const std::uint64_t last = std::max(first, d.x / (d.y + 1) / 30 + 1);
  const std::uint64_t width = static_cast<std::uint64_t>(
      std::max(static_cast<double>(last - first) / (4 * r), min_task_ns / (30 * ns_per_p2_number)));
  const double p_gap = std::log(static_cast<double>(d.limit));  // the mean gap between primes p
  for (std::uint64_t b0 = first; b0 < last || b0 == first;) {
    // The p in the block [30 b0, 30 b1) are those in (x / (30 b1), x / (30 b0)]: at most 2^20 of
    // them when x / (30 b1) >= x / (30 b0) - 2^20 p_gap.
    const double p_top = static_cast<double>(d.x) / (30.0 * static_cast<double>(b0));
    const double p_bottom = p_top - std::ldexp(1.0, 20) * p_gap;
    std::uint64_t b1 = std::min(last, b0 + width);
    if (p_bottom > 0) {
      const double end = static_cast<double>(d.x) / (30.0 * p_bottom);
      if (end < static_cast<double>(b1)) b1 = std::max(b0 + 1, static_cast<std::uint64_t>(end));
    }
    const double p_count =
        std::max(0.0, p_top - static_cast<double>(d.x) / (30.0 * static_cast<double>(b1))) / p_gap;
    out.push_back(
        {dr_task::p2, b0, b1,
         ns_per_p2_number * 30 * static_cast<double>(b1 - b0) + ns_per_p2_prime * p_count});
    if (b1 == b0) break;  // no P2 range: the one task takes the p with x / p <= limit
    b0 = b1;
  }

  // Easy leaves: runs of b. b has about pi(min(y, x / p^2)) - pi(max(p, y / p, x / p^3)) of them.
  const std::uint64_t b_first = impl::c + 1, b_end = std::max<std::uint64_t>(b_first, d.a);
  std::vector<double> b_cost(b_end - b_first, 0);
  double easy_total = 0;
  for (std::uint64_t b = b_first; b < b_end; ++b) {
    const std::uint64_t p = d.primes[b], xp = d.x / p;
    const std::uint64_t after = std::max({p, d.y / p, xp / p / p}), top = std::min(d.y, xp / p);
    const double leaves = top > after ? pi(top) - pi(after) : 0;
    b_cost[b - b_first] = ns_per_easy_leaf * (leaves + 1);
    easy_total += b_cost[b - b_first];
  }
  const std::vector<std::uint64_t> easy_cuts =
      cut(b_cost, std::max(easy_total / (32 * r), min_task_ns));
  for (std::size_t k = 0; k + 1 < easy_cuts.size(); ++k) {
    double cost = 0;
    for (std::uint64_t u = easy_cuts[k]; u < easy_cuts[k + 1]; ++u) cost += b_cost[u];
    out.push_back({dr_task::easy, b_first + easy_cuts[k], b_first + easy_cuts[k + 1], cost});
  }

  // Ordinary leaves by n.
  const auto ordinary_tasks = static_cast<std::uint64_t>(
      std::min({static_cast<double>(d.y), 4 * r, 1 + static_cast<double>(d.y) / 1e5}));
  for (std::uint64_t k = 0; k < ordinary_tasks; ++k)
    out.push_back(
        {dr_task::ordinary, 1 + d.y * k / ordinary_tasks, 1 + d.y * (k + 1) / ordinary_tasks,
         ns_per_ordinary_n * static_cast<double>(d.y) / static_cast<double>(ordinary_tasks)});
  return out;
}

dr_result dr_plan::run(const dr_task& t) const {
  switch (t.kind) {
    case dr_task::ordinary:
      return p_->ordinary(t.begin, t.end);
    case dr_task::easy:
      return p_->easy(t.begin, t.end);
    case dr_task::p2:
      return p_->p2(t.begin, t.end);
    case dr_task::hard:
      return p_->hard(t.begin, t.end);
  }
  return {};
}

u128 dr_plan::combine(const std::vector<dr_task>& tasks,
                      const std::vector<dr_result>& results) const {
  const impl& d = *p_;
  if (d.direct) return d.direct_sum;
  u128 phi = 0, p2 = 0;
  std::vector<u128> below(d.b_max + 1, 0);  // per b: phi_s over the hard segments so far
  u128 p2_below = d.table.sum(d.limit);     // pi_s(30 byte_begin - 1) of the next P2 block
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    const dr_result& r = results[i];
    switch (tasks[i].kind) {
      case dr_task::ordinary:
      case dr_task::easy:
        phi += r.sum;
        break;
      case dr_task::p2:
        p2 += r.sum + r.weight_sum * p2_below;
        if (!r.totals.empty()) p2_below += r.totals[0];
        break;
      case dr_task::hard:
        phi += r.sum;
        for (std::size_t b = 0; b < r.weights.size(); ++b) phi += r.weights[b] * below[b];
        for (std::size_t b = 0; b < r.totals.size(); ++b) below[b] += r.totals[b];
        break;
    }
  }
  return phi + d.psum[d.a] - 1 - p2;
}

u128 dr_sum(std::uint64_t x, double alpha) {
  const dr_plan plan(x, alpha);
  const std::vector<dr_task> tasks = plan.tasks(1);
  std::vector<dr_result> results;
  results.reserve(tasks.size());
  for (const dr_task& t : tasks) results.push_back(plan.run(t));
  return plan.combine(tasks, results);
}

}  // namespace prime_sums
