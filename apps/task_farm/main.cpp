// task_farm: serial farming across MPI ranks, dynamic, logged and resumable.
// Parse (cli.hpp), prepare the farm (prepare.hpp), run it (job.hpp), print (report.hpp).

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "app.hpp"
#include "cli.hpp"
#include "guard.hpp"
#include "job.hpp"
#include "prepare.hpp"
#include "relay/collectives.hpp"
#include "report.hpp"
#include "runner.hpp"
#include "status_cmd.hpp"
#include "summary.hpp"

namespace {

using namespace task_farm;

int farm_main(int argc, char** argv, const relay::communicator& world) {
  const cli_args args = parse_cli(argc, argv, world);
  signal_source signals;
  prepared p = prepare(world, args);
  if (!p.error.empty()) {
    if (world.rank() == 0) print_error(p.error);
    return p.code;
  }
  if (p.finished) return p.code;

  const job_result run = run_job(world, p, signals);
  int code = 0;
  if (world.rank() == 0) {
    print_run(run.summary, args.json, run.outdir, run.resume_command,
              static_cast<output_mode>(p.options.output));
    code = exit_code(run.summary);
  }
  code = relay::bcast(world, code, 0);
  // Stopped by a signal under mpirun: mpirun is tearing the job down, and MPI_Finalize would
  // wait in its fence until mpirun's SIGKILL (2 x odls_base_sigkill_timeout after the signal).
  // Everything is logged and printed, and no rank communicates any more: leave now, so that
  // stopping takes the grace period and a moment, not mpirun's whole kill sequence.
  if (code > 128 && std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr) {
    std::fflush(stdout);
    std::fflush(stderr);
    ::_exit(code);
  }
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  // The subcommands only read the farm's directory: they start no MPI (a login node, a script
  // that polls status every few seconds).
  if (argc > 1 && std::string_view(argv[1]) == "status")  // task_farm status DIR
    return relay::app::run_local(argc - 1, argv + 1, "task_farm status", task_farm::status_main);
  if (argc > 1 && std::string_view(argv[1]) == "extract")  // task_farm extract DIR ID
    return relay::app::run_local(argc - 1, argv + 1, "task_farm extract", task_farm::extract_main);
  // Before MPI starts: the reaper that kills the tasks' process groups if this rank dies
  // (guard.hpp).
  task_farm::start_reaper();
  // Before MPI starts any thread, so that every thread has the farm's signals blocked.
  task_farm::block_signals();
  task_farm::watch_launcher();
  // funneled: only the main thread calls MPI (not the status log's sync thread, nor the pool's
  // thread that runs rank 0's own tasks).
  return relay::app::run(argc, argv, "task_farm", farm_main, relay::thread_level::funneled);
}
