#pragma once
/// \file
/// Non-blocking point-to-point messages. `isend` and `irecv` return request objects that own
/// their buffers, so nothing dangles: the value being sent is moved (or copied) into the request,
/// and a receive's value lives in the request until `get()` hands it out.
///
/// A receive whose size is unknown (vectors, strings, serialized types) is matched with
/// MPI_Improbe/MPI_Mprobe when it is tested or waited on, and then received with MPI_Imrecv, so
/// each value is still one message. Matching follows MPI's rule: a message goes to the earliest
/// posted pending receive on that communicator whose source and tag fit it, so two receives from
/// the same sender complete in the order they were posted.
///
/// A send of a `std::span` and a receive into one (`irecv_into`) are *plain* requests: the caller
/// owns the memory, so the request holds nothing but MPI's own request. Posting one allocates
/// nothing, testing or waiting on one is MPI_Test or MPI_Wait, and `wait_all` over plain requests
/// alone is one MPI_Waitall, as in a raw MPI program. Every other request keeps a state object
/// (the owned value, a received value and its status, the matching of a dynamic receive), taken
/// from a per-thread pool. Plain and state-based requests mix freely in `wait_all`, `wait_any`
/// and `test_any`.
///
/// Requests are not thread-safe: use them from one thread (any MPI thread level suffices).

#include <mpi.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
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
  /// The posted MPI request, or MPI_REQUEST_NULL while a dynamic receive is not yet matched or
  /// once the request completed.
  MPI_Request handle = MPI_REQUEST_NULL;
  bool complete = false;
  /// Whether MPI must write the status: true for receives, whose status the caller can ask for
  /// and which carries a failed receive's error. Sends have MPI ignore it.
  bool wants_status = false;
  MPI_Status mpi_status{};

  /// Whether the request has an MPI request to wait on (false for an unmatched receive).
  [[nodiscard]] virtual bool posted() const { return handle != MPI_REQUEST_NULL || complete; }
  /// Blocks until a dynamic receive is matched and posted. Only called when !posted().
  virtual void match_blocking() {}
  /// Tries once to match a dynamic receive. Only called when !posted().
  virtual void match_nonblocking() {}
  /// Called once when MPI reports the request done (deserializes a received value).
  virtual void on_complete() {}
  /// True for receives, which may be cancelled when abandoned; sends must run to completion.
  [[nodiscard]] virtual bool is_receive() const { return false; }

  /// Marks complete after MPI finished `handle` with `st`.
  void finish(const MPI_Status& st) {
    mpi_status = st;
    complete = true;
    on_complete();
  }
};

/// A pending receive whose size comes from the message (matched by probe).
class dynamic_receive : public request_state {
 public:
  dynamic_receive(MPI_Comm comm, int source, int tag);
  ~dynamic_receive() override;
  [[nodiscard]] bool is_receive() const override { return true; }

  [[nodiscard]] bool posted() const override { return matched_ || complete; }
  void match_blocking() override;
  void match_nonblocking() override;

  /// True if a message with this envelope may be taken by this receive.
  [[nodiscard]] bool accepts(int source, int tag) const {
    return (source_ == MPI_ANY_SOURCE || source_ == source) && (tag_ == MPI_ANY_TAG || tag_ == tag);
  }
  /// Takes a matched message: sizes the buffer and starts MPI_Imrecv.
  virtual void start(MPI_Message& msg, MPI_Status& st) = 0;

  MPI_Comm comm;

 private:
  /// Hands a matched message to the earliest pending receive that accepts it.
  void dispatch(MPI_Message& msg, MPI_Status& st);
  friend bool give_to_pending(MPI_Comm comm, MPI_Message& msg, MPI_Status& st);

  int source_;
  int tag_;
  bool matched_ = false;
};

/// Waits for `state` to complete.
void wait_state(request_state& state);
/// Progresses `state` once; true when it is complete.
bool test_state(request_state& state);
/// Cancels or abandons an incomplete request whose owner is going away.
void abandon(std::unique_ptr<request_state> state);
/// The same for a plain request's MPI request: a receive is cancelled; a send is left to finish
/// on its own (MPI_Request_free), as the memory it sends from is the caller's.
void abandon(MPI_Request& handle, bool receive) noexcept;

