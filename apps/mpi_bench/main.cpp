// mpi_bench: OSU-style micro-benchmarks of the relay library against raw MPI (and, for serialized
// types, against Boost.MPI), measured side by side in one run.

#include <algorithm>
#include <string>
#include <vector>

#include "app.hpp"
#include "bench.hpp"
#include "cli.hpp"
#include "nonblocking_bench.hpp"
#include "progress.hpp"
#include "report.hpp"

namespace {

bool is_serialized(const std::string& op) {
  return op.rfind("ser_", 0) == 0;
}

/// Reductions work on whole doubles, so they skip sizes below 8 bytes.
bool fits(const std::string& op, std::size_t bytes) {
  return op.find("reduce") == std::string::npos || bytes >= sizeof(double);
}

int bench(int argc, char** argv, const relay::communicator& world) {
  const mpi_bench::cli_options o = mpi_bench::parse_command_line(argc, argv, world);
  const auto& sizes = o.sizes;
  std::size_t total = 0, done = 0;
  for (const auto& op : o.ops)
    total += is_serialized(op)
                 ? 1
                 : static_cast<std::size_t>(std::count_if(
                       sizes.begin(), sizes.end(), [&](std::size_t b) { return fits(op, b); }));
  if (world.rank() == 0 && !o.json && !o.ops.empty())
    mpi_bench::print_header(world.size(), o.s.reps);

  relay::app::progress_line line(world.rank() == 0 && relay::app::stderr_is_terminal());
  const auto progress = [&](const std::string& what) {
    ++done;
    if (line.due())
      line.show("mpi_bench: [" + std::to_string(done) + "/" + std::to_string(total) + "] " + what);
  };
  std::vector<mpi_bench::row> contiguous, serialized;
  for (const auto& op : o.ops) {
    if (is_serialized(op)) {
      progress(op);
      auto rows = mpi_bench::run_serialized(world, o.s, op);
      serialized.insert(serialized.end(), rows.begin(), rows.end());
      continue;
    }
    for (std::size_t bytes : sizes) {
      if (!fits(op, bytes)) continue;
      progress(op + " " + std::to_string(bytes) + " B");
      contiguous.push_back(mpi_bench::run_contiguous(world, o.s, op, bytes));
    }
  }
  std::vector<mpi_bench::pool_row> pool;
  if (o.pool) {
    if (line.due()) line.show("mpi_bench: pool");
    pool = mpi_bench::run_pool(world, o.pool_s);
  }
  std::vector<mpi_bench::nb_row> nonblocking;
  if (o.nonblocking) {
    if (line.due()) line.show("mpi_bench: nonblocking");
    nonblocking = mpi_bench::run_nonblocking(world, o.s, sizes);
  }
  line.clear();
  if (world.rank() == 0)
    mpi_bench::print_results(contiguous, serialized, pool, nonblocking, o.s, world.size(), o.json);
  return relay::app::exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
  // Funneled: a pool whose root works runs the root's tasks in a thread that makes no MPI calls.
  return relay::app::run(argc, argv, "mpi_bench", bench, relay::thread_level::funneled);
}
