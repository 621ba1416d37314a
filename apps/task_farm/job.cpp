#include "job.hpp"

#include <limits.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "farm.hpp"
#include "heartbeat.hpp"
#include "outdir.hpp"
#include "relay/collectives.hpp"
#include "relay/environment.hpp"
#include "relay/error.hpp"
#include "report.hpp"
#include "status.hpp"

namespace task_farm {

namespace {

std::string self_path() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "task_farm";
  return std::string(buf, static_cast<std::size_t>(n));
}

}  // namespace

std::string shell_quote(const std::string& word) {
  if (!word.empty() && word.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                              "0123456789_./:=@%+,-") == std::string::npos)
    return word;
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

namespace {

/// How to start this farm again, for the message printed when it is stopped early.
std::string resume_command(int ranks, const std::string& outdir) {
  std::string launcher;
  if (std::getenv("OMPI_MCA_orte_hnp_uri"))
    launcher = "mpirun -n " + std::to_string(ranks) + " ";
  else if (std::getenv("SLURM_STEP_ID"))
    launcher = "srun -n " + std::to_string(ranks) + " ";
  else if (ranks > 1)
    launcher = "mpiexec -n " + std::to_string(ranks) + " ";
  return launcher + shell_quote(self_path()) + " --resume " + shell_quote(outdir);
}

}  // namespace

job_result run_job(const relay::communicator& world, prepared& p, signal_source& signals) {
  farm_settings settings;
  settings.options = p.options;
  settings.outdir = p.outdir;
  settings.grace = p.options.grace;
  settings.term_grace = fit_grace(settings.grace, settings.note);
  settings.host = relay::environment::processor_name();
  settings.resume_command = resume_command(world.size(), p.outdir);
  settings.max_cores = p.max_cores;
  settings.progress = p.progress;
  settings.terminal = p.terminal;
  settings.tag = p.tag;
  if (world.rank() != 0 && !is_directory(settings.outdir)) {
    // Another node without a shared file system: its tasks' output stays on its own disk.
    try {
      make_directories(settings.outdir);
    } catch (const relay::usage_error& e) {
      write_stderr("task_farm: rank " + std::to_string(world.rank()) + ": " + e.what() + "\n");
    }
  }
  // Every rank's host, on rank 0 (the only rank that writes the status log).
  const auto hosts = relay::gather(world, settings.host, 0).value_or(std::vector<std::string>{});

  record_sink sink;
  if (world.rank() == 0) {
    sink = [&, told = false](std::span<const attempt_record> recs) mutable {
      std::string lines;
      for (const auto& r : recs) {
        status_line line{r, hosts[static_cast<std::size_t>(r.rank)], p.commands[r.id]};
        lines += format_status_line(line);
      }
      if (p.jobs)
        for (const auto& r : recs)
          (void)p.jobs->append(r, hosts[static_cast<std::size_t>(r.rank)], p.commands[r.id]);
      std::string trouble;
      try {
        p.log->append(lines);
        if (p.log->space_error() != 0)
          trouble = "no room left for '" + p.outdir + "/" + std::string(status_file_name) + "' (" +
                    std::strerror(p.log->space_error()) +
                    "): stopping at once; running tasks are killed, and every attempt that ended "
                    "is logged";
      } catch (const std::exception& e) {
        trouble = std::string(e.what()) + ": stopping at once; running tasks are killed";
      }
      if (trouble.empty()) return true;
      if (!told) write_stderr("task_farm: " + trouble + "\n");
      told = true;
      return false;
    };
  }
  std::vector<std::int64_t> planned;
  if (world.rank() == 0) {
    planned.reserve(p.queue.size());
    for (const auto& t : p.queue) planned.push_back(t.id);
  }
  // While it runs, rank 0 keeps OUTDIR/running.json fresh for `task_farm status` on other hosts.
  std::optional<heartbeat> beat;
  if (world.rank() == 0) beat.emplace(settings.outdir, settings.host);
  const farm_result result = run_farm(world, settings, std::move(p.queue), sink, signals);
  beat.reset();

  job_result out;
  out.outdir = settings.outdir;
  out.resume_command = settings.resume_command;
  if (world.rank() != 0) return out;
  p.log->sync();
  run_facts facts;
  facts.total_tasks = p.total_tasks;
  facts.skipped = p.skipped;
  facts.planned = std::move(planned);
  facts.records = result.records;
  facts.seconds = result.seconds;
  facts.hosts = hosts;
  facts.cpu_seconds = result.cpu_seconds;
  facts.signal = result.signal;
  facts.failed_fast = result.failed_fast;
  out.summary = summarize(facts);
  return out;
}

}  // namespace task_farm
