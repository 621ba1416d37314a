// task_farm: serial farming across MPI ranks, dynamic, logged and resumable.

#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iostream>
#include <memory>
#include <optional>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "app.hpp"
#include "farm.hpp"
#include "meta.hpp"
#include "relay/collectives.hpp"
#include "relay/environment.hpp"
#include "runner.hpp"
#include "status.hpp"
#include "status_log.hpp"
#include "summary.hpp"
#include "taskfile.hpp"

namespace {

using namespace task_farm;
using json = nlohmann::ordered_json;

/// The command line, as every rank parsed it.
struct cli_args {
  std::string task_file;
  std::string output_dir;
  std::string resume;
  std::string chunksize, retries, timeout, grace;
  bool fail_fast = false;
  bool dry_run = false;
  bool json = false;
};

/// Parses a duration in seconds: a plain decimal number ("30", "0.5", "1e3"), at least `min`.
double parse_seconds(const std::string& text, const char* what, bool allow_zero) {
  const auto bad = [&](const std::string& why) {
    return relay::app::usage_error(std::string(what) + " " + why + " (got \"" + text + "\")");
  };
  if (text.empty() || text.find_first_not_of("0123456789.eE+-") != std::string::npos)
    throw bad("must be a number of seconds");
  if (text.front() == '-') throw bad("must not be negative");
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) throw bad("must be a number of seconds");
  if (errno == ERANGE || !std::isfinite(v) || v > 1e9) throw bad("is too large");
  if (v < 0) throw bad("must not be negative");
  if (v == 0 && !allow_zero) throw bad("must be more than 0");
  return v;
}

/// The options given on the command line, over `base` (the defaults, or a resumed farm's).
farm_options merge_options(const cli_args& a, farm_options base) {
  if (!a.chunksize.empty()) {
    base.chunksize =
        relay::app::parse_count(a.chunksize, "--chunksize", {.min = 0, .max = 1u << 30});
    if (base.chunksize == 0)
      throw relay::app::usage_error("--chunksize must be at least 1 (got \"" + a.chunksize + "\")");
  }
  if (!a.retries.empty())
    base.retries = relay::app::parse_count(a.retries, "--retries", {.min = 0, .max = 1000000});
  if (!a.timeout.empty()) base.timeout = parse_seconds(a.timeout, "--timeout", false);
  if (!a.grace.empty()) base.grace = parse_seconds(a.grace, "--grace", true);
  if (a.fail_fast) base.fail_fast = true;
  return base;
}

std::string now_iso() {
  return format_time(wall_now());
}

std::string absolute(const std::string& path) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf)) return buf;
  if (!path.empty() && path.front() == '/') return path;
  if (::getcwd(buf, sizeof buf)) return std::string(buf) + "/" + path;
  return path;
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

/// mkdir -p; throws input_error naming the directory.
void make_directories(const std::string& path) {
  std::string prefix;
  std::size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    prefix = path.substr(0, pos);
    if (prefix.empty() || is_directory(prefix)) continue;
    if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST)
      throw input_error("cannot create output directory '" + path + "': " + std::strerror(errno));
  }
  if (!is_directory(path))
    throw input_error("cannot create output directory '" + path + "': " + std::strerror(ENOTDIR));
  if (::access(path.c_str(), W_OK | X_OK) != 0)
    throw input_error("output directory '" + path + "' cannot be written: " + std::strerror(errno));
}

std::string default_output_dir() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "farm-%Y%m%d-%H%M%S", &tm);
  std::string dir = buf;
  for (int n = 2; exists(dir); ++n) dir = std::string(buf) + "-" + std::to_string(n);
  return dir;
}

std::string self_path() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "task_farm";
  return std::string(buf, static_cast<std::size_t>(n));
}

/// How to start this farm again, for the message printed when it is stopped early.
std::string resume_command(int ranks, const std::string& outdir) {
  std::string launcher;
  if (std::getenv("OMPI_MCA_orte_hnp_uri"))
    launcher = "mpirun -n " + std::to_string(ranks) + " ";
  else if (std::getenv("SLURM_STEP_ID"))
    launcher = "srun -n " + std::to_string(ranks) + " ";
  else if (ranks > 1)
    launcher = "mpiexec -n " + std::to_string(ranks) + " ";
  return launcher + self_path() + " --resume " + outdir;
}

/// What rank 0 prepared, and what every rank needs of it.
struct prepared {
  // Shared with every rank.
  std::string error;      ///< bad input: printed by rank 0, exit 2
  bool finished = false;  ///< nothing more to do (a dry run, no tasks): exit with `code`
  int code = 0;
  std::string outdir;
  farm_options options;
  // Rank 0 only.
  std::vector<assignment> queue;
  std::size_t total_tasks = 0;
  std::size_t skipped = 0;
  std::unordered_map<std::int64_t, std::string> commands;
  std::unique_ptr<status_log> log;
};

