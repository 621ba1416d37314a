// Unit tests of task_farm's habits from other tools, without MPI: templates and sweeps as GNU
// parallel's (the expected texts are parallel 20221122's --dry-run output for the same
// arguments), #FARM directives in task files, and --tag's copies of output.

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "clock.hpp"
#include "directives.hpp"
#include "heartbeat.hpp"
#include "journal.hpp"
#include "rank_output.hpp"
#include "relay/error.hpp"
#include "runner.hpp"
#include "tag.hpp"
#include "taskfile.hpp"
#include "template.hpp"

namespace fs = std::filesystem;
using namespace task_farm;

namespace {

std::string expand(std::string_view templ, std::vector<std::string> args, std::int64_t seq = 1) {
  return expand_template(templ, args, seq);
}

/// The message of the usage error that `f` throws ("" if none).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const relay::usage_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(TaskFarmTemplate, QuotesAsParallelDoes) {
  EXPECT_EQ(shell_quote("a-b_c+d./e9"), "a-b_c+d./e9");
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(shell_quote("a b"), "'a b'");
  EXPECT_EQ(shell_quote("x$y"), "'x$y'");
  EXPECT_EQ(shell_quote("it's"), "'it'\"'\"'s'");
  EXPECT_EQ(shell_quote("'a"), "\"'\"'a'");
  EXPECT_EQ(shell_quote("a'"), "'a'\"'\"");
  EXPECT_EQ(shell_quote("'"), "\"'\"");
  EXPECT_EQ(shell_quote("a,b"), "'a,b'");
  EXPECT_EQ(shell_quote("a=b"), "'a=b'");
}

TEST(TaskFarmTemplate, ReplacementStrings) {
  // parallel --dry-run 'echo {//} {/.} {.} {/}' ::: /x .hidden a.b.c '' x/.y dir/b.tar.gz
  EXPECT_EQ(expand("echo {//} {/.} {.} {/}", {"/x"}), "echo / x /x x");
  EXPECT_EQ(expand("echo {//} {/.} {.} {/}", {".hidden"}), "echo . '' '' .hidden");
  EXPECT_EQ(expand("echo {//} {/.} {.} {/}", {"a.b.c"}), "echo . a.b a.b a.b.c");
  EXPECT_EQ(expand("echo {//} {/.} {.} {/}", {""}), "echo . '' '' ''");
  EXPECT_EQ(expand("echo {//} {/.} {.} {/}", {"x/.y"}), "echo x '' x/ .y");
  EXPECT_EQ(expand("echo {//} {/.} {.} {/}", {"dir/b.tar.gz"}),
            "echo dir b.tar dir/b.tar b.tar.gz");
  // parallel --dry-run 'echo {2}-{1} {} {#}' ::: a ::: 1
  EXPECT_EQ(expand("echo {2}-{1} {} {#}", {"a", "1"}, 7), "echo 1-a a 1 7");
  // parallel --dry-run echo {1.} {2/} {1//} {2/.} ::: a.b/c.d ::: e/f.g
  EXPECT_EQ(expand("echo {1.} {2/} {1//} {2/.}", {"a.b/c.d", "e/f.g"}), "echo a.b/c f.g a.b f");
  // No replacement string: the arguments are appended.
  EXPECT_EQ(expand("echo", {"a b", "1"}), "echo 'a b' 1");
  // Other braces are shell code, kept.
  EXPECT_EQ(expand("awk '{print $1}' ${HOME} {x} {", {"f"}), "awk '{print $1}' ${HOME} {x} { f");
}

