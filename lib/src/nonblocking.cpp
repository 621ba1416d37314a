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

// What the waits over many requests need to know of each, for plain and state-based alike.

/// Whether MPI has yet to complete `r`.
bool active(request& r) {
  const request_state* s = request_access::state(r);
  return s ? !s->complete : request_access::handle(r) != MPI_REQUEST_NULL;
}

/// Whether `r` is a dynamic receive not yet matched to a message, with no MPI request yet.
bool unmatched(request& r) {
  const request_state* s = request_access::state(r);
  return s && !s->complete && !s->posted();
}

/// The MPI request that `r` waits on.
MPI_Request& handle_of(request& r) {
  request_state* s = request_access::state(r);
  return s ? s->handle : request_access::handle(r);
}

/// Records that MPI completed `r` with status `st`; its handle, now null, is already stored.
void finish(request& r, const MPI_Status& st) {
  if (request_state* s = request_access::state(r)) s->finish(st);
}

/// Per-thread scratch for the waits, reused so that waiting allocates nothing once warm.
std::vector<MPI_Request>& scratch_handles() {
  thread_local std::vector<MPI_Request> handles;
  return handles;
}

/// One pass of wait_any/test_any. Returns the completed index, nullopt with `any_active` false
/// when nothing is active, or nullopt with `any_active` true when nothing completed yet.
std::optional<std::size_t> any_pass(std::span<request* const> requests, bool block,
                                    bool& any_active) {
  thread_local std::vector<std::size_t> index;
  auto& handles = scratch_handles();
  index.clear();
  handles.clear();
  bool all_posted = true;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    request& r = *requests[i];
    if (!active(r)) continue;
    if (unmatched(r)) request_access::state(r)->match_nonblocking();
    if (unmatched(r)) {
      all_posted = false;
      continue;
    }
    index.push_back(i);
    handles.push_back(handle_of(r));
  }
  any_active = !index.empty() || !all_posted;
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
  const auto w = static_cast<std::size_t>(which);
  request& done = *requests[index[w]];
  handle_of(done) = handles[w];
  finish(done, st);
  return index[w];
}

/// Statuses for an MPI_Waitall over `n` requests that include a receive, or MPI_STATUSES_IGNORE.
/// A receive can fail (a message longer than its buffer), and only the statuses say which one
/// did and why: under MPI_STATUSES_IGNORE, Open MPI frees the failed request and returns just
/// MPI_ERR_IN_STATUS. Sends alone go without statuses, as in raw MPI programs; should one fail,
/// MPI_ERR_IN_STATUS is all there is to report.
MPI_Status* statuses_for(std::size_t n, bool receives) {
  thread_local std::vector<MPI_Status> statuses;
  if (!receives) return MPI_STATUSES_IGNORE;
  statuses.resize(n);
  return statuses.data();
}

/// Throws mpi_error for an MPI_Waitall over `n` requests that returned `code`: the first failed
/// request's own error when MPI put it in `statuses`, else `code`.
[[noreturn]] void throw_waitall_error(int code, const MPI_Status* statuses, std::size_t n) {
  if (code == MPI_ERR_IN_STATUS && statuses != MPI_STATUSES_IGNORE)
    for (std::size_t i = 0; i < n; ++i)
      if (const int e = statuses[i].MPI_ERROR; e != MPI_SUCCESS && e != MPI_ERR_PENDING)
        throw_mpi_error("MPI_Waitall", e);
  throw_mpi_error("MPI_Waitall", code);
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

bool wait_all_plain(std::span<request> requests) {
  auto& handles = scratch_handles();
  handles.resize(requests.size());
  bool receives = false;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (request_access::state(requests[i])) return false;
    handles[i] = request_access::handle(requests[i]);
    receives = receives || request_access::receive(requests[i]);
  }
  const std::size_t n = handles.size();
  MPI_Status* statuses = statuses_for(n, receives);
  const int code = MPI_Waitall(static_cast<int>(n), handles.data(), statuses);
  for (std::size_t i = 0; i < n; ++i) request_access::handle(requests[i]) = handles[i];
  if (code != MPI_SUCCESS) [[unlikely]]
    throw_waitall_error(code, statuses, n);
  return true;
}

void wait_all_requests(std::span<request* const> requests) {
  // Dynamic receives are matched first, in posting order (MPI's rule; see the header).
  if (std::any_of(requests.begin(), requests.end(), [](request* r) { return unmatched(*r); })) {
    for (request* r : requests)
      if (unmatched(*r)) request_access::state(*r)->match_nonblocking();
    for (request* r : requests)
      if (unmatched(*r)) request_access::state(*r)->match_blocking();
  }
  // Then a single MPI_Waitall over all of them, as a raw MPI program would do.
  thread_local std::vector<request*> owners;
  auto& handles = scratch_handles();
  owners.clear();
  handles.clear();
  bool receives = false;
  for (request* r : requests) {
    if (!active(*r)) continue;
    owners.push_back(r);
    handles.push_back(handle_of(*r));
    const request_state* s = request_access::state(*r);
    receives = receives || (s ? s->wants_status : request_access::receive(*r));
  }
  if (owners.empty()) return;
  const std::size_t n = handles.size();
  MPI_Status* statuses = statuses_for(n, receives);
  const int code = MPI_Waitall(static_cast<int>(n), handles.data(), statuses);
  const MPI_Status none{};
  for (std::size_t i = 0; i < n; ++i) {
    handle_of(*owners[i]) = handles[i];
    const MPI_Status& st = statuses == MPI_STATUSES_IGNORE ? none : statuses[i];
    // On MPI_ERR_IN_STATUS, the requests whose status says success completed all the same.
    if (code == MPI_SUCCESS || (code == MPI_ERR_IN_STATUS && statuses != MPI_STATUSES_IGNORE &&
                                st.MPI_ERROR == MPI_SUCCESS))
      finish(*owners[i], st);
  }
  if (code != MPI_SUCCESS) [[unlikely]]
    throw_waitall_error(code, statuses, n);
}

std::optional<std::size_t> wait_any_request(std::span<request* const> requests) {
  backoff wait;
  for (;;) {
    bool any_active = false;
    if (auto i = any_pass(requests, /*block=*/true, any_active)) return i;
    if (!any_active) return std::nullopt;
    wait.pause();  // only reached while some receive is still unmatched
  }
}

std::optional<std::size_t> test_any_request(std::span<request* const> requests) {
  bool any_active = false;
  return any_pass(requests, /*block=*/false, any_active);
}

namespace {
/// Cancels a posted receive whose owner is going away; a cancelled receive completes at once.
void cancel_receive(MPI_Request& handle) noexcept {
  if (handle == MPI_REQUEST_NULL) return;
  MPI_Cancel(&handle);
  MPI_Wait(&handle, MPI_STATUS_IGNORE);
}
}  // namespace

void abandon(std::unique_ptr<request_state> state) {
  if (environment::finalized()) return;
  if (state->is_receive()) {
    // An unmatched dynamic receive simply leaves the pending list (its destructor).
    cancel_receive(state->handle);
    return;
  }
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

void abandon(MPI_Request& handle, bool receive) noexcept {
  if (environment::finalized()) return;
  if (receive)
    cancel_receive(handle);
  else
    MPI_Request_free(&handle);  // MPI still completes the send, from the caller's memory
}

}  // namespace relay::detail
