#include "relay/nonblocking.hpp"

#include <algorithm>
#include <mutex>

#include "relay/environment.hpp"

namespace relay::detail {
namespace {

// ---- the registry of pending receives --------------------------------------------------------

/// Dynamic receives whose first message has not been taken yet, from every thread. Whoever waits
/// takes their first messages (progress_pending), under the lock.
struct pending_registry {
  std::mutex lock;
  std::vector<dynamic_receive*> list;
  std::atomic<std::size_t> size{0};
};
pending_registry& registry() {
  static pending_registry* r = new pending_registry;  // never destroyed: used until exit
  return *r;
}

}  // namespace

void enlist(dynamic_receive* r) {
  pending_registry& reg = registry();
  std::lock_guard guard(reg.lock);
  reg.list.push_back(r);
  r->listed.store(true, std::memory_order_release);
  reg.size.store(reg.list.size(), std::memory_order_release);
}

namespace {

/// Removes `r` from the registry if it is there (the lock held by the caller).
void delist_locked(pending_registry& reg, dynamic_receive* r) {
  if (!r->listed.load(std::memory_order_relaxed)) return;
  std::erase(reg.list, r);
  reg.size.store(reg.list.size(), std::memory_order_release);
  r->listed.store(false, std::memory_order_release);
}

/// Per-thread scratch for the waits, reused so that waiting allocates nothing once warm.
struct wait_scratch {
  std::vector<MPI_Request> handles;
  std::vector<std::size_t> index;
  std::vector<int> out;
  std::vector<MPI_Status> statuses;
  void size_for(std::size_t n) {
    out.resize(n);
    statuses.resize(n);
  }
};

/// The MPI error of request k of an MPI_Testsome/Waitsome that returned `code`.
int error_of(int code, const MPI_Status& st) {
  if (code == MPI_SUCCESS) return MPI_SUCCESS;
  return code == MPI_ERR_IN_STATUS ? st.MPI_ERROR : code;
}

}  // namespace

std::size_t pending_receives() noexcept {
  return registry().size.load(std::memory_order_acquire);
}

void progress_pending() {
  pending_registry& reg = registry();
  if (reg.size.load(std::memory_order_acquire) == 0) return;
  thread_local wait_scratch scratch;
  std::lock_guard guard(reg.lock);
  const std::size_t n = reg.list.size();
  if (n == 0) return;
  scratch.handles.resize(n);
  scratch.size_for(n);
  for (std::size_t i = 0; i < n; ++i) scratch.handles[i] = reg.list[i]->handle;
  int count = 0;
  const int code = MPI_Testsome(static_cast<int>(n), scratch.handles.data(), &count,
                                scratch.out.data(), scratch.statuses.data());
  if (code != MPI_SUCCESS && code != MPI_ERR_IN_STATUS) throw_mpi_error("MPI_Testsome", code);
  if (count == MPI_UNDEFINED || count == 0) return;
  for (int k = 0; k < count; ++k) {
    dynamic_receive* r = reg.list[static_cast<std::size_t>(scratch.out[k])];
    r->handle = scratch.handles[static_cast<std::size_t>(scratch.out[k])];
    settle(*r, scratch.statuses[k], error_of(code, scratch.statuses[k]));
  }
  // Whatever took its first message leaves the registry; its rest, if any, is its owner's.
  std::erase_if(reg.list, [](dynamic_receive* r) {
    if (!r->first_taken() && !r->complete) return false;
    r->listed.store(false, std::memory_order_release);
    return true;
  });
  reg.size.store(reg.list.size(), std::memory_order_release);
}

bool settle(request_state& s, const MPI_Status& st, int code) noexcept {
  if (code != MPI_SUCCESS) {
    s.mpi_status = st;
    try {
      throw_mpi_error("MPI_Wait", code);
    } catch (...) {
      s.failure = std::current_exception();
    }
    s.complete = true;
    s.unreported = true;
    return true;
  }
  try {
    if (!s.advance(st)) return false;
  } catch (...) {
    s.failure = std::current_exception();
  }
  s.complete = true;
  s.unreported = true;
  return true;
}

// ---- dynamic receives ------------------------------------------------------------------------

dynamic_receive::dynamic_receive(MPI_Comm comm, int source, int tag)
    : comm_(comm), first_(take_head_buffer()) {
  wants_status = true;
  const int code =
      MPI_Irecv(first_, static_cast<int>(piece_bytes), MPI_BYTE, source, tag, comm, &handle);
  if (code != MPI_SUCCESS) {
    release_first();
    throw_mpi_error("MPI_Irecv", code);
  }
}

dynamic_receive::~dynamic_receive() {
  if (listed.load(std::memory_order_acquire)) {
    pending_registry& reg = registry();
    std::lock_guard guard(reg.lock);
    delist_locked(reg, this);
  }
  release_first();
}

void dynamic_receive::release_first() noexcept {
  give_head_buffer(first_);
  first_ = nullptr;
}

bool dynamic_receive::advance(const MPI_Status& st) {
  if (first_taken_) {  // the rest has arrived
    set_received_bytes(mpi_status, total_);
    finish();
    return true;
  }
  first_taken_ = true;
  mpi_status = st;
  const std::size_t n = st.MPI_SOURCE == MPI_PROC_NULL ? 0 : received_bytes(st);
  const std::optional<trailer> t = read_trailer(first_, n);
  if (!t) {
    accept(first_, n);
    release_first();
    return true;
  }
  char* to = nullptr;
  try {
    to = room(static_cast<std::size_t>(t->total));
  } catch (...) {
    drop_rest(comm_, st.MPI_SOURCE, *t);
    release_first();
    throw;
  }
  std::memcpy(to, first_, head_payload_bytes);
  release_first();
  total_ = static_cast<std::size_t>(t->total);
  const rest_route route = route_from(comm_, st.MPI_SOURCE, t->tag);
  counted_type ct(MPI_BYTE, total_ - head_payload_bytes);
  RELAY_MPI(MPI_Irecv, to + head_payload_bytes, ct.count(), ct.type(), route.peer, route.tag,
            route.comm, &handle);
  return false;
}

void buffer_receive::accept(const char* data, std::size_t n) {
  if (n > capacity_) throw_mpi_error("MPI_Irecv", MPI_ERR_TRUNCATE);
  if (n > 0) std::memcpy(buffer_, data, n);
}

char* buffer_receive::room(std::size_t n) {
  if (n > capacity_) throw_mpi_error("MPI_Irecv", MPI_ERR_TRUNCATE);
  return buffer_;
}

// ---- waiting ---------------------------------------------------------------------------------

namespace {

// What the waits over many requests need to know of each, for plain and state-based alike.

/// Whether `r` is still running. A listed state is (its first message is not taken yet).
bool active(const request& r) {
  const request_state* s = request_access::state(r);
  if (!s) return request_access::handle(const_cast<request&>(r)) != MPI_REQUEST_NULL;
  if (s->listed.load(std::memory_order_acquire)) return true;
  return !s->complete;
}

/// Whether `r` is a receive whose first message any thread may take: the owner leaves it alone.
bool listed(const request& r) {
  const request_state* s = request_access::state(r);
  return s && s->listed.load(std::memory_order_acquire);
}

MPI_Request& handle_of(request& r) {
  request_state* s = request_access::state(r);
  return s ? s->handle : request_access::handle(r);
}

/// The first failure of a plain request in the current wait, per thread.
thread_local int plain_error = MPI_SUCCESS;

/// Records that MPI finished the current step of `r`; true when `r` is complete.
bool settle_request(request& r, const MPI_Status& st, int code) {
  if (request_state* s = request_access::state(r)) return settle(*s, st, code);
  if (code != MPI_SUCCESS && plain_error == MPI_SUCCESS) plain_error = code;
  return true;
}

/// Takes the pending receives among `requests` for this wait alone when no other receive of the
/// process is pending: their first messages can then be waited for with MPI's blocking calls.
/// Returns true if it did. put_back() lists again those whose first message is still to come.
class claim {
 public:
  explicit claim(std::span<request* const> requests) : requests_(requests) {
    pending_registry& reg = registry();
    if (reg.size.load(std::memory_order_acquire) == 0) return;
    std::size_t mine = 0;
    for (request* r : requests)
      if (listed(*r)) ++mine;
    if (mine == 0) return;
    std::lock_guard guard(reg.lock);
    std::size_t still = 0;
    for (request* r : requests)
      if (listed(*r)) ++still;
    if (still != reg.list.size()) return;  // others are pending too: they need progress
    for (dynamic_receive* r : reg.list) r->listed.store(false, std::memory_order_release);
    reg.list.clear();
    reg.size.store(0, std::memory_order_release);
    claimed_ = true;
  }
  ~claim() {
    if (!claimed_) return;
    for (request* r : requests_) {
      request_state* s = request_access::state(*r);
      auto* d = dynamic_cast<dynamic_receive*>(s);
      if (d && !d->complete && !d->first_taken()) {
        try {
          enlist(d);
        } catch (...) {  // no memory to list it: it is progressed when waited on
        }
      }
    }
  }
  claim(const claim&) = delete;
  claim& operator=(const claim&) = delete;

