// Running chunks: on a worker rank (its serving loop), in the root's own thread, and interleaved
// with the dispatcher when MPI gives only thread_level::single (or the pool has one rank).
//
// A worker never blocks in MPI either: it polls for the root's messages between chunks, and
// when it has nothing to run it sleeps 10 us after a message, doubling to opts.idle_sleep_max.
// It asks for a window of chunks sized from how long its last chunk took: short chunks are
// prefetched (the next ones are at hand when the current one ends, so the round trip to the root
// is hidden), long ones are taken one at a time so that they go to whichever rank is free. A
// worker that holds a single chunk of many tasks asks for the next one when the chunk's last
// few milliseconds begin (ask_ahead), so that the round trip does not leave it idle after every
// chunk.

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

#include "pool_protocol.hpp"
#include "relay/detail/pool_engine.hpp"
#include "relay/isend.hpp"
#include "relay/p2p.hpp"

namespace relay::detail::pool_impl {

void engine::run_chunk(chunk& c, kind& k, const std::function<void(piece&&)>& emit,
                       const std::atomic<bool>& stop_flag, bool may_poll) {
  reader in(c.inputs);
  context_state cs;
  cs.rank = rank_;
  cs.interrupted = &interrupted_;
  cs.code = &code_;
  if (may_poll) {
    cs.poll = &engine::poll_from_task;
    cs.poll_arg = this;
  }
  task_context ctx(cs);
  piece p;
  p.job = c.job;
  p.first = c.first;
  p.rank = rank_;
  auto since = std::chrono::steady_clock::now();
  const auto chunk_start = since;
  bool asked_ahead = false;
  for (std::uint32_t i = 0; i < c.count; ++i) {
    if (stop_flag.load(std::memory_order_relaxed)) {
      p.status.resize(p.status.size() + (c.count - i),
                      static_cast<std::uint8_t>(task_status::skipped));
      break;
    }
    cs.index = c.first + i;
    const std::size_t mark = p.results.size();
    try {
      k.run_one(in, p.results, ctx);
      p.status.push_back(static_cast<std::uint8_t>(task_status::ok));
    } catch (const std::exception& e) {
      p.results.resize(mark);
      p.status.push_back(static_cast<std::uint8_t>(task_status::failed));
      p.messages.emplace_back(e.what());
    } catch (...) {
      p.results.resize(mark);
      p.status.push_back(static_cast<std::uint8_t>(task_status::failed));
      p.messages.emplace_back("unknown exception");
    }
    if (p.status.back() == static_cast<std::uint8_t>(task_status::failed) && c.stop_on_failure)
      stop_flag_.store(true);  // this rank starts nothing more; the root stops the others
    if (may_poll && window_ == 1 && !asked_ahead && i + 1 < c.count) {
      // A worker takes chunks longer than prefetch_below one at a time, and asks for the next
      // when this one ends: a round trip to a root that may be asleep, every chunk. Asking when
      // the tasks left (at the mean time of those done) are within window_cover_seconds hides
      // it, and keeps the next chunk waiting here for no longer than that. Measured on 2 ranks,
      // 100,000 tasks of `true` at --chunksize 100 (50-70 ms chunks) were 0-13% slower than at
      // --chunksize 10 without this.
      const double mean = seconds_since(chunk_start) / static_cast<double>(i + 1);
      if (mean * static_cast<double>(c.count - i - 1) <= window_cover_seconds) {
        asked_ahead = true;
        window_ = 2;
        ask_ahead();
      }
    }
    if (i + 1 < c.count && (opts_.flush_after <= 0 || seconds_since(since) >= opts_.flush_after)) {
      piece next;
      next.job = c.job;
      next.first = c.first + i + 1;
      next.rank = rank_;
      emit(std::exchange(p, std::move(next)));
      since = std::chrono::steady_clock::now();
    }
  }
  p.final = true;
  emit(std::move(p));
}

// ---- the root's own work ---------------------------------------------------------------------

void engine::start_root_thread() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { root_thread_main(); });
}

