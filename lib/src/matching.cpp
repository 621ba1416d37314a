// Matching (see relay/detail/matching.hpp): the registry of pending receives, the waits that
// progress them, and the one place where a first message is told apart as a value or a head.

#include "relay/detail/matching.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <vector>

#include "relay/detail/backoff.hpp"
#include "relay/detail/requests.hpp"

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

/// Removes `r` from the registry if it is there (the lock held by the caller).
void delist_locked(pending_registry& reg, dynamic_receive* r) {
  if (!r->listed.load(std::memory_order_relaxed)) return;
  std::erase(reg.list, r);
  reg.size.store(reg.list.size(), std::memory_order_release);
  r->listed.store(false, std::memory_order_release);
}

/// The MPI error of request k of an MPI_Testsome that returned `code`.
int error_of(int code, const MPI_Status& st) {
  if (code == MPI_SUCCESS) return MPI_SUCCESS;
  return code == MPI_ERR_IN_STATUS ? st.MPI_ERROR : code;
}

/// The shape of every blocking step that must keep pending receives moving: `block()` (MPI's own
/// blocking call) when no receive is pending, otherwise `try_once()` (its non-blocking twin)
/// between rounds of progress_pending, until it succeeds or nothing is pending any more.
template <class Try, class Block>
void progressing(Try&& try_once, Block&& block) {
  if (pending_receives() == 0) {
    block();
    return;
  }
  backoff wait;
  for (;;) {
    progress_pending();
    if (try_once()) return;
    if (pending_receives() == 0) {
      block();
      return;
    }
    wait.pause();
  }
}

}  // namespace

std::size_t pending_receives() noexcept {
  return registry().size.load(std::memory_order_acquire) + live_exchanges();
}

void progress_pending() {
  progress_exchanges();
  pending_registry& reg = registry();
  if (reg.size.load(std::memory_order_acquire) == 0) return;
  thread_local std::vector<MPI_Request> handles;
  thread_local std::vector<int> out;
  thread_local std::vector<MPI_Status> statuses;
  std::lock_guard guard(reg.lock);
  const std::size_t n = reg.list.size();
  if (n == 0) return;
  handles.resize(n);
  out.resize(n);
  statuses.resize(n);
  for (std::size_t i = 0; i < n; ++i) handles[i] = reg.list[i]->handle;
  int count = 0;
  const int code =
      MPI_Testsome(static_cast<int>(n), handles.data(), &count, out.data(), statuses.data());
  if (code != MPI_SUCCESS && code != MPI_ERR_IN_STATUS) throw_mpi_error("MPI_Testsome", code);
  if (count == MPI_UNDEFINED || count == 0) return;
  for (int k = 0; k < count; ++k) {
    dynamic_receive* r = reg.list[static_cast<std::size_t>(out[k])];
    r->handle = handles[static_cast<std::size_t>(out[k])];
    settle(*r, statuses[k], error_of(code, statuses[k]));
  }
  // Whatever took its first message leaves the registry; its rest, if any, is its owner's.
  std::erase_if(reg.list, [](dynamic_receive* r) {
    if (!r->first_taken() && !r->complete) return false;
    r->listed.store(false, std::memory_order_release);
    return true;
  });
  reg.size.store(reg.list.size(), std::memory_order_release);
}

void enlist(dynamic_receive* r) {
  pending_registry& reg = registry();
  std::lock_guard guard(reg.lock);
  reg.list.push_back(r);
  r->listed.store(true, std::memory_order_release);
  reg.size.store(reg.list.size(), std::memory_order_release);
}

void delist(dynamic_receive* r) {
  if (!r->listed.load(std::memory_order_acquire)) return;
  pending_registry& reg = registry();
  std::lock_guard guard(reg.lock);
  delist_locked(reg, r);
}

bool delist_if_alone(dynamic_receive* r) {
  pending_registry& reg = registry();
  std::lock_guard guard(reg.lock);
  if (reg.list.size() != 1 || reg.list.front() != r) return false;
  delist_locked(reg, r);
  return true;
}

bool delist_all_if_mine(std::span<dynamic_receive* const> mine) {
  pending_registry& reg = registry();
  std::lock_guard guard(reg.lock);
  // Under the lock no receive is listed or delisted, so those of `mine` still listed are counted
  // exactly; others may have taken some of their first messages meanwhile.
  const auto still =
      static_cast<std::size_t>(std::count_if(mine.begin(), mine.end(), [](dynamic_receive* r) {
        return r->listed.load(std::memory_order_acquire);
      }));
  if (still != reg.list.size()) return false;  // others are pending too: they need progress
  for (dynamic_receive* r : reg.list) r->listed.store(false, std::memory_order_release);
  reg.list.clear();
  reg.size.store(0, std::memory_order_release);
  return true;
}

// ---- waiting while pending receives are progressed --------------------------------------------

void wait_progressing(int n, MPI_Request* requests) {
  // One request is waited on with MPI_Wait and MPI_Test, whose errors name their own cause
  // (MPI_Waitall's would be MPI_ERR_IN_STATUS, without statuses).
  progressing(
      [&] {
        int done = 0;
        if (n == 1)
          RELAY_MPI(MPI_Test, requests, &done, MPI_STATUS_IGNORE);
        else
          RELAY_MPI(MPI_Testall, n, requests, &done, MPI_STATUSES_IGNORE);
        return done != 0;
      },
      [&] {
        if (n == 1)
          RELAY_MPI(MPI_Wait, requests, MPI_STATUS_IGNORE);
        else
          RELAY_MPI(MPI_Waitall, n, requests, MPI_STATUSES_IGNORE);
      });
}

void match_blocking(MPI_Comm comm, int source, int tag, MPI_Message& msg, MPI_Status& st) {
  progressing(
      [&] {
        int flag = 0;
        RELAY_MPI(MPI_Improbe, source, tag, comm, &flag, &msg, &st);
        return flag != 0;
      },
      [&] { RELAY_MPI(MPI_Mprobe, source, tag, comm, &msg, &st); });
}

void probe_progressing(MPI_Comm comm, int source, int tag, MPI_Status& st) {
  progressing(
      [&] {
        int flag = 0;
        RELAY_MPI(MPI_Iprobe, source, tag, comm, &flag, &st);
        return flag != 0;
      },
      [&] { RELAY_MPI(MPI_Probe, source, tag, comm, &st); });
}

// ---- taking a first message -------------------------------------------------------------------

std::optional<incoming_rest> take_first(MPI_Comm comm, int source, const char* first, std::size_t n,
                                        first_sink& sink) {
  const std::optional<trailer> t = read_trailer(first, n);
  if (!t) {
    sink.accept(first, n);
    return std::nullopt;
  }
  const auto total = static_cast<std::size_t>(t->total);
  char* to = nullptr;
  try {
    to = sink.room(total);
  } catch (...) {
    drop_rest(comm, source, *t);
    throw;
  }
  if (to != first) std::memcpy(to, first, head_payload_bytes);
  return incoming_rest{to + head_payload_bytes, total - head_payload_bytes, total,
                       route_from(comm, source, t->tag)};
}

void buffer_sink::accept(const char* data, std::size_t n) {
  if (n > capacity_) throw_mpi_error(call_, MPI_ERR_TRUNCATE);
  if (n > 0 && data != buffer_) std::memcpy(buffer_, data, n);
}

char* buffer_sink::room(std::size_t n) {
  if (n > capacity_) throw_mpi_error(call_, MPI_ERR_TRUNCATE);
  return buffer_;
}

}  // namespace relay::detail
