// mc_pi: Monte Carlo pi whose answer does not depend on the number of ranks.

#include <functional>
#include <iostream>
#include <vector>

#include "app.hpp"
#include "cli.hpp"
#include "progress.hpp"
#include "relay/collectives.hpp"
#include "report.hpp"
#include "run.hpp"

namespace {

std::vector<int> cpus_of(const std::vector<mc_pi::per_rank>& everyone) {
  std::vector<int> cpus;
  for (const auto& r : everyone) cpus.push_back(r.cpus);
  return cpus;
}

int mc_pi_main(int argc, char** argv, const relay::communicator& world) {
  mc_pi::cli_options o = mc_pi::parse_command_line(argc, argv, world);

  const bool terminal = relay::app::stderr_is_terminal();
  relay::app::progress_line line(world.rank() == 0 && (terminal || o.force_progress), terminal);
  if (world.rank() == 0 && (terminal || o.force_progress))
    o.run.on_progress = [&line](const mc_pi::progress& p) {
      if (line.due()) line.show(mc_pi::progress_text(p));
    };

  const auto result = mc_pi::run(world, o.run);
  line.clear();
  const auto everyone = relay::gather(
      world, mc_pi::per_rank{result.my_samples, result.my_seconds, mc_pi::allowed_cpus()}, 0);
  if (!everyone) return relay::app::exit_ok;  // rank 0 prints
  if (const auto warning =
          mc_pi::affinity_warning(cpus_of(*everyone), o.run.threads, mc_pi::online_cpus());
      !warning.empty())
    std::cerr << warning << std::flush;

  if (o.json)
    mc_pi::print_json(o.run, result, world.size());
  else
    mc_pi::print_text(o.run, result, *everyone, o.baseline);
  return relay::app::exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
  // --threads: worker threads count hits and make no MPI calls.
  return relay::app::run(argc, argv, "mc_pi", mc_pi_main, relay::thread_level::funneled);
}