void print_plan(const cli_args& a, const std::vector<run_plan::entry>& to_run, std::size_t total,
                std::size_t skipped, const std::string& outdir) {
  if (a.json) {
    json j;
    j["dry_run"] = true;
    j["tasks"] = total;
    j["to_run"] = to_run.size();
    j["skipped"] = skipped;
    json ids = json::array();
    for (const auto& e : to_run) ids.push_back(e.t.id);
    j["ids"] = ids;
    std::cout << j.dump() << std::endl;
    return;
  }
  std::cout << "task_farm: dry run: " << to_run.size() << " of " << total << " tasks would run";
  if (skipped) std::cout << " (" << skipped << " skipped: succeeded before)";
  if (!outdir.empty()) std::cout << ", in " << outdir;
  std::cout << "\nid\tattempt\tcommand\n";
  for (const auto& e : to_run)
    std::cout << e.t.id << '\t' << e.first_attempt << '\t' << escape_field(e.t.command) << '\n';
  std::cout.flush();
}

void print_nothing_to_do(const cli_args& a, const std::string& message, std::size_t total,
                         std::size_t skipped, const std::string& outdir) {
  if (a.json) {
    run_summary s;
    s.tasks = total;
    s.skipped = skipped;
    std::cout << to_json(s, outdir).dump() << std::endl;
  } else {
    std::cout << "task_farm: nothing to do: " << message << std::endl;
  }
}

/// Rank 0: reads and checks the input, creates or reopens the output directory.
prepared prepare_new(const cli_args& a) {
  prepared p;
  p.options = merge_options(a, farm_options{});
  const std::string text = read_file(a.task_file, "task file");
  std::vector<task> tasks;
  try {
    tasks = parse_tasks(text);
  } catch (const input_error& e) {
    throw input_error("task file '" + a.task_file + "': " + e.what());
  }
  p.total_tasks = tasks.size();
  const run_plan plan = plan_run(tasks, {});
  if (a.dry_run) {
    print_plan(a, plan.to_run, tasks.size(), 0, "");
    p.finished = true;
    return p;
  }
  std::string dir = a.output_dir.empty() ? default_output_dir() : a.output_dir;
  make_directories(dir);
  dir = absolute(dir);
  if (exists(dir + "/" + std::string(meta_file_name)))
    throw input_error("'" + dir + "' already holds a farm: resume it with --resume " + dir +
                      ", or choose another --output-dir");
  p.outdir = dir;
  p.log = std::make_unique<status_log>(dir + "/" + std::string(status_file_name));
  write_file_atomic(dir + "/" + std::string(tasks_copy_name), text);
  farm_meta meta;
  meta.task_file = absolute(a.task_file);
  meta.created = now_iso();
  meta.runs = 1;
  meta.options = p.options;
  write_file_atomic(dir + "/" + std::string(meta_file_name), to_json(meta));
  if (tasks.empty()) {
    print_nothing_to_do(a, "the task file '" + a.task_file + "' holds no tasks", 0, 0, dir);
    p.finished = true;
    return p;
  }
  for (const auto& e : plan.to_run) {
    p.commands.emplace(e.t.id, e.t.command);
    p.queue.push_back({e.t.id, e.first_attempt, e.t.command});
  }
  return p;
}

