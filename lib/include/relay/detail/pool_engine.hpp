#pragma once
/// \file
/// The pool's engine, free of templates: chunks of packed inputs go out, pieces of packed results
/// come back. The typed layer (pool_jobs.hpp) turns a function into a `kind` that runs packed
/// tasks, and a range, a source or a submit into a `job` that packs chunks and unpacks results.
/// The engine's code is in src/pool_*.cpp; the protocol is described in src/pool_engine.cpp.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "relay/communicator.hpp"
#include "relay/detail/pool_codec.hpp"
#include "relay/detail/pool_types.hpp"
#include "relay/request.hpp"

namespace relay::detail::pool_impl {

enum class task_status : std::uint8_t { ok = 0, failed = 1, skipped = 2 };

/// Consecutive inputs of one job, packed, handed out together.
struct chunk {
  std::uint32_t kind = 0;        // which defined function (0 in a collective call)
  std::uint64_t kind_fp = 0;     // its signature's fingerprint, checked by the rank that runs it
  std::uint64_t job = 0;         // routes the results on the root
  std::uint64_t first = 0;       // the first input's index in its job
  std::uint32_t count = 0;       // inputs
  bool stop_on_failure = false;  // a failure stops the rank that runs it (on_error::stop)
  std::vector<char> inputs;
};

/// The results of consecutive tasks of one chunk, as a rank produced them.
struct piece {
  std::uint64_t job = 0;
  std::uint64_t first = 0;
  bool final = false;     // the chunk's last piece: the chunk is back
  bool mismatch = false;  // the rank's function had another signature; nothing ran
  int rank = 0;
  std::vector<std::uint8_t> status;   // a task_status per task
  std::vector<std::string> messages;  // per failed task, in order (mismatch: the signature)
  std::vector<char> results;          // the results of the ok tasks, packed in order
};

/// A function every rank has, running packed tasks.
class kind {
 public:
  kind(std::string signature) : signature_(std::move(signature)), fp_(fingerprint(signature_)) {}
  virtual ~kind() = default;
  [[nodiscard]] const std::string& signature() const { return signature_; }
  [[nodiscard]] std::uint64_t fp() const { return fp_; }
  /// Unpacks one input from `in`, runs the function, packs its result onto `out`.
  virtual void run_one(reader& in, std::vector<char>& out, task_context& ctx) = 0;

 private:
  std::string signature_;
  std::uint64_t fp_;
};

/// Work the root hands out: the inputs of one call, or one submit.
class job {
 public:
  virtual ~job() = default;
  /// Packs the next chunk's inputs (sets first, count, inputs); false when there is none now.
  virtual bool next(chunk& c) = 0;
  /// True when next() will never give more.
  [[nodiscard]] virtual bool exhausted() const = 0;
  /// Takes the results of a piece; failed tasks are already in `failures`. May throw (a sink).
  virtual void deliver(const piece& p) = 0;
  /// Tasks that will not run (stop, interrupt, a failure elsewhere).
  virtual void skipped(std::uint64_t /*first*/, std::size_t /*count*/) {}

  std::uint64_t id = 0;
  std::uint32_t kind = 0;
  bool stop_on_failure = false;
  std::size_t chunks_out = 0;          // handed out (queued or running), not back
  std::vector<task_failure> failures;  // filled by the engine, in arrival order
};

/// What ends a call, sent by the root to every worker.
enum class outcome : std::uint8_t { ok = 0, task_error = 1, usage_error = 2, error = 3 };

class engine {
 public:
  /// Collective on `comm`: dups it, gathers the host names, checks `opts` on every rank.
  engine(const communicator& comm, const pool_options& opts);
  ~engine();
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  [[nodiscard]] bool is_root() const { return rank_ == opts_.root; }
  [[nodiscard]] int rank() const { return rank_; }
  [[nodiscard]] int size() const { return size_; }
  [[nodiscard]] const pool_options& options() const { return opts_; }
  [[nodiscard]] const pool_stats& stats() const { return stats_; }
  /// The ranks that run tasks (the root included when it works).
  [[nodiscard]] int workers() const;

  // ---- the root's side of a call ---------------------------------------------------------------
  /// Starts a call whose signature every worker must share. `kinds` are the functions the root's
  /// own tasks may call. With `wait_hellos`, waits until every worker has checked in (run()).
  void open(const std::string& signature, std::vector<kind*> kinds, bool wait_hellos);
  /// Hands out `j`'s chunks from now on.
  void add(std::shared_ptr<job> j);
  /// Calls `tick` at least every `interval` seconds while the call runs.
  void set_tick(std::function<void()> tick, double interval);
  /// One round of serving; sleeps when nothing happened and `may_sleep`.
  void progress(bool may_sleep);
  /// True when nothing is queued or running and no job has anything to hand out now.
  [[nodiscard]] bool idle();
  /// Serves until idle() (or stopped and every running task is back).
  void run_until_idle();
  /// Serves until `done()` or the call has stopped and nothing runs.
  void run_until(const std::function<bool()>& done);
  /// Starts no new task; running tasks finish. With interrupt, tells running tasks.
  void stop();
  void interrupt(std::int64_t code);
  [[nodiscard]] bool stopped() const { return stopping_; }
  /// Records a failure on the root (a source, a sink, the body): the call stops and close()
  /// reports it on every rank.
  void fail(std::exception_ptr e);
  /// Waits for running tasks, ends the call on every worker with its outcome (the first of: a
  /// signature mismatch, a root failure, `failures`), and throws it on the root.
  void close(const std::vector<task_failure>* failures);
  /// As close, but never throws (an imap range destroyed early).
  void close_quietly() noexcept;

