// mc_pi: Monte Carlo pi whose answer does not depend on the number of ranks.

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app.hpp"
#include "estimate.hpp"
#include "kernels.hpp"
#include "relay/collectives.hpp"
#include "run.hpp"
#include "stream.hpp"

namespace {

using relay::app::usage_error;

constexpr std::uint64_t default_samples = 1'000'000'000;

std::string format(const char* spec, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, spec, value);
  return buffer;
}

/// A positive, finite number; `what` names the option in the message.
double parse_positive(const std::string& text, const char* what) {
  errno = 0;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(value))
    throw usage_error(std::string(what) + " must be a positive number (got \"" + text + "\")");
  if (value <= 0) throw usage_error(std::string(what) + " must be positive (got \"" + text + "\")");
  return value;
}

/// Rank 0's progress line on stderr: redrawn in place on a terminal, a line every few seconds
/// otherwise (with --progress). Silent for the first second.
class progress_line {
 public:
  explicit progress_line(bool terminal) : terminal_(terminal) {}

  void operator()(const mc_pi::progress& p) {
    if (p.seconds < 1.0 || p.seconds - last_ < (terminal_ ? 0.25 : 5.0)) return;
    last_ = p.seconds;
    const double fraction = static_cast<double>(p.done) / static_cast<double>(p.goal);
    const double rate = static_cast<double>(p.done) / p.seconds;
    std::string line = "mc_pi: " + format("%.0f", 100.0 * fraction) + "% of " +
                       std::to_string(p.goal) + " samples";
    if (p.round > 1) line += " (round " + std::to_string(p.round) + ")";
    line += ", " + format("%.3g", rate) + " samples/s";
    if (rate > 0)
      line += ", " + format("%.0f", static_cast<double>(p.goal - p.done) / rate) + " s left";
    if (terminal_) {
      std::cerr << "\r\033[K" << line << std::flush;
      drawn_ = true;
    } else {
      std::cerr << line << std::endl;
    }
  }

  /// Clears a line drawn in place.
  void finish() {
    if (drawn_) std::cerr << "\r\033[K" << std::flush;
  }

 private:
  bool terminal_;
  bool drawn_ = false;
  double last_ = 0;
};

struct per_rank {
  std::uint64_t samples;
  double seconds;
};

std::string rate_text(double samples, double seconds) {
  return seconds > 0 ? format("%.3e", samples / seconds) : std::string("-");
}

