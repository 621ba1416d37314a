// run_dr: dr (dr.hpp) over the ranks of a communicator.
//
// Every rank builds the plan of each N (its tables are a few percent of the work and would cost
// more to send than to make), then relay::pool hands the plan's tasks to whichever rank is free:
// runs of hard-leaf segments, blocks of P2, runs of b for the easy leaves and of n for the
// ordinary ones, cut by dr_plan::tasks to similar estimated costs. The root (rank 0) works in a
// second thread like any other rank. The tasks go out largest first by their estimated cost (the
// small ones fill in at the end); the results travel back to rank 0, which combines them (the
// hard ones in segment order: each needs the sums of the segments below it) and broadcasts the
// sums.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <optional>

#include "clock.hpp"
#include "dr.hpp"
#include "driver.hpp"
#include "relay/bcast.hpp"
#include "relay/pool.hpp"

namespace prime_sums {

namespace {

/// The estimated relative cost of N: its hard leaves and sieve grow as N^(2/3).
double dr_weight(std::uint64_t n) {
  return std::pow(static_cast<double>(n), 2.0 / 3.0) + 1e4;
}

}  // namespace

run_result run_dr(const relay::communicator& comm, std::span<const std::uint64_t> ns,
                  const options& opt) {
  const std::vector<std::uint64_t> sorted = distinct(ns);
  run_result out;
  const double cpu_start = relay::app::cpu_seconds();
  // This rank's own seconds: building the plans and running its tasks (the pool keeps every
  // rank in the call until the last task ends, so the call's length would say nothing).
  std::atomic<std::uint64_t> busy_ns{0};
  auto since = [](std::chrono::steady_clock::time_point t0) {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0)
            .count());
  };
  std::vector<u128> sums(sorted.size(), 0);

  double total_weight = 0, done_weight = 0;
  for (const std::uint64_t n : sorted) total_weight += dr_weight(n);
  // Counted on every rank for its own tasks; the root's tasks run in a second thread.
  std::atomic<std::uint64_t> leaves{0}, sieved{0};

  std::optional<relay::pool> pool;
  if (comm.size() > 1) pool.emplace(comm);
  for (std::size_t k = 0; k < sorted.size(); ++k) {
    const auto plan_start = std::chrono::steady_clock::now();
    const dr_plan plan(sorted[k]);
    out.mine.memory = std::max(out.mine.memory, plan.memory_bytes());
    const std::vector<dr_task> tasks = plan.tasks(comm.size());
    busy_ns += since(plan_start);
    std::vector<dr_result> results(comm.rank() == 0 ? tasks.size() : 0);
    // Progress: the share of the estimated work done (tasks' costs; mostly the hard leaves,
    // then the easy ones).
    double cost_total = 0, cost_done = 0;
    for (const dr_task& t : tasks) cost_total += t.cost;
    const double weight = dr_weight(sorted[k]);
    auto report = [&](const dr_task& t) {
      if (!opt.progress || cost_total <= 0) return;
      cost_done += t.cost;
      opt.progress((done_weight + weight * cost_done / cost_total) / total_weight);
    };
    auto work = [&](std::size_t i) {
      const auto task_start = std::chrono::steady_clock::now();
      dr_result r = plan.run(tasks[i]);
      busy_ns += since(task_start);
      // The report's "special leaves" are the easy and hard ones (not the ordinary leaves, nor
      // the numbers that P2's tasks sieve).
      if (tasks[i].kind == dr_task::easy || tasks[i].kind == dr_task::hard) leaves += r.leaves;
      if (tasks[i].kind == dr_task::hard) sieved += tasks[i].end - tasks[i].begin;
      return r;
    };
    if (!pool) {
      for (std::size_t i = 0; i < tasks.size(); ++i) {
        results[i] = work(i);
        report(tasks[i]);
      }
    } else {
      // The largest first (longest processing time first): the small ones fill in at the end.
      std::vector<std::size_t> order(tasks.size());
      for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::stable_sort(order.begin(), order.end(),
                       [&](std::size_t i, std::size_t j) { return tasks[i].cost > tasks[j].cost; });
      std::size_t next = 0;
      pool->stream<std::size_t>(
          work,
          [&]() -> std::optional<std::size_t> {
            if (next == order.size()) return std::nullopt;
            return order[next++];
          },
          [&](std::size_t j, dr_result&& r) {  // j: the source's j-th input, order[j]
            results[order[j]] = std::move(r);
            report(tasks[order[j]]);
          },
          1);
    }
    if (comm.rank() == 0) sums[k] = plan.combine(tasks, results);
    done_weight += weight;
  }
  relay::bcast_into(comm, sums, 0);
  out.mine.seconds = static_cast<double>(busy_ns.load()) * 1e-9;
  out.mine.cpu_seconds = relay::app::cpu_seconds() - cpu_start;
  out.mine.work = leaves;
  out.mine.numbers = sieved;
  out.sums = in_given_order(ns, sorted, sums);
  return out;
}

// Measured on the development machine (one rank, in-app; scripts/bench_prime_sums_dr.sh): 1e14
// in about 1.15 s, 1e15 in 3.2 s, 1e16 in 12 s, i.e. 2.6e-10 to 5e-10 s per N^(2/3); and about
// 10 ms per N for its tables and tasks, whatever its size, on every rank alike.
constexpr double dr_seconds_per_unit = 3.0e-10;
constexpr double dr_seconds_per_n = 0.01;

double dr_estimate_seconds(const std::vector<std::uint64_t>& sorted, int ranks) {
  double total = 0;
  for (const std::uint64_t n : sorted) total += std::pow(static_cast<double>(n), 2.0 / 3.0);
  return dr_seconds_per_unit * total / std::max(ranks, 1) +
         dr_seconds_per_n * static_cast<double>(sorted.size());
}

}  // namespace prime_sums
