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
/// Requests are not thread-safe: use them from one thread (any MPI thread level suffices).

#include <mpi.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
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
  /// Whether anyone can ask for the status (receives that return values); otherwise MPI is told
  /// to ignore it.
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

/// A receive into caller-owned memory of known capacity.
template <trivial E>
class span_receive final : public request_state {
 public:
  span_receive(std::span<E> buffer, MPI_Comm comm, int source, int tag) {
    counted_type ct(datatype<E>(), buffer.size());
    RELAY_MPI(MPI_Irecv, buffer.data(), ct.count(), ct.type(), source, tag, comm, &handle);
  }
  [[nodiscard]] bool is_receive() const override { return true; }
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
/// Waits for every one of `states` (null ones skipped) to complete.
void wait_all_states(std::span<request_state* const> states);
/// Waits until one of `states` (skipping null and complete ones) completes; its index, or nullopt
/// if none is active.
std::optional<std::size_t> wait_any_state(std::span<request_state* const> states);
/// As wait_any_state, without blocking: nullopt if none completed yet.
std::optional<std::size_t> test_any_state(std::span<request_state* const> states);
/// Cancels or abandons an incomplete request whose owner is going away.
void abandon(std::unique_ptr<request_state> state);

/// A send in flight. It owns the value it sends, except a std::span, which it only views.
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

}  // namespace detail

/// A pending non-blocking operation with no result (a send). Move-only. Destroying an incomplete
/// send request does not block: the request and its buffer live on until MPI is done with them.
class request {
 public:
  request() = default;
  explicit request(std::unique_ptr<detail::request_state> state) : state_(std::move(state)) {}
  request(request&&) noexcept = default;
  request& operator=(request&& other) noexcept {
    if (this != &other) {
      release();
      state_ = std::move(other.state_);
    }
    return *this;
  }
  ~request() { release(); }

  /// Blocks until the operation completes.
  void wait() {
    if (state_) detail::wait_state(*state_);
  }
  /// True if the operation has completed; never blocks.
  bool test() { return !state_ || detail::test_state(*state_); }
  /// True if completion has been observed (by wait, test, wait_any or test_any).
  [[nodiscard]] bool done() const noexcept { return !state_ || state_->complete; }

  /// The request's core, for wait_any and friends.
  [[nodiscard]] detail::request_state* state() const noexcept { return state_.get(); }

 private:
  void release() {
    if (state_ && !state_->complete) detail::abandon(std::move(state_));
  }
  std::unique_ptr<detail::request_state> state_;
};

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
    return detail::to_status(base_.state()->mpi_status);
  }

  [[nodiscard]] detail::request_state* state() const noexcept { return base_.state(); }

 private:
  T& value_ref() {
    if constexpr (trivial<T>)
      return static_cast<detail::fixed_receive<T>*>(base_.state())->value;
    else
      return static_cast<detail::sized_receive<T>*>(base_.state())->value;
  }
  request base_;
};

/// Starts sending `value` to `dest`. The request takes ownership of the value (move it in to
/// avoid a copy), so the caller's data may change or die at once. A `std::span` is the exception,
/// as its type says: the request only views it, with no copy, so the caller keeps the memory
/// alive and unchanged until the request completes (the zero-copy path for one buffer sent many
/// times, as in a bandwidth test).
template <class T>
[[nodiscard]] request isend(const communicator& comm, T value, int dest, int tag = 0) {
  detail::check_destination(comm, dest, tag);
  return request(
      std::make_unique<detail::send_state<T>>(std::move(value), dest, tag, comm.native()));
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
/// non-blocking recv_into). The memory must stay alive until the request completes; a message
/// longer than `buffer` raises an MPI truncation error when the request is waited on.
template <trivial E>
[[nodiscard]] request irecv_into(const communicator& comm, std::span<E> buffer,
                                 int source = any_source, int tag = any_tag) {
  detail::check_receive(comm, source, tag);
  return request(std::make_unique<detail::span_receive<E>>(buffer, comm.native(), source, tag));
}

namespace detail {
template <class R>
std::vector<request_state*> states_of(std::span<R> requests) {
  std::vector<request_state*> states;
  states.reserve(requests.size());
  for (auto& r : requests) states.push_back(r.state());
  return states;
}
}  // namespace detail

/// Waits for every request in `requests` to complete.
template <class R>
void wait_all(std::span<R> requests) {
  thread_local std::vector<detail::request_state*> states;
  states.clear();
  for (auto& r : requests) states.push_back(r.state());
  detail::wait_all_states(states);
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
  auto states = detail::states_of(requests);
  return detail::wait_any_state(states);
}
template <class R>
std::optional<std::size_t> wait_any(std::vector<R>& requests) {
  return wait_any(std::span<R>(requests));
}

/// As wait_any, but returns nullopt at once when none has completed yet.
template <class R>
std::optional<std::size_t> test_any(std::span<R> requests) {
  auto states = detail::states_of(requests);
  return detail::test_any_state(states);
}
template <class R>
std::optional<std::size_t> test_any(std::vector<R>& requests) {
  return test_any(std::span<R>(requests));
}

}  // namespace relay