 private:
  std::span<request* const> requests_;
  bool claimed_ = false;
};

enum class mode { all, any, test_any };

/// A state-based request that completed and that no wait or test has reported yet; reports it.
bool take_unreported(request& r) {
  request_state* s = request_access::state(r);
  if (!s || s->listed.load(std::memory_order_acquire) || !s->complete || !s->unreported)
    return false;
  s->unreported = false;
  return true;
}

/// The one engine behind wait_all, wait_any and test_any. Returns the index of a request whose
/// completion it reports (modes any and test_any), or nullopt; `any_active` tells whether any
/// request was still running or unreported when it was called.
std::optional<std::size_t> drive(std::span<request* const> requests, mode m, bool& any_active) {
  thread_local wait_scratch scratch;
  any_active = false;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (m != mode::all && take_unreported(*requests[i])) {
      any_active = true;
      return i;
    }
    if (active(*requests[i])) any_active = true;
  }
  if (!any_active) return std::nullopt;

  claim claimed(requests);
  backoff wait;
  for (;;) {
    progress_pending();
    if (m != mode::all)
      for (std::size_t i = 0; i < requests.size(); ++i)
        if (take_unreported(*requests[i])) return i;

    scratch.handles.clear();
    scratch.index.clear();
    bool listed_left = false;
    for (std::size_t i = 0; i < requests.size(); ++i) {
      request& r = *requests[i];
      if (!active(r)) continue;
      if (listed(r)) {
        listed_left = true;
        continue;
      }
      scratch.index.push_back(i);
      scratch.handles.push_back(handle_of(r));
    }
    const std::size_t n = scratch.handles.size();
    if (n == 0) {
      if (m == mode::all && !listed_left) break;
      if (m == mode::test_any || !listed_left) return std::nullopt;
      wait.pause();
      continue;
    }
    scratch.size_for(n);
    const int size = static_cast<int>(n);
    const bool block = m != mode::test_any && pending_receives() == 0;
    bool progressed = false;
    if (m == mode::all) {
      // Several at once, and every completion settled.
      int count = 0;
      const int code = block ? MPI_Waitsome(size, scratch.handles.data(), &count,
                                            scratch.out.data(), scratch.statuses.data())
                             : MPI_Testsome(size, scratch.handles.data(), &count,
                                            scratch.out.data(), scratch.statuses.data());
      if (code != MPI_SUCCESS && code != MPI_ERR_IN_STATUS) [[unlikely]]
        throw_mpi_error(block ? "MPI_Waitsome" : "MPI_Testsome", code);
      for (int k = 0; count != MPI_UNDEFINED && k < count; ++k) {
        const auto j = static_cast<std::size_t>(scratch.out[k]);
        request& r = *requests[scratch.index[j]];
        handle_of(r) = scratch.handles[j];
        settle_request(r, scratch.statuses[k], error_of(code, scratch.statuses[k]));
        progressed = true;
      }
    } else {
      // One at a time, so that each completion is reported by exactly one call.
      int which = MPI_UNDEFINED;
      int flag = 1;
      MPI_Status& st = scratch.statuses[0];
      const int code = block ? MPI_Waitany(size, scratch.handles.data(), &which, &st)
                             : MPI_Testany(size, scratch.handles.data(), &which, &flag, &st);
      if (which != MPI_UNDEFINED && flag) {
        const auto j = static_cast<std::size_t>(which);
        request& r = *requests[scratch.index[j]];
        handle_of(r) = scratch.handles[j];
        progressed = true;
        if (settle_request(r, st, code)) {
          take_unreported(r);
          return scratch.index[j];
        }
      } else if (code != MPI_SUCCESS) [[unlikely]] {
        throw_mpi_error(block ? "MPI_Waitany" : "MPI_Testany", code);
      }
      if (m == mode::test_any) return std::nullopt;
    }
    if (!progressed) wait.pause();
  }
  for (request* r : requests) take_unreported(*r);  // wait_all reports every completion
  return std::nullopt;
}

/// Throws the first failure among `requests`, in index order, or a plain request's error.
void throw_first_failure(std::span<request* const> requests) {
  for (request* r : requests)
    if (const request_state* s = request_access::state(*r); s && s->complete && s->failure)
      std::rethrow_exception(s->failure);
  if (const int code = std::exchange(plain_error, MPI_SUCCESS); code != MPI_SUCCESS)
    throw_mpi_error("MPI_Waitall", code);
}

}  // namespace

