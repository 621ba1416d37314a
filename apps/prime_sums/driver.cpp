// The methods distributed over MPI ranks: the partial sums of every rank are combined with a
// reduction of unsigned __int128 (a user MPI operation made by relay).

#include "driver.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <ranges>
#include <stdexcept>

#include <time.h>
#include <unistd.h>

#include "clock.hpp"
#include "relay/decompose.hpp"
#include "relay/pool.hpp"
#include "relay/reduce.hpp"

namespace prime_sums {

const char* name(method m) {
  switch (m) {
    case method::trial:
      return "trial";
    case method::sieve:
      return "sieve";
    case method::lucy:
      return "lucy";
    case method::dr:
      return "dr";
  }
  return "?";
}

const char* name(decomposition d) {
  switch (d) {
    case decomposition::block:
      return "block";
    case decomposition::cyclic:
      return "cyclic";
    case decomposition::dynamic:
      return "dynamic";
  }
  return "?";
}

const char* work_unit(method m) {
  switch (m) {
    case method::trial:
      return "division steps";
    case method::sieve:
      return "primes found";
    case method::lucy:
      return "table entries";
    case method::dr:
      return "special leaves";
  }
  return "?";
}

/// The distinct Ns in ascending order.
std::vector<std::uint64_t> distinct(std::span<const std::uint64_t> ns) {
  std::vector<std::uint64_t> d(ns.begin(), ns.end());
  std::sort(d.begin(), d.end());
  d.erase(std::unique(d.begin(), d.end()), d.end());
  return d;
}

/// Sums per distinct N (ascending) -> sums in the order of `ns`.
std::vector<u128> in_given_order(std::span<const std::uint64_t> ns,
                                 const std::vector<std::uint64_t>& sorted,
                                 const std::vector<u128>& sums) {
  std::vector<u128> out(ns.size());
  for (std::size_t i = 0; i < ns.size(); ++i) {
    const auto at = std::lower_bound(sorted.begin(), sorted.end(), ns[i]) - sorted.begin();
    out[i] = sums[static_cast<std::size_t>(at)];
  }
  return out;
}

namespace {

/// Adds every rank's vector element by element, on every rank.
std::vector<u128> sum_over_ranks(const relay::communicator& comm, const std::vector<u128>& mine) {
  if (mine.empty()) return mine;
  return relay::allreduce(comm, mine, relay::ops::commutative{std::plus<u128>{}});
}

double now() {
  return MPI_Wtime();
}

/// ceil(a / b) without overflow near 2^64.
std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) {
  return a / b + (a % b != 0);
}

// ---- trial division ----------------------------------------------------------------------------

/// Tests the numbers [lo, hi] and adds each prime to the bucket of the smallest N >= it, so that
/// the prefix sums of the buckets are the answers. `next` is the first bucket that can receive.
struct trial_buckets {
  const std::vector<std::uint64_t>& ns;  // distinct, ascending
  std::vector<u128> bucket;
  std::uint64_t tested = 0, steps = 0;

  explicit trial_buckets(const std::vector<std::uint64_t>& sorted)
      : ns(sorted), bucket(sorted.size(), 0) {}

  void test(std::uint64_t lo, std::uint64_t hi) {
    if (lo > hi) return;
    std::size_t b =
        static_cast<std::size_t>(std::lower_bound(ns.begin(), ns.end(), lo) - ns.begin());
    for (std::uint64_t x = lo;; ++x) {
      while (ns[b] < x) ++b;  // x <= max N, so b stays in range
      if (is_prime_trial(x, &steps)) bucket[b] += x;
      if (x == hi) break;
    }
    tested += hi - lo + 1;
  }

  [[nodiscard]] std::vector<u128> prefix(const relay::communicator& comm) const {
    std::vector<u128> all = sum_over_ranks(comm, bucket);
    for (std::size_t i = 1; i < all.size(); ++i) all[i] += all[i - 1];
    return all;
  }
};

/// Dynamic decomposition on relay::pool: the chunk numbers are the pool's inputs, which its root
/// (rank 0) hands out to whichever rank is free; rank 0 tests numbers too, in a thread of its own
/// (with 2-4 ranks a manager that only hands out work would idle a quarter to a half of the
/// machine). Each rank adds its primes into its own buckets, so nothing comes back through the
/// pool: the buckets are reduced afterwards, as for the other decompositions.
void trial_dynamic(const relay::communicator& comm, trial_buckets& tb, std::uint64_t first,
                   std::uint64_t last, std::uint64_t chunk, const options& opt) {
  const std::uint64_t chunks = ceil_div(last - first + 1, chunk);
  relay::pool pool(comm);  // collective; works on a private duplicate of comm
  pool.for_each(
      [&](std::uint64_t c) {
        const std::uint64_t lo = first + c * chunk;
        tb.test(lo, lo + std::min(chunk, last - lo + 1) - 1);
        // Only rank 0 has a progress callback: the chunks are handed out in order, so c tells
        // how far the whole run has got.
        if (opt.progress) opt.progress(static_cast<double>(c + 1) / static_cast<double>(chunks));
      },
      std::views::iota(std::uint64_t{0}, chunks), 1);
}

}  // namespace

