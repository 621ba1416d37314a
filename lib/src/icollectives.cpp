// The non-blocking collectives' private channel and their exchanges of pieces (see
// relay/detail/icoll.hpp).

#include <mpi.h>

#include <atomic>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "relay/config.hpp"
#include "relay/detail/datatype.hpp"
#include "relay/detail/icoll.hpp"
#include "relay/detail/matching.hpp"
#include "relay/environment.hpp"
#include "relay/error.hpp"

namespace relay::detail {

namespace {
/// The attribute that a communicator carries once it has run a non-blocking collective.
struct nbc_attribute {
  MPI_Comm dup = MPI_COMM_NULL;
  std::atomic<std::uint32_t> sequence{0};
};

int delete_nbc(MPI_Comm, int, void* value, void*) {
  auto* a = static_cast<nbc_attribute*>(value);
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized && a->dup != MPI_COMM_NULL) MPI_Comm_free(&a->dup);
  delete a;
  return MPI_SUCCESS;
}

/// Guards the attribute's lookup and setting. Not held across MPI_Comm_dup: that call is
/// collective, and two threads duplicating two communicators in different orders on two ranks
/// would otherwise wait for each other forever.
std::mutex& channel_lock() {
  static std::mutex m;
  return m;
}

nbc_attribute* find_attribute(MPI_Comm comm, int keyval) {
  std::lock_guard guard(channel_lock());
  void* value = nullptr;
  int found = 0;
  RELAY_MPI(MPI_Comm_get_attr, comm, keyval, &value, &found);
  return found ? static_cast<nbc_attribute*>(value) : nullptr;
}

nbc_attribute& attribute_of(const communicator& comm) {
  static const int keyval = [] {
    int key = MPI_KEYVAL_INVALID;
    RELAY_MPI(MPI_Comm_create_keyval, MPI_COMM_NULL_COPY_FN, delete_nbc, &key, nullptr);
    return key;
  }();
  if (nbc_attribute* a = find_attribute(comm.native(), keyval)) [[likely]]
    return *a;
  // The first non-blocking collective on `comm`: every rank is here, in the same call (MPI
  // forbids two threads to run collectives on one communicator at once).
  auto a = std::make_unique<nbc_attribute>();
  RELAY_MPI(MPI_Comm_dup, comm.native(), &a->dup);
  MPI_Comm_set_errhandler(a->dup, MPI_ERRORS_RETURN);
  std::lock_guard guard(channel_lock());
  RELAY_MPI(MPI_Comm_set_attr, comm.native(), keyval, a.get());
  return *a.release();
}
/// Buffers of finished exchanges, per thread, so that a loop of collectives on serialized
/// values allocates little once warm.
struct buffer_cache {
  static constexpr std::size_t max_buffers = 16;
  std::vector<byte_buffer> free;
};
buffer_cache& cache() {
  thread_local buffer_cache c;
  return c;
}
byte_buffer take_buffer() {
  auto& f = cache().free;
  if (f.empty()) return {};
  byte_buffer b = std::move(f.back());
  f.pop_back();
  return b;
}
void give_buffer(byte_buffer& b) noexcept {
  auto& f = cache().free;
  if (b.capacity() == 0 || b.capacity() > config::max_cached_buffer_bytes ||
      f.size() >= buffer_cache::max_buffers)
    return;
  try {
    b.clear();
    f.push_back(std::move(b));
  } catch (...) {  // no room to remember it: it is freed with its state
  }
}
/// The exchanges that have requests in flight, which any thread's progress_exchanges moves on.
struct live_list {
  std::mutex lock;
  std::vector<exchange_state*> list;
  std::atomic<std::size_t> size{0};
};
live_list& live() {
  static live_list* l = new live_list;  // never destroyed: used until exit
  return *l;
}
void enlist_exchange(exchange_state* s) {
  live_list& l = live();
  std::lock_guard guard(l.lock);
  l.list.push_back(s);
  l.size.store(l.list.size(), std::memory_order_release);
}
void delist_exchange(exchange_state* s) noexcept {
  live_list& l = live();
  std::lock_guard guard(l.lock);
  std::erase(l.list, s);
  l.size.store(l.list.size(), std::memory_order_release);
}

/// Holds a state's busy flag (spinning while progress_exchanges has it, which is brief).
class busy_guard {
 public:
  explicit busy_guard(std::atomic<bool>& flag) : flag_(flag) {
    while (flag_.exchange(true, std::memory_order_acquire)) std::this_thread::yield();
  }
  ~busy_guard() { flag_.store(false, std::memory_order_release); }
  busy_guard(const busy_guard&) = delete;
  busy_guard& operator=(const busy_guard&) = delete;

