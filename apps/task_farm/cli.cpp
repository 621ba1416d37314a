#include "cli.hpp"

#include <utility>

#include "app.hpp"
#include "rank_output.hpp"
#include "relay/error.hpp"

namespace task_farm {

namespace {

constexpr const char* description =
    "Serial farming across MPI ranks: runs each line of TASKFILE as a shell command (/bin/sh -c), "
    "spread dynamically over the ranks, rank 0 included. A task's id is its line number; blank "
    "lines and lines starting with '#' are skipped ('#FARM barrier' and '#FARM cores=N' are "
    "directives). Tasks see TASK_ID, TASK_RANK, TASK_HOST and "
    "TASK_ATTEMPT, run in their own process group, and write to OUTDIR/task-<id>.out and .err. "
    "OUTDIR/status.tsv logs every finished attempt (id, rank, host, exit, result, start, end, "
    "elapsed, attempt, command) the moment it ends, so a job killed at its walltime loses "
    "nothing: --resume OUTDIR runs what did not succeed. Exit code: 0 when every task "
    "succeeded, 1 when some failed or did not run, 2 for bad input, 128+N when stopped by "
    "signal N.";

constexpr const char* footer =
    R"(Stopping: on SIGTERM, SIGINT or SIGHUP (or SIGUSR1/SIGUSR2) the farm hands out no more
tasks, gives running tasks --grace seconds, kills their process groups, logs what finished, prints
the command that resumes it, and exits with 128+signal. Open MPI's mpirun passes SIGTERM/SIGINT on
to the ranks and kills them odls_base_sigkill_timeout seconds later (default 1), so under mpirun
the farm shortens the grace period to fit that window; lengthen it with
  mpirun --mca odls_base_sigkill_timeout 60 ...   (or export OMPI_MCA_odls_base_sigkill_timeout=60)
mpirun forwards SIGUSR1 without killing anything, so for a walltime warning (Slurm:
--signal=B:USR1@120, then kill -USR1 the mpirun) the whole --grace applies. mpirun itself exits 1
after SIGTERM, SIGINT or SIGHUP whatever the ranks return: the summary's signal (--json) names the
cause. A second signal (or timeout(1)) makes mpirun exit at once; the ranks then stop on their own
and the log stays complete: see what is left with --resume OUTDIR --dry-run. Running tasks die with
their rank, kill -9 included, and a stop signal sent by a task to its rank is ignored.

Examples:
  mpirun -n 4 task_farm tasks.txt --output-dir run1
  mpirun -n 4 task_farm tasks.txt --chunksize 10 --retries 2 --timeout 600
  mpirun -n 4 task_farm --resume run1           # run what failed or did not finish
  task_farm tasks.txt --dry-run                 # list the tasks, run nothing
  mpirun -n 4 task_farm --template 'sim --n {1} --seed {2} > out.{#}' ::: 10 20 ::: 1 2 3
  mpirun -n 4 task_farm --template 'gzip {}' :::: files.txt   # one argument a line
  task_farm status run1 --json                  # a farm's state, from any shell, any time
  task_farm extract run1 17                     # task 17's output, whatever --output was)";

}  // namespace

farm_options merge_options(const cli_args& a, farm_options base) {
  if (!a.chunksize.empty()) {
    base.chunksize =
        relay::app::parse_count(a.chunksize, "--chunksize", {.min = 1, .max = 1u << 30});
  }
  if (!a.retries.empty())
    base.retries = relay::app::parse_count(a.retries, "--retries", {.min = 0, .max = 1000000});
  if (!a.timeout.empty()) base.timeout = relay::app::parse_seconds(a.timeout, "--timeout", false);
  if (!a.grace.empty()) base.grace = relay::app::parse_seconds(a.grace, "--grace", true);
  if (a.fail_fast) base.fail_fast = true;
  if (!a.output.empty()) {
    const auto mode = output_mode_from(a.output);
    if (!mode)
      throw relay::usage_error("--output must be per-task, per-rank or none (got \"" + a.output +
                               "\")");
    base.output = static_cast<std::int32_t>(*mode);
  }
  if (!a.cores_per_task.empty())
    base.cores_per_task =
        relay::app::parse_count(a.cores_per_task, "--cores-per-task", {.min = 1, .max = 1u << 16});
  if (a.halt == "now" || a.halt == "soon") {
    base.fail_fast = true;
    base.halt_now = a.halt == "now";
  } else if (!a.halt.empty()) {
    throw relay::usage_error("--halt must be 'now' or 'soon', not '" + a.halt + "'");
  }
  return base;
}

cli_args parse_cli(int argc, char** argv, const relay::communicator& world) {
  CLI::App cli{description, "task_farm"};
  cli_args a;
  a.sources = split_sources(argc, argv);  // ::: and :::: end the options, as in GNU parallel
  cli.add_option("TASKFILE", a.task_file,
                 "The task file: one shell command per line ('-': standard input, saved in the "
                 "farm's directory). With --resume: a new version of the farm's task file (lines "
                 "may be added; logged lines must not change)");
  cli.add_option("-o,--output-dir", a.output_dir,
                 "Where outputs and status.tsv go (created). Default: ./farm-<timestamp>");
  cli.add_option("--resume", a.resume,
                 "Resume the farm in this directory: run the tasks that failed or did not "
                 "finish, with its saved task file and options (options given again win)");
  cli.add_option("--chunksize", a.chunksize,
                 "Task ids a free rank gets per request, as pool.map's chunksize (>= 1). "
                 "Default: 1");
  cli.add_option("--retries", a.retries,
                 "Run a failed task up to this many more times, at once, on the same rank. "
                 "Default: 0");
  cli.add_option("--timeout", a.timeout,
                 "Seconds an attempt may run; then its process group gets SIGTERM, and SIGKILL "
                 "2 s later. Default: no limit");
  cli.add_option("--grace", a.grace,
                 "Seconds running tasks get to finish when the farm is stopped by a signal, "
                 "before their process groups are killed (see below). Default: 5");
  cli.add_option("--cores-per-task", a.cores_per_task,
                 "Cores of its node each task needs (a line '#FARM cores=N' sets it for the "
                 "tasks after it): a rank runs a task only while it holds that many of its "
                 "node's slots, one per rank on the node, so N-1 ranks there wait. Default: 1");
  cli.add_option("--output", a.output,
                 "Where each task's output goes: per-task (OUTDIR/task-<id>.out and .err), "
                 "per-rank (OUTDIR/rank-<r>.out and .err, one record per attempt, framed by "
                 "task id: task_farm extract OUTDIR ID prints one), or none. Default: per-task");
  cli.add_flag("--fail-fast", a.fail_fast,
               "After the first task that fails (with all its retries), start no more tasks; "
               "running ones finish");
  cli.add_option("--template", a.templ,
                 "Instead of a task file: one task per combination of the arguments after "
                 "::: ARG... and :::: FILE... (one argument a line; the first source varies "
                 "slowest), with GNU parallel's replacement strings {} {N} {.} {/} {//} {/.} "
                 "{#}, arguments shell-quoted. The expansion is saved as the farm's task file");
  cli.add_option("--halt", a.halt,
                 "now: after the first task that fails (with all its retries), kill the running "
                 "tasks at once and start no more (parallel's --halt now,fail=1); soon: as "
                 "--fail-fast");
  std::string unfinished;
  cli.add_option("--resume-unfinished", unfinished,
                 "Resume the farm in this directory, running only the tasks that did not end "
                 "(never run or interrupted): failed ones are not run again (parallel's --resume)");
  cli.add_option("--joblog", a.joblog,
                 "Also log each attempt to FILE (appended) in GNU parallel's joblog format: Seq "
                 "(the task id), Host, Starttime, JobRuntime, Send, Receive, Exitval, Signal, "
                 "Command");
  cli.add_flag("--tag", a.tag,
               "Also copy each task's output lines to standard output (error output to "
               "standard error) as it ends, each prefixed with the task's id and a tab; whole "
               "lines, one task at a time, printed by rank 0. Works with every --output mode "
               "(the files are kept as without --tag)");
  cli.add_flag("--progress", a.progress,
               "Print a progress line on stderr: done, failed, running, rate, ETA (rewritten in "
               "place on a terminal, where it is on by default; a line every 2 s elsewhere)");
  cli.add_flag("--dry-run", a.dry_run, "Print the tasks that would run, and run nothing");
  cli.add_flag("--json", a.json, "Print the summary as one JSON object");
  cli.footer(footer);
  for (const auto& [name, type] :
       {std::pair{"TASKFILE", "FILE"}, std::pair{"--output-dir", "DIR"},
        std::pair{"--resume", "DIR"}, std::pair{"--chunksize", "K"}, std::pair{"--retries", "K"},
        std::pair{"--timeout", "SECONDS"}, std::pair{"--grace", "SECONDS"},
        std::pair{"--template", "COMMAND"}, std::pair{"--cores-per-task", "N"},
        std::pair{"--output", "MODE"}, std::pair{"--halt", "now|soon"},
        std::pair{"--resume-unfinished", "DIR"}, std::pair{"--joblog", "FILE"}})
    cli.get_option(name)->type_name(type);
  relay::app::parse(cli, argc, argv, world);
  if (!unfinished.empty()) {
    if (!a.resume.empty())
      throw relay::usage_error("--resume and --resume-unfinished cannot be used together");
    a.resume = unfinished;
    a.skip_failed = true;
  }
  if (!a.resume.empty() && !a.output_dir.empty())
    throw relay::usage_error(
        "--output-dir cannot be used with --resume (the output "
        "directory is the one resumed)");
  if (!a.sources.empty() && a.templ.empty())
    throw relay::usage_error("::: and :::: need --template 'COMMAND {}'");
  if (!a.templ.empty()) {
    if (a.sources.empty())
      throw relay::usage_error("--template needs input sources: ::: ARG... or :::: FILE...");
    if (!a.task_file.empty() || !a.resume.empty())
      throw relay::usage_error(
          "--template replaces the task file: give either TASKFILE, --resume or --template");
    check_template(a.templ, a.sources.size());
  }
  if (a.resume.empty() && a.task_file.empty() && a.templ.empty())
    throw relay::usage_error(
        "a task file is required: task_farm TASKFILE (or --resume "
        "OUTDIR)");
  (void)merge_options(a, farm_options{});  // every rank checks the numbers alike
  return a;
}

}  // namespace task_farm