void wait_state(request_state& s) {
  backoff wait;
  for (;;) {
    if (s.listed.load(std::memory_order_acquire)) {
      // When it is the only pending receive of the process, this wait takes it over, so that
      // MPI's own blocking wait can be used.
      pending_registry& reg = registry();
      std::lock_guard guard(reg.lock);
      if (reg.list.size() == 1 && reg.list.front() == &s)
        delist_locked(reg, static_cast<dynamic_receive*>(&s));
    }
    if (!s.listed.load(std::memory_order_acquire)) {
      if (s.complete) break;
      MPI_Status st;
      if (pending_receives() == 0) {
        settle(s, st, MPI_Wait(&s.handle, &st));
        continue;
      }
      int flag = 0;
      const int code = MPI_Test(&s.handle, &flag, &st);
      if (flag || code != MPI_SUCCESS) {
        settle(s, st, code);
        continue;
      }
    }
    progress_pending();
    wait.pause();
  }
  s.unreported = false;
  if (s.failure) std::rethrow_exception(s.failure);
}

bool test_state(request_state& state) {
  progress_pending();
  if (state.listed.load(std::memory_order_acquire)) return false;
  if (!state.complete) {
    int flag = 0;
    MPI_Status st;
    const int code = MPI_Test(&state.handle, &flag, &st);
    if (flag || code != MPI_SUCCESS) settle(state, st, code);
  }
  if (!state.complete) return false;
  state.unreported = false;
  if (state.failure) std::rethrow_exception(state.failure);
  return true;
}

