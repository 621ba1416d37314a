#include "report.hpp"

#include <unistd.h>

#include <cerrno>
#include <iostream>

#include <nlohmann/json.hpp>

namespace task_farm {

using nlohmann::ordered_json;

namespace {

void write_all(int fd, std::string_view text) {
  std::cout.flush();
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to report it
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

void write_stdout(std::string_view lines) {
  write_all(STDOUT_FILENO, lines);
}

void write_stderr(std::string_view lines) {
  write_all(STDERR_FILENO, lines);
}

void print_plan(bool json, const std::vector<run_plan::entry>& to_run, std::size_t total,
                std::size_t skipped, const std::string& outdir) {
  if (json) {
    ordered_json j;
    j["dry_run"] = true;
    j["tasks"] = total;
    j["to_run"] = to_run.size();
    j["skipped"] = skipped;
    ordered_json ids = ordered_json::array();
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

void print_nothing_to_do(bool json, const std::string& message, std::size_t total,
                         std::size_t skipped, const std::string& outdir) {
  if (json) {
    run_summary s;
    s.tasks = total;
    s.skipped = skipped;
    std::cout << to_json(s, outdir).dump() << std::endl;
  } else {
    std::cout << "task_farm: nothing to do: " << message << std::endl;
  }
}

void print_run(const run_summary& s, bool json, const std::string& outdir,
               const std::string& resume_command, output_mode output) {
  // The summary and the line after it are written at once each: see write_stderr.
  std::string text = json ? to_json(s, outdir).dump() + "\n" : to_text(s, outdir);
  const std::string per_task = "; output: " + outdir + "/task-<id>.out, .err\n";
  if (!json && output != output_mode::per_task && text.ends_with(per_task))
    text.replace(text.size() - per_task.size(), per_task.size(),
                 output == output_mode::none
                     ? std::string("; output: none (--output none)\n")
                     : "; output: " + outdir + "/rank-<r>.out, .err (task_farm extract " + outdir +
                           " ID)\n");
  write_stdout(text);
  if (s.signal != 0 || s.failed_fast || s.failed > 0 || s.interrupted > 0 || s.not_run > 0) {
    const std::string why = s.signal        ? "stopped by " + signal_name(s.signal)
                            : s.failed_fast ? "stopped after a failure (--fail-fast, --halt)"
                            : s.failed > 0  ? std::to_string(s.failed) + " task(s) failed"
                                            : std::string("stopped before the end");
    write_stderr("task_farm: " + why + "; " + std::to_string(s.succeeded + s.skipped) + " of " +
                 std::to_string(s.tasks) + " tasks have succeeded, all logged in " + outdir +
                 "/status.tsv. To run the rest: " + resume_command + "\n");
  }
}

void print_error(const std::string& message) {
  write_stderr("task_farm: " + message + "\n");
}

}  // namespace task_farm
