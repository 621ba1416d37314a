#include "summary.hpp"

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <unordered_map>

namespace task_farm {

std::string signal_name(int signo) {
  switch (signo) {
    case SIGHUP:
      return "SIGHUP";
    case SIGINT:
      return "SIGINT";
    case SIGQUIT:
      return "SIGQUIT";
    case SIGILL:
      return "SIGILL";
    case SIGABRT:
      return "SIGABRT";
    case SIGBUS:
      return "SIGBUS";
    case SIGFPE:
      return "SIGFPE";
    case SIGKILL:
      return "SIGKILL";
    case SIGUSR1:
      return "SIGUSR1";
    case SIGSEGV:
      return "SIGSEGV";
    case SIGUSR2:
      return "SIGUSR2";
    case SIGPIPE:
      return "SIGPIPE";
    case SIGALRM:
      return "SIGALRM";
    case SIGTERM:
      return "SIGTERM";
    case SIGXCPU:
      return "SIGXCPU";
    default:
      return "signal " + std::to_string(signo);
  }
}

run_summary summarize(const run_facts& facts) {
  run_summary s;
  s.tasks = facts.total_tasks;
  s.skipped = facts.skipped;
  s.seconds = facts.seconds;
  s.signal = facts.signal;
  s.failed_fast = facts.failed_fast;
  s.attempts = facts.records.size();
  // The last attempt of each task decides its state.
  std::unordered_map<std::int64_t, attempt_record> last;
  std::unordered_map<std::int64_t, std::size_t> tries;
  for (const auto& r : facts.records) {
    auto [it, inserted] = last.try_emplace(r.id, r);
    if (!inserted && r.attempt >= it->second.attempt) it->second = r;
    ++tries[r.id];
  }
  for (const auto& [id, n] : tries)
    if (n > 1) ++s.retried;
  std::vector<std::int64_t> failed_ids;
  for (auto id : facts.planned) {
    const auto it = last.find(id);
    if (it == last.end()) {
      ++s.not_run;
    } else if (it->second.result == outcome::ok) {
      ++s.succeeded;
    } else if (it->second.result == outcome::interrupted) {
      ++s.interrupted;
    } else {
      ++s.failed;
      s.failures.push_back(it->second);
    }
  }
  std::sort(s.failures.begin(), s.failures.end(),
            [](const auto& a, const auto& b) { return a.id < b.id; });
  s.slowest = facts.records;
  std::sort(s.slowest.begin(), s.slowest.end(), [](const auto& a, const auto& b) {
    return a.elapsed != b.elapsed ? a.elapsed > b.elapsed : a.id < b.id;
  });
  if (s.slowest.size() > 5) s.slowest.resize(5);
  const std::size_t ranks = std::max(facts.hosts.size(), facts.cpu_seconds.size());
  s.per_rank.resize(ranks);
  for (std::size_t r = 0; r < ranks; ++r) {
    s.per_rank[r].rank = static_cast<int>(r);
    if (r < facts.hosts.size()) s.per_rank[r].host = facts.hosts[r];
    if (r < facts.cpu_seconds.size()) s.per_rank[r].cpu_seconds = facts.cpu_seconds[r];
  }
  for (const auto& rec : facts.records) {
    if (rec.rank < 0 || static_cast<std::size_t>(rec.rank) >= ranks) continue;
    auto& pr = s.per_rank[static_cast<std::size_t>(rec.rank)];
    ++pr.attempts;
    pr.busy_seconds += rec.elapsed;
  }
  for (auto& pr : s.per_rank)
    pr.utilization = facts.seconds > 0 ? std::min(1.0, pr.busy_seconds / facts.seconds) : 0.0;
  return s;
}

int exit_code(const run_summary& s) {
  if (s.signal != 0) return 128 + s.signal;
  return s.failed == 0 && s.interrupted == 0 && s.not_run == 0 ? 0 : 1;
}

namespace {

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string how_it_ended(const attempt_record& r) {
  switch (r.result) {
    case outcome::ok:
      return "ok";
    case outcome::failed:
      return "exit " + std::to_string(r.exit_code);
    case outcome::signal:
      return "killed by " + signal_name(r.exit_code - 128);
    case outcome::timeout:
      return "timed out";
    case outcome::interrupted:
      return "interrupted";
    case outcome::error:
      return "could not start";
  }
  return "?";
}

}  // namespace

std::string to_text(const run_summary& s, const std::string& outdir) {
  std::string out = "task_farm: " + std::to_string(s.tasks) +
                    " tasks: " + std::to_string(s.succeeded) + " succeeded, " +
                    std::to_string(s.failed) + " failed, " + std::to_string(s.skipped) + " skipped";
  if (s.skipped > 0) out += " (succeeded before)";
  if (s.interrupted > 0) out += ", " + std::to_string(s.interrupted) + " interrupted";
  if (s.not_run > 0) out += ", " + std::to_string(s.not_run) + " not run";
  out += "; " + std::to_string(s.attempts) + " attempts in " + fixed(s.seconds, 2) + " s on " +
         std::to_string(s.per_rank.size()) + (s.per_rank.size() == 1 ? " rank\n" : " ranks\n");
  if (!s.failures.empty()) {
    out += "failed:";
    const std::size_t shown = std::min<std::size_t>(s.failures.size(), 10);
    for (std::size_t i = 0; i < shown; ++i)
      out += (i ? ", task " : " task ") + std::to_string(s.failures[i].id) + " (" +
             how_it_ended(s.failures[i]) + ")";
    if (s.failures.size() > shown)
      out += ", and " + std::to_string(s.failures.size() - shown) + " more";
    out += "\n";
  }
  if (!s.slowest.empty()) {
    out += "slowest:";
    for (std::size_t i = 0; i < s.slowest.size(); ++i)
      out += (i ? ", task " : " task ") + std::to_string(s.slowest[i].id) + " " +
             fixed(s.slowest[i].elapsed, 3) + " s";
    out += "\n";
  }
  std::size_t host_width = 4;
  for (const auto& pr : s.per_rank) host_width = std::max(host_width, pr.host.size());
  char line[512];
  std::snprintf(line, sizeof line, "%5s  %-*s %9s %10s %12s %10s\n", "rank",
                static_cast<int>(host_width), "host", "attempts", "busy s", "utilization",
                "farm cpu s");
  out += line;
  for (const auto& pr : s.per_rank) {
    std::snprintf(line, sizeof line, "%5d  %-*s %9zu %10.3f %11.1f%% %10.3f\n", pr.rank,
                  static_cast<int>(host_width), pr.host.c_str(), pr.attempts, pr.busy_seconds,
                  100.0 * pr.utilization, pr.cpu_seconds);
    out += line;
  }
  out += "log: " + outdir + "/status.tsv; output: " + outdir + "/task-<id>.out, .err\n";
  return out;
}

nlohmann::ordered_json to_json(const run_summary& s, const std::string& outdir) {
  using json = nlohmann::ordered_json;
  json j;
  j["tasks"] = s.tasks;
  j["succeeded"] = s.succeeded;
  j["failed"] = s.failed;
  j["skipped"] = s.skipped;
  j["interrupted"] = s.interrupted;
  j["not_run"] = s.not_run;
  j["attempts"] = s.attempts;
  j["retried"] = s.retried;
  j["seconds"] = s.seconds;
  j["signal"] = s.signal ? json(signal_name(s.signal)) : json(nullptr);
  j["failed_fast"] = s.failed_fast;
  j["output_dir"] = outdir;
  json failures = json::array();
  for (const auto& r : s.failures)
    failures.push_back({{"id", r.id},
                        {"exit", r.exit_code},
                        {"result", std::string(to_string(r.result))},
                        {"attempt", r.attempt}});
  j["failures"] = failures;
  json slowest = json::array();
  for (const auto& r : s.slowest)
    slowest.push_back({{"id", r.id}, {"seconds", r.elapsed}, {"rank", r.rank}});
  j["slowest"] = slowest;
  json per_rank = json::array();
  for (const auto& pr : s.per_rank)
    per_rank.push_back({{"rank", pr.rank},
                        {"host", pr.host},
                        {"attempts", pr.attempts},
                        {"busy_seconds", pr.busy_seconds},
                        {"utilization", pr.utilization},
                        {"cpu_seconds", pr.cpu_seconds}});
  j["per_rank"] = per_rank;
  return j;
}

}  // namespace task_farm
