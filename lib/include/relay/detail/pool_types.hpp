#pragma once
/// \file
/// The pool's public value types: options, the failure of a task, the context a task may take,
/// and the statistics of a call (pool.hpp includes this file).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "relay/error.hpp"

namespace relay {

/// What the pool does after a task throws.
enum class on_error {
  stop,       ///< start no new task; the call throws task_error once the running tasks end
  keep_going  ///< run every task; the call throws task_error at the end, listing every failure
};

/// How a pool works. Validated identically on every rank by the pool's constructor.
struct pool_options {
  /// The rank that hands out work and collects results.
  int root = 0;
  /// Whether the root runs tasks too (in a second thread that never calls MPI, or interleaved
  /// with its serving when MPI gives only thread_level::single).
  bool root_works = true;
  /// The number of inputs handed out together when a call passes none (0 in a call = this).
  std::size_t chunksize = 1;
  /// The failure policy of the collective calls (map, for_each, stream, imap).
  on_error errors = on_error::stop;
  /// How long an idle rank sleeps between looks for messages, at most (it starts at 10 us after
  /// a message and doubles). Idle ranks never spin a core. Default 1 ms.
  double idle_sleep_max = 1e-3;
  /// A worker sends its finished results when its chunk is done, or as soon as a finished result
  /// has waited this long (0: every result at once). Default 0.01 s.
  double flush_after = 0.01;
  /// Hierarchy: 0 = automatic (one dispatcher per node when the job spans more than one node and
  /// has >= 2 ranks per node; else flat); 1 = flat (the root serves every rank); g >= 2 = groups
  /// of g consecutive ranks, each with its own dispatcher (its lowest rank) that fetches blocks of
  /// work from the root and hands chunks to its group.
  int group_size = 0;
};

/// One failed task: its index in its call, where it ran, and what it threw.
struct task_failure {
  std::size_t index = 0;
  int rank = 0;
  std::string host;
  std::string message;
};

/// What a task threw, and where. Thrown by map, for_each, stream and imap on every rank, and by
/// future::get on the root. what(): "task 17 failed on rank 2 (node3): <message>".
class task_error : public error {
 public:
  /// The first failure (in index order) and every failure of the call.
  explicit task_error(std::vector<task_failure> failures);

  /// The input's index in its call (submit: the submit order).
  [[nodiscard]] std::size_t index() const { return failures_.front().index; }
  /// The rank (in the pool's communicator) that ran the task.
  [[nodiscard]] int rank() const { return failures_.front().rank; }
  /// That rank's host name.
  [[nodiscard]] const std::string& host() const { return failures_.front().host; }
  /// The what() of the exception the task threw.
  [[nodiscard]] const std::string& message() const { return failures_.front().message; }
  /// Every failure of the call in index order (one with on_error::stop, unless several tasks
  /// were running when the first failed).
  [[nodiscard]] const std::vector<task_failure>& failures() const { return failures_; }

 private:
  std::vector<task_failure> failures_;
};

namespace detail::pool_impl {
/// What a task_context reads: set per task by the rank that runs it.
struct context_state {
  std::size_t index = 0;
  int rank = 0;
  const std::atomic<bool>* interrupted = nullptr;
  const std::atomic<std::int64_t>* code = nullptr;
  /// On a worker rank: looks for the root's messages (at most every 50 ms); null on the root.
  void (*poll)(void*) = nullptr;
  void* poll_arg = nullptr;
};
}  // namespace detail::pool_impl

/// What a running task may ask about itself. A task takes one as its last parameter,
/// `f(x, ctx)`; it is never required.
class task_context {
 public:
  explicit task_context(detail::pool_impl::context_state& state) : state_(&state) {}
  /// The input's index in its call.
  [[nodiscard]] std::size_t index() const { return state_->index; }
  /// The rank (in the pool's communicator) running the task.
  [[nodiscard]] int rank() const { return state_->rank; }
  /// True once the root called interrupt(): the running task should end early. Cheap to call
  /// often: it reads an atomic; on a worker it also looks for the root's message at most every
  /// 50 ms.
  [[nodiscard]] bool interrupted() const {
    if (state_->poll) state_->poll(state_->poll_arg);
    return state_->interrupted && state_->interrupted->load(std::memory_order_acquire);
  }
  /// The code passed to interrupt().
  [[nodiscard]] std::int64_t interrupt_code() const {
    return state_->code ? state_->code->load(std::memory_order_acquire) : 0;
  }

 private:
  detail::pool_impl::context_state* state_;
};

/// Statistics of the pool's last call, on the root (for benchmarks and summaries).
struct pool_stats {
  /// Tasks run by each rank of the pool's communicator (the root's own included).
  std::vector<std::size_t> tasks_per_rank;
  std::size_t tasks = 0;              ///< tasks run in all
  std::size_t messages_sent = 0;      ///< by the root
  std::size_t messages_received = 0;  ///< by the root
  double dispatcher_cpu_seconds = 0;  ///< CPU time of the root's serving thread during the call
  double wall_seconds = 0;            ///< the call's wall time on the root
};

}  // namespace relay