TEST(TaskFarmTemplate, SweepOrderAndFiles) {
  // parallel --dry-run 'echo {2}-{1} {}' ::: a b ::: 1 2: the first source varies slowest.
  EXPECT_EQ(expand_sweep("echo {2}-{1} {}", {{false, {"a", "b"}}, {false, {"1", "2"}}}),
            "echo 1-a a 1\necho 2-a a 2\necho 1-b b 1\necho 2-b b 2\n");
  const fs::path dir = fs::temp_directory_path() / ("tf_habits_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string args = (dir / "args").string();
  std::ofstream(args) << "l1\r\nl 2\n\nlast";  // an empty line is an argument, as in parallel
  EXPECT_EQ(expand_sweep("echo {1} {2} {#}", {{true, {args}}, {false, {"x"}}}),
            "echo l1 x 1\necho 'l 2' x 2\necho '' x 3\necho last x 4\n");
  std::ofstream(dir / "empty") << "";
  EXPECT_EQ(error_of([&] {
              (void)expand_sweep("e", {{true, {(dir / "empty").string()}}});
            }),
            "argument file '" + (dir / "empty").string() + "' holds no arguments");
  EXPECT_NE(error_of([&] {
              (void)expand_sweep("e", {{true, {(dir / "nope").string()}}});
            }).find("No such file"),
            std::string::npos);
  fs::remove_all(dir);
  EXPECT_EQ(error_of([] {
              (void)expand_sweep("e", {{false, {"a", "b\nc"}}});
            }),
            "::: source 1: argument 2 holds a newline (a task is one line)");
  EXPECT_NE(error_of([] {
              (void)expand_sweep("e", {{false, std::vector<std::string>(10000, "a")},
                                       {false, std::vector<std::string>(10000, "b")}});
            }).find("more than"),
            std::string::npos);
}

TEST(TaskFarmTemplate, ChecksTheTemplate) {
  EXPECT_NO_THROW(check_template("cmd {1} {2} {#}", 2));
  EXPECT_NE(error_of([] { check_template("cmd {3}", 2); }).find("uses {3}"), std::string::npos);
  EXPECT_NE(error_of([] { check_template("cmd {0}", 2); }).find("uses {0}"), std::string::npos);
  EXPECT_NE(error_of([] { check_template("a\nb", 1); }).find("one line"), std::string::npos);
  EXPECT_NE(error_of([] { check_template("  ", 1); }).find("blank"), std::string::npos);
  EXPECT_NE(error_of([] { check_template(" # x {}", 1); }).find("'#'"), std::string::npos);
}

TEST(TaskFarmTemplate, SplitsTheCommandLine) {
  std::vector<std::string> words = {"task_farm", "--template", "c {}", ":::", "a",  "b",
                                    "::::",      "f1",         "f2",   ":::", "--x"};
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  int argc = static_cast<int>(argv.size());
  const auto sources = split_sources(argc, argv.data());
  EXPECT_EQ(argc, 3);
  ASSERT_EQ(sources.size(), 4u);
  EXPECT_EQ(sources[0], (arg_source{false, {"a", "b"}}));
  EXPECT_EQ(sources[1], (arg_source{true, {"f1"}}));
  EXPECT_EQ(sources[2], (arg_source{true, {"f2"}}));
  EXPECT_EQ(sources[3], (arg_source{false, {"--x"}}));
  std::vector<std::string> bad = {"task_farm", ":::", "a", "::::"};
  std::vector<char*> bad_argv;
  for (auto& w : bad) bad_argv.push_back(w.data());
  int bad_argc = 4;
  EXPECT_EQ(error_of([&] { (void)split_sources(bad_argc, bad_argv.data()); }),
            ":::: needs one or more argument files after it");
}

TEST(TaskFarmDirectives, BarriersAndErrors) {
  const directive barrier{directive::kind::barrier, 0};
  EXPECT_EQ(parse_directive("#FARM barrier", 1), barrier);
  EXPECT_EQ(parse_directive("  #FARM   BARRIER \t", 1), barrier);
  EXPECT_EQ(parse_directive("#FARM cores=4", 1), (directive{directive::kind::cores, 4}));
  EXPECT_EQ(parse_directive("# FARM barrier", 1), std::nullopt);  // a comment
  EXPECT_EQ(parse_directive("#FARMS", 1), std::nullopt);
  EXPECT_EQ(parse_directive("echo #FARM barrier", 1), std::nullopt);
  EXPECT_EQ(error_of([] { (void)parse_directive("#FARM barier", 12); }),
            "line 12: unknown directive '#FARM barier' (known: barrier, cores=N; a comment must "
            "not start with '#FARM ')");
  EXPECT_EQ(error_of([] { (void)parse_directive("#FARM", 3); }),
            "line 3: '#FARM' without a directive (known: barrier, cores=N)");
  for (const char* bad : {"#FARM cores=0", "#FARM cores=", "#FARM cores=2x", "#FARM cores=-1",
                          "#FARM cores=99999999999"})
    EXPECT_EQ(error_of([&] { (void)parse_directive(bad, 3); }),
              "line 3: '" + std::string(bad) + "': cores= needs a whole number from 1 to 65536")
        << bad;
  // Task ids stay line numbers; each task knows how many barriers come before it.
  const auto tasks =
      parse_tasks("a\nb\n#FARM barrier\n# c\nd\n#FARM barrier\r\n#FARM barrier\ne\n");
  ASSERT_EQ(tasks.size(), 4u);
  EXPECT_EQ(tasks[0], (task{1, "a", 0, 0}));
  EXPECT_EQ(tasks[1], (task{2, "b", 0, 0}));
  EXPECT_EQ(tasks[2], (task{5, "d", 1, 0}));
  EXPECT_EQ(tasks[3], (task{8, "e", 3, 0}));
  // #FARM cores=N holds for the tasks after it, up to the next one.
  const auto cored = parse_tasks("a\n#FARM cores=2\nb\nc\n#FARM cores=1\nd\n");
  ASSERT_EQ(cored.size(), 4u);
  EXPECT_EQ(cored[0].cores, 0);  // --cores-per-task
  EXPECT_EQ(cored[1].cores, 2);
  EXPECT_EQ(cored[2].cores, 2);
  EXPECT_EQ(cored[3].cores, 1);
  EXPECT_EQ(error_of([] { (void)parse_tasks("a\n#FARM wait\n"); }),
            "line 2: unknown directive '#FARM wait' (known: barrier, cores=N; a comment must "
            "not start with '#FARM ')");
}

TEST(TaskFarmOutput, RecordsOfARankFile) {
  const std::string file =
      "#task_farm id=3 attempt=1 bytes=4\nab\nc\n"
      "#task_farm id=4 attempt=1 bytes=34\n#task_farm id=3 attempt=7 bytes=0\n\n"
      "#task_farm id=3 attempt=2 bytes=0\n\n"
      "#task_farm id=3 attempt=3 bytes=10\ntorn";  // its rank died while writing it
  const auto recs = records_of(file, 3, "rank-0.out");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].attempt, 1);
  EXPECT_EQ(recs[0].text, "ab\nc");
  EXPECT_EQ(recs[1].attempt, 2);
  EXPECT_EQ(recs[1].text, "");
  ASSERT_EQ(records_of(file, 4, "rank-0.out").size(), 1u);
  EXPECT_EQ(records_of(file, 4, "rank-0.out")[0].text, "#task_farm id=3 attempt=7 bytes=0\n");
  EXPECT_TRUE(records_of("", 1, "x").empty());
  EXPECT_EQ(error_of([] { (void)records_of("garbage\n", 1, "rank-2.out"); }),
            "rank-2.out: malformed record at byte 0");
  EXPECT_EQ(output_mode_from("per-rank"), output_mode::per_rank);
  EXPECT_EQ(output_mode_from("files"), std::nullopt);
}

