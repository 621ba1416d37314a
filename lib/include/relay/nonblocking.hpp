#pragma once
/// \file
/// Non-blocking point-to-point messages. `isend` and `irecv` return request objects that own
/// their buffers, so nothing dangles: the value being sent is moved (or copied) into the request,
/// and a receive's value lives in the request until `get()` hands it out.
///
/// Every receive is a real MPI receive from the moment it is posted, whatever its type: a value
/// of unknown size (a vector, a string, a serialized type) is received first into a buffer of
/// config::first_piece_bytes, which holds the whole of a small value, or the head of a large one
/// whose rest follows on relay's private channel (detail/message.hpp). So MPI itself matches
/// messages to receives in posting order, blocking and non-blocking receives of any kind alike
/// (non-overtaking), and a send matched by a posted receive completes without any further call
/// from the receiver. The one exception is the rest of a large value: it is received once the
/// receiver's process next enters relay (any send, receive, wait or test takes the heads of every
/// pending receive), so the classic exchange `irecv; send; wait` works at every size.
///
/// A send of a `std::span` and a receive into one (`irecv_into`), shorter than
/// config::first_piece_bytes, are *plain* requests: the caller owns the memory, so the request
/// holds nothing but MPI's own request; posting one allocates nothing, and `wait_all` over plain
/// requests alone is one MPI_Waitall, as in a raw MPI program. Every other request keeps a state
/// object (the owned value, a received value and its status), taken from a per-thread pool. Plain
/// and state-based requests mix freely in `wait_all`, `wait_any` and `test_any`.
///
/// A request is used from one thread at a time; different threads may post, wait and test their
/// own requests concurrently under thread_level::multiple (all of relay's shared state is locked).

#include <mpi.h>

#include <atomic>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "relay/communicator.hpp"
#include "relay/p2p.hpp"

namespace relay {

namespace detail {

/// Memory for request states, from a per-thread free list of fixed-size blocks, so that posting
/// a request does not call malloc once a loop has warmed up.
void* allocate_request(std::size_t bytes);
void free_request(void* block, std::size_t bytes) noexcept;

/// The shared core of every request.
class request_state {
 public:
  virtual ~request_state() = default;
  static void* operator new(std::size_t bytes) { return allocate_request(bytes); }
  static void operator delete(void* block, std::size_t bytes) noexcept {
    free_request(block, bytes);
  }
  /// The MPI request to wait on now; MPI_REQUEST_NULL once the operation completed.
  MPI_Request handle = MPI_REQUEST_NULL;
  /// True once the whole operation is done (possibly failed: see `failure`).
  bool complete = false;
  /// Whether MPI must write the status: true for receives, whose status the caller can ask for
  /// and which carries a failed receive's error. Sends have MPI ignore it.
  bool wants_status = false;
  /// True while a receive's first piece may be taken by any thread (it is in the registry of
  /// pending receives, whose lock guards the state meanwhile). The owner reads nothing else of a
  /// listed state.
  std::atomic<bool> listed{false};
  MPI_Status mpi_status{};
  /// Set when the operation completes, cleared when a wait or test reports it: wait_any and
  /// test_any return each completion once, even one that another call brought about.
  bool unreported = false;
  /// Why the operation failed (an MPI error, a type mismatch); rethrown by wait, test and get.
  std::exception_ptr failure;

  /// MPI completed `handle` with `st`. Returns true when the operation is done, false when it
  /// posted its next step in `handle` (a large value's rest). May throw: the operation then fails.
  virtual bool advance(const MPI_Status& st) {
    mpi_status = st;
    return true;
  }
  /// True for receives, which are cancelled when abandoned; sends must run to completion.
  [[nodiscard]] virtual bool is_receive() const { return false; }
};

/// Completes one step of `s`, which MPI finished with status `st` and error `code`; records a
/// failure. Returns true when `s` is complete.
bool settle(request_state& s, const MPI_Status& st, int code) noexcept;

/// A send in flight that owns the value it sends (a short std::span is a plain request instead).
template <class T>
class send_state final : public request_state {
 public:
  send_state(T value, int dest, int tag, MPI_Comm comm) : value_(std::move(value)) {
    if constexpr (trivial<T>) {
      RELAY_MPI(MPI_Isend, &value_, 1, datatype<T>(), dest, tag, comm, &handle);
    } else {
      const payload p = to_payload(value_, bytes_);
      if (isend_small(p.data, p.bytes, dest, tag, comm, &handle)) return;
      large_ = std::make_unique<large_send>(p.data, p.bytes, dest, tag, comm);
      handle = std::exchange(large_->handles[0], MPI_REQUEST_NULL);
      rest_ = std::exchange(large_->handles[1], MPI_REQUEST_NULL);
    }
  }
  bool advance(const MPI_Status&) override {
    if (rest_ == MPI_REQUEST_NULL) return true;
    handle = std::exchange(rest_, MPI_REQUEST_NULL);  // the head went; now the rest
    return false;
  }

