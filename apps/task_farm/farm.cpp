// The farm on relay::pool. One pool task is one attempt of one task line (attempt.hpp), run by
// every rank, rank 0 included (in the pool's second thread); rank 0's stream source is the
// farm's queue, and its sink logs each attempt the moment it arrives (the pool's flush_after is
// 0, so a rank sends each attempt as it ends) and puts a failed attempt's retry at the queue's
// front.
//
// Waiting without burning CPU. Open MPI's blocking calls (MPI_Recv, MPI_Wait, MPI_Probe) spin at
// 100% of a core until their message comes; a farm whose tasks sleep or do I/O must not do that,
// and on a full node the spinning would take a core from the tasks.
// - The pool never blocks inside MPI: an idle rank, and rank 0's dispatcher, poll with
//   MPI_Iprobe between sleeps that start at 10 us after a message and double to
//   pool_idle_sleep_max; while tasks of `true` stream in, requests are answered within
//   microseconds, and while long tasks run each rank wakes 1/pool_idle_sleep_max times a second.
// - A rank running an attempt sleeps in ppoll(2) on the task's pidfd (it wakes the moment the
//   task ends) and the signalfd, with a timeout for the task's --timeout or kill deadline, and
//   at most interrupt_check_interval (attempt.cpp), when it looks at the pool's interrupt flag
//   (on a worker rank that looks for rank 0's message).
// - The status log's fdatasync runs in a thread of its own (status_log.hpp).
// The summary's "farm cpu s" column shows the CPU time each rank's farm used (tasks excluded);
// a test checks that it stays far below the run time with tasks that sleep.
//
// Signals are blocked in every thread and read from a signalfd (runner.hpp). On rank 0 both of
// its threads read it: the dispatcher in the stream's tick, the task thread while it waits for a
// task (with one rank the pool has no second thread, and the tick runs between tasks only); the
// signal_inbox lets each see what the other read. A signal that reaches another rank alone comes
// to rank 0 in that rank's next attempt_report.

#include "farm.hpp"

#include <signal.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <optional>

#include "attempt.hpp"
#include "clock.hpp"
#include "progress.hpp"
#include "relay/gather.hpp"
#include "relay/pool.hpp"
#include "slots.hpp"
#include "summary.hpp"
#include "tag.hpp"

namespace task_farm {

namespace {

/// The longest sleep of an idle rank between two looks for messages (the pool's default is
/// 1 ms): a rank whose long task ended waits at most this for its next one, nothing next to such
/// a task, while short tasks keep the sleeps at their 10 us start. Measured with 4 tasks of
/// `sleep 2` at 2 ranks, rank 0's farm used 0.034-0.042 s of CPU in 4 s with 4 ms, 0.055-0.070 s
/// with 1 ms (the old hand-written loop: 0.022-0.033 s).
constexpr double pool_idle_sleep_max = 4e-3;
/// How often rank 0's dispatcher looks at the signals (the tick): a stop reaches the other ranks
/// within this.
constexpr double tick_interval = 0.02;
/// --chunksize is capped at the tasks / (chunks_per_rank_min x ranks): the last chunks, which one
/// rank may still be running (with one more prefetched) while the others have nothing left, are
/// then a small part of each rank's share, so that a larger chunksize is never slower than 1.
/// Measured at 1000 tasks of `true` on 2 ranks without the cap: --chunksize 1, 10, 100 took
/// 1.09, 1.43 and 1.76 s (medians of 3).
constexpr std::size_t chunks_per_rank_min = 64;

void announce_stop(const farm_settings& settings, int s) {
  const double grace = settings.grace_for(s);
  std::string text =
      "task_farm: " + signal_name(s) + ": handing out no more tasks; running tasks get ";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", grace);
  text += buf;
  text += " s to finish, then are killed";
  if (grace < settings.grace && !settings.note.empty()) text += " (" + settings.note + ")";
  std::fprintf(stderr, "%s\n", text.c_str());
  std::fflush(stderr);
}

/// Rank 0's side of the stream: the queue, retries, fail-fast and stopping on signals.
class dispatcher {
 public:
  dispatcher(relay::pool& pool, const farm_settings& settings, std::vector<assignment> tasks,
             const record_sink& sink, signal_inbox& signals, farm_result& result)
      : pool_(pool),
        settings_(settings),
        tasks_(std::move(tasks)),
        sink_(sink),
        signals_(signals),
        result_(result),
        progress_(settings.progress, settings.terminal) {
    for (std::size_t i = 0; i < tasks_.size(); ++i) queue_.push_back({i, tasks_[i].attempt});
  }

