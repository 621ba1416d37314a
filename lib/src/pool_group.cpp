// The hierarchy: a group's dispatcher, between the root and the ranks of its group.
//
// To the root, a group's dispatcher is one worker with a large window: the sum of its members'
// windows and its own. It takes blocks of chunks from the root into its own queue, hands them to
// its members by their windows (as the root does), runs chunks in its own thread like the root
// (or interleaved, with MPI_THREAD_SINGLE), and sends every result up unopened. So the root
// serves one dispatcher per group instead of every rank, and a group asks for more only as its
// members free up: work moves to whichever group runs dry first. Stops, interrupts and the end
// of a call go down through it; its members' hellos are checked here and the first mismatch is
// reported up in its own hello, which it sends once every member has checked in.

#include <algorithm>
#include <map>
#include <utility>

#include "pool_protocol.hpp"
#include "relay/detail/pool_engine.hpp"
#include "relay/isend.hpp"
#include "relay/p2p.hpp"

namespace relay::detail::pool_impl {

void engine::serve_group() {
  relaying_ = true;
  for (int w : children_) workers_[static_cast<std::size_t>(w)] = worker_state{};
  hellos_ = 0;
  mismatch_.clear();
  mismatch_rank_ = -1;
  stopping_ = false;
  sleep_ = sleep_min;
  {
    std::lock_guard lock(mutex_);
    queue_.clear();
    queued_tasks_ = 0;
    root_pieces_.clear();
  }
  if (threaded_) start_root_thread();
  bool hello_sent = false;
  while (!ended_) {
    bool active = false;
    while (!ended_ && relay::iprobe(comm_, parent_, tag_down)) {
      auto msg = relay::recv<std::vector<char>>(comm_, parent_, tag_down);
      active = true;
      reader rd(msg);
      const auto type = rd.get<std::uint8_t>();
      if (rd.get<std::uint64_t>() != seq_) continue;
      worker_take(msg);  // work lands in local_; a stop, an interrupt or the end sets its flags
      if (type == down_work) {
        {
          std::lock_guard lock(mutex_);
          for (auto& c : local_) {
            queued_tasks_ += c.count;
            queue_.push_back(std::move(c));
          }
        }
        local_.clear();
        if (stopping_) drop_queue();  // came after the stop: goes back unrun
        work_cv_.notify_one();
        continue;
      }
      for (int w : children_) send_down(w, msg);
      if (type == down_stop || type == down_interrupt) {
        stopping_ = true;
        drop_queue();
      }
    }
    active |= take_root_pieces();
    active |= take_messages();
    dispatch();
    if (!threaded_ && opts_.root_works) active |= run_one_chunk_inline();
    if (!hello_sent && hellos_ == children_.size()) {
      if (mismatch_rank_ >= 0)
        send_hello(mismatch_sig_, mismatch_rank_);
      else
        send_hello(signature_, rank_);
      hello_sent = true;
    }
    std::size_t want = opts_.root_works ? 2 : 0;
    for (int w : children_) want += workers_[static_cast<std::size_t>(w)].window;
    window_ = std::max<std::size_t>(want, 1);
    worker_flush();
    std::erase_if(sends_, [](request& r) { return r.test(); });
    if (active) {
      sleep_ = sleep_min;
    } else if (!ended_) {
      sleep_root(sleep_);
      sleep_ = std::min(sleep_ * 2, opts_.idle_sleep_max);
    }
  }
  relaying_ = false;
  std::erase_if(sends_, [](request& r) { return r.test(); });
  if (end_outcome_ != outcome::ok) throw_outcome(end_outcome_, end_text_, end_failures_);
}

void engine::lay_out_groups() {
  const auto n = static_cast<std::size_t>(size_);
  std::vector<int> group(n, 0);
  int g = opts_.group_size;
  if (g == 0) {
    // Automatic: one group per node, when the job spans nodes and every node has >= 2 ranks.
    std::map<std::string, int> ids;
    std::map<int, int> per_node;
    for (std::size_t r = 0; r < n; ++r) {
      const int id = ids.emplace(hosts_[r], static_cast<int>(ids.size())).first->second;
      group[r] = id;
      ++per_node[id];
    }
    const bool every_node_shared = std::all_of(per_node.begin(), per_node.end(),
                                               [](const auto& kv) { return kv.second >= 2; });
    if (ids.size() < 2 || !every_node_shared) std::fill(group.begin(), group.end(), 0);
  } else if (g >= 2) {
    for (std::size_t r = 0; r < n; ++r) group[r] = static_cast<int>(r) / g;
  }
  const int root = opts_.root;
  const int root_group = group[static_cast<std::size_t>(root)];
  std::map<int, int> leader;  // group -> its dispatcher: the root in its own group, else the lowest
  for (std::size_t r = 0; r < n; ++r) {
    const int gr = group[r];
    if (gr == root_group)
      leader[gr] = root;
    else if (!leader.count(gr))
      leader[gr] = static_cast<int>(r);
  }
  initial_window_.assign(n, 2);
  children_.clear();
  parent_ = -1;
  const int me = rank_;
  const int my_group = group[static_cast<std::size_t>(me)];
  for (std::size_t r = 0; r < n; ++r) {
    const int ri = static_cast<int>(r);
    if (ri == me) continue;
    const int gr = group[r];
    const bool is_leader = leader[gr] == ri;
    if (me == root) {
      if (gr == root_group || is_leader) children_.push_back(ri);
      if (is_leader && gr != root_group)
        initial_window_[r] =
            2 * static_cast<std::size_t>(std::count(group.begin(), group.end(), gr));
    } else if (leader[my_group] == me && gr == my_group) {
      children_.push_back(ri);
    }
  }
  if (me != root) parent_ = leader[my_group] == me ? root : leader[my_group];
}

}  // namespace relay::detail::pool_impl
