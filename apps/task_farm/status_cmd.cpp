#include "status_cmd.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>

#include "app.hpp"
#include "clock.hpp"
#include "heartbeat.hpp"
#include "meta.hpp"
#include "outdir.hpp"
#include "rank_output.hpp"
#include "relay/error.hpp"
#include "report.hpp"
#include "status.hpp"
#include "taskfile.hpp"
#include "template.hpp"

namespace task_farm {

namespace {

using nlohmann::ordered_json;

/// How many of the slowest attempts and of the failed tasks are listed (--json lists every
/// failure).
constexpr std::size_t top_n = 5;

/// The process that holds the flock of `path` on this host, from /proc/locks (0: none seen).
/// Reading /proc/locks takes no lock, so a farm starting at that moment is never refused.
long lock_holder(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  std::ifstream locks("/proc/locks");
  std::string line;
  while (std::getline(locks, line)) {
    std::istringstream in(line);
    std::string num, kind, mode, rw, dev;
    long pid = 0;
    if (!(in >> num >> kind)) continue;
    if (kind == "->") in >> kind;  // a waiter
    if (!(in >> mode >> rw >> pid >> dev) || kind != "FLOCK") continue;
    unsigned maj = 0, min = 0;
    unsigned long long ino = 0;
    if (std::sscanf(dev.c_str(), "%x:%x:%llu", &maj, &min, &ino) != 3) continue;
    if (ino == st.st_ino && makedev(maj, min) == st.st_dev) return pid;
  }
  return 0;
}

std::string local_host() {
  char buf[256] = {};
  return ::gethostname(buf, sizeof buf - 1) == 0 ? std::string(buf) : std::string("this host");
}

std::string self_path() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n <= 0 ? "task_farm" : std::string(buf, static_cast<std::size_t>(n));
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s);
  return buf;
}

std::string short_command(const std::string& c) {
  return c.size() <= 70 ? c : c.substr(0, 67) + "...";
}

/// A farm's directory, made absolute, and its farm.json; throws usage_error when `dir_arg` is not
/// a farm's directory.
std::pair<std::string, farm_meta> open_farm(const std::string& dir_arg) {
  if (!is_directory(dir_arg)) throw relay::usage_error("'" + dir_arg + "' is not a directory");
  const std::string dir = absolute(dir_arg);
  const std::string meta_path = dir + "/" + std::string(meta_file_name);
  if (!exists(meta_path))
    throw relay::usage_error("'" + dir_arg +
                             "' is not a task_farm output directory (it has no farm.json)");
  const farm_meta meta = meta_from_json(read_file(meta_path, "farm file"));
  return {dir, meta};
}