TEST(TaskFarmTag, TagLines) {
  EXPECT_EQ(tag_lines(12, ""), "");
  EXPECT_EQ(tag_lines(12, "a\nb\n"), "12\ta\n12\tb\n");
  EXPECT_EQ(tag_lines(3, "no final newline"), "3\tno final newline\n");
  EXPECT_EQ(tag_lines(3, "\n\nx"), "3\t\n3\t\n3\tx\n");
  const std::string long_line(200000, 'z');
  EXPECT_EQ(tag_lines(9, long_line), "9\t" + long_line + "\n");
}

// --tag under every --output mode: the rank reads each attempt's output back through its own
// descriptors, and the files are what they are without --tag.
TEST(TaskFarmTag, EveryOutputModeCapturesTheAttemptsOutput) {
  block_signals();
  char tmpl[] = "/tmp/task_farm_tag.XXXXXX";
  const fs::path dir = ::mkdtemp(tmpl);
  const std::string long_line(70000, 'q');  // more than a pipe's or a read's 64 KiB
  const std::string command =
      "echo one; printf '%s\\n' " + long_line + "; echo err >&2; printf 'no newline'";
  const std::string expected_out = "5\tone\n5\t" + long_line + "\n5\tno newline\n";
  for (auto mode : {output_mode::per_task, output_mode::per_rank, output_mode::none}) {
    SCOPED_TRACE(std::string(to_string(mode)));
    exec_settings settings{dir.string(), 0, 1, "h"};
    settings.output = mode;
    settings.tag = true;
    process_runner proc(settings);
    for (std::int32_t attempt = 1; attempt <= 2; ++attempt) {  // the second starts afresh
      ASSERT_FALSE(proc.start({5, attempt, command}));
      std::optional<attempt_record> rec;
      while (!(rec = proc.poll(relay::app::monotonic_seconds()))) proc.wait(0.05);
      EXPECT_EQ(rec->result, outcome::ok);
      std::string out, err;
      proc.take_tagged(out, err);
      EXPECT_EQ(out, expected_out);
      EXPECT_EQ(err, "5\terr\n");
      proc.take_tagged(out, err);
      EXPECT_EQ(out, "");
    }
  }
  std::ifstream in(dir / "task-5.out", std::ios::binary);
  const std::string kept{std::istreambuf_iterator<char>(in), {}};
  EXPECT_EQ(kept, "one\n" + long_line + "\nno newline");
  const auto files = std::distance(fs::directory_iterator(dir), fs::directory_iterator());
  EXPECT_EQ(files, 4);  // task-5.out and .err, rank-1.out and .err: no temporary file is left
  fs::remove_all(dir);
}

