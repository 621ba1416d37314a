// Unit tests of task_farm's parts that need no MPI: task files, the status log, the resume
// plan, farm.json, what travels through the pool, the summary, and running processes.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "attempt.hpp"
#include "clock.hpp"
#include "guard.hpp"
#include "meta.hpp"
#include "progress.hpp"
#include "relay/datatype.hpp"
#include "relay/error.hpp"
#include "relay/serialization.hpp"
#include "runner.hpp"
#include "status.hpp"
#include "summary.hpp"
#include "taskfile.hpp"
#include "work.hpp"

namespace fs = std::filesystem;
using namespace task_farm;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

struct temp_dir {
  fs::path path;
  temp_dir() {
    char tmpl[] = "/tmp/task_farm_test.XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~temp_dir() { fs::remove_all(path); }
};

attempt_record rec(std::int64_t id, outcome o, std::int32_t attempt = 1, std::int32_t rank = 0,
                   double elapsed = 1.0) {
  attempt_record r;
  r.id = id;
  r.rank = rank;
  r.result = o;
  r.exit_code = o == outcome::ok ? 0 : 1;
  r.attempt = attempt;
  r.start = 1700000000.125;
  r.end = r.start + elapsed;
  r.elapsed = elapsed;
  return r;
}

}  // namespace

// ---- task files ---------------------------------------------------------------------------

TEST(TaskFile, IdsAreLineNumbersAndCommentsAndBlanksAreSkipped) {
  const auto tasks = parse_tasks("# comment\necho a\n\n   \n  # indented comment\r\necho b\r\nc");
  ASSERT_EQ(tasks.size(), 3u);
  EXPECT_EQ(tasks[0], (task{2, "echo a"}));
  EXPECT_EQ(tasks[1], (task{6, "echo b"}));  // the '\r' of a Windows line is dropped
  EXPECT_EQ(tasks[2], (task{7, "c"}));       // no newline at the end
  EXPECT_TRUE(parse_tasks("").empty());
  EXPECT_TRUE(parse_tasks("\n\n# x\n").empty());
}

TEST(TaskFile, NulByteNamesItsLine) {
  try {
    (void)parse_tasks(std::string("a\nb\0c\n", 6));
    FAIL() << "no error";
  } catch (const relay::usage_error& e) {
    EXPECT_STREQ(e.what(), "line 2 holds a NUL byte (is this a binary file?)");
  }
}

TEST(TaskFile, LinesUpTo1MiB) {
  const std::string ok(max_line_bytes, 'x');
  EXPECT_EQ(parse_tasks(ok + "\n")[0].command.size(), max_line_bytes);
  try {
    (void)parse_tasks("a\nb\n" + ok + "x\n");
    FAIL() << "no error";
  } catch (const relay::usage_error& e) {
    EXPECT_NE(std::string(e.what()).find("line 3 is 1048577 bytes long"), std::string::npos);
  }
}

TEST(TaskFile, ReadFileErrorsAreClear) {
  temp_dir d;
  EXPECT_THROW((void)read_file((d.path / "missing").string(), "task file"), relay::usage_error);
  try {
    (void)read_file(d.path.string(), "task file");
    FAIL();
  } catch (const relay::usage_error& e) {
    EXPECT_NE(std::string(e.what()).find("Is a directory"), std::string::npos);
  }
  write_file_atomic((d.path / "f").string(), "abc\n");
  EXPECT_EQ(read_file((d.path / "f").string(), "x"), "abc\n");
}

// ---- the status log -----------------------------------------------------------------------

TEST(Status, EscapeRoundTrip) {
  const std::string nasty = "a\tb\nc\\d\re\\t";
  EXPECT_EQ(escape_field(nasty), "a\\tb\\nc\\\\d\\re\\\\t");
  EXPECT_EQ(unescape_field(escape_field(nasty)), nasty);
  EXPECT_FALSE(unescape_field("bad\\"));
  EXPECT_FALSE(unescape_field("bad\\x"));
}