 private:
  T value_;                            // owned until MPI is done with it
  byte_buffer bytes_;                  // the archive, for serialized types
  std::unique_ptr<large_send> large_;  // the head of a large value
  MPI_Request rest_ = MPI_REQUEST_NULL;
};

/// A receive of a trivial value: its size is known, so it is one MPI_Irecv into the value.
template <trivial T>
class fixed_receive final : public request_state {
 public:
  fixed_receive(MPI_Comm comm, int source, int tag) {
    wants_status = true;
    RELAY_MPI(MPI_Irecv, &value, 1, datatype<T>(), source, tag, comm, &handle);
  }
  [[nodiscard]] bool is_receive() const override { return true; }
  bool advance(const MPI_Status& st) override {
    mpi_status = st;
    check_trivial_size<T>(st);
    return true;
  }
  T value{};
};

/// A receive of unknown size: an MPI_Irecv of config::first_piece_bytes into a head buffer of its
/// own is posted at once, and listed among the pending receives (make_dynamic_receive). Its first
/// message is a small value whole, or the head of a large one, whose rest is then received into
/// the value's own memory.
class dynamic_receive : public request_state {
 public:
  dynamic_receive(MPI_Comm comm, int source, int tag);
  ~dynamic_receive() override;
  dynamic_receive(const dynamic_receive&) = delete;
  dynamic_receive& operator=(const dynamic_receive&) = delete;

  [[nodiscard]] bool is_receive() const override { return true; }
  bool advance(const MPI_Status& st) override;
  /// Whether the first message has been taken (then `handle` is the rest's receive, if any).
  [[nodiscard]] bool first_taken() const noexcept { return first_taken_; }

 protected:
  /// Takes a small value: all `n` bytes of it are at `data`.
  virtual void accept(const char* data, std::size_t n) = 0;
  /// Room for the `n` payload bytes of a large value.
  virtual char* room(std::size_t n) = 0;
  /// Completes a large value whose payload is in place.
  virtual void finish() {}

 private:
  void release_first() noexcept;

  MPI_Comm comm_;
  char* first_;
  bool first_taken_ = false;
  std::size_t total_ = 0;
};

/// Lists a fully constructed receive among the pending ones, whose first pieces any waiting thread
/// takes (never from a constructor: another thread could call into a half-built object).
void enlist(dynamic_receive* r);

/// Makes a dynamic receive and lists it.
template <class R, class... A>
std::unique_ptr<request_state> make_dynamic_receive(A&&... args) {
  auto r = std::make_unique<R>(std::forward<A>(args)...);
  enlist(r.get());
  return r;
}

/// A receive of a vector, a string or a serialized value.
template <class T>
class sized_receive final : public dynamic_receive {
 public:
  sized_receive(MPI_Comm comm, int source, int tag) : dynamic_receive(comm, source, tag) {}
  T value{};

 private:
  void accept(const char* data, std::size_t n) override {
    char* to = payload_room(value, bytes_, n);
    if (n > 0) std::memcpy(to, data, n);
    finish();
  }
  char* room(std::size_t n) override { return payload_room(value, bytes_, n); }
  void finish() override {
    finish_payload(value, bytes_);
    byte_buffer().swap(bytes_);
  }
  byte_buffer bytes_;
};

/// A receive into caller memory of `capacity` bytes (irecv_into) of config::first_piece_bytes or
/// more. The first message lands in a head buffer of the request's own, and is copied: a window
/// of receives into one buffer (a bandwidth test) must not read another message's trailer.
class buffer_receive final : public dynamic_receive {
 public:
  buffer_receive(MPI_Comm comm, int source, int tag, char* buffer, std::size_t capacity)
      : dynamic_receive(comm, source, tag), buffer_(buffer), capacity_(capacity) {}

