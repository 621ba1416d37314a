// The farm's event loop: rank 0 dispatches and runs tasks, the other ranks run tasks.
//
// Waiting without burning CPU. Open MPI's blocking calls (MPI_Recv, MPI_Wait, MPI_Probe) spin at
// 100% of a core until their message comes; a farm whose tasks sleep or do I/O must not do that,
// and on a full node the spinning would take a core from the tasks. So no rank ever blocks inside
// MPI; every rank runs one event loop, single-threaded as far as MPI is concerned (rank 0 could
// instead run its tasks from a second thread, with MPI_THREAD_MULTIPLE, but that thread would
// still need a way to wait that does not spin, and one loop keeps the state in one place):
// - A rank that is running a task sleeps in ppoll(2) on a signalfd that wakes it when the task
//   ends (SIGCHLD) or the farm is signalled, with a timeout for the task's --timeout or kill
//   deadline. Worker ranks also look for a stop message from rank 0 every 50 ms while their task
//   runs (20 MPI_Iprobe calls a second: nothing), since a signal may reach rank 0 alone.
// - Rank 0 must also notice requests from the other ranks at any time, and MPI offers no file
//   descriptor to sleep on. It polls with MPI_Iprobe between sleeps of adaptive length: 10 us
//   after a message arrived, doubling while none come, to 1 ms. While tasks of `true` stream in,
//   requests are answered within microseconds. A wake-up (a ppoll and an MPI_Iprobe, which runs
//   Open MPI's progress engine) costs about 35 us of CPU: 1000 a second would be 3.5% of a core,
//   taken from rank 0's own task. So after a quiet spell the sleep stretches to 1/256 of the time
//   since the last message, up to 10 ms: a request then waits at most 0.4% of the time since the
//   previous one, and while long tasks run rank 0 wakes about 100 times a second (measured with
//   tasks of `sleep 2` at 2 ranks: 0.07 s of CPU in 4 s for rank 0, 0.007 s for rank 1).
// - A worker that waits for rank 0's answer polls the same way, capped at 100 us: the answer is
//   due within one of rank 0's sleeps. A worker whose tasks are short (< 50 ms) asks for its next
//   chunk as soon as it starts on the current one, so that it waits for no answer at all.
// - The status log's fdatasync runs in a thread of its own (status_log.hpp).
// The summary's "farm cpu s" column shows the CPU time each rank's farm used (tasks excluded);
// a test checks that it stays far below the run time with tasks that sleep.

#include "farm.hpp"

#include <mpi.h>
#include <signal.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <unordered_map>

#include "clock.hpp"
#include "relay/nonblocking.hpp"
#include "relay/p2p.hpp"
#include "summary.hpp"

namespace task_farm {

namespace {

constexpr int tag_to_master = 1;
constexpr int tag_to_worker = 2;
constexpr double backoff_min = 10e-6;
constexpr double backoff_max = 1e-3;
constexpr double backoff_stretch_max = 10e-3;
/// A worker waiting for rank 0's answer looks more often: the answer is due within rank 0's own
/// sleep, and the wait is short.
constexpr double worker_backoff_max = 100e-6;
/// A worker whose last task took less than this asks for its next chunk as soon as it starts on
/// the current one, so that the next chunk is at hand when the current one ends (the round trip
/// to rank 0 is hidden); with longer tasks it asks only when free, so that long tasks go to
/// whichever rank is free first.
constexpr double prefetch_below = 0.05;
constexpr double stop_check_interval = 0.05;
/// How long rank 0 waits, after the grace period, for the other ranks to report in.
constexpr double report_timeout = 5.0;

/// The sleep between two looks for messages: 10 us after a message, doubling to 1 ms; after a
/// long quiet spell it stretches to 1/256 of the quiet time, up to 10 ms, so that a message waits
/// at most 0.4% of the time since the previous one (but never more than 10 ms).
class backoff {
 public:
  explicit backoff(double cap = backoff_max, double stretch_cap = backoff_stretch_max)
      : cap_(cap), stretch_cap_(stretch_cap) {}
  void reset(double now) {
    next_ = backoff_min;
    quiet_since_ = now;
  }
  double next(double now) {
    const double sleep = std::max(next_, std::min(stretch_cap_, (now - quiet_since_) / 256));
    next_ = std::min(next_ * 2, cap_);
    return sleep;
  }

 private:
  double cap_, stretch_cap_;
  double next_ = backoff_min;
  double quiet_since_ = relay::app::monotonic_seconds();
};

std::vector<assignment> take(std::deque<assignment>& queue, std::uint64_t n) {
  std::vector<assignment> out;
  while (n-- > 0 && !queue.empty()) {
    out.push_back(std::move(queue.front()));
    queue.pop_front();
  }
  return out;
}

/// Sends kept alive until complete, then dropped.
class outbox {
 public:
  void send(const relay::communicator& comm, std::vector<char> bytes, int dest, int tag) {
    pending_.push_back(relay::isend(comm, std::move(bytes), dest, tag));
    prune();
  }
  void prune() {
    std::erase_if(pending_, [](relay::request& r) { return r.test(); });
  }
  void flush() {
    for (auto& r : pending_) r.wait();
    pending_.clear();
  }

