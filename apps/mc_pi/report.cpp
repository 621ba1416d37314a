#include "report.hpp"

#include <iostream>

#include <nlohmann/json.hpp>

#include "estimate.hpp"
#include "format.hpp"
#include "stream.hpp"

namespace mc_pi {

using relay::app::format;

namespace {
std::string rate_text(double samples, double seconds) {
  return seconds > 0 ? format("%.3e", samples / seconds) : std::string("-");
}
}  // namespace

std::string progress_text(const progress& p) {
  const double fraction = static_cast<double>(p.done) / static_cast<double>(p.goal);
  const double rate = static_cast<double>(p.done) / p.seconds;
  std::string line =
      "mc_pi: " + format("%.0f", 100.0 * fraction) + "% of " + std::to_string(p.goal) + " samples";
  if (p.round > 1) line += " (round " + std::to_string(p.round) + ")";
  line += ", " + format("%.3g", rate) + " samples/s";
  if (rate > 0)
    line += ", " + format("%.0f", static_cast<double>(p.goal - p.done) / rate) + " s left";
  return line;
}

std::string units_text(int ranks, unsigned threads) {
  std::string text = std::to_string(ranks) + (ranks == 1 ? " rank" : " ranks");
  if (threads > 1) text += " x " + std::to_string(threads) + " threads";
  return text;
}

void print_json(const run_options& options, const run_result& result, int ranks) {
  const auto est = make_estimate(result.samples, result.hits);
  nlohmann::ordered_json out;
  out["samples"] = result.samples;
  out["hits"] = result.hits;
  out["pi"] = est.pi;
  out["error"] = est.error;
  out["stderr"] = est.std_error;
  out["seconds"] = result.seconds;
  out["samples_per_second"] = static_cast<double>(result.samples) / result.seconds;
  out["ranks"] = ranks;
  out["threads"] = options.threads;
  out["seed"] = options.seed;
  std::cout << out.dump() << std::endl;
}

void print_text(const run_options& options, const run_result& result,
                const std::vector<per_rank>& everyone, std::optional<double> baseline) {
  const auto est = make_estimate(result.samples, result.hits);
  const auto ranks = static_cast<int>(everyone.size());
  std::cout << "mc_pi: " << result.samples << " samples, seed " << options.seed << ", "
            << units_text(ranks, options.threads) << ", Threefry4x64-20 in blocks of " << block_size
            << ", " << kernel_name(options.kernel) << " kernel\n";
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
  if (baseline) {
    const double units = ranks * static_cast<double>(options.threads);
    std::cout << "parallel efficiency "
              << format("%.1f", 100.0 * *baseline / (units * result.seconds))
              << (options.threads > 1 ? "%  T1 / (ranks * threads * T), T1 = "
                                      : "%  T1 / (ranks * T), T1 = ")
              << format("%.3f", *baseline) << " s\n";
  }
  std::cout.flush();
}

}  // namespace mc_pi