prepared prepare_resume(const cli_args& a) {
  prepared p;
  const std::string& dir_arg = a.resume;
  if (!exists(dir_arg))
    throw input_error("cannot resume '" + dir_arg + "': " + std::strerror(ENOENT));
  if (!is_directory(dir_arg))
    throw input_error("cannot resume '" + dir_arg + "': it is not a directory");
  const std::string dir = absolute(dir_arg);
  const std::string meta_path = dir + "/" + std::string(meta_file_name);
  if (!exists(meta_path))
    throw input_error("cannot resume '" + dir_arg +
                      "': it is not a task_farm output directory (it has no farm.json)");
  farm_meta meta;
  try {
    meta = meta_from_json(read_file(meta_path, "farm file"));
  } catch (const input_error& e) {
    throw input_error("cannot resume '" + dir_arg + "': " + e.what());
  }
  p.options = merge_options(a, meta.options);
  p.outdir = dir;
  const std::string status_path = dir + "/" + std::string(status_file_name);
  if (!exists(status_path))
    throw input_error("cannot resume '" + dir_arg + "': it has no status.tsv");
  // Lock the log before reading it, so that it cannot grow under us (a dry run only reads).
  if (!a.dry_run) p.log = std::make_unique<status_log>(status_path);
  status_log_contents history;
  try {
    history = parse_status_log(read_file(status_path, "status log"));
  } catch (const input_error& e) {
    throw input_error("cannot resume '" + dir_arg + "': " + e.what());
  }
  const std::string copy_path = dir + "/" + std::string(tasks_copy_name);
  const std::string saved = read_file(copy_path, "the farm's copy of its task file");
  const std::string text = a.task_file.empty() ? saved : read_file(a.task_file, "task file");
  const std::string source = a.task_file.empty() ? copy_path : a.task_file;
  std::vector<task> tasks;
  run_plan plan;
  try {
    tasks = parse_tasks(text);
    plan = plan_run(tasks, history.lines);
  } catch (const input_error& e) {
    throw input_error("cannot resume '" + dir_arg + "' with '" + source + "': " + e.what());
  }
  p.total_tasks = tasks.size();
  p.skipped = plan.already_succeeded;
  if (a.dry_run) {
    print_plan(a, plan.to_run, tasks.size(), plan.already_succeeded, dir);
    p.finished = true;
    return p;
  }
  if (history.torn_tail) {
    // A job killed in the middle of writing a line: that attempt runs again.
    p.log.reset();
    p.log = std::make_unique<status_log>(status_path, history.complete_bytes);
  }
  if (!a.task_file.empty() && text != saved) {
    write_file_atomic(copy_path, text);
    meta.task_file = absolute(a.task_file);
  } else if (a.task_file.empty() && ::access(meta.task_file.c_str(), R_OK) == 0) {
    try {
      if (read_file(meta.task_file, "task file") != saved)
        std::cerr << "task_farm: note: '" << meta.task_file
                  << "' changed since this farm started; resuming with its saved copy " << copy_path
                  << " (name the file after --resume to use the new one)" << std::endl;
    } catch (const input_error&) {
    }
  }
  ++meta.runs;
  meta.options = p.options;
  write_file_atomic(meta_path, to_json(meta));
  if (plan.to_run.empty()) {
    print_nothing_to_do(
        a, "all " + std::to_string(tasks.size()) + " tasks in " + dir + " have succeeded",
        tasks.size(), plan.already_succeeded, dir);
    p.finished = true;
    return p;
  }
  for (const auto& e : plan.to_run) {
    p.commands.emplace(e.t.id, e.t.command);
    p.queue.push_back({e.t.id, e.first_attempt, e.t.command});
  }
  return p;
}

/// What rank 0 tells the others after preparing.
std::string share(const prepared& p) {
  json j;
  j["error"] = p.error;
  j["finished"] = p.finished;
  j["code"] = p.code;
  j["outdir"] = p.outdir;
  j["chunksize"] = p.options.chunksize;
  j["retries"] = p.options.retries;
  j["timeout"] = p.options.timeout;
  j["grace"] = p.options.grace;
  j["fail_fast"] = p.options.fail_fast;
  return j.dump();
}

prepared unshare(const std::string& text) {
  const auto j = json::parse(text);
  prepared p;
  p.error = j.at("error").get<std::string>();
  p.finished = j.at("finished").get<bool>();
  p.code = j.at("code").get<int>();
  p.outdir = j.at("outdir").get<std::string>();
  p.options.chunksize = j.at("chunksize").get<std::uint64_t>();
  p.options.retries = j.at("retries").get<std::uint64_t>();
  p.options.timeout = j.at("timeout").get<double>();
  p.options.grace = j.at("grace").get<double>();
  p.options.fail_fast = j.at("fail_fast").get<bool>();
  return p;
}

constexpr const char* description =
    "Serial farming across MPI ranks: runs each line of TASKFILE as a shell command (/bin/sh -c), "
    "spread dynamically over the ranks, rank 0 included. A task's id is its line number; blank "
    "lines and lines starting with '#' are skipped. Tasks see TASK_ID, TASK_RANK, TASK_HOST and "
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
--signal=B:USR1@120, then kill -USR1 the mpirun) the whole --grace applies.

Examples:
  mpirun -n 4 task_farm tasks.txt --output-dir run1
  mpirun -n 4 task_farm tasks.txt --chunksize 10 --retries 2 --timeout 600
  mpirun -n 4 task_farm --resume run1           # run what failed or did not finish
  task_farm tasks.txt --dry-run                 # list the tasks, run nothing)";