  std::optional<assignment> next() {
    // A signal read by the task thread, not yet handled by the tick: hand out nothing more.
    if (stopping_ || queue_.empty() || signals_.seen().size() > signals_handled_)
      return std::nullopt;
    const auto [task, attempt] = queue_.front();
    if (tasks_[task].phase != phase_) {  // past a #FARM barrier: first, all before it end
      if (running_ > 0) return std::nullopt;
      phase_ = tasks_[task].phase;
    }
    queue_.pop_front();
    given_.push_back(task);
    ++running_;
    const auto& t = tasks_[task];
    return assignment{t.id, attempt, t.command, t.phase, t.cores};
  }

  void finished(std::size_t index, attempt_report&& report) {
    --running_;
    // The signal another rank received: usually the same one as rank 0's (a launcher passes it
    // to every rank), so it never counts as a second one.
    if (report.signal != 0 && result_.signal == 0) stop_on(report.signal);
    ++returned_;
    if (report.ran == 0) return;  // not started: the farm was stopping
    const attempt_record& r = report.rec;
    const bool final = r.result == outcome::ok || r.result == outcome::interrupted || stopping_ ||
                       static_cast<std::uint64_t>(r.attempt - tasks_[given_.at(index)].attempt) >=
                           settings_.options.retries;
    if (final && r.result != outcome::interrupted) ++done_;
    if (final && r.result != outcome::ok && r.result != outcome::interrupted) ++failed_;
    result_.records.push_back(r);
    if (!sink_(std::span<const attempt_record>(&r, 1))) stop_for_log();
    if (!report.out.empty() || !report.err.empty()) {  // --tag: one write per task and stream
      progress_.clear();
      print_tagged(report.out, report.err);
    }
    if (r.result == outcome::ok || r.result == outcome::interrupted || stopping_) return;
    const std::size_t task = given_.at(index);
    const auto tries = static_cast<std::uint64_t>(r.attempt - tasks_[task].attempt) + 1;
    if (tries <= settings_.options.retries) {
      queue_.push_front({task, r.attempt + 1});  // runs again at once, on the next free rank
    } else if (settings_.options.fail_fast) {
      result_.failed_fast = true;
      stopping_ = true;
      pool_.stop();  // running attempts finish; nothing more starts
      if (settings_.options.halt_now && !killing_) {  // --halt now: they are killed at once
        killing_ = true;
        pool_.interrupt(interrupt_code(0, true));
      }
    }
  }

  /// The log cannot grow: nothing more starts, and running tasks are killed at once.
  void stop_for_log() {
    if (result_.log_trouble) return;
    result_.log_trouble = true;
    stopping_ = true;
    killing_ = true;
    if (streaming_) pool_.interrupt(interrupt_code(0, true));
  }

  /// The stream's tick: the signals rank 0 received.
  void tick() {
    // Handed out but not reported: running, or waiting in the pool's buffers for a free rank.
    const std::size_t running =
        std::min(given_.size() - returned_, static_cast<std::size_t>(pool_.size()));
    progress_.update(done_, failed_, running, tasks_.size(),
                     relay::app::monotonic_seconds() - started_);
    const auto seen = signals_.seen();
    for (; signals_handled_ < seen.size(); ++signals_handled_) stop_on(seen[signals_handled_]);
  }

  /// After the stream: a signal that came as it ended (next() handed out nothing more for it)
  /// still stops the farm: what was not run is reported so, and the exit code names the signal.
  void end() {
    progress_.finish();
    streaming_ = false;
    tick();
  }

 private:
  /// The first signal stops the farm with the grace period; a second one that rank 0 receives
  /// kills at once.
  void stop_on(int s) {
    stopping_ = true;
    if (result_.signal == 0) {
      result_.signal = s;
      announce_stop(settings_, s);
      if (streaming_) pool_.interrupt(interrupt_code(s, false));
    } else if (!killing_) {
      killing_ = true;
      if (streaming_) pool_.interrupt(interrupt_code(s, true));
    }
  }