 private:
  std::vector<relay::request> pending_;
};

std::vector<char> receive_bytes(const relay::communicator& comm, int source, int tag) {
  return relay::recv<std::vector<char>>(comm, source, tag);
}

bool is_stop_signal(int s) {
  return s != SIGCHLD;
}

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

// ---- rank 0 ---------------------------------------------------------------------------------

farm_result run_master(const relay::communicator& comm, const farm_settings& settings,
                       std::vector<assignment> tasks, const record_sink& sink,
                       signal_source& signals) {
  const double started = relay::app::monotonic_seconds();
  const double cpu_start = relay::app::cpu_seconds();
  const auto& opt = settings.options;
  const int size = comm.size();
  farm_result result;
  result.cpu_seconds.assign(static_cast<std::size_t>(size), 0.0);

  std::unordered_map<std::int64_t, std::int32_t> first_attempt;
  first_attempt.reserve(tasks.size());
  for (const auto& t : tasks) first_attempt.emplace(t.id, t.first_attempt);
  std::deque<assignment> queue(std::make_move_iterator(tasks.begin()),
                               std::make_move_iterator(tasks.end()));

  process_runner proc({settings.outdir, opt.timeout, 0, settings.host});
  local_runner local(proc, opt.retries, opt.fail_fast);
  std::vector<bool> reported(static_cast<std::size_t>(size), false);
  int open_workers = size - 1;
  stop_mode mode = stop_mode::none;
  double stop_started = 0;
  outbox out;
  backoff wait;
  std::vector<attempt_record> mine;

  const auto log = [&](std::span<const attempt_record> recs) {
    if (recs.empty()) return;
    result.records.insert(result.records.end(), recs.begin(), recs.end());
    sink(recs);
    if (!opt.fail_fast || mode != stop_mode::none) return;
    for (const auto& r : recs) {
      if (r.result == outcome::ok || r.result == outcome::interrupted) continue;
      // Final if it has used all its retries.
      const auto it = first_attempt.find(r.id);
      const auto first = it == first_attempt.end() ? r.attempt : it->second;
      if (static_cast<std::uint64_t>(r.attempt - first) >= opt.retries) {
        result.failed_fast = true;
        break;
      }
    }
  };
  const auto begin_stop = [&](stop_mode m, double grace) {
    if (m < mode || (m == mode && m != stop_mode::interrupt)) return;
    if (mode == stop_mode::none) stop_started = relay::app::monotonic_seconds();
    mode = std::max(mode, m);
    master_msg stop{msg_kind::stop, m, grace, {}};
    for (int w = 1; w < size; ++w)
      if (!reported[static_cast<std::size_t>(w)]) out.send(comm, encode(stop), w, tag_to_worker);
    local.stop(m, relay::app::monotonic_seconds(), grace);
  };

  for (;;) {
    bool heard = false;
    // Messages from the other ranks.
    while (const auto st = relay::iprobe(comm, relay::any_source, tag_to_master)) {
      heard = true;
      const int src = st->source;
      const auto msg = decode_worker_msg(receive_bytes(comm, src, tag_to_master));
      log(msg.records);
      if (msg.kind == msg_kind::request) {
        master_msg reply{msg_kind::tasks, stop_mode::none, 0, {}};
        if (mode == stop_mode::none && !result.failed_fast)
          reply.tasks = take(queue, static_cast<std::uint64_t>(msg.want));
        out.send(comm, encode(reply), src, tag_to_worker);
      } else if (msg.kind == msg_kind::final) {
        reported[static_cast<std::size_t>(src)] = true;
        --open_workers;
        result.cpu_seconds[static_cast<std::size_t>(src)] = msg.cpu_seconds;
        if (msg.signal != 0 && result.signal == 0) {
          result.signal = msg.signal;
          announce_stop(settings, msg.signal);
          begin_stop(stop_mode::interrupt, settings.grace_for(msg.signal));
        }
        out.send(comm, encode(master_msg{msg_kind::bye, stop_mode::none, 0, {}}), src,
                 tag_to_worker);
      }
    }
    // Signals: the first stops the farm with the grace period, a second one kills at once.
    for (int s : signals.take()) {
      if (!is_stop_signal(s)) continue;
      if (result.signal == 0) {
        result.signal = s;
        announce_stop(settings, s);
        begin_stop(stop_mode::interrupt, settings.grace_for(s));
      } else {
        begin_stop(stop_mode::interrupt, 0);
      }
    }
    if (result.failed_fast) begin_stop(stop_mode::drain, 0);
    // Rank 0's own tasks.
    const double now = relay::app::monotonic_seconds();
    mine.clear();
    local.step(now, mine);
    log(mine);
    if (result.failed_fast) begin_stop(stop_mode::drain, 0);
    while (local.needs_work() && !queue.empty() && mode == stop_mode::none) {
      local.add(take(queue, opt.chunksize));
      mine.clear();
      local.step(now, mine);
      log(mine);
      if (result.failed_fast) begin_stop(stop_mode::drain, 0);
    }
    out.prune();

    if (local.done() && (queue.empty() || mode != stop_mode::none) && open_workers == 0) break;
    if (mode == stop_mode::interrupt && open_workers > 0 &&
        now > stop_started + settings.grace + report_timeout) {
      std::fprintf(stderr,
                   "task_farm: %d rank(s) did not report within %.0f s of the stop; their last "
                   "attempts are not logged and will run again on --resume\n",
                   open_workers, settings.grace + report_timeout);
      break;
    }
    if (heard) wait.reset(now);
    double timeout = open_workers > 0 ? wait.next(now) : never;
    timeout = std::min(timeout, local.next_deadline() - now);
    if (mode == stop_mode::interrupt && open_workers > 0)
      timeout = std::min(timeout, stop_started + settings.grace + report_timeout - now);
    signals.wait(timeout);
  }
  proc.kill_now();
  out.flush();
  result.cpu_seconds[0] = relay::app::cpu_seconds() - cpu_start;
  result.seconds = relay::app::monotonic_seconds() - started;
  return result;
}

// ---- the other ranks ------------------------------------------------------------------------

farm_result run_worker(const relay::communicator& comm, const farm_settings& settings,
                       signal_source& signals) {
  const double cpu_start = relay::app::cpu_seconds();
  const auto& opt = settings.options;
  process_runner proc({settings.outdir, opt.timeout, comm.rank(), settings.host});
  local_runner local(proc, opt.retries, opt.fail_fast);
  farm_result result;
  outbox out;
  backoff wait(worker_backoff_max, worker_backoff_max);
  double last_elapsed = never;
  const auto want = static_cast<std::int32_t>(std::min<std::uint64_t>(opt.chunksize, 1u << 30));

  out.send(comm, encode(worker_msg{msg_kind::request, want, 0, 0, {}}), 0, tag_to_master);
  bool waiting_reply = true, no_more = false, final_sent = false, bye = false;
  std::vector<attempt_record> recs;
  for (;;) {
    bool heard = false;
    const double now = relay::app::monotonic_seconds();
    while (relay::iprobe(comm, 0, tag_to_worker)) {
      heard = true;
      const auto msg = decode_master_msg(receive_bytes(comm, 0, tag_to_worker));
      if (msg.kind == msg_kind::tasks) {
        waiting_reply = false;
        if (msg.tasks.empty())
          no_more = true;
        else if (!final_sent)
          local.add(msg.tasks);
      } else if (msg.kind == msg_kind::stop) {
        local.stop(msg.mode, now, msg.grace);
      } else if (msg.kind == msg_kind::bye) {
        bye = true;
      }
    }
    for (int s : signals.take()) {
      if (!is_stop_signal(s)) continue;
      local.stop(stop_mode::interrupt, now, result.signal == 0 ? settings.grace_for(s) : 0.0);
      if (result.signal == 0) result.signal = s;
    }
    const std::size_t before = recs.size();
    local.step(relay::app::monotonic_seconds(), recs);
    if (recs.size() > before) last_elapsed = recs.back().elapsed;
    out.prune();

    if (final_sent) {
      if (bye) break;
    } else if (local.done() && (local.mode() != stop_mode::none || no_more)) {
      worker_msg fin{msg_kind::final, 0, result.signal, relay::app::cpu_seconds() - cpu_start,
                     std::move(recs)};
      out.send(comm, encode(fin), 0, tag_to_master);
      recs.clear();
      final_sent = true;
      wait.reset(relay::app::monotonic_seconds());  // the answer comes at once
    } else if (!waiting_reply && !no_more && local.mode() == stop_mode::none &&
               (local.needs_work() || (last_elapsed < prefetch_below &&
                                       local.queued() < static_cast<std::size_t>(want)))) {
      out.send(comm, encode(worker_msg{msg_kind::request, want, 0, 0, std::move(recs)}), 0,
               tag_to_master);
      recs.clear();
      waiting_reply = true;
      wait.reset(relay::app::monotonic_seconds());
    } else if (!recs.empty()) {
      // Each finished attempt goes to rank 0 at once, to be logged: nothing waits for the end
      // of a chunk.
      out.send(comm, encode(worker_msg{msg_kind::results, 0, 0, 0, std::move(recs)}), 0,
               tag_to_master);
      recs.clear();
    }

    if (heard) wait.reset(now);
    double timeout;
    if (final_sent || !local.busy())
      timeout = wait.next(now);
    else
      timeout =
          std::min(stop_check_interval, local.next_deadline() - relay::app::monotonic_seconds());
    signals.wait(timeout);
  }
  out.flush();
  result.seconds = 0;
  return result;
}

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
  const relay::communicator comm = world.dup();
  if (comm.rank() == 0) return run_master(comm, settings, std::move(queue), sink, signals);
  return run_worker(comm, settings, signals);
}

}  // namespace task_farm
