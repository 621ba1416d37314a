#include "run.hpp"

#include <mpi.h>

#include <algorithm>
#include <functional>

#include "estimate.hpp"
#include "relay/reduce.hpp"
#include "relay/timer.hpp"
#include "stream.hpp"

namespace mc_pi {

namespace {

/// Rank 0 reports progress after every chunk of this many samples (a few milliseconds of work).
constexpr std::uint64_t progress_chunk = 256 * block_size;

}  // namespace

run_result run(const relay::communicator& comm, const run_options& options) {
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
    std::uint64_t local = 0;
    for (std::uint64_t at = mine.begin; at < mine.end;) {
      const std::uint64_t stop = report ? std::min(mine.end, at + progress_chunk) : mine.end;
      local += count_hits(options.kernel, options.seed, at, stop);
      at = stop;
      if (report) {
        // Every rank has about as much to do as rank 0: scale its progress to the round.
        const double share =
            static_cast<double>(at - mine.begin) / static_cast<double>(mine.size());
        const auto round_size = static_cast<double>(end - result.samples);
        options.on_progress({result.samples + static_cast<std::uint64_t>(share * round_size), end,
                             result.rounds, clock.elapsed()});
      }
    }
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