 private:
  void accept(const char* data, std::size_t n) override;
  char* room(std::size_t n) override;
  char* buffer_;
  std::size_t capacity_;
};

/// True for std::span and std::basic_string_view, whose elements a send views instead of owning
/// (see isend).
template <class T>
inline constexpr bool is_span = false;
template <class E, std::size_t N>
inline constexpr bool is_span<std::span<E, N>> = true;
template <class C, class Tr>
inline constexpr bool is_span<std::basic_string_view<C, Tr>> = true;

/// Waits for `state` to complete (progressing pending receives meanwhile); rethrows its failure.
void wait_state(request_state& state);
/// Progresses `state` once; true when it is complete. Rethrows its failure.
bool test_state(request_state& state);
/// Cancels or abandons an incomplete request whose owner is going away.
void abandon(std::unique_ptr<request_state> state) noexcept;
/// The same for a plain request's MPI request: a receive is cancelled; a send is left to finish
/// on its own (MPI_Request_free), as the memory it sends from is the caller's.
void abandon(MPI_Request& handle, bool receive) noexcept;

struct request_access;

}  // namespace detail

/// A pending non-blocking operation with no result: a send, or a receive into a span. Move-only.
/// Destroying an incomplete send does not block: MPI finishes it later, and a send that owns its
/// value keeps the value alive until then. Destroying an incomplete receive cancels it, so it
/// takes no message (one that had already arrived is taken and dropped, so its sender completes).
class request {
 public:
  request() = default;
  explicit request(std::unique_ptr<detail::request_state> state) : state_(std::move(state)) {}
  request(request&& other) noexcept
      : state_(std::move(other.state_)),
        handle_(std::exchange(other.handle_, MPI_REQUEST_NULL)),
        receive_(other.receive_) {}
  request& operator=(request&& other) noexcept {
    if (this != &other) {
      release();
      state_ = std::move(other.state_);
      handle_ = std::exchange(other.handle_, MPI_REQUEST_NULL);
      receive_ = other.receive_;
    }
    return *this;
  }
  ~request() { release(); }

  /// Blocks until the operation completes. Throws if it failed (again on every call).
  void wait() {
    if (state_)
      detail::wait_state(*state_);
    else if (handle_ != MPI_REQUEST_NULL)
      detail::wait_progressing(1, &handle_);
  }
  /// True if the operation has completed; never blocks. Throws if it failed.
  bool test() {
    if (state_) return detail::test_state(*state_);
    if (handle_ == MPI_REQUEST_NULL) return true;
    detail::progress_pending();
    int flag = 0;
    RELAY_MPI(MPI_Test, &handle_, &flag, MPI_STATUS_IGNORE);
    return flag != 0;
  }
  /// True if completion has been observed (by wait, test, wait_all, wait_any or test_any).
  [[nodiscard]] bool done() const noexcept {
    if (!state_) return handle_ == MPI_REQUEST_NULL;
    return !state_->listed.load(std::memory_order_acquire) && state_->complete;
  }
  /// True if the operation completed with an error (which wait, test and get rethrow).
  [[nodiscard]] bool failed() const noexcept { return done() && state_ && state_->failure; }

 private:
  friend struct detail::request_access;

  void release() noexcept {
    if (state_) {
      if (!done()) detail::abandon(std::move(state_));
    } else if (handle_ != MPI_REQUEST_NULL) {
      detail::abandon(handle_, receive_);
    }
  }

  // A state-based request has a state_ (and no handle_ of its own). A plain one (a short span
  // send, or a receive into a short span) has no state_: handle_ is MPI's request, which MPI sets
  // to MPI_REQUEST_NULL when it completes, and receive_ says whether abandoning it cancels it.
  std::unique_ptr<detail::request_state> state_;
  MPI_Request handle_ = MPI_REQUEST_NULL;
  bool receive_ = false;
};

template <class T>
class recv_request;

namespace detail {
/// The library's own access to the inside of requests, for isend, irecv_into and the functions
/// that wait on many requests.
struct request_access {
  /// A plain request for MPI's request `handle`.
  static request plain(MPI_Request handle, bool receive) noexcept {
    request r;
    r.handle_ = handle;
    r.receive_ = receive;
    return r;
  }
  /// Whether a plain request is a receive.
  static bool receive(const request& r) noexcept { return r.receive_; }
  /// The state of a state-based request; null for a plain one.
  static request_state* state(const request& r) noexcept { return r.state_.get(); }
  /// A plain request's MPI request.
  static MPI_Request& handle(request& r) noexcept { return r.handle_; }
  /// The request inside a request or a recv_request.
  static request& base(request& r) noexcept { return r; }
  template <class T>
  static request& base(recv_request<T>& r) noexcept {
    return r.base_;
  }
};
}  // namespace detail

/// A pending receive of a T. `wait()` (or `get()` after completion) returns the value. Destroying
/// an incomplete receive cancels it.
template <class T>
class recv_request {
 public:
  recv_request() = default;
  explicit recv_request(request base) : base_(std::move(base)) {}