  relay::pool& pool_;
  const farm_settings& settings_;
  std::vector<assignment> tasks_;  ///< with their first attempt numbers
  /// What to hand out: a task (its index in tasks_) and the attempt number it gets.
  std::deque<std::pair<std::size_t, std::int32_t>> queue_;
  std::vector<std::size_t> given_;  ///< the task of each input handed out, by the pool's index
  const record_sink& sink_;
  signal_inbox& signals_;
  farm_result& result_;
  std::size_t running_ = 0;  ///< attempts handed out and not reported back
  std::int32_t phase_ = 0;   ///< the barrier phase of the tasks being handed out
  std::size_t signals_handled_ = 0;
  bool stopping_ = false;
  bool killing_ = false;
  bool streaming_ = true;
  progress_line progress_;
  double started_ = relay::app::monotonic_seconds();
  std::size_t returned_ = 0;  ///< reports received
  std::size_t done_ = 0;      ///< tasks that ended for good (succeeded, or failed all retries)
  std::size_t failed_ = 0;
};

}  // namespace

double farm_settings::grace_for(int s) const {
  return s == SIGUSR1 || s == SIGUSR2 ? grace : term_grace;
}

double fit_grace(double grace, std::string& note) {
  if (std::getenv("OMPI_MCA_orte_hnp_uri") == nullptr) return grace;  // not under mpirun
  double window = 1.0;
  if (const char* t = std::getenv("OMPI_MCA_odls_base_sigkill_timeout")) {
    char* end = nullptr;
    const double v = std::strtod(t, &end);
    if (end != t && *end == '\0' && v >= 0) window = v;
  }
  const double room = std::max(0.0, window - 0.6);
  if (grace <= room) return grace;
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "--grace %g shortened: mpirun kills ranks %g s after it passes SIGTERM on; "
                "lengthen that with mpirun --mca odls_base_sigkill_timeout %.0f",
                grace, window, std::ceil(grace + 1));
  note = buf;
  return room;
}

farm_result run_farm(const relay::communicator& world, const farm_settings& settings,
                     std::vector<assignment> queue, const record_sink& sink,
                     signal_source& signals) {
  const auto& opt = settings.options;
  // Cores per task: the ranks of a node share its slots (collective, before the pool's threads).
  std::optional<node_slots> slots;
  if (settings.max_cores > 1) slots.emplace(world);
  relay::pool_options po;
  po.chunksize = static_cast<std::size_t>(opt.chunksize);
  po.flush_after = 0;  // each attempt reaches rank 0, and the log, as it ends
  po.idle_sleep_max = pool_idle_sleep_max;
  relay::pool pool(world, po);

  exec_settings exec{settings.outdir, opt.timeout, pool.rank(), settings.host};
  exec.output = static_cast<output_mode>(opt.output);
  exec.tag = settings.tag;
  process_runner proc(exec);
  signal_inbox inbox(signals);
  done_journal journal(settings.outdir, pool.rank(), settings.host);
  attempt_runner runner(proc, inbox, {settings.term_grace, settings.grace}, &journal);
  const auto attempt = [&](const assignment& a, relay::task_context& ctx) {
    if (!slots) return runner(a, ctx);
    // A stop while waiting for cores: the runner sees it too, and starts nothing.
    const bool held =
        slots->acquire(a.cores, [&] { return ctx.interrupted() || !inbox.seen().empty(); });
    struct give_back {
      node_slots& s;
      int n;
      ~give_back() {
        if (n > 0) s.release(n);
      }
    } hold{*slots, held ? a.cores : 0};
    return runner(a, ctx);
  };
  farm_result result;
  const double started = relay::app::monotonic_seconds();
  const double cpu_start = relay::app::cpu_seconds();
  if (pool.is_root()) {
    const std::size_t chunksize = std::clamp<std::size_t>(
        queue.size() / (chunks_per_rank_min * static_cast<std::size_t>(pool.size())), 1,
        po.chunksize);
    dispatcher d(pool, settings, std::move(queue), sink, inbox, result);
    pool.stream<assignment>(
        attempt, [&] { return d.next(); },
        [&](std::size_t i, attempt_report&& r) { d.finished(i, std::move(r)); }, chunksize,
        [&] { d.tick(); }, tick_interval);
    d.end();
  } else {
    pool.stream<assignment>(
        attempt, [] { return std::optional<assignment>{}; }, [](std::size_t, attempt_report&&) {},
        0, [] {}, tick_interval);
  }
  proc.kill_now();
  const double cpu = relay::app::cpu_seconds() - cpu_start;
  result.seconds = relay::app::monotonic_seconds() - started;
  result.cpu_seconds = relay::gather(world, cpu, 0).value_or(std::vector<double>{});
  journal.remove();  // after the gather: rank 0 has logged every attempt of every rank
  return result;
}

}  // namespace task_farm