/// A send in flight that owns the value it sends (a std::span is sent as a plain request).
template <class T>
class send_state final : public request_state {
 public:
  send_state(T value, int dest, int tag, MPI_Comm comm) : value_(std::move(value)) {
    send_wire(to_wire(value_, bytes_), dest, tag, comm, &handle);
  }

 private:
  T value_;            // owned until MPI is done with it
  byte_buffer bytes_;  // the archive, for serialized types
};

template <trivial T>
class fixed_receive final : public request_state {
 public:
  fixed_receive(MPI_Comm comm, int source, int tag) {
    wants_status = true;
    RELAY_MPI(MPI_Irecv, &value, 1, datatype<T>(), source, tag, comm, &handle);
  }
  [[nodiscard]] bool is_receive() const override { return true; }
  T value{};
};

template <class T>
class sized_receive final : public dynamic_receive {
 public:
  using dynamic_receive::dynamic_receive;

  void start(MPI_Message& msg, MPI_Status& st) override {
    if constexpr (resizable_contiguous<T>) {
      using E = element_t<T>;
      value.resize(matched_count(msg, st, sizeof(E)));
      counted_type ct(datatype<E>(), value.size());
      RELAY_MPI(MPI_Imrecv, value.data(), ct.count(), ct.type(), &msg, &handle);
    } else {
      bytes_.resize(element_count(st, 1));
      counted_type ct(MPI_BYTE, bytes_.size());
      RELAY_MPI(MPI_Imrecv, bytes_.data(), ct.count(), ct.type(), &msg, &handle);
    }
  }
  void on_complete() override {
    if constexpr (serialized<T>) {
      if (!bytes_.empty()) load(bytes_, value);
      byte_buffer().swap(bytes_);
    }
  }
  T value{};

 private:
  byte_buffer bytes_;
};

/// True for std::span, whose elements a send views instead of owning (see isend).
template <class T>
inline constexpr bool is_span = false;
template <class E, std::size_t N>
inline constexpr bool is_span<std::span<E, N>> = true;

struct request_access;

}  // namespace detail

