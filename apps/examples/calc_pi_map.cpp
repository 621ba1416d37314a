// calc_pi_map: seed 004's calc_pi with executor.map over workers, on relay::pool: one task per
// worker, each counting the hits among `resolution` samples, with mc_pi's random stream.
//
// Task i counts samples [i * resolution, (i + 1) * resolution) of mc_pi's global stream (sample
// k of seed s is a pure function of (s, k): apps/mc_pi/stream.hpp). So the tasks together draw
// exactly the samples 0 .. workers * resolution - 1 that `mc_pi --samples <workers * resolution>
// --seed <s>` draws, and the hit count is the same as mc_pi's, at any rank count and for any split
// of the same total into workers x resolution.
//
//   mpirun -n 4 build/bin/calc_pi_map                  # 4 tasks of 10**6 samples
//   mpirun -n 2 build/bin/calc_pi_map --workers 8 --resolution 1e7 --json

#include <mpi.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <ranges>
#include <string>
#include <vector>

#include "app.hpp"
#include "estimate.hpp"
#include "kernels.hpp"
#include "relay/pool.hpp"
#include "stream.hpp"

namespace {

/// The most samples per task: 4 * hits must fit in the 64-bit result (4 * pi/4 * 2^62 < 2^64).
constexpr std::uint64_t max_resolution = std::uint64_t{1} << 62;

struct options {
  std::uint64_t resolution = 1'000'000;  // resolution = 10**6
  std::uint64_t workers = 0;             // num_workers; 0: one per rank
  std::uint64_t seed = 1;                // mc_pi's default seed
  bool json = false;
};

options parse_command_line(int argc, char** argv, const relay::communicator& world) {
  CLI::App cli{
      "Seed 004's calc_pi with executor.map: --workers tasks of --resolution samples each, "
      "mapped over the ranks by relay::pool (rank 0 works too); each task returns 4 * its hits "
      "and the estimate is their mean / resolution. Task i draws samples [i * resolution, "
      "(i + 1) * resolution) of mc_pi's stream (Random123 Threefry4x64-20, keyed by seed and "
      "block), so the hits equal those of `mc_pi --samples <workers * resolution> --seed <seed>`, "
      "at any rank count.",
      "calc_pi_map"};
  std::string resolution_text, workers_text, seed_text;
  options o;
  cli.add_option("--resolution", resolution_text,
                 "Samples per task (at least 1; e-notation allowed). Default 1e6");
  cli.add_option("--workers", workers_text,
                 "How many tasks (num_workers, 1 to 1e6). Default: the number of ranks");
  cli.add_option("--seed", seed_text, "Seed of mc_pi's stream, 0 to 2^64-1. Default 1");
  cli.add_flag("--json", o.json,
               "Print one JSON object: workers, resolution, samples, hits, pi, error, stderr, "
               "seconds, ranks, seed");
  cli.footer("Example: mpirun -n 4 calc_pi_map | calc_pi_map --workers 2 --resolution 1e7 --json");
  relay::app::parse(cli, argc, argv, world);
  if (!resolution_text.empty())
    o.resolution =
        relay::app::parse_count(resolution_text, "--resolution", {.max = max_resolution});
  if (!workers_text.empty())
    o.workers = relay::app::parse_count(workers_text, "--workers", {.max = 1'000'000});
  if (!seed_text.empty()) o.seed = relay::app::parse_count(seed_text, "--seed", {.min = 0});
  if (o.workers == 0) o.workers = static_cast<std::uint64_t>(world.size());
  if (o.resolution > mc_pi::max_samples / o.workers)
    throw relay::usage_error("--workers times --resolution is too large: the limit is " +
                             std::to_string(mc_pi::max_samples) + " samples");
  return o;
}

int calc_pi_map_main(int argc, char** argv, const relay::communicator& world) {
  const options o = parse_command_line(argc, argv, world);
  const mc_pi::kernel_kind kernel = mc_pi::best_kernel();  // every kernel gives the same hits

  // def calc_pi_map(N): ... return 4 * M   (here: task i's share of mc_pi's stream)
  const auto calc_pi = [&](std::uint64_t i) -> std::uint64_t {
    const std::uint64_t begin = i * o.resolution;
    return 4 * mc_pi::count_hits(kernel, o.seed, begin, begin + o.resolution);
  };

  relay::pool pool(world);
  const double start = MPI_Wtime();
  // results = ex.map(calc_pi_map, [resolution for x in range(num_workers)])
  const std::vector<std::uint64_t> results =
      pool.map(calc_pi, std::views::iota(std::uint64_t{0}, o.workers));
  const double seconds = MPI_Wtime() - start;
  if (!pool.is_root()) return relay::app::exit_ok;

  // np.mean(final_results) / resolution - np.pi, from the exact hit count.
  const std::uint64_t hits = std::accumulate(results.begin(), results.end(), std::uint64_t{0}) / 4;
  const mc_pi::estimate e = mc_pi::make_estimate(o.workers * o.resolution, hits);
  if (o.json) {
    nlohmann::ordered_json out;
    out["workers"] = o.workers;
    out["resolution"] = o.resolution;
    out["samples"] = e.samples;
    out["hits"] = e.hits;
    out["pi"] = e.pi;
    out["error"] = e.error;
    out["stderr"] = e.std_error;
    out["seconds"] = seconds;
    out["ranks"] = pool.size();
    out["seed"] = o.seed;
    std::cout << out.dump() << "\n";
    return relay::app::exit_ok;
  }
  char text[512];
  std::snprintf(text, sizeof text,
                "# calc_pi_map: %llu task%s of %llu samples on %d rank%s (seed %llu)\n"
                "hits            %llu of %llu\n"
                "pi estimate     %.9f\n"
                "error vs pi     %+.3e (%.2f standard errors)\n"
                "standard error  %.3e\n"
                "seconds         %.4f\n",
                static_cast<unsigned long long>(o.workers), o.workers == 1 ? "" : "s",
                static_cast<unsigned long long>(o.resolution), pool.size(),
                pool.size() == 1 ? "" : "s", static_cast<unsigned long long>(o.seed),
                static_cast<unsigned long long>(e.hits), static_cast<unsigned long long>(e.samples),
                e.pi, e.error, e.std_error > 0 ? e.error / e.std_error : 0.0, e.std_error, seconds);
  std::cout << text;
  return relay::app::exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
  // funneled: the pool's root works in a second thread of its own, which never calls MPI.
  return relay::app::run(argc, argv, "calc_pi_map", calc_pi_map_main,
                         relay::thread_level::funneled);
}
