#include "run.hpp"

#include <mpi.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <exception>
#include <functional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "estimate.hpp"
#include "relay/reduce.hpp"
#include "relay/timer.hpp"
#include "stream.hpp"

namespace mc_pi {

namespace {

/// Rank 0 reports progress after every chunk of this many samples (a few milliseconds of work).
constexpr std::uint64_t progress_chunk = 256 * block_size;

/// Hits among samples [share.begin, share.end), reporting progress after each chunk when
/// `report` is set (thread 0 of rank 0 only; the callback runs on that thread).
std::uint64_t count_share(const run_options& options, relay::range share, bool report,
                          const std::function<void(std::uint64_t done_in_share)>& on_chunk) {
  std::uint64_t hits = 0;
  for (std::uint64_t at = share.begin; at < share.end;) {
    const std::uint64_t stop = report ? std::min(share.end, at + progress_chunk) : share.end;
    hits += count_hits(options.kernel, options.seed, at, stop);
    at = stop;
    if (report) on_chunk(at - share.begin);
  }
  return hits;
}

/// Hits among this rank's samples `mine`, split in whole blocks over `threads` threads (the same
/// split as over ranks: rank_share). The calling thread counts thread 0's part.
std::uint64_t count_threaded(const run_options& options, relay::range mine, unsigned threads,
                             bool report, const std::function<void(std::uint64_t)>& on_chunk) {
  if (threads == 1) return count_share(options, mine, report, on_chunk);
  std::vector<std::uint64_t> hits(threads, 0);
  std::vector<std::exception_ptr> errors(threads);
  const auto part = [&](unsigned t) { return rank_share(mine.begin, mine.end, threads, t); };
  {
    std::vector<std::jthread> workers;
    workers.reserve(threads - 1);
    for (unsigned t = 1; t < threads; ++t)
      workers.emplace_back([&, t] {
        try {
          hits[t] = count_share(options, part(t), false, on_chunk);
        } catch (...) {
          errors[t] = std::current_exception();
        }
      });
    const relay::range first = part(0);
    try {
      // Thread 0 reports its own part's progress, scaled to the whole rank share.
      hits[0] = count_share(options, first, report, [&](std::uint64_t done) {
        const double share = static_cast<double>(done) / static_cast<double>(first.size());
        on_chunk(static_cast<std::uint64_t>(share * static_cast<double>(mine.size())));
      });
    } catch (...) {
      errors[0] = std::current_exception();
    }
  }  // joins the workers
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  std::uint64_t total = 0;
  for (const auto h : hits) total += h;
  return total;
}

}  // namespace

int allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 0;
  return CPU_COUNT(&set);
}

int online_cpus() {
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 0;
}

std::string affinity_warning(const std::vector<int>& cpus, unsigned threads, int online) {
  if (threads < 2) return {};
  int fewest = 0;  // the smallest known count
  for (const int c : cpus)
    if (c > 0 && (fewest == 0 || c < fewest)) fewest = c;
  // More threads than the node has CPUs is the user's choice (and the tests' oversubscription);
  // a binding that leaves a rank fewer CPUs than the node has is what the warning is for.
  if (fewest == 0 || static_cast<unsigned>(fewest) >= threads || fewest >= online) return {};
  const std::string t = std::to_string(threads);
  return "mc_pi: warning: " + t + " threads per rank, but a rank may run on only " +
         std::to_string(fewest) + (fewest == 1 ? " CPU" : " CPUs") +
         " (its affinity), so its threads share them. Give each rank " + t +
         " cores: Open MPI's mpirun --map-by slot:PE=" + t + " (or --bind-to none), srun " +
         "--cpus-per-task=" + t + "\n";
}

run_result run(const relay::communicator& comm, const run_options& options) {
  if (options.threads < 1) throw std::invalid_argument("mc_pi::run: threads must be at least 1");
  const auto ranks = static_cast<std::uint64_t>(comm.size());
  const auto rank = static_cast<std::uint64_t>(comm.rank());
  const bool report = rank == 0 && static_cast<bool>(options.on_progress);
  run_result result;

  comm.barrier();
  const relay::timer clock;
  std::uint64_t end =
      options.target_error ? std::min(options.samples, first_round_samples) : options.samples;
  for (;;) {
    ++result.rounds;
    const relay::range mine = rank_share(result.samples, end, ranks, rank);
    const double started = MPI_Wtime();
    // Every rank (and thread) has about as much to do as rank 0's first thread: scale its
    // progress to the round.
    const auto on_chunk = [&](std::uint64_t done) {
      const double share = static_cast<double>(done) / static_cast<double>(mine.size());
      const auto round_size = static_cast<double>(end - result.samples);
      options.on_progress({result.samples + static_cast<std::uint64_t>(share * round_size), end,
                           result.rounds, clock.elapsed()});
    };
    const std::uint64_t local = count_threaded(options, mine, options.threads, report, on_chunk);
    result.my_seconds += MPI_Wtime() - started;
    result.my_samples += mine.size();
    result.hits += relay::allreduce(comm, local, std::plus<>{});
    result.samples = end;
    if (!options.target_error) break;
    if (standard_error(result.samples, result.hits) < *options.target_error) {
      result.target_reached = true;
      break;
    }
    if (result.samples >= options.samples) break;
    end = next_round_end(result.samples, result.hits, options.samples, *options.target_error);
  }
  result.seconds = clock.summarize(comm).max;
  return result;
}

}  // namespace mc_pi