bool wait_all_plain(std::span<request> requests) {
  if (pending_receives() != 0) return false;
  thread_local std::vector<MPI_Request> handles;
  thread_local std::vector<MPI_Status> statuses;
  handles.resize(requests.size());
  bool receives = false;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (request_access::state(requests[i])) return false;
    handles[i] = request_access::handle(requests[i]);
    receives = receives || request_access::receive(requests[i]);
  }
  const std::size_t n = handles.size();
  // Sends alone go without statuses, as in raw MPI programs. A receive can fail (a message longer
  // than its buffer), and only the statuses say which one did and why: under
  // MPI_STATUSES_IGNORE, Open MPI frees the failed request and returns just MPI_ERR_IN_STATUS.
  if (receives) statuses.resize(n);
  MPI_Status* st = receives ? statuses.data() : MPI_STATUSES_IGNORE;
  int code = MPI_Waitall(static_cast<int>(n), handles.data(), st);
  int failure = code;
  while (code == MPI_ERR_IN_STATUS && receives) {
    // The failed requests are done; those marked MPI_ERR_PENDING still run: wait for them too.
    failure = MPI_SUCCESS;
    bool pending = false;
    for (std::size_t i = 0; i < n; ++i) {
      const int e = statuses[i].MPI_ERROR;
      if (e == MPI_ERR_PENDING)
        pending = true;
      else if (e != MPI_SUCCESS && failure == MPI_SUCCESS)
        failure = e;
    }
    if (!pending) break;
    code = MPI_Waitall(static_cast<int>(n), handles.data(), st);
    if (code != MPI_SUCCESS && code != MPI_ERR_IN_STATUS) failure = code;
  }
  for (std::size_t i = 0; i < n; ++i) request_access::handle(requests[i]) = handles[i];
  if (failure != MPI_SUCCESS) [[unlikely]]
    throw_mpi_error("MPI_Waitall", failure);
  return true;
}

