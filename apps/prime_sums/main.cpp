// prime_sums: the sum of the primes <= N, distributed over MPI ranks, by the seed's trial division,
// a segmented wheel sieve, or Lucy_Hedgehog's sub-linear method.

#include <cstdio>
#include <optional>
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

prime_sums::outcome run_method(method m, const relay::communicator& world,
                               const std::vector<std::uint64_t>& ns,
                               const prime_sums::options& base) {
  const bool show = world.rank() == 0 && relay::app::stderr_is_terminal();
  relay::app::progress_line line(show);
  prime_sums::options opt = base;
  if (show)  // only then: a progress callback makes some methods work in pieces
    opt.progress = [&](double f) {
      if (!line.due()) return;
      char text[96];
      std::snprintf(text, sizeof text, "prime_sums: %s %5.1f%% (%.0f s)", prime_sums::name(m),
                    100.0 * f, line.elapsed());
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

  prime_sums::outcome main_run = run_method(m, world, o.ns, o.opt);
  if (o.inject_fault && !main_run.sums.empty()) main_run.sums[0] += 1;

  std::optional<prime_sums::outcome> check;
  std::vector<std::size_t> differ;
  if (o.verify) {
    check = run_method(m == method::lucy ? method::sieve : method::lucy, world, o.ns, o.opt);
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
