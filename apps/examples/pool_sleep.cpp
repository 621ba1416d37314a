// pool_sleep: seed 000's first pool. 24 calls of sleeping() (0.1 s each): a serial loop, then
// Pool.map across the ranks, without and with a chunksize, each timed.
//
//   mpirun -n 4 build/bin/pool_sleep                  # the lesson's 24 sleeps of 0.1 s
//   mpirun -n 3 build/bin/pool_sleep --chunksize 8 --json

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <ranges>
#include <string>
#include <thread>
#include <vector>

#include "app.hpp"
#include "relay/pool.hpp"

namespace {

struct options {
  int tasks = 24;      // range(24)
  double sleep = 0.1;  // time.sleep(0.1)
  std::size_t chunksize = 4;
  bool json = false;
};

options parse_command_line(int argc, char** argv, const relay::communicator& world) {
  CLI::App cli{
      "Seed 000's pool of workers: sleeping(arg) sleeps --sleep seconds; it runs --tasks times "
      "in a serial loop on rank 0, then through pool.map across every rank (rank 0 works too) "
      "with chunksize 1 and with --chunksize. Prints each time, the ideal time (the busiest "
      "rank's chunks, one after another), the speedup over the loop and the tasks each rank "
      "ran. A chunk is the unit a worker gets: larger chunks mean fewer messages but a coarser "
      "split, which matters when the tasks are few and long, as here.",
      "pool_sleep"};
  std::string tasks_text, sleep_text, chunksize_text;
  options o;
  cli.add_option("--tasks", tasks_text, "How many calls (1 to 100000). Default 24");
  cli.add_option("--sleep", sleep_text,
                 "Seconds each call sleeps (more than 0, at most 60). "
                 "Default 0.1");
  cli.add_option("--chunksize", chunksize_text,
                 "The chunksize of the second pool.map (at least 1). Default 4");
  cli.add_flag("--json", o.json,
               "Print one JSON object: tasks, sleep, ranks, serial_seconds, and runs (chunksize, "
               "seconds, ideal_seconds, speedup, tasks_per_rank)");
  cli.footer("Example: mpirun -n 4 pool_sleep | pool_sleep --tasks 8 --sleep 0.05 --json");
  relay::app::parse(cli, argc, argv, world);
  if (!tasks_text.empty())
    o.tasks = static_cast<int>(relay::app::parse_count(tasks_text, "--tasks", {.max = 100000}));
  if (!sleep_text.empty())
    o.sleep = relay::app::parse_number(
        sleep_text, "--sleep",
        {.min = 0, .positive = true, .max = 60, .noun = "number of seconds"});
  if (!chunksize_text.empty())
    o.chunksize = relay::app::parse_count(chunksize_text, "--chunksize", {.max = 100000});
  return o;
}

/// One timed pool.map.
struct map_run {
  std::size_t chunksize = 0;
  double seconds = 0;
  double ideal = 0;                 ///< the busiest rank's sleeps in a perfect pool
  std::vector<int> tasks_per_rank;  ///< from the results: each task returns the rank that ran it
};

/// The time of a perfect pool: the chunks, all as long as their sleeps, handed out in order to
/// whichever rank is free (here: round robin), so the busiest rank's share.
double ideal_seconds(const options& o, std::size_t chunksize, int ranks) {
  std::vector<std::size_t> share(static_cast<std::size_t>(ranks), 0);
  const auto tasks = static_cast<std::size_t>(o.tasks);
  for (std::size_t first = 0, k = 0; first < tasks; first += chunksize, ++k)
    share[k % share.size()] += std::min(chunksize, tasks - first);
  return static_cast<double>(*std::max_element(share.begin(), share.end())) * o.sleep;
}

int pool_sleep_main(int argc, char** argv, const relay::communicator& world) {
  const options o = parse_command_line(argc, argv, world);
  const auto nap = std::chrono::duration<double>(o.sleep);

  // def sleeping(arg): time.sleep(0.1)
  const auto sleeping = [nap](int /*arg*/) { std::this_thread::sleep_for(nap); };
  // The pool's task: the same, returning the rank that ran it (so that the split shows).
  const auto sleeping_task = [&](int arg, const relay::task_context& ctx) {
    sleeping(arg);
    return ctx.rank();
  };

  relay::pool pool(world);
  double serial = 0;
  if (pool.is_root()) {  // list(map(sleeping, range(24))), on rank 0 alone
    const double start = MPI_Wtime();
    for (const int arg : std::views::iota(0, o.tasks)) sleeping(arg);
    serial = MPI_Wtime() - start;
  }
  // The other ranks go straight into the first map and wait there for work (without spinning).
  std::vector<map_run> runs;
  for (const std::size_t chunksize : {std::size_t{1}, o.chunksize}) {
    map_run run{chunksize, 0, 0, std::vector<int>(static_cast<std::size_t>(pool.size()), 0)};
    const double start = MPI_Wtime();
    // pool.map(sleeping, range(24), chunksize)
    const std::vector<int> ranks = pool.map(sleeping_task, std::views::iota(0, o.tasks), chunksize);
    run.seconds = MPI_Wtime() - start;
    for (const int r : ranks) ++run.tasks_per_rank[static_cast<std::size_t>(r)];
    run.ideal = ideal_seconds(o, chunksize, pool.size());
    runs.push_back(std::move(run));
  }
  if (!pool.is_root()) return relay::app::exit_ok;

  if (o.json) {
    nlohmann::ordered_json out;
    out["tasks"] = o.tasks;
    out["sleep"] = o.sleep;
    out["ranks"] = pool.size();
    out["serial_seconds"] = serial;
    out["runs"] = nlohmann::ordered_json::array();
    for (const auto& r : runs)
      out["runs"].push_back({{"chunksize", r.chunksize},
                             {"seconds", r.seconds},
                             {"ideal_seconds", r.ideal},
                             {"speedup", serial / r.seconds},
                             {"tasks_per_rank", r.tasks_per_rank}});
    std::cout << out.dump() << "\n";
    return relay::app::exit_ok;
  }
  char line[160];
  std::snprintf(line, sizeof line, "# pool_sleep: %d sleeps of %g s on %d rank%s\n", o.tasks,
                o.sleep, pool.size(), pool.size() == 1 ? "" : "s");
  std::cout << line;
  std::snprintf(line, sizeof line, "serial loop             %8.3f s\n", serial);
  std::cout << line;
  for (const auto& r : runs) {
    std::snprintf(line, sizeof line,
                  "pool.map, chunksize %-4zu %8.3f s  (ideal %.3f s)  speedup %.2f  tasks per "
                  "rank:",
                  r.chunksize, r.seconds, r.ideal, serial / r.seconds);
    std::cout << line;
    for (const int n : r.tasks_per_rank) std::cout << ' ' << n;
    std::cout << '\n';
  }
  return relay::app::exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
  // funneled: the pool's root works in a second thread of its own, which never calls MPI.
  return relay::app::run(argc, argv, "pool_sleep", pool_sleep_main, relay::thread_level::funneled);
}