  // ---- a worker's side -------------------------------------------------------------------------
  /// Serves a call until the root ends it; throws what the root reports.
  void serve(const std::string& signature, std::vector<kind*> kinds);

  /// Looks for the root's messages at most every 50 ms (task_context::interrupted on a worker).
  static void poll_from_task(void* self);

 private:
  struct worker_state {
    bool hello = false;
    std::size_t held = 0;    // chunks sent and not back
    std::size_t window = 2;  // chunks it wants to hold
  };
  // pool_engine.cpp: the root
  void fill();
  void dispatch();
  bool take_messages();
  void handle_up(int source, std::vector<char>& msg);
  void account(piece& p);
  void drop_queue();
  void send_down(int dest, std::vector<char> msg);
  void broadcast_control(std::uint8_t type, std::int64_t code);
  bool take_root_pieces();
  void sleep_root(double seconds);
  // pool_worker.cpp: running chunks, the root's thread, the worker loop
  void run_chunk(chunk& c, kind& k, const std::function<void(piece&&)>& emit,
                 const std::atomic<bool>& stop_flag, bool may_poll);
  void root_thread_main();
  void start_root_thread();
  bool run_one_chunk_inline();
  void worker_poll();
  void worker_take(std::vector<char>& msg);
  void worker_flush();
  void start_up_message();
  void ask_ahead();
  void emit_up(piece&& p);
  void send_hello(const std::string& signature, int whose);
  void begin_serving(const std::string& signature, std::vector<kind*> kinds);
  // pool_group.cpp: the hierarchy
  void serve_group();
  void lay_out_groups();
  // pool.cpp
  [[noreturn]] void throw_outcome(outcome o, const std::string& text,
                                  std::vector<task_failure> failures) const;

  communicator comm_;
  pool_options opts_;
  int rank_ = 0;
  int size_ = 1;
  std::vector<std::string> hosts_;
  pool_stats stats_;
  bool threaded_ = false;  // the root's tasks run in a thread of their own
  // The hierarchy (pool_group.cpp): where this rank's work comes from and whom it serves.
  int parent_ = -1;                          // the root, or the group's dispatcher; -1 on the root
  std::vector<int> children_;                // the ranks this rank hands chunks to
  std::vector<std::size_t> initial_window_;  // per rank: a group's dispatcher wants more at once
  bool relaying_ = false;                    // serving a group: results go up unopened

  // The call.
  std::uint64_t seq_ = 0;
  std::string signature_;
  std::vector<kind*> kinds_;
  std::atomic<bool> stop_flag_{false};
  std::atomic<bool> interrupted_{false};
  std::atomic<std::int64_t> code_{0};
  bool stopping_ = false;

  // The root.
  std::vector<std::shared_ptr<job>> feeding_;  // jobs that may hand out more
  std::unordered_map<std::uint64_t, std::shared_ptr<job>> jobs_;
  std::uint64_t next_job_ = 1;
  std::size_t feed_at_ = 0;
  std::vector<worker_state> workers_;
  std::size_t hellos_ = 0;
  std::string mismatch_;    // the first signature mismatch
  int mismatch_rank_ = -1;  // and whose it was, with its signature (a group reports it up)
  std::string mismatch_sig_;
  std::exception_ptr failure_;  // the first root-side failure
  std::vector<request> sends_;
  std::function<void()> tick_;
  double tick_interval_ = 0;
  std::chrono::steady_clock::time_point next_tick_;
  double sleep_ = 10e-6;
  double gap_ = 0;  ///< the recent time between rounds that heard messages (a moving average)
  std::chrono::steady_clock::time_point heard_at_{};
  std::chrono::steady_clock::time_point started_;
  double cpu_started_ = 0;

  // Shared with the root's thread, under mutex_.
  std::mutex mutex_;
  std::condition_variable work_cv_;     // the root's thread waits for chunks
  std::condition_variable service_cv_;  // the dispatcher waits for pieces or an empty queue
  std::deque<chunk> queue_;
  std::size_t queued_tasks_ = 0;
  std::vector<piece> root_pieces_;
  bool root_busy_ = false;  // the root's thread holds a chunk
  bool wake_ = false;       // the root's thread wants the dispatcher
  bool quit_ = false;
  std::thread thread_;

  // A worker.
  std::deque<chunk> local_;
  std::vector<char> out_;  // the results message being built
  std::uint32_t out_pieces_ = 0;
  std::chrono::steady_clock::time_point out_since_;
  std::chrono::steady_clock::time_point last_poll_;
  std::chrono::steady_clock::time_point last_work_;  // when this worker last ran a chunk
  bool ended_ = false;
  outcome end_outcome_ = outcome::ok;
  std::string end_text_;
  std::vector<task_failure> end_failures_;
  std::size_t window_ = 2;
};

}  // namespace relay::detail::pool_impl