 private:
  std::atomic<bool>& flag_;
};
}  // namespace

std::size_t live_exchanges() noexcept {
  return live().size.load(std::memory_order_acquire);
}

void progress_exchanges() noexcept {
  live_list& l = live();
  if (l.size.load(std::memory_order_acquire) == 0) return;
  std::unique_lock guard(l.lock, std::try_to_lock);
  if (!guard.owns_lock()) return;  // another thread is at it
  for (exchange_state* s : l.list) {
    if (s->busy.exchange(true, std::memory_order_acquire)) continue;  // its owner is at it
    s->progress_others();
    s->busy.store(false, std::memory_order_release);
  }
}

nbc_channel next_channel(const communicator& comm) {
  progress_exchanges();
  nbc_attribute& a = attribute_of(comm);
  const std::uint32_t slot = a.sequence.fetch_add(1, std::memory_order_relaxed) % nbc_tag_slots;
  return {a.dup, static_cast<int>(2 * slot), static_cast<int>(2 * slot + 1)};
}

exchange_state::exchange_state(const communicator& comm, const call_signature& sig)
    : rank_(comm.rank()), size_(comm.size()), channel_(next_channel(comm)) {
  const auto p = static_cast<std::size_t>(size_);
  in.resize(p);
  out_headers_.assign(2 * p, 0);
  in_headers_.assign(2 * p, 0);
  if (size_ == 1) return;
  check_ = std::make_unique<agreement>(sig);
  MPI_Request r = MPI_REQUEST_NULL;
  check_->post(channel_.comm, &r);
  post(r, 3, -1);
}

byte_buffer& exchange_state::outgoing(std::size_t peer) {
  if (out.size() <= peer) out.resize(peer + 1);
  if (out[peer].capacity() == 0) out[peer] = take_buffer();
  out[peer].clear();
  return out[peer];
}

exchange_state::~exchange_state() {
  // An exchange that failed half-way (an MPI error) still has requests that point into it:
  // they are cancelled if receives and waited for, so that MPI writes nothing here afterwards.
  if (registered_) delist_exchange(this);
  if (environment::finalized()) return;
  struct give_back {
    exchange_state* s;
    ~give_back() {
      for (auto& b : s->in) give_buffer(b);
      for (auto& b : s->out) give_buffer(b);
    }
  } recycle{this};
  for (std::size_t i = 0; i < reqs_.size(); ++i) {
    if (reqs_[i] == MPI_REQUEST_NULL) continue;
    if (info_[i].what == 1 || info_[i].what == 2) MPI_Cancel(&reqs_[i]);
    MPI_Wait(&reqs_[i], MPI_STATUS_IGNORE);
  }
}

void exchange_state::post(MPI_Request r, int what, int peer) {
  reqs_.push_back(r);
  info_.push_back({what, peer});
}

void exchange_state::send(int dest, std::span<const char> data) {
  auto* h = &out_headers_[2 * static_cast<std::size_t>(dest)];
  h[0] = static_cast<std::uint64_t>(piece_kind::data);
  h[1] = data.size();
  if (check_) {
    held_.push_back({dest, true, data});
    return;
  }
  post_send(dest, data);
}

void exchange_state::post_send(int dest, std::span<const char> data) {
  const auto* h = &out_headers_[2 * static_cast<std::size_t>(dest)];
  MPI_Request r = MPI_REQUEST_NULL;
  RELAY_MPI(MPI_Isend, h, 2, MPI_UINT64_T, dest, channel_.header_tag, channel_.comm, &r);
  post(r, 0, dest);
  if (data.empty()) return;
  counted_type ct(MPI_BYTE, data.size());
  RELAY_MPI(MPI_Isend, data.data(), ct.count(), ct.type(), dest, channel_.data_tag, channel_.comm,
            &r);
  post(r, 0, dest);
}

void exchange_state::send_failure(int dest) {
  if (note_.empty()) {
    piece_kind kind = piece_kind::failure;
    try {
      throw;
    } catch (const usage_error& e) {
      kind = piece_kind::usage_failure;
      note_ = std::string(1, static_cast<char>(kind)) + e.what();
    } catch (const std::exception& e) {
      note_ = std::string(1, static_cast<char>(kind)) + e.what();
    } catch (...) {
      note_ = std::string(1, static_cast<char>(kind));
    }
  }
  auto* h = &out_headers_[2 * static_cast<std::size_t>(dest)];
  h[0] = static_cast<std::uint64_t>(note_[0]);
  h[1] = note_.size() - 1;
  const std::span<const char> text(note_.data() + 1, note_.size() - 1);
  if (check_) {
    held_.push_back({dest, true, text});
    return;
  }
  post_send(dest, text);
}