int mc_pi_main(int argc, char** argv, const relay::communicator& world) {
  CLI::App cli{
      "Estimates pi by throwing points into the unit square: the fraction inside the quarter "
      "circle is pi/4. Sample i (a global index) is a pure function of (seed, i), drawn from "
      "Random123's Threefry4x64-20 counter-based generator: blocks of " +
          std::to_string(mc_pi::block_size) +
          " samples are each a stream keyed by (seed, block index), the counter is the position "
          "in the block, and each 64-bit output word is one point, x from its low 32 bits and y "
          "from its high 32 bits. The point is the centre of cell (x, y) of a 2^32 x 2^32 grid, "
          "and it is inside when (x+1/2)^2 + (y+1/2)^2 < 2^64, tested exactly in integers as "
          "x(x+1) + y(y+1) < 2^64 (cell centres, not corners: the grid then biases pi by only "
          "9e-15). The "
          "ranks split the blocks in balanced runs and the hits are summed, so the hit count is "
          "identical for any number of ranks.",
      "mc_pi"};
  std::string samples_text, seed_text, target_text, baseline_text, kernel_text = "auto";
  bool json = false, force_progress = false;
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
                 "The seconds of a 1-rank run of the same samples: prints the parallel "
                 "efficiency T1 / (ranks * T)");
  cli.add_option("--kernel", kernel_text,
                 "auto (the fastest this CPU runs), scalar (Random123's own code) or avx2 "
                 "(x86-64 with AVX2). Every kernel gives the same hits");
  cli.add_flag("--json", json,
               "Print one JSON object: {\"samples\", \"hits\", \"pi\", \"error\", \"stderr\", "
               "\"seconds\", \"samples_per_second\", \"ranks\", \"seed\"}");
  cli.add_flag("--progress", force_progress,
               "Report progress on stderr, every 5 s, even when stderr is not a terminal. Runs "
               "over a second report it anyway when rank 0's stderr is a terminal; under "
               "Open MPI's mpirun it is a pipe, so ask with --progress there");
  cli.footer(
      "Output: the estimate, its error against pi, the standard error 4*sqrt(p(1-p)/N), total "
      "and per-rank samples/s.\nExamples: mpirun -n 2 mc_pi --samples 4e9 | mc_pi "
      "--target-error 1e-5 | mc_pi --json");
  relay::app::parse(cli, argc, argv, world);

  mc_pi::run_options options;
  const bool samples_given = !samples_text.empty();
  options.samples = default_samples;
  if (samples_given) {
    options.samples =
        relay::app::parse_count(samples_text, "--samples", {.max = mc_pi::max_samples});
  }
  if (!seed_text.empty()) options.seed = relay::app::parse_count(seed_text, "--seed", {.min = 0});
  if (!target_text.empty()) {
    options.target_error = parse_positive(target_text, "--target-error");
    if (!samples_given) options.samples = mc_pi::max_samples;
  }
  std::optional<double> baseline;
  if (!baseline_text.empty()) baseline = parse_positive(baseline_text, "--baseline-seconds");
  if (kernel_text != "auto") {
    const auto kind = mc_pi::kernel_from_name(kernel_text);
    if (!kind)
      throw usage_error("--kernel must be auto, scalar or avx2 (got \"" + kernel_text + "\")");
    if (!mc_pi::kernel_available(*kind))
      throw usage_error("--kernel " + kernel_text + " is not available on this CPU");
    options.kernel = *kind;
  }

  const bool terminal = world.rank() == 0 && ::isatty(STDERR_FILENO) == 1;
  progress_line line(terminal);
  if (terminal || force_progress) options.on_progress = std::ref(line);

  const auto result = mc_pi::run(world, options);
  line.finish();
  const auto est = mc_pi::make_estimate(result.samples, result.hits);
  const auto mine = per_rank{result.my_samples, result.my_seconds};
  const auto everyone = relay::gather(world, mine, 0);
  if (world.rank() != 0) return relay::app::exit_ok;

  const double rate = static_cast<double>(result.samples) / result.seconds;
  if (json) {
    nlohmann::ordered_json out;
    out["samples"] = result.samples;
    out["hits"] = result.hits;
    out["pi"] = est.pi;
    out["error"] = est.error;
    out["stderr"] = est.std_error;
    out["seconds"] = result.seconds;
    out["samples_per_second"] = rate;
    out["ranks"] = world.size();
    out["seed"] = options.seed;
    std::cout << out.dump() << std::endl;
    return relay::app::exit_ok;
  }

  std::cout << "mc_pi: " << result.samples << " samples, seed " << options.seed << ", "
            << world.size() << (world.size() == 1 ? " rank" : " ranks")
            << ", Threefry4x64-20 in blocks of " << mc_pi::block_size << ", "
            << mc_pi::kernel_name(options.kernel) << " kernel\n";
  if (options.target_error)
    std::cout << "target error       " << format("%.3g", *options.target_error)
              << (result.target_reached ? ": reached" : ": NOT reached (--samples cap)")
              << " after " << result.rounds << (result.rounds == 1 ? " round" : " rounds") << "\n";
  std::cout << "hits               " << result.hits << "\n"
            << "pi estimate        " << format("%.12f", est.pi) << "\n"
            << "error vs pi        " << format("%+.3e", est.error) << " ("
            << format("%.2f", est.std_error > 0 ? est.error / est.std_error : 0.0)
            << " standard errors)\n"
            << "standard error     " << format("%.3e", est.std_error) << "  4*sqrt(p(1-p)/N)\n"
            << "seconds            " << format("%.3f", result.seconds) << "\n"
            << "samples/s          "
            << rate_text(static_cast<double>(result.samples), result.seconds) << " total\n";
  for (std::size_t r = 0; r < everyone.size(); ++r)
    std::cout << "  rank " << r
              << std::string(r < 10    ? 11
                             : r < 100 ? 10
                                       : 9,
                             ' ')
              << rate_text(static_cast<double>(everyone[r].samples), everyone[r].seconds) << "  ("
              << everyone[r].samples << " samples in " << format("%.3f", everyone[r].seconds)
              << " s)\n";
  if (baseline)
    std::cout << "parallel efficiency "
              << format("%.1f", 100.0 * *baseline / (world.size() * result.seconds))
              << "%  T1 / (ranks * T), T1 = " << format("%.3f", *baseline) << " s\n";
  std::cout.flush();
  return relay::app::exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
  return relay::app::run(argc, argv, "mc_pi", mc_pi_main);
}