int farm_main(int argc, char** argv, const relay::communicator& world) {
  CLI::App cli{description, "task_farm"};
  cli_args a;
  cli.add_option("TASKFILE", a.task_file,
                 "The task file: one shell command per line. With --resume: a new version of "
                 "the farm's task file (lines may be added; logged lines must not change)");
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
  cli.add_flag("--fail-fast", a.fail_fast,
               "After the first task that fails (with all its retries), start no more tasks; "
               "running ones finish");
  cli.add_flag("--dry-run", a.dry_run, "Print the tasks that would run, and run nothing");
  cli.add_flag("--json", a.json, "Print the summary as one JSON object");
  cli.footer(footer);
  for (const auto& [name, type] :
       {std::pair{"TASKFILE", "FILE"}, std::pair{"--output-dir", "DIR"},
        std::pair{"--resume", "DIR"}, std::pair{"--chunksize", "K"}, std::pair{"--retries", "K"},
        std::pair{"--timeout", "SECONDS"}, std::pair{"--grace", "SECONDS"}})
    cli.get_option(name)->type_name(type);
  relay::app::parse(cli, argc, argv, world);
  if (!a.resume.empty() && !a.output_dir.empty())
    throw relay::app::usage_error(
        "--output-dir cannot be used with --resume (the output "
        "directory is the one resumed)");
  if (a.resume.empty() && a.task_file.empty())
    throw relay::app::usage_error(
        "a task file is required: task_farm TASKFILE (or --resume "
        "OUTDIR)");
  (void)merge_options(a, farm_options{});  // every rank checks the numbers alike

  signal_source signals;
  prepared p;
  if (world.rank() == 0) {
    try {
      p = a.resume.empty() ? prepare_new(a) : prepare_resume(a);
    } catch (const input_error& e) {
      p = prepared{};
      p.error = e.what();
      p.code = relay::app::exit_usage;
    } catch (const std::exception& e) {
      p = prepared{};
      p.error = std::string("error: ") + e.what();
      p.code = relay::app::exit_failure;
    }
  }
  const prepared shared = unshare(relay::bcast(world, world.rank() == 0 ? share(p) : "", 0));
  if (!shared.error.empty()) {
    if (world.rank() == 0) std::cerr << "task_farm: " << shared.error << std::endl;
    return shared.code;
  }
  if (shared.finished) return shared.code;

  farm_settings settings;
  settings.options = shared.options;
  settings.outdir = shared.outdir;
  settings.grace = shared.options.grace;
  settings.term_grace = fit_grace(settings.grace, settings.note);
  settings.host = relay::environment::processor_name();
  settings.resume_command = resume_command(world.size(), shared.outdir);
  if (world.rank() != 0 && !is_directory(settings.outdir)) {
    // Another node without a shared file system: its tasks' output stays on its own disk.
    try {
      make_directories(settings.outdir);
    } catch (const input_error& e) {
      std::cerr << "task_farm: rank " << world.rank() << ": " << e.what() << std::endl;
    }
  }
  const auto hosts = relay::gather(world, settings.host, 0);

  record_sink sink;
  if (world.rank() == 0) {
    sink = [&](std::span<const attempt_record> recs) {
      std::string lines;
      for (const auto& r : recs) {
        status_line line{r, hosts[static_cast<std::size_t>(r.rank)], p.commands[r.id]};
        lines += format_status_line(line);
      }
      p.log->append(lines);
    };
  }
  std::vector<std::int64_t> planned;
  if (world.rank() == 0) {
    planned.reserve(p.queue.size());
    for (const auto& t : p.queue) planned.push_back(t.id);
  }
  const farm_result result = run_farm(world, settings, std::move(p.queue), sink, signals);

  int code = 0;
  if (world.rank() == 0) {
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
    const run_summary s = summarize(facts);
    code = exit_code(s);
    if (a.json)
      std::cout << to_json(s, settings.outdir).dump() << std::endl;
    else
      std::cout << to_text(s, settings.outdir) << std::flush;
    if (s.signal != 0 || s.failed_fast || s.failed > 0) {
      std::string why = s.signal        ? "stopped by " + signal_name(s.signal)
                        : s.failed_fast ? "stopped after a failure (--fail-fast)"
                                        : std::to_string(s.failed) + " task(s) failed";
      std::cerr << "task_farm: " << why << "; " << s.succeeded + s.skipped << " of " << s.tasks
                << " tasks have succeeded, all logged in " << settings.outdir
                << "/status.tsv. To run the rest: " << settings.resume_command << std::endl;
    }
  }
  return relay::bcast(world, code, 0);
}

}  // namespace

int main(int argc, char** argv) {
  // Before MPI starts any thread, so that every thread has the farm's signals blocked.
  task_farm::block_signals();
  // funneled: the status log's sync thread makes no MPI calls.
  return relay::app::run(argc, argv, "task_farm", farm_main, relay::thread_level::funneled);
}