void engine::root_thread_main() {
  for (;;) {
    chunk c;
    {
      std::unique_lock lock(mutex_);
      work_cv_.wait(lock, [&] { return quit_ || !queue_.empty(); });
      if (quit_) return;
      c = std::move(queue_.front());
      queue_.pop_front();
      queued_tasks_ -= c.count;
      root_busy_ = true;
      if (queue_.empty() || queued_tasks_ < queue_min_tasks / 2) {
        wake_ = true;  // refill
        service_cv_.notify_one();
      }
    }
    const auto start = std::chrono::steady_clock::now();
    run_chunk(
        c, *kinds_.at(c.kind),
        [&](piece&& p) {
          std::lock_guard lock(mutex_);
          const bool partial = !p.final;
          root_pieces_.push_back(std::move(p));
          if (partial) {
            wake_ = true;
            service_cv_.notify_one();
          }
        },
        stop_flag_, false);
    std::lock_guard lock(mutex_);
    root_busy_ = false;
    if (queue_.empty() || seconds_since(start) >= root_wake_after) {
      wake_ = true;
      service_cv_.notify_one();
    }
  }
}

bool engine::run_one_chunk_inline() {
  chunk c;
  {
    std::lock_guard lock(mutex_);
    if (queue_.empty()) return false;
    c = std::move(queue_.front());
    queue_.pop_front();
    queued_tasks_ -= c.count;
    root_busy_ = true;
  }
  run_chunk(
      c, *kinds_.at(c.kind),
      [&](piece&& p) {
        const bool partial = !p.final;
        {
          std::lock_guard lock(mutex_);
          root_pieces_.push_back(std::move(p));
        }
        if (partial) take_root_pieces();  // flush_after: delivered while the chunk goes on
      },
      stop_flag_, false);
  {
    std::lock_guard lock(mutex_);
    root_busy_ = false;
  }
  take_root_pieces();
  return true;
}

// ---- a worker rank ---------------------------------------------------------------------------

void engine::poll_from_task(void* self) {
  auto* e = static_cast<engine*>(self);
  if (seconds_since(e->last_poll_) < task_poll_interval) return;
  e->worker_poll();
}

void engine::worker_poll() {
  last_poll_ = std::chrono::steady_clock::now();
  // Stops at the end of the call: what follows it belongs to the next call.
  while (!ended_ && relay::iprobe(comm_, parent_, tag_down)) {
    auto msg = relay::recv<std::vector<char>>(comm_, parent_, tag_down);
    worker_take(msg);
  }
}

void engine::worker_take(std::vector<char>& msg) {
  reader rd(msg);
  const auto type = rd.get<std::uint8_t>();
  if (rd.get<std::uint64_t>() != seq_) return;  // a stop or interrupt of a call that has ended
  switch (type) {
    case down_work: {
      const auto n = rd.get<std::uint32_t>();
      for (std::uint32_t i = 0; i < n; ++i) {
        chunk c;
        c.kind = rd.get<std::uint32_t>();
        c.kind_fp = rd.get<std::uint64_t>();
        c.job = rd.get<std::uint64_t>();
        c.first = rd.get<std::uint64_t>();
        c.count = rd.get<std::uint32_t>();
        c.stop_on_failure = rd.get<std::uint8_t>() != 0;
        const auto bytes = rd.view();
        c.inputs.assign(bytes.begin(), bytes.end());
        local_.push_back(std::move(c));
      }
      break;
    }
    case down_interrupt:
      code_.store(rd.get<std::int64_t>());
      interrupted_.store(true, std::memory_order_release);
      stop_flag_.store(true);
      break;
    case down_stop:
      stop_flag_.store(true);
      break;
    case down_end: {
      end_outcome_ = static_cast<outcome>(rd.get<std::uint8_t>());
      end_text_ = rd.str();
      const auto n = rd.get<std::uint32_t>();
      end_failures_.clear();
      for (std::uint32_t i = 0; i < n; ++i) {
        task_failure f;
        f.index = rd.get<std::uint64_t>();
        f.rank = rd.get<std::int32_t>();
        f.host = hosts_.at(static_cast<std::size_t>(f.rank));
        f.message = rd.str();
        end_failures_.push_back(std::move(f));
      }
      ended_ = true;
      break;
    }
    default:
      throw error("relay::pool: an unknown message from the root");
  }
}

void engine::start_up_message() {
  writer wr(out_);
  wr.put<std::uint8_t>(up_results);
  wr.put<std::uint64_t>(seq_);
  wr.put<std::uint32_t>(0);  // window, set by worker_flush
  wr.put<std::uint32_t>(0);  // pieces, set by worker_flush
  out_since_ = std::chrono::steady_clock::now();
}

void engine::ask_ahead() {
  if (out_pieces_ > 0) return worker_flush();
  // No results to carry: the message is the header alone, with the new window.
  start_up_message();
  const auto window = static_cast<std::uint32_t>(window_);
  std::memcpy(out_.data() + 9, &window, sizeof window);
  sends_.push_back(relay::isend(comm_, std::move(out_), parent_, tag_up));
  out_ = std::vector<char>();
}