  /// Blocks until the value has arrived and returns it (once).
  [[nodiscard]] T wait() {
    base_.wait();
    return get();
  }
  /// True if the value has arrived; never blocks.
  bool test() { return base_.test(); }
  /// True if completion has been observed.
  [[nodiscard]] bool done() const noexcept { return base_.done(); }
  /// True if the receive failed (get and wait rethrow the error).
  [[nodiscard]] bool failed() const noexcept { return base_.failed(); }
  /// The received value; the request must be complete. Moves the value out: call once. Throws
  /// the receive's error if it failed.
  [[nodiscard]] T get() {
    if (!done()) throw usage_error("recv_request::get: the receive has not completed");
    detail::request_state* state = detail::request_access::state(base_);
    if (state->failure) std::rethrow_exception(state->failure);
    return std::move(value_ref());
  }
  /// The source, tag and size of the received message; the request must be complete.
  [[nodiscard]] relay::status status() const {
    if (!done()) throw usage_error("recv_request::status: the receive has not completed");
    return detail::to_status(detail::request_access::state(base_)->mpi_status);
  }

 private:
  friend struct detail::request_access;

  T& value_ref() {
    detail::request_state* state = detail::request_access::state(base_);
    if constexpr (trivial<T>)
      return static_cast<detail::fixed_receive<T>*>(state)->value;
    else
      return static_cast<detail::sized_receive<T>*>(state)->value;
  }
  request base_;  // always state-based: the value and status live in its state
};

/// Starts sending `value` to `dest`. The request takes ownership of the value (move it in to
/// avoid a copy), so the caller's data may change or die at once. A `std::span` or
/// `std::string_view` is the exception, as its type says: the request only views it, with no
/// copy, so the caller keeps the memory
/// alive and unchanged until the request completes (the zero-copy path for one buffer sent many
/// times, as in a bandwidth test). A span shorter than config::first_piece_bytes is a plain
/// request (see the top of this file).
template <class T>
[[nodiscard]] request isend(const communicator& comm, T value, int dest, int tag = 0) {
  detail::check_sendable<T>();
  detail::check_destination(comm, dest, tag);
  if constexpr (detail::is_span<T> && contiguous<T>) {
    MPI_Request handle = MPI_REQUEST_NULL;
    if (detail::isend_small(std::data(value), std::size(value) * sizeof(element_t<T>), dest, tag,
                            comm.native(), &handle))
      return detail::request_access::plain(handle, /*receive=*/false);
  }
  return request(
      std::make_unique<detail::send_state<T>>(std::move(value), dest, tag, comm.native()));
}

/// Starts receiving a T from `source` (or any_source) with `tag` (or any_tag). The receive is
/// posted to MPI at once, so it takes the first matching message sent from now on, before any
/// receive posted after it.
template <class T>
[[nodiscard]] recv_request<T> irecv(const communicator& comm, int source = any_source,
                                    int tag = any_tag) {
  detail::check_receivable<T>();
  detail::check_receive(comm, source, tag);
  if constexpr (trivial<T>)
    return recv_request<T>(
        request(std::make_unique<detail::fixed_receive<T>>(comm.native(), source, tag)));
  else
    return recv_request<T>(request(
        detail::make_dynamic_receive<detail::sized_receive<T>>(comm.native(), source, tag)));
}

/// Starts receiving into caller-owned memory of known capacity (the non-blocking recv_into). The
/// memory must stay alive until the request completes; a value longer than `buffer` fails with an
/// MPI truncation error when the request is waited on.
///
/// A buffer shorter than config::first_piece_bytes is a plain request: one MPI_Irecv straight
/// into it, as in a raw MPI program. Such a buffer can only hold a small value, which is one
/// message; a larger value sent to it fails with MPI_ERR_TRUNCATE here, as in MPI, and its rest is
/// never received, so its sender does not complete (give the buffer room for the largest value
/// that may come). A longer buffer is a state-based request that takes a large value's head and
/// rest like irecv does.
template <trivial E>
[[nodiscard]] request irecv_into(const communicator& comm, std::span<E> buffer,
                                 int source = any_source, int tag = any_tag) {
  detail::check_receive(comm, source, tag);
  char* memory = reinterpret_cast<char*>(buffer.data());
  if (buffer.size_bytes() < detail::piece_bytes) {
    MPI_Request handle = MPI_REQUEST_NULL;
    RELAY_MPI(MPI_Irecv, memory, static_cast<int>(buffer.size_bytes()), MPI_BYTE, source, tag,
              comm.native(), &handle);
    return detail::request_access::plain(handle, /*receive=*/true);
  }
  return request(detail::make_dynamic_receive<detail::buffer_receive>(comm.native(), source, tag,
                                                                      memory, buffer.size_bytes()));
}

/// What test_any found: a request that has just completed (`*result` is its index), none yet
/// (`pending()`), or nothing left to wait for because every request had completed already
/// (`exhausted()`). Converts to true only in the first case, so `if (auto i = test_any(rs))`
/// reads as before.
class any_result {
 public:
  static any_result completed(std::size_t index) noexcept { return {index, state::completed}; }
  static any_result none_yet() noexcept { return {0, state::pending}; }
  static any_result nothing_active() noexcept { return {0, state::exhausted}; }

