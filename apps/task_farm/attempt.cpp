#include "attempt.hpp"

#include <signal.h>

#include <algorithm>

#include "clock.hpp"

namespace task_farm {

namespace {

/// How often a running attempt looks at the pool's interrupt flag (on a worker rank, that looks
/// for rank 0's message): 20 times a second costs nothing, and a stop reaches the task within it.
constexpr double interrupt_check_interval = 0.05;
/// How long a rank waits, after its task died of SIGTERM, SIGINT or SIGHUP, for the same signal
/// to reach it too (it then logs the task as interrupted, not as failed).
constexpr double signal_follow_wait = 0.1;

bool is_stop_signal(int s) {
  return s == SIGTERM || s == SIGINT || s == SIGHUP || s == SIGUSR1 || s == SIGUSR2;
}

}  // namespace

std::vector<int> signal_inbox::seen() {
  std::lock_guard lock(mutex_);
  for (int s : source_.take()) seen_.push_back(s);
  return seen_;
}

double attempt_limits::grace_for(int signal) const {
  return signal == SIGUSR1 || signal == SIGUSR2 ? usr_grace : term_grace;
}

attempt_report attempt_runner::operator()(const assignment& a, relay::task_context& ctx) {
  attempt_report report;
  auto signals = signals_.seen();
  if (!signals.empty()) report.signal = signals.front();
  if (report.signal != 0 || ctx.interrupted()) {
    report.ran = 0;
    report.rec.id = a.id;
    report.rec.attempt = a.attempt;
    report.rec.rank = ctx.rank();
    return report;
  }
  if (auto failed = proc_.start(a)) {
    report.rec = *failed;
    return report;
  }
  // Stop requests handled so far: the local signals, and the pool's interrupt codes.
  std::size_t signals_handled = 0;
  std::int64_t code_handled = 0;
  bool stopping = false;
  const auto look_for_stop = [&](double now) {
    signals = signals_.seen();
    for (; signals_handled < signals.size(); ++signals_handled) {
      const int s = signals[signals_handled];
      if (report.signal == 0) report.signal = s;
      proc_.interrupt_at(now + (signals_handled == 0 ? limits_.grace_for(s) : 0.0));
      stopping = true;
    }
    if (ctx.interrupted()) {
      const std::int64_t code = ctx.interrupt_code();
      if (code != code_handled) {
        const bool kill_now = code >= interrupt_code(0, true);
        const int s = static_cast<int>(kill_now ? code - interrupt_code(0, true) : code);
        proc_.interrupt_at(now + (kill_now ? 0.0 : limits_.grace_for(s)));
        code_handled = code;
        stopping = true;
      }
    }
  };
  for (;;) {
    // Stop requests first: a scheduler may signal this rank and the task at once.
    const double now = relay::app::monotonic_seconds();
    look_for_stop(now);
    if (auto rec = proc_.poll(now)) {
      report.rec = *rec;
      if (journal_ && rec->result == outcome::ok) journal_->record(*rec);
      proc_.take_tagged(report.out, report.err);
      // A task killed by a stop signal when the farm is not (yet) stopping: the same signal may
      // be on its way to this rank (PBS's walltime signals every process of the job, one after
      // another), so wait for it a moment.
      const int killed_by = report.rec.exit_code - 128;
      if (!stopping && report.rec.result == outcome::signal && is_stop_signal(killed_by)) {
        proc_.wait(signal_follow_wait, signals_.fd());
        look_for_stop(now);
      }
      // A task that dies of a signal while the farm is being stopped was most likely stopped by
      // it: it is unfinished, not failed.
      if (stopping && report.rec.result == outcome::signal)
        report.rec.result = outcome::interrupted;
      return report;
    }
    const double deadline = proc_.next_deadline();
    proc_.wait(std::min(interrupt_check_interval, deadline - now), signals_.fd());
  }
}

}  // namespace task_farm