void engine::emit_up(piece&& p) {
  if (out_pieces_ == 0) start_up_message();
  writer wr(out_);
  wr.put<std::int32_t>(p.rank);
  wr.put<std::uint64_t>(p.job);
  wr.put<std::uint64_t>(p.first);
  wr.put<std::uint8_t>(p.final ? 1 : 0);
  wr.put<std::uint8_t>(p.mismatch ? 1 : 0);
  wr.put<std::uint32_t>(static_cast<std::uint32_t>(p.status.size()));
  wr.bytes(p.status.data(), p.status.size());
  wr.put<std::uint32_t>(static_cast<std::uint32_t>(p.messages.size()));
  for (const auto& m : p.messages) wr.str(m);
  wr.str(std::string_view(p.results.data(), p.results.size()));
  ++out_pieces_;
  if (!p.final) worker_flush();  // flush_after: a result that waited long enough goes now
}

void engine::worker_flush() {
  if (out_pieces_ == 0) return;
  // The header's window and piece count, written when the message leaves.
  const auto window = static_cast<std::uint32_t>(window_);
  std::memcpy(out_.data() + 9, &window, sizeof window);
  std::memcpy(out_.data() + 13, &out_pieces_, sizeof out_pieces_);
  sends_.push_back(relay::isend(comm_, std::move(out_), parent_, tag_up));
  out_ = std::vector<char>();
  out_pieces_ = 0;
}

void engine::send_hello(const std::string& signature, int whose) {
  std::vector<char> hello;
  writer wr(hello);
  wr.put<std::uint8_t>(up_hello);
  wr.put<std::uint64_t>(seq_);
  wr.str(signature);
  wr.put<std::int32_t>(whose);
  sends_.push_back(relay::isend(comm_, std::move(hello), parent_, tag_up));
}

void engine::begin_serving(const std::string& signature, std::vector<kind*> kinds) {
  ++seq_;
  signature_ = signature;
  kinds_ = std::move(kinds);
  stop_flag_.store(false);
  interrupted_.store(false);
  code_.store(0);
  local_.clear();
  out_.clear();
  out_pieces_ = 0;
  ended_ = false;
  window_ = 2;
  last_poll_ = std::chrono::steady_clock::now();
}

void engine::serve(const std::string& signature, std::vector<kind*> kinds) {
  begin_serving(signature, std::move(kinds));
  if (!children_.empty()) return serve_group();
  send_hello(signature_, rank_);
  const auto emit = [&](piece&& p) { emit_up(std::move(p)); };
  double sleep = sleep_min;
  while (!ended_) {
    worker_poll();
    if (!local_.empty()) {
      chunk c = std::move(local_.front());
      local_.pop_front();
      if (c.kind >= kinds_.size() || kinds_[c.kind]->fp() != c.kind_fp) {
        piece p;
        p.job = c.job;
        p.first = c.first;
        p.final = true;
        p.mismatch = true;
        p.rank = rank_;
        p.status.assign(c.count, static_cast<std::uint8_t>(task_status::skipped));
        p.messages.push_back(c.kind < kinds_.size() ? kinds_[c.kind]->signature()
                                                    : std::string("no such function"));
        emit(std::move(p));
      } else {
        const auto start = std::chrono::steady_clock::now();
        run_chunk(c, *kinds_[c.kind], emit, stop_flag_, true);
        const double took = seconds_since(start);
        window_ = took >= prefetch_below
                      ? 1
                      : std::clamp<std::size_t>(
                            1 + static_cast<std::size_t>(
                                    std::ceil(window_cover_seconds / std::max(took, 1e-7))),
                            2, window_max);
        last_work_ = std::chrono::steady_clock::now();
      }
      if (local_.size() <= window_ / 2 || seconds_since(out_since_) >= opts_.flush_after)
        worker_flush();
      sleep = sleep_min;
    } else {
      worker_flush();
      std::erase_if(sends_, [](request& r) { return r.test(); });
      if (ended_) break;
      sleep_seconds(sleep);
      const bool busy = seconds_since(last_work_) < busy_seconds;
      sleep = std::min(
          sleep * 2, busy ? std::min(worker_wait_max, opts_.idle_sleep_max) : opts_.idle_sleep_max);
    }
  }
  std::erase_if(sends_, [](request& r) { return r.test(); });
  if (end_outcome_ != outcome::ok) throw_outcome(end_outcome_, end_text_, end_failures_);
}

}  // namespace relay::detail::pool_impl
