#include "prepare.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <utility>

#include "app.hpp"
#include "clock.hpp"
#include "journal.hpp"
#include "outdir.hpp"
#include "progress.hpp"
#include "relay/collectives.hpp"
#include "relay/error.hpp"
#include "report.hpp"
#include "runner.hpp"
#include "slots.hpp"
#include "status.hpp"
#include "taskfile.hpp"
#include "template.hpp"

namespace task_farm {

namespace {

std::string now_iso() {
  return format_time(relay::app::wall_seconds());
}

/// Puts the plan's tasks in the farm's queue, in id order.
void queue(prepared& p, const run_plan& plan) {
  for (const auto& e : plan.to_run) {
    p.commands.emplace(e.t.id, e.t.command);
    const auto cores = e.t.cores != 0 ? e.t.cores : static_cast<int>(p.options.cores_per_task);
    p.queue.push_back({e.t.id, e.first_attempt, e.t.command, e.t.phase, cores});
    p.max_cores = std::max(p.max_cores, cores);
  }
}

/// A task that needs more cores than the smallest node has ranks could never start there.
void check_cores(const run_plan& plan, const farm_options& options, int node_ranks) {
  for (const auto& e : plan.to_run) {
    const auto cores = e.t.cores != 0 ? std::uint64_t(e.t.cores) : options.cores_per_task;
    if (cores > static_cast<std::uint64_t>(node_ranks))
      throw relay::usage_error(
          "task " + std::to_string(e.t.id) + " needs " + std::to_string(cores) +
          " cores, but a node of this job runs only " + std::to_string(node_ranks) + " rank" +
          (node_ranks == 1 ? "" : "s") +
          " (one core each): start more ranks per node, or ask for fewer cores");
  }
}

/// Rank 0: reads and checks the input, creates or reopens the output directory.
prepared prepare_new(const cli_args& a, int node_ranks) {
  prepared p;
  p.options = merge_options(a, farm_options{});
  const bool sweep = !a.templ.empty();
  const std::string text = sweep ? expand_sweep(a.templ, a.sources) : read_task_file(a.task_file);
  std::vector<task> tasks;
  try {
    tasks = parse_tasks(text);
  } catch (const relay::usage_error& e) {
    throw relay::usage_error(
        (sweep ? std::string("--template: ") : "task file '" + a.task_file + "': ") + e.what());
  }
  p.total_tasks = tasks.size();
  const run_plan plan = plan_run(tasks, {});
  if (a.dry_run) {
    print_plan(a.json, plan.to_run, tasks.size(), 0, "");
    p.finished = true;
    return p;
  }
  check_cores(plan, p.options, node_ranks);
  std::string dir = a.output_dir.empty() ? default_output_dir() : a.output_dir;
  make_directories(dir);
  dir = absolute(dir);
  if (exists(dir + "/" + std::string(meta_file_name)))
    throw relay::usage_error("'" + dir + "' already holds a farm: resume it with --resume " + dir +
                             ", or choose another --output-dir");
  if (exists(dir + "/" + std::string(status_file_name)))
    throw relay::usage_error("'" + dir + "' holds a status.tsv that is not a farm's (it has no " +
                             std::string(meta_file_name) + "): choose another --output-dir");
  p.outdir = dir;
  p.log = std::make_unique<status_log>(dir + "/" + std::string(status_file_name));
  write_file_atomic(dir + "/" + std::string(tasks_copy_name), text);
  farm_meta meta;
  // A sweep's task file is its expansion, saved here: --resume needs nothing else.
  meta.task_file = sweep                       ? dir + "/" + std::string(tasks_copy_name)
                   : a.task_file == stdin_name ? "(standard input)"
                                               : absolute(a.task_file);
  meta.created = now_iso();
  meta.runs = 1;
  meta.options = p.options;
  write_file_atomic(dir + "/" + std::string(meta_file_name), to_json(meta));
  if (tasks.empty()) {
    print_nothing_to_do(a.json, "the task file '" + a.task_file + "' holds no tasks", 0, 0, dir);
    p.finished = true;
    return p;
  }
  queue(p, plan);
  return p;
}

/// The successes in the ranks' journals that the log lacks, with their commands (journal.hpp);
/// an entry whose task is not the same now is left out (plan_run refuses such a log anyway).
std::vector<status_line> journaled_successes(const std::string& dir, const std::vector<task>& tasks,
                                             const std::vector<status_line>& history) {
  std::unordered_map<std::int64_t, const task*> by_id;
  for (const auto& t : tasks) by_id.emplace(t.id, &t);
  std::vector<status_line> out;
  for (auto& l : unlogged_successes(dir, history)) {
    const auto it = by_id.find(l.rec.id);
    if (it == by_id.end()) continue;
    l.command = it->second->command;
    out.push_back(std::move(l));
  }
  return out;
}

prepared prepare_resume(const cli_args& a, int node_ranks) {
  prepared p;
  const std::string& dir_arg = a.resume;
  if (!exists(dir_arg))
    throw relay::usage_error("cannot resume '" + dir_arg + "': " + std::strerror(ENOENT));
  if (!is_directory(dir_arg))
    throw relay::usage_error("cannot resume '" + dir_arg + "': it is not a directory");
  const std::string dir = absolute(dir_arg);
  const std::string meta_path = dir + "/" + std::string(meta_file_name);
  if (!exists(meta_path))
    throw relay::usage_error("cannot resume '" + dir_arg +
                             "': it is not a task_farm output directory (it has no farm.json)");
  farm_meta meta;
  try {
    meta = meta_from_json(read_file(meta_path, "farm file"));
  } catch (const relay::usage_error& e) {
    throw relay::usage_error("cannot resume '" + dir_arg + "': " + e.what());
  }
  p.options = merge_options(a, meta.options);
  p.outdir = dir;
  const std::string status_path = dir + "/" + std::string(status_file_name);
  if (!exists(status_path))
    throw relay::usage_error("cannot resume '" + dir_arg + "': it has no status.tsv");
  // Lock the log before reading it, so that it cannot grow under us (a dry run only reads).
  if (!a.dry_run) p.log = std::make_unique<status_log>(status_path);
  status_log_contents history;
  try {
    history = parse_status_log(read_file(status_path, "status log"));
  } catch (const relay::usage_error& e) {
    throw relay::usage_error("cannot resume '" + dir_arg + "': " + e.what());
  }
  const std::string copy_path = dir + "/" + std::string(tasks_copy_name);
  const std::string saved = read_file(copy_path, "the farm's copy of its task file");
  const std::string text = a.task_file.empty() ? saved : read_task_file(a.task_file);
  const std::string source = a.task_file.empty() ? copy_path : a.task_file;
  std::vector<task> tasks;
  run_plan plan;
  std::vector<status_line> unlogged;
  try {
    tasks = parse_tasks(text);
    unlogged = journaled_successes(dir, tasks, history.lines);
    history.lines.insert(history.lines.end(), unlogged.begin(), unlogged.end());
    plan = plan_run(tasks, history.lines, a.skip_failed);
  } catch (const relay::usage_error& e) {
    throw relay::usage_error("cannot resume '" + dir_arg + "' with '" + source + "': " + e.what());
  }
  p.total_tasks = tasks.size();
  p.skipped = plan.already_succeeded + plan.already_failed;
  if (a.dry_run) {
    print_plan(a.json, plan.to_run, tasks.size(), p.skipped, dir);
    p.finished = true;
    return p;
  }
  check_cores(plan, p.options, node_ranks);
  if (history.torn_tail) {
    // A job killed in the middle of writing a line: that attempt runs again.
    p.log.reset();
    p.log = std::make_unique<status_log>(status_path, history.complete_bytes);
  }
  if (!unlogged.empty()) {  // the farm was killed: successes its ranks saw, not yet logged
    std::string lines;
    for (const auto& l : unlogged) lines += format_status_line(l);
    p.log->append(lines);
    p.log->sync();
    write_stderr("task_farm: note: " + std::to_string(unlogged.size()) +
                 " attempt(s) that succeeded when the farm was killed were missing from " +
                 status_path + ": logged now from the ranks' journals, not run again\n");
  }
  remove_journals(dir);
  if (!a.task_file.empty() && text != saved) {
    write_file_atomic(copy_path, text);
    meta.task_file = a.task_file == stdin_name ? "(standard input)" : absolute(a.task_file);
  } else if (a.task_file.empty() && ::access(meta.task_file.c_str(), R_OK) == 0) {
    try {
      if (read_file(meta.task_file, "task file") != saved)
        write_stderr("task_farm: note: '" + meta.task_file +
                     "' changed since this farm started; resuming with its saved copy " +
                     copy_path + " (name the file after --resume to use the new one)\n");
    } catch (const relay::usage_error&) {
    }
  }
  ++meta.runs;
  meta.options = p.options;
  write_file_atomic(meta_path, to_json(meta));
  if (plan.to_run.empty()) {
    print_nothing_to_do(
        a.json,
        plan.already_failed == 0
            ? "all " + std::to_string(tasks.size()) + " tasks in " + dir + " have succeeded"
            : "all " + std::to_string(tasks.size()) + " tasks in " + dir + " have ended (" +
                  std::to_string(plan.already_failed) +
                  " failed; --resume runs them again, --resume-unfinished does not)",
        tasks.size(), p.skipped, dir);
    p.finished = true;
    return p;
  }
  queue(p, plan);
  return p;
}

}  // namespace

prepared prepare(const relay::communicator& world, const cli_args& a) {
  prepared p;
  const int node_ranks = smallest_node(world);  // the most cores a task may need
  if (world.rank() == 0) {
    try {
      // The joblog first: a bad path creates no farm directory.
      std::unique_ptr<joblog> jobs;
      if (!a.joblog.empty() && !a.dry_run) jobs = std::make_unique<joblog>(a.joblog);
      p = a.resume.empty() ? prepare_new(a, node_ranks) : prepare_resume(a, node_ranks);
      p.tag = a.tag;
      p.jobs = std::move(jobs);
      p.terminal = stderr_is_terminal();
      p.progress = a.progress || (p.terminal && !a.json);
    } catch (const relay::usage_error& e) {
      p = prepared{};
      p.error = e.what();
      p.code = relay::app::exit_usage;
    } catch (const std::exception& e) {
      p = prepared{};
      p.error = std::string("error: ") + e.what();
      p.code = relay::app::exit_failure;
    }
  }
  // Every rank runs with rank 0's setup; its doubles travel as bytes, so all agree to the bit.
  relay::bcast_into(world, static_cast<farm_setup&>(p), 0);
  return p;
}

}  // namespace task_farm
