// mc_pi_bench: per-core samples/s of mc_pi's kernels against a std::mt19937_64 +
// std::uniform_real_distribution<double> baseline, measured side by side in one run.
//
// Every rank runs the same methods at the same time (a barrier before each), so with one rank
// per core each figure is a per-core rate with all cores busy. Each method is timed --reps
// times, interleaved (baseline, scalar, avx2, baseline, ...), so that a change in the machine's
// load hits them alike; the table shows per-rank medians and their ratio to the baseline.

#include <algorithm>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app.hpp"
#include "format.hpp"
#include "kernels.hpp"
#include "relay/collectives.hpp"
#include "relay/reduce.hpp"
#include "stream.hpp"

namespace {

struct method {
  std::string name;         // for --json and the table
  std::string description;  // for the table
  bool baseline = false;
  mc_pi::kernel_kind kernel = mc_pi::kernel_kind::scalar;
};

/// Hits of n samples of the textbook way: two doubles from uniform_real_distribution each.
std::uint64_t baseline_hits(std::mt19937_64& engine, std::uint64_t n) {
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::uint64_t hits = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    const double x = uniform(engine);
    const double y = uniform(engine);
    hits += x * x + y * y < 1.0;
  }
  return hits;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int bench(int argc, char** argv, const relay::communicator& world) {
  CLI::App cli{
      "Per-core samples/s of mc_pi's kernels against std::mt19937_64 + "
      "uniform_real_distribution<double>, side by side in one run; run it with one rank "
      "per core (e.g. mpirun -n 2).",
      "mc_pi_bench"};
  int reps = 5;
  double seconds = 0.5;
  bool json = false;
  cli.add_option("--reps", reps, "Timed runs of each method (the table shows medians)")
      ->check(CLI::Range(1, 1000));
  cli.add_option("--seconds", seconds, "About how long each timed run lasts")
      ->check(CLI::Range(0.01, 60.0));
  cli.add_flag("--json", json, "Print one JSON object");
  relay::app::parse(cli, argc, argv, world);

  std::vector<method> methods{{"baseline", "std::mt19937_64 + uniform_real_distribution", true}};
  for (auto kind : mc_pi::available_kernels())
    methods.push_back({std::string(mc_pi::kernel_name(kind)),
                       "Threefry4x64-20, " + std::string(mc_pi::kernel_name(kind)) + " kernel",
                       false, kind});

  const auto rank = static_cast<std::uint64_t>(world.rank());
  std::mt19937_64 engine(1 + rank);
  // Disjoint sample ranges per rank and run, far apart (any range gives the same speed).
  std::uint64_t next_index = rank * (std::uint64_t{1} << 56);
  const auto time_method = [&](const method& m, std::uint64_t n) {
    world.barrier();
    const double start = MPI_Wtime();
    std::uint64_t hits = 0;
    if (m.baseline) {
      hits = baseline_hits(engine, n);
    } else {
      hits = mc_pi::count_hits(m.kernel, 7, next_index, next_index + n);
      next_index += n;
    }
    const double elapsed = MPI_Wtime() - start;
    if (hits > n) std::abort();  // keeps the work observable
    return elapsed;
  };

  // Calibrate on rank 0: the sample count that takes about --seconds, the same on every rank.
  std::vector<std::uint64_t> counts;
  for (const auto& m : methods) {
    std::uint64_t n = m.baseline ? (1u << 20) : (1u << 23);
    // The slowest rank's time, so that every rank takes the same branch (and barriers).
    double t = relay::allreduce(world, time_method(m, n), relay::ops::max{});
    while (t < 0.05) {
      n *= 4;
      t = relay::allreduce(world, time_method(m, n), relay::ops::max{});
    }
    const auto wanted = static_cast<std::uint64_t>(static_cast<double>(n) * seconds / t);
    counts.push_back(relay::bcast(world, std::max<std::uint64_t>(wanted, 1024), 0));
  }

  // Interleaved timed runs; per rank, the samples/s of each run.
  std::vector<std::vector<double>> rates(methods.size());
  for (int rep = 0; rep < reps; ++rep)
    for (std::size_t m = 0; m < methods.size(); ++m)
      rates[m].push_back(static_cast<double>(counts[m]) / time_method(methods[m], counts[m]));

  std::vector<double> my_medians;
  for (const auto& r : rates) my_medians.push_back(median(r));
  const auto gathered = relay::gather(world, my_medians, 0);  // [rank][method], on rank 0
  if (!gathered) return relay::app::exit_ok;
  const auto& all = *gathered;

  const auto ranks = all.size();
  std::vector<double> mean(methods.size(), 0.0);
  for (std::size_t m = 0; m < methods.size(); ++m) {
    for (const auto& r : all) mean[m] += r[m];
    mean[m] /= static_cast<double>(ranks);
  }

  if (json) {
    nlohmann::ordered_json out;
    out["ranks"] = ranks;
    out["reps"] = reps;
    out["kernel"] = mc_pi::kernel_name(mc_pi::best_kernel());
    for (std::size_t m = 0; m < methods.size(); ++m) {
      std::vector<double> per_rank;
      for (const auto& r : all) per_rank.push_back(r[m]);
      out["per_core"][methods[m].name] = {
          {"per_rank", per_rank}, {"mean", mean[m]}, {"ratio", mean[m] / mean[0]}};
    }
    std::cout << out.dump() << std::endl;
    return relay::app::exit_ok;
  }
  // A Markdown table, then one summary line for the fastest kernel (scripts read it).
  std::cout << "Per-core samples/s, " << ranks << (ranks == 1 ? " rank" : " ranks at once")
            << ", median of " << reps << " interleaved runs of about " << seconds
            << " s per method:\n\n";
  std::cout << "| method | M samples/s per core | per rank | vs baseline |\n"
            << "| --- | ---: | ---: | ---: |\n";
  std::size_t best = 0;
  for (std::size_t m = 0; m < methods.size(); ++m) {
    std::string per;
    for (std::size_t r = 0; r < ranks; ++r)
      per += (r ? " / " : "") + relay::app::format("%.0f", all[r][m] / 1e6);
    std::cout << "| " << methods[m].description << " | "
              << relay::app::format("%.1f", mean[m] / 1e6) << " | " << per << " | "
              << relay::app::format("%.2f", mean[m] / mean[0]) << "x |\n";
    if (m > 0 && (best == 0 || mean[m] > mean[best])) best = m;
  }
  if (best > 0)
    std::cout << "fastest: " << methods[best].name << " "
              << relay::app::format("%.1f", mean[best] / 1e6) << " M samples/s per core, "
              << relay::app::format("%.2f", mean[best] / mean[0]) << "x the baseline\n";
  return relay::app::exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
  return relay::app::run(argc, argv, "mc_pi_bench", bench);
}