  explicit operator bool() const noexcept { return state_ == state::completed; }
  /// The index as an optional, empty unless a request completed (the form wait_any returns).
  operator std::optional<std::size_t>() const noexcept {  // NOLINT(google-explicit-constructor)
    if (state_ != state::completed) return std::nullopt;
    return index_;
  }
  friend bool operator==(const any_result& r, std::nullopt_t) noexcept { return !r; }
  /// The index of the request that completed; only when the result is true.
  [[nodiscard]] std::size_t operator*() const noexcept { return index_; }
  [[nodiscard]] std::size_t index() const noexcept { return index_; }
  /// Some requests are still running, and none has completed since the last call.
  [[nodiscard]] bool pending() const noexcept { return state_ == state::pending; }
  /// Every request had completed before this call: there is nothing left to test.
  [[nodiscard]] bool exhausted() const noexcept { return state_ == state::exhausted; }

 private:
  enum class state { completed, pending, exhausted };
  any_result(std::size_t index, state s) : index_(index), state_(s) {}
  std::size_t index_;
  state state_;
};

namespace detail {
/// The requests inside `requests` (requests or recv_requests), in a per-thread vector that is
/// reused, so that waiting allocates nothing once warm.
template <class R>
std::span<request* const> bases_of(std::span<R> requests) {
  thread_local std::vector<request*> bases;
  bases.clear();
  for (R& r : requests) bases.push_back(&request_access::base(r));
  return bases;
}

/// wait_all's fast path: if every one of `requests` is plain and no receive is pending, waits for
/// them all with one MPI_Waitall and returns true; otherwise returns false at once.
bool wait_all_plain(std::span<request> requests);
/// Waits for every one of `requests` to complete, then throws the first failure in index order.
void wait_all_requests(std::span<request* const> requests);
/// Waits until one of `requests` (skipping complete ones) completes; its index, or nullopt if
/// none is active.
std::optional<std::size_t> wait_any_request(std::span<request* const> requests);
/// As wait_any_request, without blocking.
any_result test_any_request(std::span<request* const> requests);
}  // namespace detail

/// Waits for every request in `requests` to complete. Requests that fail (a receive into a span
/// too short for its value, a value of another type) do not stop the others: once every request
/// has completed, the first failure (in index order) is thrown. Every request stays valid: a
/// failed one reports failed(), and its wait() or get() throws its own error again.
template <class R>
void wait_all(std::span<R> requests) {
  if constexpr (std::is_same_v<R, request>)
    if (detail::wait_all_plain(requests)) return;
  detail::wait_all_requests(detail::bases_of(requests));
}
template <class R>
void wait_all(std::vector<R>& requests) {
  wait_all(std::span<R>(requests));
}

/// Waits until any not-yet-completed request in `requests` completes and returns its index, or
/// nullopt when all have completed already. Calling it in a loop visits requests in the order
/// they complete, like Python's `concurrent.futures.as_completed`. A request that failed is
/// returned like the others; its wait() or get() throws.
template <class R>
std::optional<std::size_t> wait_any(std::span<R> requests) {
  return detail::wait_any_request(detail::bases_of(requests));
}
template <class R>
std::optional<std::size_t> wait_any(std::vector<R>& requests) {
  return wait_any(std::span<R>(requests));
}

/// As wait_any, without blocking: see any_result for the three outcomes.
template <class R>
any_result test_any(std::span<R> requests) {
  return detail::test_any_request(detail::bases_of(requests));
}
template <class R>
any_result test_any(std::vector<R>& requests) {
  return test_any(std::span<R>(requests));
}

}  // namespace relay