void wait_all_requests(std::span<request* const> requests) {
  plain_error = MPI_SUCCESS;
  bool any = false;
  drive(requests, mode::all, any);
  throw_first_failure(requests);
}

std::optional<std::size_t> wait_any_request(std::span<request* const> requests) {
  bool any = false;
  return drive(requests, mode::any, any);
}

any_result test_any_request(std::span<request* const> requests) {
  bool any = false;
  plain_error = MPI_SUCCESS;
  if (auto i = drive(requests, mode::test_any, any)) return any_result::completed(*i);
  return any ? any_result::none_yet() : any_result::nothing_active();
}

// ---- request memory --------------------------------------------------------------------------

namespace {
/// Blocks of this size serve every request state that fits (all but those holding large values).
constexpr std::size_t request_block = 192;
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

// ---- abandoned requests ----------------------------------------------------------------------

namespace {
/// Incomplete sends whose request objects were destroyed: kept alive until MPI is done.
struct orphan_list {
  std::mutex lock;
  std::vector<std::unique_ptr<request_state>> list;
};
orphan_list& orphans() {
  static orphan_list* o = new orphan_list;  // never destroyed: freed at MPI_Finalize
  return *o;
}

/// Tests an orphaned send once; true when it is done.
bool orphan_done(request_state& s) noexcept {
  while (!s.complete) {
    int flag = 0;
    MPI_Status st;
    const int code = MPI_Test(&s.handle, &flag, &st);
    if (!flag && code == MPI_SUCCESS) return false;
    settle(s, st, code);
  }
  return true;
}

/// Finishes an abandoned receive: cancels it if its first message has not come, and otherwise
/// takes the whole value (and drops it), so that its sender completes.
void finish_receive(request_state& s) noexcept {
  auto* d = dynamic_cast<dynamic_receive*>(&s);
  if (d && d->listed.load(std::memory_order_acquire)) {
    pending_registry& reg = registry();
    std::lock_guard guard(reg.lock);
    delist_locked(reg, d);
  }
  if (s.complete) return;
  if (!d || !d->first_taken()) {
    MPI_Cancel(&s.handle);
    MPI_Status st;
    if (MPI_Wait(&s.handle, &st) != MPI_SUCCESS) return;
    int cancelled = 0;
    MPI_Test_cancelled(&st, &cancelled);
    if (cancelled || settle(s, st, MPI_SUCCESS)) return;
  }
  while (!s.complete) {  // a large value's rest, which its sender has posted
    MPI_Status st;
    const int code = MPI_Wait(&s.handle, &st);
    settle(s, st, code);
  }
}
}  // namespace

void abandon(std::unique_ptr<request_state> state) noexcept {
  if (environment::finalized()) {
    if (auto* d = dynamic_cast<dynamic_receive*>(state.get());
        d && d->listed.load(std::memory_order_acquire)) {
      pending_registry& reg = registry();
      std::lock_guard guard(reg.lock);
      delist_locked(reg, d);
    }
    (void)state.release();  // MPI is gone: its requests with it; leak rather than touch them
    return;
  }
  if (state->is_receive()) {
    finish_receive(*state);
    return;
  }
  orphan_list& o = orphans();
  std::lock_guard guard(o.lock);
  static const bool registered = [] {
    at_finalize([] {
      orphan_list& ol = orphans();
      std::lock_guard g(ol.lock);
      for (auto& s : ol.list)
        if (s->handle != MPI_REQUEST_NULL) MPI_Request_free(&s->handle);
      ol.list.clear();
    });
    return true;
  }();
  (void)registered;
  std::erase_if(o.list, [](std::unique_ptr<request_state>& s) { return orphan_done(*s); });
  try {
    o.list.push_back(std::move(state));
  } catch (...) {  // no memory to keep it: complete it here instead
    if (state) orphan_done(*state);
  }
}

void abandon(MPI_Request& handle, bool receive) noexcept {
  if (environment::finalized()) return;
  if (receive) {
    MPI_Cancel(&handle);
    MPI_Wait(&handle, MPI_STATUS_IGNORE);
  } else {
    MPI_Request_free(&handle);  // MPI still completes the send, from the caller's memory
  }
}

}  // namespace relay::detail