std::uint64_t default_chunk(decomposition d, std::uint64_t max_n, int ranks) {
  if (d == decomposition::cyclic) return 30;  // every chunk has the same residues mod 2, 3, 5
  // dynamic: about 64 chunks per rank, a multiple of 30, at least 3000 numbers.
  const std::uint64_t per = max_n / (64 * static_cast<std::uint64_t>(std::max(ranks, 1)));
  return std::max<std::uint64_t>(3000, per / 30 * 30);
}

run_result run_trial(const relay::communicator& comm, std::span<const std::uint64_t> ns,
                     const options& opt) {
  const std::vector<std::uint64_t> sorted = distinct(ns);
  run_result out;
  trial_buckets tb(sorted);
  const double start = now(), cpu_start = relay::app::cpu_seconds();
  const std::uint64_t max_n = sorted.empty() ? 0 : sorted.back();
  const auto p = static_cast<std::uint64_t>(comm.size());
  const auto r = static_cast<std::uint64_t>(comm.rank());
  if (max_n >= 2) {
    const std::uint64_t first = 2, count = max_n - 1;  // the numbers 2..max N
    const std::uint64_t chunk =
        opt.chunk ? opt.chunk : default_chunk(opt.decomp, max_n, comm.size());
    switch (opt.decomp) {
      case decomposition::block: {
        const relay::range mine = relay::block_range(count, p, r);
        // Test in pieces so that progress can be shown.
        for (std::uint64_t a = mine.begin; a < mine.end;) {
          const std::uint64_t b = mine.end - a < 65536 ? mine.end : a + 65536;
          tb.test(first + a, first + b - 1);
          if (opt.progress)
            opt.progress(static_cast<double>(b - mine.begin) / static_cast<double>(mine.size()));
          a = b;
        }
        break;
      }
      case decomposition::cyclic: {
        const std::uint64_t chunks = ceil_div(count, chunk);
        const relay::cyclic_range mine(chunks, p, r);
        std::uint64_t done = 0;
        for (const std::uint64_t c : mine) {
          const std::uint64_t lo = c * chunk, hi = lo + std::min(count - lo, chunk);
          tb.test(first + lo, first + hi - 1);
          if (opt.progress && (++done & 1023) == 0)
            opt.progress(static_cast<double>(done) / static_cast<double>(mine.size()));
        }
        break;
      }
      case decomposition::dynamic:
        trial_dynamic(comm, tb, first, max_n, chunk, opt);
        break;
    }
  }
  out.mine.seconds = now() - start;
  out.mine.cpu_seconds = relay::app::cpu_seconds() - cpu_start;
  out.mine.numbers = tb.tested;
  out.mine.work = tb.steps;
  out.sums = in_given_order(ns, sorted, tb.prefix(comm));
  return out;
}

// ---- sieve -------------------------------------------------------------------------------------

run_result run_sieve(const relay::communicator& comm, std::span<const std::uint64_t> ns,
                     const options& opt) {
  const std::vector<std::uint64_t> sorted = distinct(ns);
  run_result out;
  const double start = now(), cpu_start = relay::app::cpu_seconds();
  std::vector<u128> sums(sorted.size(), 0);
  if (!sorted.empty()) {
    // Blocks of the wheel bytes that hold 0..max N, balanced by estimated work (the work per
    // byte grows along the range, so equal blocks would leave the low ranks idle at the end).
    const std::vector<std::uint64_t> cuts =
        sieve_split(sorted.back(), static_cast<std::uint64_t>(comm.size()));
    const relay::range mine{cuts[static_cast<std::size_t>(comm.rank())],
                            cuts[static_cast<std::size_t>(comm.rank()) + 1]};
    progress_fn progress;
    if (opt.progress) progress = opt.progress;
    const sieve_result r = sieve_block(sorted, mine.begin, mine.end, progress);
    sums = r.sums;
    out.mine.work = r.primes;
    // Numbers in the block, clipped to 0..max N.
    const u128 lo = static_cast<u128>(mine.begin) * 30;
    const u128 hi =
        std::min<u128>(static_cast<u128>(mine.end) * 30, static_cast<u128>(sorted.back()) + 1);
    out.mine.numbers = hi > lo ? static_cast<std::uint64_t>(hi - lo) : 0;
  }
  out.mine.seconds = now() - start;
  out.mine.cpu_seconds = relay::app::cpu_seconds() - cpu_start;
  out.sums = in_given_order(ns, sorted, sum_over_ranks(comm, sums));
  return out;
}

// ---- lucy --------------------------------------------------------------------------------------

