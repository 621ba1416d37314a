// Waiting on requests (see relay/detail/waiting.hpp): one at a time (wait_state, test_state) and
// many at once (wait_all, wait_any and test_any, all driven by one engine, drive).

#include "relay/detail/waiting.hpp"

#include <mpi.h>

#include <utility>
#include <vector>

#include "relay/detail/backoff.hpp"
#include "relay/detail/matching.hpp"
#include "relay/detail/requests.hpp"
#include "relay/request.hpp"
#include "relay/wait.hpp"

namespace relay::detail {
namespace {

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
/// Its destructor lists again those whose first message is still to come.
class claim {
 public:
  explicit claim(std::span<request* const> requests) : requests_(requests) {
    if (pending_receives() == 0) return;
    thread_local std::vector<dynamic_receive*> mine;
    mine.clear();
    for (request* r : requests)
      if (listed(*r)) mine.push_back(static_cast<dynamic_receive*>(request_access::state(*r)));
    if (mine.empty()) return;
    claimed_ = delist_all_if_mine(mine);
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
    bool polled_done = false;
    for (std::size_t i = 0; i < requests.size(); ++i) {
      request& r = *requests[i];
      if (!active(r)) continue;
      if (listed(r)) {
        listed_left = true;
        continue;
      }
      if (request_state* s = request_access::state(r); s && s->polled()) {
        if (!settle(*s, MPI_Status{}, MPI_SUCCESS)) {
          listed_left = true;
        } else if (m != mode::all) {
          take_unreported(r);
          return i;
        } else {
          polled_done = true;
        }
        continue;
      }
      scratch.index.push_back(i);
      scratch.handles.push_back(handle_of(r));
    }
    const std::size_t n = scratch.handles.size();
    if (n == 0) {
      if (m == mode::all && !listed_left) break;
      if (m == mode::test_any || !listed_left) return std::nullopt;
      if (!polled_done) wait.pause();
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
    if (!progressed && !polled_done) wait.pause();
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
    if (s.polled()) {
      if (s.complete || settle(s, MPI_Status{}, MPI_SUCCESS)) break;
      if (pending_receives() == 1) {  // only this one: block in MPI on its requests
        s.block();
      } else {
        progress_pending();
        wait.pause();
      }
      continue;
    }
    // When it is the only pending receive of the process, this wait takes it over, so that MPI's
    // own blocking wait can be used.
    if (s.listed.load(std::memory_order_acquire))
      delist_if_alone(static_cast<dynamic_receive*>(&s));
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

}  // namespace relay::detail