/// A pending non-blocking operation with no result: a send, or a receive into a span. Move-only.
/// Destroying an incomplete send does not block: MPI finishes it later, and a send that owns its
/// value keeps the value alive until then. Destroying an incomplete receive cancels it, so it
/// takes no message.
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

  /// Blocks until the operation completes.
  void wait() {
    if (state_)
      detail::wait_state(*state_);
    else if (handle_ != MPI_REQUEST_NULL)
      RELAY_MPI(MPI_Wait, &handle_, MPI_STATUS_IGNORE);
  }
  /// True if the operation has completed; never blocks.
  bool test() {
    if (state_) return detail::test_state(*state_);
    if (handle_ == MPI_REQUEST_NULL) return true;
    int flag = 0;
    RELAY_MPI(MPI_Test, &handle_, &flag, MPI_STATUS_IGNORE);
    return flag != 0;
  }
  /// True if completion has been observed (by wait, test, wait_all, wait_any or test_any).
  [[nodiscard]] bool done() const noexcept {
    return state_ ? state_->complete : handle_ == MPI_REQUEST_NULL;
  }

 private:
  friend struct detail::request_access;

  void release() {
    if (state_) {
      if (!state_->complete) detail::abandon(std::move(state_));
    } else if (handle_ != MPI_REQUEST_NULL) {
      detail::abandon(handle_, receive_);
    }
  }

  // A state-based request has a state_ (and no handle_ of its own). A plain one has no state_:
  // handle_ is MPI's request, which MPI sets to MPI_REQUEST_NULL when it completes, and receive_
  // says whether abandoning it must cancel it.
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
  /// The state of a state-based request; null for a plain one.
  static request_state* state(const request& r) noexcept { return r.state_.get(); }
  /// A plain request's MPI request.
  static MPI_Request& handle(request& r) noexcept { return r.handle_; }
  /// Whether a plain request is a receive.
  static bool receive(const request& r) noexcept { return r.receive_; }
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
  /// The received value; the request must be complete. Moves the value out: call once.
  [[nodiscard]] T get() {
    if (!done()) throw usage_error("recv_request::get: the receive has not completed");
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
/// avoid a copy), so the caller's data may change or die at once. A `std::span` is the exception,
/// as its type says: the request only views it, with no copy, so the caller keeps the memory
/// alive and unchanged until the request completes (the zero-copy path for one buffer sent many
/// times, as in a bandwidth test). Such a send is a plain request (see the top of this file).
template <class T>
[[nodiscard]] request isend(const communicator& comm, T value, int dest, int tag = 0) {
  detail::check_destination(comm, dest, tag);
  if constexpr (detail::is_span<T> && contiguous<T>) {
    MPI_Request handle = MPI_REQUEST_NULL;
    detail::send_wire({value.data(), datatype<element_t<T>>(), value.size()}, dest, tag,
                      comm.native(), &handle);
    return detail::request_access::plain(handle, /*receive=*/false);
  } else {
    return request(
        std::make_unique<detail::send_state<T>>(std::move(value), dest, tag, comm.native()));
  }
}

/// Starts receiving a T from `source` (or any_source) with `tag` (or any_tag).
template <class T>
[[nodiscard]] recv_request<T> irecv(const communicator& comm, int source = any_source,
                                    int tag = any_tag) {
  detail::check_receive(comm, source, tag);
  if constexpr (trivial<T>)
    return recv_request<T>(
        request(std::make_unique<detail::fixed_receive<T>>(comm.native(), source, tag)));
  else
    return recv_request<T>(
        request(std::make_unique<detail::sized_receive<T>>(comm.native(), source, tag)));
}

/// Starts receiving into caller-owned memory of known capacity, with no allocation (the
/// non-blocking recv_into): a plain request. The memory must stay alive until the request
/// completes; a message longer than `buffer` raises an MPI truncation error when the request is
/// waited on.
template <trivial E>
[[nodiscard]] request irecv_into(const communicator& comm, std::span<E> buffer,
                                 int source = any_source, int tag = any_tag) {
  detail::check_receive(comm, source, tag);
  detail::counted_type ct(datatype<E>(), buffer.size());
  MPI_Request handle = MPI_REQUEST_NULL;
  RELAY_MPI(MPI_Irecv, buffer.data(), ct.count(), ct.type(), source, tag, comm.native(), &handle);
  return detail::request_access::plain(handle, /*receive=*/true);
}

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

/// wait_all's fast path: if every one of `requests` is plain, waits for them all with one
/// MPI_Waitall and returns true; otherwise returns false at once, having done nothing.
bool wait_all_plain(std::span<request> requests);
/// Waits for every one of `requests` to complete.
void wait_all_requests(std::span<request* const> requests);
/// Waits until one of `requests` (skipping complete ones) completes; its index, or nullopt if
/// none is active.
std::optional<std::size_t> wait_any_request(std::span<request* const> requests);
/// As wait_any_request, without blocking: nullopt if none completed yet.
std::optional<std::size_t> test_any_request(std::span<request* const> requests);
}  // namespace detail

/// Waits for every request in `requests` to complete. If one fails (a receive into a span too
/// short for its message), throws mpi_error with that request's own MPI error once the others
/// have completed.
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
/// they complete, like Python's `concurrent.futures.as_completed`.
template <class R>
std::optional<std::size_t> wait_any(std::span<R> requests) {
  return detail::wait_any_request(detail::bases_of(requests));
}
template <class R>
std::optional<std::size_t> wait_any(std::vector<R>& requests) {
  return wait_any(std::span<R>(requests));
}

/// As wait_any, but returns nullopt at once when none has completed yet.
template <class R>
std::optional<std::size_t> test_any(std::span<R> requests) {
  return detail::test_any_request(detail::bases_of(requests));
}
template <class R>
std::optional<std::size_t> test_any(std::vector<R>& requests) {
  return test_any(std::span<R>(requests));
}

}  // namespace relay