TEST(Status, TimeRoundTrip) {
  EXPECT_EQ(format_time(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_time(1700000000.1234), "2023-11-14T22:13:20.123Z");
  EXPECT_DOUBLE_EQ(*parse_time("2023-11-14T22:13:20.123Z"), 1700000000.123);
  EXPECT_FALSE(parse_time("2023-11-14 22:13:20.123Z"));
  EXPECT_FALSE(parse_time("2023-13-14T22:13:20.123Z"));
}

TEST(Status, LineRoundTrip) {
  status_line line{rec(42, outcome::timeout, 3, 7, 12.5), "node\t1", "printf 'a\\tb'\tx"};
  line.rec.exit_code = 143;
  const std::string text = format_status_line(line);
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(std::count(text.begin(), text.end(), '\t'), 9);
  const auto back = parse_status_line(std::string_view(text).substr(0, text.size() - 1));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->rec.id, 42);
  EXPECT_EQ(back->rec.rank, 7);
  EXPECT_EQ(back->rec.exit_code, 143);
  EXPECT_EQ(back->rec.result, outcome::timeout);
  EXPECT_EQ(back->rec.attempt, 3);
  EXPECT_DOUBLE_EQ(back->rec.elapsed, 12.5);
  EXPECT_NEAR(back->rec.start, line.rec.start, 1e-3);
  EXPECT_EQ(back->host, line.host);
  EXPECT_EQ(back->command, line.command);
  EXPECT_FALSE(parse_status_line("1\t2\t3"));
  for (auto word : {"ok", "failed", "signal", "timeout", "interrupted", "error"})
    EXPECT_EQ(to_string(*outcome_from_string(word)), word);
}

TEST(Status, LogWithTornTail) {
  std::string text = std::string(status_header()) + "\n";
  text += format_status_line({rec(1, outcome::ok), "h", "a"});
  text += format_status_line({rec(2, outcome::failed), "h", "b"});
  const std::size_t complete = text.size();
  text += "3\t0\th\t0\tok\t2023";  // a job killed mid-write
  const auto log = parse_status_log(text);
  EXPECT_EQ(log.lines.size(), 2u);
  EXPECT_TRUE(log.torn_tail);
  EXPECT_EQ(log.complete_bytes, complete);
  EXPECT_THROW((void)parse_status_log("not a header\n"), relay::usage_error);
  try {
    (void)parse_status_log(std::string(status_header()) + "\ngarbage\n");
    FAIL();
  } catch (const relay::usage_error& e) {
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos);
  }
}

// ---- the resume plan ----------------------------------------------------------------------

TEST(Plan, SkipsSucceededAndContinuesAttemptNumbers) {
  const auto tasks = parse_tasks("a\nb\nc\nd\n");
  std::vector<status_line> history = {
      {rec(1, outcome::ok), "h", "a"},        {rec(2, outcome::failed, 1), "h", "b"},
      {rec(2, outcome::failed, 2), "h", "b"}, {rec(3, outcome::interrupted, 1), "h", "c"},
      {rec(4, outcome::failed, 1), "h", "d"}, {rec(4, outcome::ok, 2), "h", "d"},
  };
  const auto plan = plan_run(tasks, history);
  EXPECT_EQ(plan.already_succeeded, 2u);
  ASSERT_EQ(plan.to_run.size(), 2u);
  EXPECT_EQ(plan.to_run[0].t.id, 2);
  EXPECT_EQ(plan.to_run[0].first_attempt, 3);
  EXPECT_EQ(plan.to_run[1].t.id, 3);
  EXPECT_EQ(plan.to_run[1].first_attempt, 2);
  // Nothing logged: everything runs, attempt 1.
  const auto fresh = plan_run(tasks, {});
  EXPECT_EQ(fresh.to_run.size(), 4u);
  EXPECT_EQ(fresh.to_run[3].first_attempt, 1);
  // Everything succeeded: nothing to do.
  std::vector<status_line> all;
  for (const auto& t : tasks) all.push_back({rec(t.id, outcome::ok), "h", t.command});
  EXPECT_TRUE(plan_run(tasks, all).to_run.empty());
}

