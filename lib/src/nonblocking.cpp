#include "relay/nonblocking.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

#include "relay/environment.hpp"

namespace relay::detail {
namespace {

/// Dynamic receives not yet matched, in posting order (all communicators).
std::vector<dynamic_receive*>& pending() {
  static std::vector<dynamic_receive*> list;
  return list;
}

/// Incomplete sends whose request objects were destroyed: kept alive until MPI is done.
std::vector<std::unique_ptr<request_state>>& orphans() {
  static std::vector<std::unique_ptr<request_state>> list;
  return list;
}

void reap_orphans() {
  auto& list = orphans();
  std::erase_if(list, [](std::unique_ptr<request_state>& s) {
    int flag = 0;
    MPI_Test(&s->handle, &flag, MPI_STATUS_IGNORE);
    return flag != 0;
  });
}

/// Sleeps a little longer each round, so that waiting on unmatched receives does not spin a core.
class backoff {
 public:
  void pause() {
    if (round_++ < 64) {
      std::this_thread::yield();
      return;
    }
    std::this_thread::sleep_for(delay_);
    delay_ = std::min(delay_ * 2, std::chrono::microseconds(1000));
  }

 private:
  int round_ = 0;
  std::chrono::microseconds delay_{10};
};

}  // namespace

dynamic_receive::dynamic_receive(MPI_Comm c, int source, int tag)
    : comm(c), source_(source), tag_(tag) {
  wants_status = true;
  pending().push_back(this);
}

dynamic_receive::~dynamic_receive() {
  std::erase(pending(), this);
}

bool give_to_pending(MPI_Comm comm, MPI_Message& msg, MPI_Status& st) {
  if (st.MPI_SOURCE == MPI_PROC_NULL) return false;  // no real message: it is the prober's own
  auto& list = pending();
  const auto it = std::find_if(list.begin(), list.end(), [&](dynamic_receive* r) {
    return r->comm == comm && r->accepts(st.MPI_SOURCE, st.MPI_TAG);
  });
  if (it == list.end()) return false;
  dynamic_receive* taker = *it;
  list.erase(it);
  taker->matched_ = true;
  taker->start(msg, st);
  return true;
}

void dynamic_receive::dispatch(MPI_Message& msg, MPI_Status& st) {
  // A receive from MPI_PROC_NULL probes no real message (its status says any tag): it is its own.
  if (st.MPI_SOURCE == MPI_PROC_NULL) {
    std::erase(pending(), this);
    matched_ = true;
    start(msg, st);
    return;
  }
  // This receive itself accepts the message, so some pending receive always takes it.
  give_to_pending(comm, msg, st);
}

void dynamic_receive::match_nonblocking() {
  while (!matched_) {
    int flag = 0;
    MPI_Message msg = MPI_MESSAGE_NULL;
    MPI_Status st;
    RELAY_MPI(MPI_Improbe, source_, tag_, comm, &flag, &msg, &st);
    if (!flag) return;
    dispatch(msg, st);
  }
}

void dynamic_receive::match_blocking() {
  while (!matched_) {
    MPI_Message msg = MPI_MESSAGE_NULL;
    MPI_Status st;
    RELAY_MPI(MPI_Mprobe, source_, tag_, comm, &msg, &st);
    dispatch(msg, st);
  }
}

void wait_state(request_state& state) {
  if (state.complete) return;
  if (!state.posted()) state.match_blocking();
  MPI_Status st;
  RELAY_MPI(MPI_Wait, &state.handle, &st);
  state.finish(st);
}

bool test_state(request_state& state) {
  if (state.complete) return true;
  if (!state.posted()) state.match_nonblocking();
  if (!state.posted()) return false;
  int flag = 0;
  MPI_Status st;
  RELAY_MPI(MPI_Test, &state.handle, &flag, &st);
  if (flag) state.finish(st);
  return flag != 0;
}

namespace {
/// One pass of wait_any/test_any. Returns the completed index, nullopt with `active` false when
/// nothing is active, or nullopt with `active` true when nothing completed yet.
std::optional<std::size_t> any_pass(std::span<request_state* const> states, bool block,
                                    bool& active) {
  std::vector<std::size_t> index;
  std::vector<MPI_Request> handles;
  bool all_posted = true;
  for (std::size_t i = 0; i < states.size(); ++i) {
    request_state* s = states[i];
    if (!s || s->complete) continue;
    if (!s->posted()) s->match_nonblocking();
    if (!s->posted()) {
      all_posted = false;
      continue;
    }
    index.push_back(i);
    handles.push_back(s->handle);
  }
  active = !index.empty() || !all_posted;
  if (index.empty()) return std::nullopt;
  int which = MPI_UNDEFINED;
  MPI_Status st;
  const int n = static_cast<int>(handles.size());
  if (block && all_posted) {
    RELAY_MPI(MPI_Waitany, n, handles.data(), &which, &st);
  } else {
    int flag = 0;
    RELAY_MPI(MPI_Testany, n, handles.data(), &which, &flag, &st);
    if (!flag) return std::nullopt;
  }
  if (which == MPI_UNDEFINED) return std::nullopt;
  request_state* done = states[index[static_cast<std::size_t>(which)]];
  done->handle = handles[static_cast<std::size_t>(which)];
  done->finish(st);
  return index[static_cast<std::size_t>(which)];
}
}  // namespace

namespace {
/// Blocks of this size serve every request state that fits (all but those holding large values).
constexpr std::size_t request_block = 160;
constexpr std::size_t max_free_blocks = 4096;

struct free_blocks {
  std::vector<void*> blocks;
  ~free_blocks() {
    for (void* b : blocks) ::operator delete(b);
  }
};
free_blocks& request_pool() {
  thread_local free_blocks pool;
  return pool;
}
}  // namespace

void* allocate_request(std::size_t bytes) {
  if (bytes > request_block) return ::operator new(bytes);
  auto& pool = request_pool().blocks;
  if (pool.empty()) return ::operator new(request_block);
  void* block = pool.back();
  pool.pop_back();
  return block;
}

void free_request(void* block, std::size_t bytes) noexcept {
  auto& pool = request_pool().blocks;
  if (bytes <= request_block && pool.size() < max_free_blocks) {
    try {
      pool.push_back(block);
      return;
    } catch (...) {  // no memory to remember the block: give it back instead
    }
  }
  ::operator delete(block);
}

void wait_all_states(std::span<request_state* const> states) {
  // Dynamic receives are matched first, in posting order (MPI's rule; see the header).
  const bool unmatched = std::any_of(states.begin(), states.end(), [](request_state* s) {
    return s && !s->complete && !s->posted();
  });
  if (unmatched) {
    for (request_state* s : states)
      if (s && !s->complete && !s->posted()) s->match_nonblocking();
    for (request_state* s : states)
      if (s && !s->complete && !s->posted()) s->match_blocking();
  }
  // Then a single MPI_Waitall over all of them, as a raw MPI program would do.
  thread_local std::vector<MPI_Request> handles;
  thread_local std::vector<MPI_Status> statuses;
  thread_local std::vector<request_state*> owners;
  handles.clear();
  owners.clear();
  bool want = false;
  for (request_state* s : states) {
    if (!s || s->complete) continue;
    handles.push_back(s->handle);
    owners.push_back(s);
    want = want || s->wants_status;
  }
  if (handles.empty()) return;
  const int n = static_cast<int>(handles.size());
  if (!want) {
    // Sends and receives into spans: nobody reads their status, so MPI need not write it.
    const int code = MPI_Waitall(n, handles.data(), MPI_STATUSES_IGNORE);
    if (code == MPI_SUCCESS) {
      const MPI_Status none{};
      for (std::size_t i = 0; i < owners.size(); ++i) {
        owners[i]->handle = handles[i];
        owners[i]->finish(none);
      }
      return;
    }
    // On an error, wait again with statuses to learn which request failed (MPI_Waitall has
    // already completed the others; their handles are now null and complete at once).
  }
  statuses.resize(handles.size());
  const int code = MPI_Waitall(n, handles.data(), statuses.data());
  int failure = MPI_SUCCESS;
  for (std::size_t i = 0; i < owners.size(); ++i) {
    owners[i]->handle = handles[i];
    const int status_code = code == MPI_ERR_IN_STATUS ? statuses[i].MPI_ERROR : MPI_SUCCESS;
    if (code != MPI_ERR_IN_STATUS && code != MPI_SUCCESS) continue;
    if (status_code == MPI_SUCCESS)
      owners[i]->finish(statuses[i]);
    else if (status_code != MPI_ERR_PENDING && failure == MPI_SUCCESS)
      failure = status_code;
  }
  if (code != MPI_ERR_IN_STATUS) check(code, "MPI_Waitall");
  check(failure, "MPI_Waitall");
}

std::optional<std::size_t> wait_any_state(std::span<request_state* const> states) {
  backoff wait;
  for (;;) {
    bool active = false;
    if (auto i = any_pass(states, /*block=*/true, active)) return i;
    if (!active) return std::nullopt;
    wait.pause();  // only reached while some receive is still unmatched
  }
}

std::optional<std::size_t> test_any_state(std::span<request_state* const> states) {
  bool active = false;
  return any_pass(states, /*block=*/false, active);
}

void abandon(std::unique_ptr<request_state> state) {
  if (state->is_receive()) {
    // An unmatched dynamic receive simply leaves the pending list (its destructor); a posted one
    // is cancelled, which completes at once.
    if (state->handle != MPI_REQUEST_NULL) {
      MPI_Cancel(&state->handle);
      MPI_Wait(&state->handle, MPI_STATUS_IGNORE);
    }
    return;
  }
  if (environment::finalized()) return;
  static const bool registered = [] {
    at_finalize([] {
      for (auto& s : orphans())
        if (s->handle != MPI_REQUEST_NULL) MPI_Request_free(&s->handle);
      orphans().clear();
    });
    return true;
  }();
  (void)registered;
  reap_orphans();
  orphans().push_back(std::move(state));
}

}  // namespace relay::detail