int print_status(const std::string& dir_arg, bool json) {
  const auto [dir, meta] = open_farm(dir_arg);
  const std::string status_path = dir + "/" + std::string(status_file_name);
  const std::vector<task> tasks =
      parse_tasks(read_file(dir + "/" + std::string(tasks_copy_name), "the farm's task file"));
  // A farm writing its log may leave a torn last line: parse_status_log ignores it.
  const status_log_contents log = parse_status_log(read_file(status_path, "status log"));
  // Running: a process on this host holds the log's lock, or (from another host, the directory
  // being on a shared file system) its rank 0 keeps the heartbeat fresh.
  long pid = lock_holder(status_path);
  const auto beat = read_heartbeat(dir);
  const double beat_age = beat ? std::max(0.0, relay::app::wall_seconds() - beat->written) : 0.0;
  const bool beat_fresh = beat && beat_age <= heartbeat_stale_after;
  std::string host;
  if (pid != 0) {
    host = beat ? beat->host : local_host();
  } else if (beat_fresh) {
    host = beat->host;
    pid = beat->pid;
  }
  const bool running = !host.empty();

  std::map<std::int64_t, const status_line*> last;  // each task's latest attempt
  int ranks = 1;
  for (const auto& l : log.lines) {
    last[l.rec.id] = &l;
    ranks = std::max(ranks, l.rec.rank + 1);
  }
  std::size_t ok = 0, failed = 0, interrupted = 0;
  std::vector<const status_line*> failures;
  for (const auto& [id, l] : last) {
    if (l->rec.result == outcome::ok) {
      ++ok;
    } else if (l->rec.result == outcome::interrupted) {
      ++interrupted;
    } else {
      ++failed;
      failures.push_back(l);
    }
  }
  const std::size_t not_run = tasks.size() - std::min(tasks.size(), last.size());
  std::vector<const status_line*> slowest;
  for (const auto& l : log.lines) slowest.push_back(&l);
  const std::size_t n_slow = std::min(top_n, slowest.size());
  std::partial_sort(slowest.begin(), slowest.begin() + static_cast<std::ptrdiff_t>(n_slow),
                    slowest.end(),
                    [](auto* a, auto* b) { return a->rec.elapsed > b->rec.elapsed; });
  slowest.resize(n_slow);
  const bool done = ok == tasks.size();
  const std::string state = running ? "running" : done ? "finished" : "incomplete";
  std::string resume = (ranks > 1 ? "mpirun -n " + std::to_string(ranks) + " " : std::string()) +
                       shell_quote(self_path()) + " --resume " + shell_quote(dir);

  if (json) {
    ordered_json j;
    j["outdir"] = dir;
    j["state"] = state;
    j["pid"] = running ? ordered_json(pid) : ordered_json(nullptr);
    j["host"] = running ? ordered_json(host) : ordered_json(nullptr);
    j["heartbeat_age_s"] =
        beat ? ordered_json(std::round(beat_age * 10) / 10) : ordered_json(nullptr);
    j["tasks"] = tasks.size();
    j["succeeded"] = ok;
    j["failed"] = failed;
    j["interrupted"] = interrupted;
    j["not_run"] = not_run;
    j["attempts"] = log.lines.size();
    j["runs"] = meta.runs;
    j["created"] = meta.created;
    ordered_json slow = ordered_json::array();
    for (const auto* l : slowest)
      slow.push_back({{"id", l->rec.id},
                      {"elapsed", l->rec.elapsed},
                      {"result", std::string(to_string(l->rec.result))},
                      {"command", l->command}});
    j["slowest"] = slow;
    ordered_json fail = ordered_json::array();
    for (const auto* l : failures)
      fail.push_back({{"id", l->rec.id},
                      {"exit", l->rec.exit_code},
                      {"result", std::string(to_string(l->rec.result))},
                      {"attempt", l->rec.attempt},
                      {"host", l->host},
                      {"command", l->command}});
    j["failures"] = fail;
    j["resume_command"] = done ? ordered_json(nullptr) : ordered_json(resume);
    write_stdout(j.dump() + "\n");
    return 0;
  }
  std::string out = "farm " + dir + ": " + state;
  if (running) {
    char age[32];
    std::snprintf(age, sizeof age, "%.1f", beat_age);
    out += " on " + host + " (pid " + std::to_string(pid) +
           (beat_fresh ? ", heartbeat " + std::string(age) + " s ago)" : " holds its log)");
  } else if (beat)
    out += ", stopped (heartbeat stale since " + format_time(beat->written) + ", on " + beat->host +
           ": the farm ended without removing " + std::string(heartbeat_file_name) + ")";
  out += "\ntasks " + std::to_string(tasks.size()) + ": " + std::to_string(ok) + " succeeded, " +
         std::to_string(failed) + " failed, " + std::to_string(interrupted) + " interrupted, " +
         std::to_string(not_run) + " not run" + (running ? " or running" : "") + "\n";
  out += "attempts logged: " + std::to_string(log.lines.size()) + " in " +
         std::to_string(meta.runs) + " run(s); started " + meta.created + "\n";
  if (!slowest.empty()) {
    out += "slowest attempts:\n";
    for (const auto* l : slowest)
      out += "  id " + std::to_string(l->rec.id) + "\t" + seconds_text(l->rec.elapsed) + " s\t" +
             std::string(to_string(l->rec.result)) + "\t" + short_command(l->command) + "\n";
  }
  if (!failures.empty()) {
    out += "failed tasks (" + std::to_string(failures.size()) + "):\n";
    for (std::size_t i = 0; i < failures.size() && i < top_n; ++i) {
      const auto* l = failures[i];
      out += "  id " + std::to_string(l->rec.id) + "\texit " + std::to_string(l->rec.exit_code) +
             "\t" + std::string(to_string(l->rec.result)) + "\t" + short_command(l->command) + "\n";
    }
    if (failures.size() > top_n)
      out += "  ... and " + std::to_string(failures.size() - top_n) + " more (--json lists all)\n";
  }
  if (!done) out += (running ? "resume it, once stopped: " : "resume: ") + resume + "\n";
  write_stdout(out);
  return 0;
}

}  // namespace

