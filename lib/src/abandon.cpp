// Giving up requests whose owners go away (see relay::request's destructor): a receive is
// cancelled, or taken whole and dropped; a send is kept alive until MPI is done with it.

#include <mpi.h>

#include <memory>
#include <mutex>
#include <vector>

#include "relay/detail/matching.hpp"
#include "relay/detail/requests.hpp"
#include "relay/environment.hpp"

namespace relay::detail {

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
  if (d) delist(d);
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
    if (auto* d = dynamic_cast<dynamic_receive*>(state.get())) delist(d);
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