TEST(Plan, EditedTaskFileIsRefused) {
  std::vector<status_line> history = {{rec(2, outcome::ok), "h", "b"}};
  EXPECT_NO_THROW((void)plan_run(parse_tasks("a\nb\nc\n"), history));  // appended: fine
  EXPECT_NO_THROW((void)plan_run(parse_tasks("A\nb\n"), history));     // unlogged line changed
  EXPECT_THROW((void)plan_run(parse_tasks("b\n"), history), relay::usage_error);     // moved
  EXPECT_THROW((void)plan_run(parse_tasks("a\nB\n"), history), relay::usage_error);  // changed
  EXPECT_THROW((void)plan_run(parse_tasks("a\n"), history), relay::usage_error);     // id 2 gone
  EXPECT_THROW((void)plan_run(parse_tasks("a\n#b\nb\n"), history),
               relay::usage_error);  // now a comment
}

// ---- farm.json and the messages -------------------------------------------------------------

TEST(Meta, RoundTripAndRejects) {
  farm_meta m;
  m.task_file = "/x/tasks.txt";
  m.created = "2023-11-14T22:13:20.123Z";
  m.runs = 3;
  m.options = {10, 2, 1.5, 0.5, true};
  EXPECT_EQ(meta_from_json(to_json(m)), m);
  EXPECT_THROW((void)meta_from_json("{}"), relay::usage_error);
  EXPECT_THROW((void)meta_from_json("not json"), relay::usage_error);
  EXPECT_THROW((void)meta_from_json(R"({"format":"task_farm","version":1})"), relay::usage_error);
}

TEST(Work, AssignmentsReportsAndSetupAreSerialized) {
  // An assignment carries its command (a string): relay sends it through its serialize().
  const assignment a{5, 3, std::string(3000, 'x') + "\t\n"};
  relay::detail::byte_buffer bytes;
  relay::detail::save(bytes, a);
  EXPECT_EQ(relay::detail::load<assignment>(std::span<const char>(bytes.data(), bytes.size())), a);
  EXPECT_THROW(
      (void)relay::detail::load<assignment>(std::span<const char>(bytes.data(), bytes.size() - 1)),
      relay::error);
  const farm_options o{10, 2, 1.5, 0.5, true};
  bytes.clear();
  relay::detail::save(bytes, o);
  EXPECT_EQ(relay::detail::load<farm_options>(std::span<const char>(bytes.data(), bytes.size())),
            o);
  // A report carries --tag's output (strings); its record is plain numbers, sent as its bytes.
  attempt_report r;
  r.rec = {7, 2, 0, outcome::ok, 1, 1.5, 2.5, 1.0};
  r.signal = 15;
  r.out = "7\tline\n" + std::string(70000, 'y') + "\n";
  r.err = "7\terr\n";
  bytes.clear();
  relay::detail::save(bytes, r);
  EXPECT_EQ(relay::detail::load<attempt_report>(std::span<const char>(bytes.data(), bytes.size())),
            r);
  static_assert(relay::bytewise<attempt_record>);
  static_assert(sizeof(attempt_record) == 48);
}

// ---- the summary --------------------------------------------------------------------------

TEST(Summary, CountsAndExitCode) {
  run_facts f;
  f.total_tasks = 6;
  f.skipped = 1;
  f.planned = {1, 2, 3, 4, 5};
  f.records = {rec(1, outcome::ok, 1, 0, 2.0), rec(2, outcome::failed, 1, 1, 1.0),
               rec(2, outcome::ok, 2, 1, 1.0), rec(3, outcome::timeout, 1, 0, 5.0),
               rec(4, outcome::interrupted, 1, 1, 0.5)};
  f.seconds = 10;
  f.hosts = {"a", "b"};
  f.cpu_seconds = {0.1, 0.2};
  const auto s = summarize(f);
  EXPECT_EQ(s.succeeded, 2u);
  EXPECT_EQ(s.failed, 1u);
  EXPECT_EQ(s.interrupted, 1u);
  EXPECT_EQ(s.not_run, 1u);
  EXPECT_EQ(s.skipped, 1u);
  EXPECT_EQ(s.retried, 1u);
  EXPECT_EQ(s.attempts, 5u);
  ASSERT_EQ(s.failures.size(), 1u);
  EXPECT_EQ(s.failures[0].id, 3);
  EXPECT_EQ(s.slowest.front().id, 3);
  ASSERT_EQ(s.per_rank.size(), 2u);
  EXPECT_DOUBLE_EQ(s.per_rank[0].busy_seconds, 7.0);
  EXPECT_DOUBLE_EQ(s.per_rank[1].utilization, 0.25);
  EXPECT_EQ(exit_code(s), 1);
  const auto j = to_json(s, "/out");
  EXPECT_EQ(j["tasks"], 6);
  EXPECT_EQ(j["per_rank"].size(), 2u);
  EXPECT_NE(to_text(s, "/out").find("task 3 (timed out)"), std::string::npos);

  run_facts good;
  good.total_tasks = 1;
  good.planned = {1};
  good.records = {rec(1, outcome::ok)};
  good.hosts = {"a"};
  EXPECT_EQ(exit_code(summarize(good)), 0);
  good.signal = SIGTERM;
  EXPECT_EQ(exit_code(summarize(good)), 128 + SIGTERM);
}