int status_main(int argc, char** argv) {
  CLI::App cli{
      "Prints the state of the farm in DIR, while it runs or after: counts, the slowest "
      "attempts, failed tasks with their exit codes, and the command that resumes it. Reads "
      "the directory only (no lock), so it never disturbs a running farm. A farm is running "
      "if a process on this host holds its log's lock, or if its heartbeat (DIR/running.json, "
      "rewritten every 2 s by rank 0) is fresh, from any host sharing the directory.",
      "task_farm status"};
  std::string dir;
  bool json = false;
  cli.add_option("DIR", dir, "The farm's output directory")->required()->type_name("DIR");
  cli.add_flag("--json", json, "Print one JSON object");
  relay::app::parse_local(cli, argc, argv);
  (void)print_status(dir, json);
  return relay::app::exit_ok;
}

namespace {

/// Prints task `id`'s output (or error output) from the farm in `dir`: its latest attempt's.
void print_output(const std::string& dir_arg, std::int64_t id, bool err) {
  const auto [dir, meta] = open_farm(dir_arg);
  const auto mode = static_cast<output_mode>(meta.options.output);
  const std::string ext = err ? ".err" : ".out";
  const std::string what = "task " + std::to_string(id);
  if (mode == output_mode::none)
    throw relay::usage_error("the farm in '" + dir_arg +
                             "' ran with --output none: no output kept");
  if (mode == output_mode::per_task) {
    const std::string path = dir + "/task-" + std::to_string(id) + ext;
    if (!exists(path)) throw relay::usage_error(what + " has no output in '" + dir_arg + "'");
    write_stdout(read_file(path, "output file"));
    return;
  }
  // Per rank: the latest attempt's record, from whichever rank ran it.
  const output_record* best = nullptr;
  std::vector<output_record> all;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with("rank-") || !name.ends_with(ext)) continue;
    const std::string path = entry.path().string();
    for (auto& rec : records_of(read_file(path, "output file"), id, path))
      all.push_back(std::move(rec));
  }
  for (const auto& rec : all)
    if (best == nullptr || rec.attempt >= best->attempt) best = &rec;
  if (best == nullptr) throw relay::usage_error(what + " has no output in '" + dir_arg + "'");
  write_stdout(best->text);
}

}  // namespace

int extract_main(int argc, char** argv) {
  CLI::App cli{
      "Prints one task's output from a farm's directory (its latest attempt's), whichever "
      "--output it ran with: from OUTDIR/task-<id>.out, or from the record in a rank's "
      "OUTDIR/rank-<r>.out.",
      "task_farm extract"};
  std::string dir;
  std::int64_t id = 0;
  bool err = false;
  cli.add_option("DIR", dir, "The farm's output directory")->required()->type_name("DIR");
  cli.add_option("ID", id, "The task's id (its line number)")->required()->type_name("ID");
  cli.add_flag("--err", err, "Print its error output (stderr) instead");
  relay::app::parse_local(cli, argc, argv);
  print_output(dir, id, err);
  return relay::app::exit_ok;
}

}  // namespace task_farm
