// prime_sums: the sum of the primes <= N, distributed over MPI ranks, by the seed's trial division,
// a segmented wheel sieve, Lucy_Hedgehog's sub-linear method, or Deleglise-Rivat for sums.

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "app.hpp"
#include "cli.hpp"
#include "driver.hpp"
#include "progress.hpp"
#include "relay/collectives.hpp"
#include "relay/timer.hpp"
#include "report.hpp"

namespace {

using prime_sums::method;

/// "12 s", "4.5 min", "2.0 h": an ETA short enough to read at a glance.
std::string duration_text(double s) {
  char text[32];
  if (s < 100)
    std::snprintf(text, sizeof text, "%.0f s", s);
  else if (s < 6000)
    std::snprintf(text, sizeof text, "%.1f min", s / 60);
  else
    std::snprintf(text, sizeof text, "%.1f h", s / 3600);
  return text;
}

/// Runs one method on every rank; rank 0 shows progress on a terminal, or anywhere with
/// `force_progress` (--progress), with an ETA of elapsed * (1 - f) / f once a fraction f > 0 is
/// done.
prime_sums::outcome run_method(method m, const relay::communicator& world,
                               const std::vector<std::uint64_t>& ns,
                               const prime_sums::options& base, bool force_progress) {
  const bool show = world.rank() == 0 && (force_progress || relay::app::stderr_is_terminal());
  relay::app::progress_line line(show);
  prime_sums::options opt = base;
  if (show)  // only then: a progress callback makes some methods work in pieces
    opt.progress = [&](double f) {
      if (!line.due()) return;
      const double elapsed = line.elapsed();
      const std::string eta =
          f > 0 ? ", ETA " + duration_text(elapsed * (1 - f) / f) : std::string();
      char text[128];
      std::snprintf(text, sizeof text, "prime_sums: %s %5.1f%% (%.0f s%s)", prime_sums::name(m),
                    100.0 * f, elapsed, eta.c_str());
      line.show(text);
    };
  world.barrier();
  const relay::timer clock;
  prime_sums::run_result r = prime_sums::run(m, world, ns, opt);
  const relay::timing wall = clock.summarize(world);
  line.clear();
  prime_sums::outcome out{
      m, std::move(r.sums),
      relay::gather(world, r.mine, 0).value_or(std::vector<prime_sums::rank_stats>{}), wall.max, 1};
  out.imbalance = relay::summarize(world, r.mine.seconds).imbalance();
  return out;
}

int prime_sums_main(int argc, char** argv, const relay::communicator& world) {
  const prime_sums::cli_options o = prime_sums::parse_command_line(argc, argv, world);
  const method m = o.automatic ? prime_sums::pick_auto(o.ns, world.size()) : o.chosen;

  prime_sums::outcome main_run = run_method(m, world, o.ns, o.opt, o.progress);
  if (o.inject_fault && !main_run.sums.empty()) main_run.sums[0] += 1;

  std::optional<prime_sums::outcome> check;
  std::vector<std::size_t> differ;
  if (o.verify) {
    check = run_method(prime_sums::verify_method(m), world, o.ns, o.opt, o.progress);
    for (std::size_t i = 0; i < o.ns.size(); ++i)
      if (check->sums[i] != main_run.sums[i]) differ.push_back(i);
  }
  if (!differ.empty()) {
    // A failed check prints no results: only the differences, on stderr, and exit code 1.
    if (world.rank() == 0) prime_sums::print_differences(o.ns, main_run, *check, differ);
    return relay::app::exit_failure;
  }
  if (world.rank() == 0)
    prime_sums::print_results({o.ns, o.opt, o.automatic, world.size()}, main_run, check, o.json);
  return relay::app::exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
  // funneled: under --decomposition dynamic, relay::pool's root (rank 0) tests numbers in a second
  // thread of its own, which never calls MPI, while its main thread hands out the chunks.
  return relay::app::run(argc, argv, "prime_sums", prime_sums_main, relay::thread_level::funneled);
}