// ---- running processes --------------------------------------------------------------------

class Runner : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { block_signals(); }
  temp_dir dir;

  /// Runs one attempt to its end (or `interrupt_after` seconds, then interrupts it).
  attempt_record run(const std::string& command, double timeout = 0, double interrupt_after = -1) {
    process_runner proc({dir.path.string(), timeout, 3, "hostx"});
    if (auto r = proc.start({7, 2, command})) return *r;
    const double t0 = relay::app::monotonic_seconds();
    bool interrupted = false;
    for (;;) {
      const double now = relay::app::monotonic_seconds();
      if (interrupt_after >= 0 && !interrupted && now - t0 >= interrupt_after) {
        proc.interrupt_at(now);
        interrupted = true;
      }
      if (auto r = proc.poll(now)) return *r;
      proc.wait(std::min(proc.next_deadline() - now, 0.05));
    }
  }
};

TEST_F(Runner, ExitCodesOutputsAndEnvironment) {
  const auto ok = run("echo $TASK_ID $TASK_RANK $TASK_HOST $TASK_ATTEMPT; echo e >&2");
  EXPECT_EQ(ok.result, outcome::ok);
  EXPECT_EQ(ok.exit_code, 0);
  EXPECT_EQ(ok.id, 7);
  EXPECT_EQ(ok.rank, 3);
  EXPECT_EQ(ok.attempt, 2);
  EXPECT_EQ(slurp(dir.path / "task-7.out"), "7 3 hostx 2\n");
  EXPECT_EQ(slurp(dir.path / "task-7.err"), "e\n");
  const auto bad = run("exit 42");
  EXPECT_EQ(bad.result, outcome::failed);
  EXPECT_EQ(bad.exit_code, 42);
  EXPECT_EQ(slurp(dir.path / "task-7.out"), "");  // each attempt starts its files afresh
  const auto sig = run("kill -KILL $$");
  EXPECT_EQ(sig.result, outcome::signal);
  EXPECT_EQ(sig.exit_code, 128 + SIGKILL);
  // stdin is /dev/null: a task that reads does not hang.
  EXPECT_EQ(run("cat").result, outcome::ok);
}

TEST_F(Runner, TimeoutKillsTheWholeProcessGroup) {
  const auto pidfile = dir.path / "gc";
  const auto start = std::chrono::steady_clock::now();
  const auto r =
      run("sh -c 'trap \"\" TERM; sleep 60' & echo $! > " + pidfile.string() + "; wait", 0.3);
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.result, outcome::timeout);
  EXPECT_LT(took, 10.0);
  const pid_t gc = std::stoi(slurp(pidfile));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // Gone (or a zombie waiting for init to reap it).
  const bool gone = ::kill(gc, 0) != 0 ||
                    slurp("/proc/" + std::to_string(gc) + "/stat").find(") Z") != std::string::npos;
  EXPECT_TRUE(gone) << "grandchild " << gc << " survived";
}

TEST_F(Runner, WaitWakesWhenTheTaskEnds) {
  // The wait sleeps on the task's pidfd: with no time limit it returns as the task ends.
  process_runner proc({dir.path.string(), 0, 0, "h"});
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) {
    ASSERT_FALSE(proc.start({1, 1, "sleep 0.01"}));
    std::optional<attempt_record> r;
    while (!(r = proc.poll(relay::app::monotonic_seconds()))) proc.wait(never);
    EXPECT_EQ(r->result, outcome::ok);
  }
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(took, 5.0);
}

