// dr_plan's public side (dr.hpp): the tasks the work is cut into, with their estimated costs,
// running one task, and combining the tasks' results into the sum. The parts themselves are in
// dr.cpp (ordinary, easy, P2) and dr_hard.cpp (the hard leaves).

#include <algorithm>
#include <cmath>

#include "dr.hpp"
#include "dr_impl.hpp"

namespace prime_sums {

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

// Rough costs in nanoseconds on one core, only to cut the work into tasks of similar size and to
// hand the largest out first: fitted to the CPU time of every task at 1e14 and 1e15 (least
// squares on the relative error; the tasks then come within about 30% of their estimates).
constexpr double ns_per_crossing = 2.5;
constexpr double ns_per_hard_leaf = 35;
constexpr double ns_per_sparse_leaf = 8.4;     // one look-up in the prime table
constexpr double ns_per_clustered_step = 7.2;  // one prime r walked down
constexpr double ns_per_easy_b = 250;          // setting up one b
constexpr double ns_per_p2_number = 0.16;
constexpr double ns_per_p2_prime = 26;
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
      double top = static_cast<double>(std::min(d.y, lo == 0 ? d.y : xp / lo));
      const double after = static_cast<double>(std::max({xp / hi, d.y / p, p}));
      // As in hard(): composite m while p_(b+1) p_(b+2) <= y, else primes m up to x / p^3 only.
      const bool composite =
          b + 2 <= d.a && std::uint64_t{d.primes[b + 1]} * d.primes[b + 2] <= d.y;
      if (!composite) top = std::min(top, static_cast<double>(xp / p / p));
      if (top > after)
        leaves +=
            (top - after) / (composite ? 2 * std::log(static_cast<double>(p)) : std::log(top));
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

  // Easy leaves: runs of b. b has its q in (max(p, y / p, x / p^3), min(y, x / p^2)]: the sparse
  // ones up to sqrt(x / p), a look-up each, then the clustered ones, walked by the primes r from
  // x / (p q) down to p, at most one r per q.
  const std::uint64_t b_first = impl::c + 1, b_end = std::max<std::uint64_t>(b_first, d.a);
  std::vector<double> b_cost(b_end - b_first, 0);
  double easy_total = 0;
  for (std::uint64_t b = b_first; b < b_end; ++b) {
    const std::uint64_t p = d.primes[b], xp = d.x / p;
    const std::uint64_t after = std::max({p, d.y / p, xp / p / p}), top = std::min(d.y, xp / p);
    const std::uint64_t root = isqrt(xp);
    double sparse = 0, clustered = 0;
    if (top > after) {
      sparse = pi(std::min(top, root)) - pi(after);
      if (root < top)
        clustered =
            std::min(pi(root) - static_cast<double>(b), pi(top) - pi(std::max(after, root)));
    }
    b_cost[b - b_first] = ns_per_sparse_leaf * sparse +
                          ns_per_clustered_step * std::max(clustered, 0.0) + ns_per_easy_b;
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