void exchange_state::expect(int source) {
  if (check_) {
    held_.push_back({source, false, {}});
    return;
  }
  post_expect(source);
}

void exchange_state::post_expect(int source) {
  MPI_Request r = MPI_REQUEST_NULL;
  RELAY_MPI(MPI_Irecv, &in_headers_[2 * static_cast<std::size_t>(source)], 2, MPI_UINT64_T, source,
            channel_.header_tag, channel_.comm, &r);
  post(r, 1, source);
}

char* exchange_state::room(int source, std::size_t bytes) {
  auto& b = in[static_cast<std::size_t>(source)];
  if (b.capacity() < bytes) b = take_buffer();
  b.resize(bytes);
  return b.data();
}

void exchange_state::launch() {
  auto check = std::move(check_);  // from here on, sends and receives are posted at once
  try {
    check->verify();
  } catch (...) {  // every rank found the same: none posts its pieces
    mismatch_ = std::current_exception();
    held_.clear();
    return;
  }
  for (const held_back& h : held_) {
    if (h.send)
      post_send(h.peer, h.data);
    else
      post_expect(h.peer);
  }
  held_.clear();
}

void exchange_state::completed(std::size_t slot) {
  const slot_info info = info_[slot];
  if (info.what == 3) {
    launch();
    return;
  }
  if (info.what != 1) return;
  // A header arrived: receive its data (from the same source on the data tag: MPI keeps the
  // order of one source's messages, and each collective has tags of its own).
  const auto s = static_cast<std::size_t>(info.peer);
  const auto kind = static_cast<piece_kind>(in_headers_[2 * s]);
  const std::size_t bytes = in_headers_[2 * s + 1];
  char* target =
      kind == piece_kind::data ? room(info.peer, bytes) : exchange_state::room(info.peer, bytes);
  if (bytes == 0) return;
  counted_type ct(MPI_BYTE, bytes);
  MPI_Request r = MPI_REQUEST_NULL;
  RELAY_MPI(MPI_Irecv, target, ct.count(), ct.type(), info.peer, channel_.data_tag, channel_.comm,
            &r);
  post(r, 2, info.peer);
}

void exchange_state::start() {
  if (!reqs_.empty()) {
    enlist_exchange(this);
    registered_ = true;
    return;
  }
  complete = true;
  unreported = true;
  try {
    finish();
  } catch (...) {
    failure = std::current_exception();
  }
}

void exchange_state::take_completed() {
  thread_local std::vector<int> done;
  for (;;) {
    int count = 0;
    done.resize(reqs_.size());
    if (reqs_.empty()) break;
    RELAY_MPI(MPI_Testsome, static_cast<int>(reqs_.size()), reqs_.data(), &count, done.data(),
              MPI_STATUSES_IGNORE);
    if (count == MPI_UNDEFINED || count == 0) break;
    for (int k = 0; k < count; ++k) completed(static_cast<std::size_t>(done[k]));
  }
}

void exchange_state::progress_others() noexcept {
  try {
    take_completed();
  } catch (...) {  // reported by the owner's next step (advance)
    if (!deferred_) deferred_ = std::current_exception();
  }
}

void exchange_state::block() {
  busy_guard guard(busy);
  try {
    int index = MPI_UNDEFINED;
    if (reqs_.empty()) return;
    RELAY_MPI(MPI_Waitany, static_cast<int>(reqs_.size()), reqs_.data(), &index, MPI_STATUS_IGNORE);
    if (index != MPI_UNDEFINED) completed(static_cast<std::size_t>(index));
  } catch (...) {  // reported by the next advance
    if (!deferred_) deferred_ = std::current_exception();
  }
}

bool exchange_state::advance(const MPI_Status&) {
  {
    busy_guard guard(busy);
    if (deferred_) std::rethrow_exception(std::exchange(deferred_, nullptr));
    take_completed();
    for (const MPI_Request r : reqs_)
      if (r != MPI_REQUEST_NULL) return false;
  }
  if (registered_) {
    delist_exchange(this);
    registered_ = false;
  }
  if (mismatch_) std::rethrow_exception(mismatch_);
  finish();
  return true;
}

void exchange_state::throw_received_failure(const char* what) const {
  for (std::size_t s = 0; s < in.size(); ++s) {
    const auto kind = static_cast<piece_kind>(in_headers_[2 * s]);
    if (kind == piece_kind::data) continue;
    throw_root_failure(
        kind == piece_kind::usage_failure ? root_failure::usage : root_failure::error, what,
        static_cast<int>(s), std::string(in[s].data(), in[s].size()));
  }
}

}  // namespace relay::detail