TEST_F(Runner, InterruptAndUnstartable) {
  const auto r = run("sleep 60", 0, 0.2);
  EXPECT_EQ(r.result, outcome::interrupted);
  EXPECT_EQ(r.exit_code, 128 + SIGTERM);
  process_runner proc({(dir.path / "no" / "such").string(), 0, 0, "h"});
  const auto err = proc.start({1, 1, "true"});
  ASSERT_TRUE(err);
  EXPECT_EQ(err->result, outcome::error);
}

/// An attempt as the pool runs it: a task_context whose interrupt the test sets from a thread.
class Attempt : public Runner {
 protected:
  std::atomic<bool> interrupted{false};
  std::atomic<std::int64_t> code{0};
  relay::detail::pool_impl::context_state state;
  Attempt() {
    state.interrupted = &interrupted;
    state.code = &code;
  }
  /// Runs `a` with the grace `grace`; `interrupt_with` (if not 0) is set 0.2 s into it, or
  /// before it starts with `stopping`.
  std::pair<attempt_report, double> run_attempt(const assignment& a, double grace,
                                                std::int64_t interrupt_with = 0,
                                                bool stopping = false) {
    code = stopping ? interrupt_with : 0;
    interrupted = stopping;
    if (stopping) interrupt_with = 0;
    signal_source signals;
    signal_inbox inbox(signals);
    process_runner proc({dir.path.string(), 0, 0, "h"});
    attempt_runner runner(proc, inbox, {grace, grace});
    relay::task_context ctx(state);
    std::thread stopper;
    if (interrupt_with != 0)
      stopper = std::thread([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        code = interrupt_with;
        interrupted = true;
      });
    const double t0 = relay::app::monotonic_seconds();
    const auto report = runner(a, ctx);
    const double took = relay::app::monotonic_seconds() - t0;
    if (stopper.joinable()) stopper.join();
    return {report, took};
  }
};

TEST_F(Attempt, RunsReportsAndStops) {
  const auto [ok, t_ok] = run_attempt({4, 2, "exit 3"}, 5);
  EXPECT_EQ(ok.ran, 1);
  EXPECT_EQ(ok.signal, 0);
  EXPECT_EQ(ok.rec.id, 4);
  EXPECT_EQ(ok.rec.attempt, 2);
  EXPECT_EQ(ok.rec.result, outcome::failed);
  EXPECT_EQ(ok.rec.exit_code, 3);
  // The pool's interrupt gives the running attempt the grace period, then kills it.
  const auto [graced, t_graced] =
      run_attempt({5, 1, "sleep 0.6"}, 5, interrupt_code(SIGTERM, false));
  EXPECT_EQ(graced.rec.result, outcome::ok);
  const auto [killed, t_killed] =
      run_attempt({6, 1, "sleep 30"}, 0.2, interrupt_code(SIGTERM, false));
  EXPECT_EQ(killed.rec.result, outcome::interrupted);
  EXPECT_LT(t_killed, 5.0);
  // A second signal (its code says so) kills at once, whatever the grace.
  const auto [now, t_now] = run_attempt({7, 1, "sleep 30"}, 60, interrupt_code(SIGTERM, true));
  EXPECT_EQ(now.rec.result, outcome::interrupted);
  EXPECT_LT(t_now, 5.0);
  // Once the farm is stopping, an attempt is not started.
  const auto [skipped, t_skipped] = run_attempt({8, 1, "touch " + (dir.path / "ran").string()}, 5,
                                                interrupt_code(SIGUSR1, false), true);
  EXPECT_EQ(skipped.ran, 0);
  EXPECT_FALSE(fs::exists(dir.path / "ran"));
}

TEST(Environment, LauncherVariablesAreDropped) {
  EXPECT_TRUE(is_launcher_variable("OMPI_COMM_WORLD_RANK=0"));
  EXPECT_TRUE(is_launcher_variable("PMIX_RANK=0"));
  EXPECT_TRUE(is_launcher_variable("OMPI_MCA_orte_hnp_uri=x"));
  EXPECT_FALSE(is_launcher_variable("OMPI_MCA_btl=^openib"));
  EXPECT_FALSE(is_launcher_variable("PATH=/bin"));
}

