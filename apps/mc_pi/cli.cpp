#include "cli.hpp"

#include <string>

#include "app.hpp"
#include "kernels.hpp"
#include "stream.hpp"

namespace mc_pi {

namespace {
constexpr std::uint64_t default_samples = 1'000'000'000;
/// The most threads per rank: far above any node's cores, and below where thread creation fails.
constexpr std::uint64_t max_threads = 1024;

/// --target-error and --baseline-seconds: numbers above 0.
const relay::app::number_range positive{.min = 0, .positive = true, .noun = "positive number"};
}  // namespace

cli_options parse_command_line(int argc, char** argv, const relay::communicator& world) {
  CLI::App cli{
      "Estimates pi by throwing points into the unit square: the fraction inside the quarter "
      "circle is pi/4. Sample i (a global index) is a pure function of (seed, i), drawn from "
      "Random123's Threefry4x64-20 counter-based generator: blocks of " +
          std::to_string(block_size) +
          " samples are each a stream keyed by (seed, block index), the counter is the position "
          "in the block, and each 64-bit output word is one point, x from its low 32 bits and y "
          "from its high 32 bits. The point is the centre of cell (x, y) of a 2^32 x 2^32 grid, "
          "and it is inside when (x+1/2)^2 + (y+1/2)^2 < 2^64, tested exactly in integers as "
          "x(x+1) + y(y+1) < 2^64 (cell centres, not corners: the grid then biases pi by only "
          "9e-15). The "
          "ranks split the blocks in balanced runs, each rank's threads split its run the same "
          "way, and the hits are summed, so the hit count is identical for any number of ranks "
          "and threads.",
      "mc_pi"};
  std::string samples_text, seed_text, target_text, baseline_text, threads_text,
      kernel_text = "auto";
  cli_options o;
  cli.add_option("--samples", samples_text,
                 "How many samples (1 to 2^63, e-notation allowed, e.g. 4e9). Default 1e9 (about "
                 "a second on one core); with --target-error the most to draw, default 2^63");
  cli.add_option("--seed", seed_text, "Seed, 0 to 2^64-1. Default 1");
  cli.add_option("--target-error", target_text,
                 "Sample in rounds until the standard error is below this (> 0), or --samples is "
                 "reached. Round 1 is samples [0, 2^20); each next round continues the global "
                 "index up to the count that the estimate so far predicts (16 p(1-p)/E^2, +1%), "
                 "at least 1.25 times the samples so far, in whole blocks: the rounds, and so the "
                 "answer, are the same at any rank count");
  cli.add_option("--baseline-seconds", baseline_text,
                 "The seconds of a 1-rank, 1-thread run of the same samples: prints the parallel "
                 "efficiency T1 / (ranks * threads * T)");
  cli.add_option("--threads", threads_text,
                 "Threads per rank, 1 to " + std::to_string(max_threads) +
                     " (default 1). Hybrid runs: ranks x threads cores, e.g. mpirun -n 2 mc_pi "
                     "--threads \"$OMP_NUM_THREADS\". The hits do not depend on it");
  cli.add_option("--kernel", kernel_text,
                 "auto (the fastest this CPU runs), scalar (Random123's own code) or avx2 "
                 "(x86-64 with AVX2). Every kernel gives the same hits");
  cli.add_flag("--json", o.json,
               "Print one JSON object: {\"samples\", \"hits\", \"pi\", \"error\", \"stderr\", "
               "\"seconds\", \"samples_per_second\", \"ranks\", \"threads\", \"seed\"}");
  cli.add_flag("--progress", o.force_progress,
               "Report progress on stderr, every 5 s, even when stderr is not a terminal. Runs "
               "over a second report it anyway when rank 0's stderr is a terminal; under "
               "Open MPI's mpirun it is a pipe, so ask with --progress there");
  cli.footer(
      "Output: the estimate, its error against pi, the standard error 4*sqrt(p(1-p)/N), total "
      "and per-rank samples/s.\nExamples: mpirun -n 2 mc_pi --samples 4e9 | mpirun -n 2 "
      "mc_pi --threads 4 | mc_pi --target-error 1e-5 | mc_pi --json");
  relay::app::parse(cli, argc, argv, world);

  const bool samples_given = !samples_text.empty();
  o.run.samples = default_samples;
  if (samples_given)
    o.run.samples = relay::app::parse_count(samples_text, "--samples", {.max = max_samples});
  if (!seed_text.empty()) o.run.seed = relay::app::parse_count(seed_text, "--seed", {.min = 0});
  if (!target_text.empty()) {
    o.run.target_error = relay::app::parse_number(target_text, "--target-error", positive);
    if (!samples_given) o.run.samples = max_samples;
  }
  if (!threads_text.empty())
    o.run.threads = static_cast<unsigned>(
        relay::app::parse_count(threads_text, "--threads", {.min = 1, .max = max_threads}));
  if (!baseline_text.empty())
    o.baseline = relay::app::parse_number(baseline_text, "--baseline-seconds", positive);
  if (kernel_text != "auto") {
    const auto kind = kernel_from_name(kernel_text);
    if (!kind)
      throw relay::usage_error("--kernel must be auto, scalar or avx2 (got \"" + kernel_text +
                               "\")");
    if (!kernel_available(*kind))
      throw relay::usage_error("--kernel " + kernel_text + " is not available on this CPU");
    o.run.kernel = *kind;
  }
  return o;
}

}  // namespace mc_pi