// The heartbeat: written at once with the host and pid, kept fresh, removed at the end.
TEST(TaskFarmHeartbeat, WrittenReadAndRemoved) {
  char tmpl[] = "/tmp/task_farm_beat.XXXXXX";
  const fs::path dir = ::mkdtemp(tmpl);
  EXPECT_FALSE(read_heartbeat(dir.string()));
  {
    heartbeat beat(dir.string(), "node3");
    const auto info = read_heartbeat(dir.string());
    ASSERT_TRUE(info);
    EXPECT_EQ(info->host, "node3");
    EXPECT_EQ(info->pid, static_cast<long>(::getpid()));
    EXPECT_NEAR(info->written, relay::app::wall_seconds(), 5.0);
    EXPECT_FALSE(fs::exists(dir / "running.json.tmp"));
  }
  EXPECT_FALSE(fs::exists(dir / "running.json"));
  std::ofstream(dir / "running.json") << "not json";
  EXPECT_FALSE(read_heartbeat(dir.string()));  // malformed: no heartbeat
  fs::remove_all(dir);
}

// The ranks' journals: a success is recorded at once; --resume finds the ones the log lacks.
TEST(TaskFarmJournal, RecordsWhatTheLogLacks) {
  char tmpl[] = "/tmp/task_farm_journal.XXXXXX";
  const fs::path dir = ::mkdtemp(tmpl);
  attempt_record a;
  a.id = 4;
  a.attempt = 2;
  a.start = 1700000000;
  a.end = a.start + 1;
  attempt_record b = a;
  b.id = 9;
  b.attempt = 1;
  {
    done_journal j(dir.string(), 3, "node3");
    j.record(a);
    j.record(b);
  }
  const std::vector<status_line> history = {{b, "node3", "cmd"}};
  const auto found = unlogged_successes(dir.string(), history);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].rec, a);
  EXPECT_EQ(found[0].host, "node3");
  EXPECT_EQ(found[0].command, "");
  EXPECT_EQ(unlogged_successes(dir.string(), {{a, "h", ""}, {b, "h", ""}}).size(), 0u);
  {
    done_journal j(dir.string(), 3, "node3");  // a new run starts its journal afresh
    j.remove();
  }
  EXPECT_TRUE(fs::is_empty(dir));
  fs::remove_all(dir);
}
