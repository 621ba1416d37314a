// The root's side of the pool: the dispatcher.
//
// The root keeps one queue of packed chunks, filled from the call's jobs (a range, a source,
// submits). Its own thread takes chunks straight from the queue under a mutex (no messages), and
// the dispatcher, in the caller's thread (the only one that calls MPI), sends chunks to each
// worker up to the window the worker asks for, and takes their results. It never blocks in MPI
// (Open MPI's blocking calls spin a core): it polls with MPI_Iprobe and tests its sends, and when
// a round found nothing to do it sleeps on a condition variable, doubling to opts.idle_sleep_max
// from 10 us after a message (or an eighth of the recent time between messages, when they come
// at a steady pace), so that the root's own thread finishing a long chunk wakes it at once.
// The protocol is in pool_protocol.hpp.

#include <algorithm>
#include <utility>

#include "pool_protocol.hpp"
#include "relay/detail/pool_engine.hpp"
#include "relay/isend.hpp"
#include "relay/p2p.hpp"

namespace relay::detail::pool_impl {

void engine::open(const std::string& signature, std::vector<kind*> kinds, bool wait_hellos) {
  ++seq_;
  signature_ = signature;
  kinds_ = std::move(kinds);
  stop_flag_.store(false);
  interrupted_.store(false);
  code_.store(0);
  stopping_ = false;
  failure_ = nullptr;
  mismatch_.clear();
  feeding_.clear();
  jobs_.clear();
  feed_at_ = 0;
  for (std::size_t w = 0; w < workers_.size(); ++w) {
    workers_[w] = worker_state{};
    workers_[w].window = initial_window_[w];
  }
  mismatch_rank_ = -1;
  hellos_ = 0;
  tick_ = nullptr;
  sleep_ = sleep_min;
  gap_ = 0;
  heard_at_ = {};
  stats_ = pool_stats{};
  stats_.tasks_per_rank.assign(static_cast<std::size_t>(size_), 0);
  started_ = std::chrono::steady_clock::now();
  cpu_started_ = thread_cpu_seconds();
  if (threaded_) start_root_thread();
  if (wait_hellos) {
    const std::size_t expected = children_.size();
    while (hellos_ < expected && mismatch_.empty()) progress(true);
  }
}

void engine::add(std::shared_ptr<job> j) {
  j->id = next_job_++;
  jobs_.emplace(j->id, j);
  feeding_.push_back(std::move(j));
}

void engine::set_tick(std::function<void()> tick, double interval) {
  tick_ = std::move(tick);
  tick_interval_ = interval;
  next_tick_ = std::chrono::steady_clock::now() +
               std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                   std::chrono::duration<double>(interval));
}

void engine::fill() {
  if (stopping_ || feeding_.empty()) return;
  std::size_t need = opts_.root_works ? 2 : 0;
  for (int c : children_) {
    const auto& w = workers_[static_cast<std::size_t>(c)];
    need += w.window > w.held ? w.window - w.held : 0;
  }
  std::size_t have = 0;
  std::size_t tasks = 0;
  {
    std::lock_guard lock(mutex_);
    have = queue_.size();
    tasks = queued_tasks_;
  }
  std::vector<chunk> fresh;
  std::size_t refused = 0;  // jobs in a row that had nothing now
  while ((have < need || tasks < queue_min_tasks) && !feeding_.empty() &&
         refused < feeding_.size()) {
    if (feed_at_ >= feeding_.size()) feed_at_ = 0;
    job& j = *feeding_[feed_at_];
    chunk c;
    bool got = false;
    try {
      got = j.next(c);
    } catch (...) {
      fail(std::current_exception());
      break;
    }
    if (!got) {
      if (j.exhausted()) {
        feeding_.erase(feeding_.begin() + static_cast<std::ptrdiff_t>(feed_at_));
        refused = 0;
      } else {
        ++refused;
        ++feed_at_;
      }
      continue;
    }
    refused = 0;
    c.kind = j.kind;
    c.kind_fp = kinds_.at(j.kind)->fp();
    c.job = j.id;
    c.stop_on_failure = j.stop_on_failure;
    ++j.chunks_out;
    tasks += c.count;
    ++have;
    fresh.push_back(std::move(c));
    ++feed_at_;
  }
  if (fresh.empty()) return;
  if (stopping_) {  // a source failed on its way: nothing more starts
    for (auto& c : fresh) {
      job& j = *jobs_.at(c.job);
      --j.chunks_out;
      j.skipped(c.first, c.count);
    }
    return;
  }
  {
    std::lock_guard lock(mutex_);
    for (auto& c : fresh) {
      queued_tasks_ += c.count;
      queue_.push_back(std::move(c));
    }
  }
  work_cv_.notify_one();
}

