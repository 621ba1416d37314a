#pragma once
// One attempt of one task, as a relay::pool task: what every rank runs, rank 0 included (in the
// pool's second thread). It starts the task, sleeps until it ends, and kills its process group on
// --timeout or when the farm is stopped, after the grace period.

#include <cstdint>
#include <mutex>
#include <vector>

#include "journal.hpp"
#include "relay/pool.hpp"
#include "runner.hpp"
#include "work.hpp"

namespace task_farm {

/// The stop signals a rank has received, in order, for every thread that looks. On rank 0 both
/// the pool's dispatching thread (through the stream's tick) and the thread that runs rank 0's
/// own tasks read the signalfd: whichever reads a signal records it here, and each sees it.
class signal_inbox {
 public:
  explicit signal_inbox(signal_source& source) : source_(source) {}
  /// Reads what is pending, then returns the stop signals received so far.
  [[nodiscard]] std::vector<int> seen();
  [[nodiscard]] int fd() const { return source_.fd(); }

 private:
  signal_source& source_;
  std::mutex mutex_;
  std::vector<int> seen_;
};

/// What an interrupt code carries: the signal, and whether it was the second one (kill at once).
[[nodiscard]] constexpr std::int64_t interrupt_code(int signal, bool kill_now) {
  return signal + (kill_now ? 1024 : 0);
}

/// How each attempt ends early.
struct attempt_limits {
  double term_grace = 5;  ///< after SIGTERM/SIGINT/SIGHUP (fitted to the launcher)
  double usr_grace = 5;   ///< after SIGUSR1/SIGUSR2 (--grace)
  [[nodiscard]] double grace_for(int signal) const;
};

/// Runs attempts on one rank, one at a time.
class attempt_runner {
 public:
  /// `journal`, if given, gets each attempt that succeeded as soon as it is reaped (journal.hpp).
  attempt_runner(process_runner& proc, signal_inbox& signals, attempt_limits limits,
                 done_journal* journal = nullptr)
      : proc_(proc), signals_(signals), limits_(limits), journal_(journal) {}

  /// Runs `a` to its end: the pool's task. A stop signal seen on this rank, or the pool's
  /// interrupt (whose code carries the signal), gives the attempt the grace period, then kills
  /// it; once the farm is stopping, attempts are not started (ran = 0).
  attempt_report operator()(const assignment& a, relay::task_context& ctx);

 private:
  process_runner& proc_;
  signal_inbox& signals_;
  attempt_limits limits_;
  done_journal* journal_;
};

}  // namespace task_farm