// ---- issue 17: stops and defects -------------------------------------------------------------

TEST(TaskFile, ByteOrderMarkIsDropped) {
  const auto tasks = parse_tasks(
      "\xEF\xBB\xBF"
      "echo a\necho b\n");
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[0].command, "echo a");
  EXPECT_EQ(tasks[0].id, 1);
  // Only at the very start.
  EXPECT_EQ(parse_tasks("echo a\n\xEF\xBB\xBF"
                        "echo b\n")[1]
                .command,
            "\xEF\xBB\xBF"
            "echo b");
}

TEST(Plan, ResumeUnfinishedSkipsTasksThatEnded) {
  const std::vector<task> tasks = {{1, "a"}, {2, "b"}, {3, "c"}, {4, "d"}, {5, "e"}};
  std::vector<status_line> history;
  history.push_back({rec(1, outcome::ok), "h", "a"});
  history.push_back({rec(2, outcome::failed), "h", "b"});
  history.push_back({rec(3, outcome::interrupted), "h", "c"});
  history.push_back({rec(4, outcome::failed), "h", "d"});
  history.push_back({rec(4, outcome::interrupted, 2), "h", "d"});  // its last attempt: unfinished
  const auto all = plan_run(tasks, history);
  EXPECT_EQ(all.to_run.size(), 4u);
  const auto unfinished = plan_run(tasks, history, true);
  ASSERT_EQ(unfinished.to_run.size(), 3u);
  EXPECT_EQ(unfinished.to_run[0].t.id, 3);
  EXPECT_EQ(unfinished.to_run[1].t.id, 4);
  EXPECT_EQ(unfinished.to_run[1].first_attempt, 3);
  EXPECT_EQ(unfinished.to_run[2].t.id, 5);
  EXPECT_EQ(unfinished.already_succeeded, 1u);
  EXPECT_EQ(unfinished.already_failed, 1u);
}

TEST(Progress, Text) {
  EXPECT_EQ(progress_text(37, 2, 4, 100, 3.7),
            "task_farm: 37/100 done, 2 failed, 4 running, 10.0 tasks/s, ETA 0:06");
  EXPECT_EQ(progress_text(0, 0, 2, 10, 1.0),
            "task_farm: 0/10 done, 0 failed, 2 running, 0.0 tasks/s, ETA ?");
}

TEST_F(Runner, CommandLongerThanOneArgument) {
  // 200 KiB: more than MAX_ARG_STRLEN (128 KiB) allows one argument of /bin/sh -c.
  const std::string command = ": " + std::string(200 * 1024, 'x') + "; echo long";
  const auto r = run(command);
  EXPECT_EQ(r.result, outcome::ok);
  EXPECT_EQ(slurp(dir.path / "task-7.out"), "long\n");
  EXPECT_EQ(slurp(dir.path / "task-7.sh"), command);
}

TEST_F(Runner, SignalsFromTheRunningTaskAreRecognised) {
  process_runner proc({dir.path.string(), 0, 0, "h"});
  const auto pidfile = dir.path / "pids";
  // The shell, and a grandchild in a new session (out of the task's process group).
  ASSERT_FALSE(
      proc.start({1, 1, "setsid sleep 30 & echo $$ $! > " + pidfile.string() + "; sleep 30"}));
  std::string pids;
  for (int i = 0; i < 200 && pids.find(' ') == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    pids = slurp(pidfile);
  }
  const pid_t shell = std::stoi(pids);
  const pid_t grandchild = std::stoi(pids.substr(pids.find(' ')));
  EXPECT_TRUE(sent_by_task(shell));
  EXPECT_TRUE(sent_by_task(grandchild));  // its parent is the task's shell
  EXPECT_FALSE(sent_by_task(::getpid()));
  EXPECT_FALSE(sent_by_task(::getppid()));
  EXPECT_FALSE(sent_by_task(1));
  proc.kill_now();
  ::kill(grandchild, SIGKILL);
  EXPECT_FALSE(sent_by_task(shell));  // no task running
}