std::vector<int> lucy_owners(std::span<const std::uint64_t> distinct_ns, int ranks) {
  std::vector<int> owner(distinct_ns.size(), 0);
  std::vector<double> load(static_cast<std::size_t>(std::max(ranks, 1)), 0.0);
  // Largest first, each to the least loaded rank (ties: the lowest rank).
  for (std::size_t k = distinct_ns.size(); k-- > 0;) {
    const auto least =
        static_cast<std::size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    owner[k] = static_cast<int>(least);
    load[least] += std::pow(static_cast<double>(distinct_ns[k]), 0.75) + 1.0;
  }
  return owner;
}

run_result run_lucy(const relay::communicator& comm, std::span<const std::uint64_t> ns,
                    const options& opt) {
  const std::vector<std::uint64_t> sorted = distinct(ns);
  run_result out;
  const double start = now(), cpu_start = relay::app::cpu_seconds();
  const std::vector<int> owner = lucy_owners(sorted, comm.size());
  std::vector<u128> sums(sorted.size(), 0);
  // Refuse (on every rank alike) an N whose tables would not fit in memory.
  const auto pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  const double physical =
      pages > 0 && page > 0 ? static_cast<double>(pages) * static_cast<double>(page) : 0;
  for (const std::uint64_t n : sorted)
    if (physical > 0 && static_cast<double>(lucy_memory_bytes(n)) > 0.8 * physical)
      throw std::runtime_error("lucy: N = " + std::to_string(n) + " needs " +
                               std::to_string(lucy_memory_bytes(n) >> 30) +
                               " GiB of tables, more than this machine's memory");
  std::size_t mine_total = 0, mine_done = 0;
  for (int o : owner) mine_total += o == comm.rank();
  for (std::size_t k = 0; k < sorted.size(); ++k) {
    if (owner[k] != comm.rank()) continue;
    sums[k] = lucy_sum(sorted[k]);
    out.mine.numbers += 1;
    // One N's tables at a time: the largest of this rank's Ns.
    out.mine.memory = std::max(out.mine.memory, lucy_memory_bytes(sorted[k]));
    out.mine.work += 2 * isqrt(sorted[k]);
    if (opt.progress)
      opt.progress(static_cast<double>(++mine_done) / static_cast<double>(mine_total));
  }
  out.mine.seconds = now() - start;
  out.mine.cpu_seconds = relay::app::cpu_seconds() - cpu_start;
  out.sums = in_given_order(ns, sorted, sum_over_ranks(comm, sums));
  return out;
}

run_result run(method m, const relay::communicator& comm, std::span<const std::uint64_t> ns,
               const options& opt) {
  switch (m) {
    case method::trial:
      return run_trial(comm, ns, opt);
    case method::sieve:
      return run_sieve(comm, ns, opt);
    case method::lucy:
      return run_lucy(comm, ns, opt);
    case method::dr:
      return run_dr(comm, ns, opt);
  }
  throw std::logic_error("unknown method");
}

// ---- auto --------------------------------------------------------------------------------------

// Rates measured on the development machine (AMD EPYC, one core; see scripts/bench_prime_sums.sh):
// the sieve sums to 1e10 in about 1.4 s, lucy does 1e12 in about 0.25 s and 1e13 in about 1.7 s.
constexpr double sieve_seconds_per_number = 1.4e-10;
constexpr double lucy_seconds_per_unit = 3.0e-10;  // per N^(3/4)
constexpr double trial_seconds_per_unit = 2.0e-9;  // per N^(3/2) / log N

double estimate_seconds(method m, std::span<const std::uint64_t> ns, int ranks) {
  const std::vector<std::uint64_t> sorted = distinct(ns);
  if (sorted.empty()) return 0;
  const double p = std::max(ranks, 1);
  const double max_n = static_cast<double>(sorted.back());
  switch (m) {
    case method::sieve:
      return sieve_seconds_per_number * max_n / p;
    case method::trial:
      return trial_seconds_per_unit * std::pow(max_n, 1.5) / std::log(max_n + 2) / p;
    case method::dr:  // the busiest rank's share of the sum over the Ns of N^(2/3)
      return dr_estimate_seconds(sorted, ranks);
    case method::lucy: {
      // The busiest rank's share under lucy_owners.
      const std::vector<int> owner = lucy_owners(sorted, ranks);
      std::vector<double> load(static_cast<std::size_t>(std::max(ranks, 1)), 0.0);
      for (std::size_t k = 0; k < sorted.size(); ++k)
        load[static_cast<std::size_t>(owner[k])] +=
            lucy_seconds_per_unit * std::pow(static_cast<double>(sorted[k]), 0.75);
      return *std::max_element(load.begin(), load.end());
    }
  }
  return 0;
}

method pick_auto(std::span<const std::uint64_t> ns, int ranks) {
  // The first of the smallest estimates, in this order (ties go to the simpler method).
  method best = method::sieve;
  double best_seconds = estimate_seconds(best, ns, ranks);
  for (const method m : {method::lucy, method::dr}) {
    const double s = estimate_seconds(m, ns, ranks);
    if (s < best_seconds) best = m, best_seconds = s;
  }
  return best;
}

method verify_method(method m) {
  return m == method::lucy ? method::dr : method::lucy;
}

}  // namespace prime_sums
