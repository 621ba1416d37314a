#pragma once
/// \file
/// The states behind relay::request: what a non-blocking operation owns while it runs, and how it
/// moves from one MPI step to the next (src/requests.cpp). Waiting on them is in src/waiting.cpp,
/// giving them up in src/abandon.cpp.

#include <mpi.h>

#include <atomic>
#include <cstddef>
#include <cstring>
#include <exception>
#include <memory>
#include <span>
#include <string_view>
#include <utility>

#include "relay/datatype.hpp"
#include "relay/detail/buffer.hpp"
#include "relay/detail/matching.hpp"
#include "relay/detail/message.hpp"
#include "relay/detail/p2p_checks.hpp"
#include "relay/detail/payload.hpp"
#include "relay/detail/request_pool.hpp"
#include "relay/error.hpp"

namespace relay::detail {

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
  /// True for a state with many MPI requests of its own and no `handle` (a non-blocking
  /// collective's pieces, detail/icoll.hpp): waits poll it with settle(), which calls advance().
  [[nodiscard]] virtual bool polled() const noexcept { return false; }
  /// For a polled state: blocks until one of its requests completes (called only when nothing
  /// else in the process needs progress).
  virtual void block() {}
};

/// Completes one step of `s`, which MPI finished with status `st` and error `code`; records a
/// failure. Returns true when `s` is complete.
bool settle(request_state& s, const MPI_Status& st, int code) noexcept;

/// Waits for `state` to complete (progressing pending receives meanwhile); rethrows its failure.
void wait_state(request_state& state);
/// Progresses `state` once; true when it is complete. Rethrows its failure.
bool test_state(request_state& state);
/// Cancels or abandons an incomplete request whose owner is going away.
void abandon(std::unique_ptr<request_state> state) noexcept;
/// The same for a plain request's MPI request: a receive is cancelled; a send is left to finish
/// on its own (MPI_Request_free), as the memory it sends from is the caller's.
void abandon(MPI_Request& handle, bool receive) noexcept;

/// A send in flight that owns the value it sends (a short std::span is a plain request instead).
template <class T>
class send_state final : public request_state {
 public:
  send_state(T value, int dest, int tag, MPI_Comm comm) : value_(std::move(value)) {
    if constexpr (bytewise<T>) {
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

/// A receive of a bytewise value: its size is known, so it is one MPI_Irecv into the value.
template <bytewise T>
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
/// message, taken by take_first (detail/matching.hpp) into the receive's sink, is a small value
/// whole, or the head of a large one, whose rest is then received into the value's own memory.
class dynamic_receive : public request_state, protected first_sink {
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
  /// Completes a value whose payload is in place.
  virtual void finish() {}

 private:
  void release_first() noexcept;

  MPI_Comm comm_;
  char* first_;
  bool first_taken_ = false;
  std::size_t total_ = 0;
};

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
  void accept(const char* data, std::size_t n) override { store_payload(value, bytes_, data, n); }
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
      : dynamic_receive(comm, source, tag), sink_(buffer, capacity, "MPI_Irecv") {}

 private:
  void accept(const char* data, std::size_t n) override { sink_.accept(data, n); }
  char* room(std::size_t n) override { return sink_.room(n); }
  buffer_sink sink_;
};

/// True for std::span and std::basic_string_view, whose elements a send views instead of owning
/// (see isend).
template <class T>
inline constexpr bool is_span = false;
template <class E, std::size_t N>
inline constexpr bool is_span<std::span<E, N>> = true;
template <class C, class Tr>
inline constexpr bool is_span<std::basic_string_view<C, Tr>> = true;

}  // namespace relay::detail