void engine::dispatch() {
  for (int w : children_) {
    auto& st = workers_[static_cast<std::size_t>(w)];
    if (st.held >= st.window) continue;
    std::vector<chunk> out;
    {
      std::lock_guard lock(mutex_);
      while (st.held + out.size() < st.window && !queue_.empty()) {
        queued_tasks_ -= queue_.front().count;
        out.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (out.empty()) return;  // the queue ran dry
    std::vector<char> msg;
    writer wr(msg);
    wr.put<std::uint8_t>(down_work);
    wr.put<std::uint64_t>(seq_);
    wr.put<std::uint32_t>(static_cast<std::uint32_t>(out.size()));
    for (const auto& c : out) {
      wr.put<std::uint32_t>(c.kind);
      wr.put<std::uint64_t>(c.kind_fp);
      wr.put<std::uint64_t>(c.job);
      wr.put<std::uint64_t>(c.first);
      wr.put<std::uint32_t>(c.count);
      wr.put<std::uint8_t>(c.stop_on_failure ? 1 : 0);
      wr.put<std::uint64_t>(c.inputs.size());
      wr.bytes(c.inputs.data(), c.inputs.size());
    }
    st.held += out.size();
    send_down(w, std::move(msg));
  }
}

void engine::send_down(int dest, std::vector<char> msg) {
  sends_.push_back(relay::isend(comm_, std::move(msg), dest, tag_down));
  ++stats_.messages_sent;
}

void engine::broadcast_control(std::uint8_t type, std::int64_t code) {
  for (int w : children_) {
    std::vector<char> msg;
    writer wr(msg);
    wr.put<std::uint8_t>(type);
    wr.put<std::uint64_t>(seq_);
    if (type == down_interrupt) wr.put<std::int64_t>(code);
    send_down(w, std::move(msg));
  }
}

bool engine::take_messages() {
  if (children_.empty()) return false;
  bool any = false;
  for (int i = 0; i < messages_per_round; ++i) {
    auto st = relay::iprobe(comm_, any_source, tag_up);
    if (!st) break;
    auto msg = relay::recv<std::vector<char>>(comm_, st->source, tag_up);
    ++stats_.messages_received;
    handle_up(st->source, msg);
    any = true;
  }
  return any;
}

void engine::handle_up(int source, std::vector<char>& msg) {
  reader rd(msg);
  const auto type = rd.get<std::uint8_t>();
  if (rd.get<std::uint64_t>() != seq_) return;  // from a call that has ended
  auto& st = workers_[static_cast<std::size_t>(source)];
  if (type == up_hello) {
    const std::string theirs = rd.str();
    const int whose = rd.get<std::int32_t>();  // a dispatcher reports its group's first mismatch
    if (!st.hello) ++hellos_;
    st.hello = true;
    if (theirs != signature_ && mismatch_.empty()) {
      mismatch_ = "relay::pool: the ranks disagree on call " + std::to_string(seq_) + ": " +
                  (is_root() ? std::string("the root") : "rank " + std::to_string(rank_)) +
                  " runs " + signature_ + ", rank " + std::to_string(whose) + " runs " + theirs;
      mismatch_rank_ = whose;
      mismatch_sig_ = theirs;
      if (is_root()) stop();
    }
    return;
  }
  st.window = std::clamp<std::size_t>(rd.get<std::uint32_t>(), 1, window_max * 64);
  const auto pieces = rd.get<std::uint32_t>();
  for (std::uint32_t i = 0; i < pieces; ++i) {
    piece p;
    p.rank = rd.get<std::int32_t>();
    p.job = rd.get<std::uint64_t>();
    p.first = rd.get<std::uint64_t>();
    p.final = rd.get<std::uint8_t>() != 0;
    p.mismatch = rd.get<std::uint8_t>() != 0;
    const auto count = rd.get<std::uint32_t>();
    const char* s = rd.take(count);
    p.status.assign(s, s + count);
    const auto messages = rd.get<std::uint32_t>();
    for (std::uint32_t m = 0; m < messages; ++m) p.messages.push_back(rd.str());
    const auto view = rd.view();
    p.results.assign(view.begin(), view.end());
    if (p.final && st.held > 0) --st.held;
    account(p);
  }
}

void engine::account(piece& p) {
  if (relaying_) {  // a group's dispatcher: the root accounts
    emit_up(std::move(p));
    return;
  }
  auto it = jobs_.find(p.job);
  if (it == jobs_.end()) return;
  job& j = *it->second;
  if (p.final && j.chunks_out > 0) --j.chunks_out;
  if (p.mismatch) {
    if (mismatch_.empty())
      mismatch_ = "relay::pool: the ranks disagree on a function of call " + std::to_string(seq_) +
                  ": the root runs " + kinds_.at(j.kind)->signature() + ", rank " +
                  std::to_string(p.rank) + " runs " +
                  (p.messages.empty() ? std::string("nothing") : p.messages.front());
    j.skipped(p.first, p.status.size());
    stop();
    return;
  }
  std::size_t message = 0;
  std::size_t ran = 0;
  bool stop_now = false;
  for (std::size_t i = 0; i < p.status.size(); ++i) {
    const auto s = static_cast<task_status>(p.status[i]);
    if (s == task_status::skipped) {
      j.skipped(p.first + i, 1);
      continue;
    }
    ++ran;
    if (s == task_status::failed) {
      j.failures.push_back({p.first + i, p.rank, hosts_[static_cast<std::size_t>(p.rank)],
                            message < p.messages.size() ? p.messages[message] : std::string()});
      ++message;
      if (j.stop_on_failure) stop_now = true;
    }
  }
  stats_.tasks_per_rank[static_cast<std::size_t>(p.rank)] += ran;
  stats_.tasks += ran;
  try {
    j.deliver(p);
  } catch (...) {
    fail(std::current_exception());
  }
  if (stop_now) stop();
  // A job that is done leaves (a run with a million submits keeps no million jobs); its owner
  // (a call, a map, a future) keeps what it needs.
  if (p.final && j.chunks_out == 0 && j.exhausted()) jobs_.erase(p.job);
}

bool engine::take_root_pieces() {
  std::vector<piece> pieces;
  {
    std::lock_guard lock(mutex_);
    if (root_pieces_.empty()) return false;
    pieces.swap(root_pieces_);
  }
  for (auto& p : pieces) account(p);
  return true;
}

void engine::drop_queue() {
  std::deque<chunk> dropped;
  {
    std::lock_guard lock(mutex_);
    dropped.swap(queue_);
    queued_tasks_ = 0;
  }
  for (auto& c : dropped) {
    if (relaying_) {
      piece p;
      p.job = c.job;
      p.first = c.first;
      p.final = true;
      p.rank = rank_;
      p.status.assign(c.count, static_cast<std::uint8_t>(task_status::skipped));
      emit_up(std::move(p));
      continue;
    }
    auto it = jobs_.find(c.job);
    if (it == jobs_.end()) continue;
    if (it->second->chunks_out > 0) --it->second->chunks_out;
    it->second->skipped(c.first, c.count);
  }
}

void engine::stop() {
  stop_flag_.store(true);
  if (stopping_) return;
  stopping_ = true;
  drop_queue();
  broadcast_control(down_stop, 0);
}

void engine::interrupt(std::int64_t code) {
  code_.store(code);
  interrupted_.store(true, std::memory_order_release);
  stop();
  broadcast_control(down_interrupt, code);
}

void engine::fail(std::exception_ptr e) {
  if (!failure_) failure_ = std::move(e);
  stop();
}

void engine::sleep_root(double seconds) {
  if (!threaded_) {
    sleep_seconds(seconds);
    return;
  }
  std::unique_lock lock(mutex_);
  service_cv_.wait_for(lock, std::chrono::duration<double>(seconds), [&] { return wake_; });
  wake_ = false;
}

void engine::progress(bool may_sleep) {
  // Only messages from other ranks make the next sleeps short: the root's own thread and a tick
  // need no fast polling (the thread wakes the dispatcher itself when its queue runs low or a
  // long chunk ends). Counting them made a root whose thread ends a 100 us chunk every 100 us poll
  // every 10-20 us: 11.6% of a core taken from the tasks, 88% parallel efficiency.
  bool active = false;
  take_root_pieces();
  const bool heard = take_messages();
  active |= heard;
  fill();
  dispatch();
  if (!threaded_ && (opts_.root_works || size_ == 1)) active |= run_one_chunk_inline();
  if (tick_ && std::chrono::steady_clock::now() >= next_tick_) {
    next_tick_ = std::chrono::steady_clock::now() +
                 std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                     std::chrono::duration<double>(tick_interval_));
    try {
      tick_();
    } catch (...) {
      fail(std::current_exception());
    }
  }
  std::erase_if(sends_, [](request& r) { return r.test(); });
  if (heard) {
    // The next message is due about one gap from now: start the sleeps at an eighth of the
    // recent gap (10 us in a flood, ~300 us when a worker reports every 2.5 ms), so that a
    // steady trickle costs a few wake-ups per message instead of a cascade from 10 us.
    const auto now = std::chrono::steady_clock::now();
    if (heard_at_ != std::chrono::steady_clock::time_point{}) {
      const double gap = std::chrono::duration<double>(now - heard_at_).count();
      gap_ = gap_ <= 0 ? gap : 0.75 * gap_ + 0.25 * gap;
    }
    heard_at_ = now;
    sleep_ = std::clamp(gap_ / 8, sleep_min, opts_.idle_sleep_max);
    return;
  }
  if (active) {
    sleep_ = sleep_min;
    return;
  }
  if (!may_sleep) return;
  double s = sleep_;
  if (tick_)
    s = std::min(
        s,
        std::max(
            0.0,
            std::chrono::duration<double>(next_tick_ - std::chrono::steady_clock::now()).count()));
  sleep_root(s);
  sleep_ = std::min(sleep_ * 2, opts_.idle_sleep_max);
}

bool engine::idle() {
  fill();
  for (const auto& w : workers_)
    if (w.held > 0) return false;
  if (hellos_ < children_.size() && mismatch_.empty()) return false;
  std::lock_guard lock(mutex_);
  return queue_.empty() && !root_busy_ && root_pieces_.empty();
}

void engine::run_until_idle() {
  while (!idle()) progress(true);
}

void engine::run_until(const std::function<bool()>& done) {
  while (!done() && !(stopping_ && idle())) progress(true);
}

}  // namespace relay::detail::pool_impl
