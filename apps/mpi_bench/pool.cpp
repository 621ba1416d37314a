// relay::pool's map, timed on the root: trivial tasks at several chunksizes, and tasks of
// calibrated real work against a serial loop over the same tasks. Every rank calls every map;
// between maps the ranks meet in a barrier that sleeps while it waits (Open MPI's blocking
// barrier spins, which on an oversubscribed machine would take the core of a rank still working).

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <numeric>
#include <thread>

#include "bench.hpp"
#include "pool_bench.hpp"
#include "relay/error.hpp"
#include "relay/pool.hpp"

namespace mpi_bench {
namespace {

/// Inputs of the warm-up map, which lets the pool's ranks connect before anything is timed.
constexpr std::size_t warmup_tasks = 1000;
/// Tasks of the probe map that sets a row's task count (see row_tasks), at least.
constexpr std::size_t probe_tasks = 5000;
/// The tasks of real work are timed in this many slices, serial and parallel alternating.
constexpr std::size_t work_slices = 4;
/// A rank waiting in quiet_barrier sleeps between looks, first this long, doubling up to
/// barrier_nap_max: while the root runs the serial loop the others wake only ~500 times a second
/// (20,000 wake-ups a second, each a context switch on a 2-core machine, slowed the serial loop
/// measurably), and every timed phase starts from a second barrier that all ranks enter together.
constexpr auto barrier_nap_min = std::chrono::microseconds(10);
constexpr auto barrier_nap_max = std::chrono::microseconds(2000);

double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

/// A barrier that does not spin a core while it waits.
void quiet_barrier(const relay::communicator& comm) {
  MPI_Request request = MPI_REQUEST_NULL;
  MPI_Ibarrier(comm.native(), &request);
  auto nap = barrier_nap_min;
  for (int done = 0;;) {
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (done) return;
    std::this_thread::sleep_for(nap);
    nap = std::min(2 * nap, barrier_nap_max);
  }
}

/// What one timed map gave on the root.
struct sample {
  double seconds = 0, cpu = 0;
  std::vector<std::uint64_t> per_rank;
  std::uint64_t messages = 0;
};

/// Reads the pool's statistics of its last call.
void read_stats(const relay::pool& pool, sample& s) {
  const relay::pool_stats& st = pool.last_stats();
  s.per_rank.assign(st.tasks_per_rank.begin(), st.tasks_per_rank.end());
  s.messages = st.messages_sent + st.messages_received;
}

/// One map of `f` over `inputs` (read on the root), timed on the root after a quiet barrier.
/// `check` tells whether the root's results are right; a wrong result on the root fails the run
/// on every rank.
template <class F, class In, class Check>
sample timed_map(const relay::communicator& comm, relay::pool& pool, F f,
                 const std::vector<In>& inputs, std::size_t chunksize, const Check& check,
                 const std::string& what) {
  quiet_barrier(comm);
  sample s;
  const double cpu0 = thread_cpu_seconds();
  const double t0 = MPI_Wtime();
  auto results = pool.map(f, inputs, chunksize);
  s.seconds = MPI_Wtime() - t0;
  s.cpu = thread_cpu_seconds() - cpu0;
  bool ok = true;
  if (pool.is_root()) {
    ok = results.size() == inputs.size() && check(results);
    read_stats(pool, s);
  }
  expect_everywhere(comm, ok, what);
  return s;
}

/// The row of `samples`: medians, and the counts of the median repetition.
pool_row summarize(pool_row row, std::vector<sample> samples) {
  std::sort(samples.begin(), samples.end(),
            [](const sample& a, const sample& b) { return a.seconds < b.seconds; });
  std::vector<double> seconds, cpu;
  for (const auto& s : samples) {
    seconds.push_back(s.seconds);
    cpu.push_back(s.cpu);
  }
  const sample& mid = samples[(samples.size() - 1) / 2];
  row.seconds = median(seconds);
  row.tasks_per_second = double(row.tasks) / row.seconds;
  row.best_tasks_per_second = double(row.tasks) / samples.front().seconds;
  row.dispatcher_cpu_s = median(cpu);
  row.tasks_per_rank = mid.per_rank;
  row.messages = mid.messages;
  return row;
}

/// A row's configuration, before its measurements.
pool_row make_row(const relay::communicator& comm, const pool_settings& ps, std::string task,
                  std::size_t chunksize, std::size_t tasks, bool root_works) {
  pool_row row;
  row.task = std::move(task);
  row.chunksize = chunksize;
  row.tasks = tasks;
  row.root_works = root_works;
  row.group_size = ps.group_size;
  row.workers = comm.size() == 1 || root_works ? comm.size() : comm.size() - 1;
  return row;
}

/// The number of tasks of a row: `ps.tasks`, or fewer where a map of them would take longer than
/// `ps.max_map_seconds` at the rate of a probe map (the same on every rank: the root decides).
std::size_t row_tasks(const relay::communicator& comm, relay::pool& pool, const pool_settings& ps,
                      std::size_t chunksize) {
  const std::size_t probe = std::min(ps.tasks, std::max<std::size_t>(probe_tasks, 8 * chunksize));
  std::vector<std::int64_t> inputs(comm.rank() == 0 ? probe : 0, 1);
  quiet_barrier(comm);
  const double t0 = MPI_Wtime();
  pool.map([](std::int64_t x) { return x + 2; }, inputs, chunksize);
  const double rate = double(probe) / std::max(MPI_Wtime() - t0, 1e-9);
  std::uint64_t n =
      std::clamp<std::uint64_t>(std::uint64_t(rate * ps.max_map_seconds), probe, ps.tasks);
  MPI_Bcast(&n, 1, MPI_UINT64_T, 0, comm.native());
  return n;
}

/// The trivial rows of one pool: x + 2 at every chunksize, the chunksizes interleaved within
/// each repetition so that a slow moment of the machine does not fall on one of them only.
std::vector<pool_row> trivial_rows(const relay::communicator& comm, relay::pool& pool,
                                   const pool_settings& ps, bool root_works) {
  const auto add2 = [](std::int64_t x) { return x + 2; };
  const auto check = [](const std::vector<std::int64_t>& r) {
    for (std::size_t i = 0; i < r.size(); ++i)
      if (r[i] != std::int64_t(i) + 2) return false;
    return true;
  };
  std::vector<std::size_t> counts;
  std::vector<std::vector<std::int64_t>> inputs;
  for (std::size_t chunksize : ps.chunksizes) {
    counts.push_back(row_tasks(comm, pool, ps, chunksize));
    inputs.emplace_back(comm.rank() == 0 ? counts.back() : 0);
    std::iota(inputs.back().begin(), inputs.back().end(), std::int64_t{0});
  }
  std::vector<std::vector<sample>> samples(ps.chunksizes.size());
  for (int rep = 0; rep < ps.reps; ++rep)
    for (std::size_t c = 0; c < ps.chunksizes.size(); ++c)
      samples[c].push_back(timed_map(comm, pool, add2, inputs[c], ps.chunksizes[c], check,
                                     "pool_map x+2 chunksize " + std::to_string(ps.chunksizes[c])));
  std::vector<pool_row> rows;
  for (std::size_t c = 0; c < ps.chunksizes.size(); ++c)
    rows.push_back(
        summarize(make_row(comm, ps, "x+2", ps.chunksizes[c], counts[c], root_works), samples[c]));
  return rows;
}

/// The rows of real work. The tasks are cut into `work_slices` slices; each repetition runs, for
/// every slice, the serial loop on the root (the other ranks wait without spinning) and the
/// pool's map, alternating which goes first, so that a change in the machine's load hits both
/// sides alike. A repetition's times are the sums over its slices.
std::vector<pool_row> work_rows(const relay::communicator& comm, relay::pool& pool,
                                const pool_settings& ps, bool root_works, std::uint64_t iters) {
  const auto task = [iters](std::int64_t x) { return work(x, iters); };
  const std::size_t slices = std::min<std::size_t>(work_slices, ps.work_tasks);
  std::vector<std::vector<std::int64_t>> inputs(slices);
  std::vector<std::vector<std::uint64_t>> expected(slices);
  if (comm.rank() == 0)
    for (std::size_t i = 0; i < ps.work_tasks; ++i) inputs[i % slices].push_back(std::int64_t(i));
  const auto serial = [&](std::size_t k) {
    quiet_barrier(comm);
    const double t0 = MPI_Wtime();
    if (comm.rank() == 0) {
      expected[k].resize(inputs[k].size());
      for (std::size_t i = 0; i < inputs[k].size(); ++i) expected[k][i] = task(inputs[k][i]);
    }
    const double t = MPI_Wtime() - t0;
    quiet_barrier(comm);
    return t;
  };
  for (std::size_t k = 0; k < slices; ++k) serial(k);  // fills `expected`, warms the caches
  const std::string name = "work_" + std::to_string(std::lround(ps.work_us)) + "us";
  const int workers = make_row(comm, ps, name, 1, 0, root_works).workers;
  std::vector<pool_row> rows;
  for (std::size_t chunksize : ps.work_chunksizes) {
    const std::string what = "pool_map " + name + " chunksize " + std::to_string(chunksize);
    std::vector<sample> samples;
    std::vector<double> serial_s, efficiency;
    for (int rep = 0; rep < ps.reps; ++rep) {
      sample sum;
      double t_serial = 0;
      for (std::size_t k = 0; k < slices; ++k) {
        const bool serial_first = (rep + k) % 2 == 0;
        if (serial_first) t_serial += serial(k);
        const auto check = [&](const std::vector<std::uint64_t>& r) { return r == expected[k]; };
        const sample one = timed_map(comm, pool, task, inputs[k], chunksize, check, what);
        if (!serial_first) t_serial += serial(k);
        sum.seconds += one.seconds;
        sum.cpu += one.cpu;
        sum.messages += one.messages;
        sum.per_rank.resize(one.per_rank.size());
        for (std::size_t r = 0; r < one.per_rank.size(); ++r) sum.per_rank[r] += one.per_rank[r];
      }
      samples.push_back(sum);
      serial_s.push_back(t_serial);
      efficiency.push_back(t_serial / (workers * sum.seconds));
    }
    pool_row row =
        summarize(make_row(comm, ps, name, chunksize, ps.work_tasks, root_works), samples);
    row.serial_seconds = median(serial_s);
    row.task_us = row.serial_seconds / double(ps.work_tasks) * 1e6;
    row.efficiency = median(efficiency);
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

std::uint64_t work(std::int64_t x, std::uint64_t iters) {
  auto state = static_cast<std::uint64_t>(x) * 0x9E3779B97F4A7C15ull + 1;
  for (std::uint64_t i = 0; i < iters; ++i) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
  }
  return state;
}

std::uint64_t calibrate_work(const relay::communicator& comm, double us) {
  std::uint64_t iters = 0;
  if (comm.rank() == 0) {
    // The fastest of several trials of about a millisecond each: a trial that the OS
    // interrupted would make the tasks too short.
    constexpr std::uint64_t trial = 1'000'000;
    double best = 1e30;
    std::uint64_t sink = 0;
    for (int k = 0; k < 7; ++k) {
      const double t0 = MPI_Wtime();
      sink += work(k, trial);
      best = std::min(best, MPI_Wtime() - t0);
    }
    iters = std::max<std::uint64_t>(1, std::uint64_t(us * 1e-6 / best * double(trial)));
    if (sink == 42) ++iters;  // keeps the trials from being optimized away
  }
  MPI_Bcast(&iters, 1, MPI_UINT64_T, 0, comm.native());
  return iters;
}

std::vector<pool_row> run_pool(const relay::communicator& comm, const pool_settings& ps) {
  std::vector<bool> modes;
  if (ps.roots != root_mode::no) modes.push_back(true);
  if (ps.roots != root_mode::yes && comm.size() > 1) modes.push_back(false);
  const std::uint64_t iters = ps.work_tasks ? calibrate_work(comm, ps.work_us) : 0;
  std::vector<pool_row> rows;
  for (bool root_works : modes) {
    relay::pool_options opts;
    opts.root_works = root_works;
    opts.group_size = ps.group_size;
    relay::pool pool(comm, opts);
    std::vector<std::int64_t> warmup(comm.rank() == 0 ? warmup_tasks : 0, 1);
    pool.map([](std::int64_t x) { return x + 2; }, warmup, 100);
    auto more = trivial_rows(comm, pool, ps, root_works);
    rows.insert(rows.end(), more.begin(), more.end());
    if (ps.work_tasks) {
      more = work_rows(comm, pool, ps, root_works, iters);
      rows.insert(rows.end(), more.begin(), more.end());
    }
  }
  return rows;
}

}  // namespace mpi_bench
