#pragma once
/// \file
/// The states behind the non-blocking collectives (icollectives.hpp, ireduce.hpp): one MPI_I*
/// call (mpi_coll_state), or an exchange of pieces between ranks on a private channel
/// (exchange_state, src/icollectives.cpp) for values that MPI cannot move by itself.

#include <mpi.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "relay/communicator.hpp"
#include "relay/detail/bcast_tree.hpp"
#include "relay/detail/buffer.hpp"
#include "relay/detail/coll_check.hpp"
#include "relay/detail/requests.hpp"
#include "relay/error.hpp"

namespace relay::detail {

/// Where one non-blocking collective's pieces travel: relay's second private duplicate of the
/// communicator (not the one the blocking collectives use, whose receives take any tag), and the
/// two tags of this collective, from a per-communicator sequence number that every rank advances
/// in the same order, since collectives are started in the same order on every rank.
struct nbc_channel {
  MPI_Comm comm;   ///< the private duplicate
  int header_tag;  ///< the tag of the pieces' headers
  int data_tag;    ///< the tag of the pieces' data
};
/// The channel of the next non-blocking collective on `comm` (makes the duplicate on first use,
/// which every rank reaches from the same collective call).
nbc_channel next_channel(const communicator& comm);
/// How many collectives may be outstanding on one communicator before their tags repeat.
inline constexpr std::uint32_t nbc_tag_slots = 16000;

/// The result of a collective that returns nothing (ibarrier, the `_into` forms).
struct no_value {};

/// A state whose MPI_I* call is checked first when collective checks are on (coll_check.hpp).
class gated_state : public request_state {
 public:
  /// Makes the call (`launch(&handle)`). With checks on and several ranks, the ranks first agree
  /// on `sig` with one blocking MPI_Allreduce on `comm`'s private channel, and a mismatch throws
  /// usage_error here, on every rank. The agreement is blocking on purpose: deferring the MPI_I*
  /// call until a later test or wait would start the collectives of one communicator in another
  /// order on a rank that waits for them in another order (tested: two ibcasts waited in
  /// reverse on one rank swapped their values). So with checks on, starting a collective on MPI's
  /// path synchronizes the ranks, as a blocking call does.
  template <class F>
  void start_checked(const communicator& comm, const call_signature& sig, F&& launch) {
    if (comm.size() > 1 && checks_on()) agree_blocking(next_channel(comm).comm, sig);
    launch(&handle);
  }
};

/// A collective that is one MPI_I* call, with its result `value` and the data it sends, `input`,
/// in the state.
template <class T, class In = no_value>
class mpi_coll_state final : public gated_state {
 public:
  T value{};
  In input{};
  /// A failure found on this rank before the call (the root's invalid input): thrown by wait.
  std::exception_ptr local_failure;
  bool advance(const MPI_Status& st) override {
    mpi_status = st;
    if (local_failure) std::rethrow_exception(local_failure);
    return true;
  }
};

/// What a piece's header says: the piece is data, or a failure note from the root.
enum class piece_kind : std::uint64_t { data = 0, usage_failure = 1, failure = 2 };

/// A collective made of pieces sent between ranks: each piece is a header (its kind and size)
/// then its bytes. Its agreement (coll_check.hpp) is posted at the start; when it completes and
/// every rank's signature matched, every send and the receive of every header are posted (else
/// none is, and the collective fails with usage_error on every rank). It has no
/// `handle`: relay's waits and tests poll it (advance), and any thread's progress_pending moves
/// it on (progress_others): a header's arrival posts the receive of its data. When nothing is
/// left, its owner's call runs finish().
class exchange_state : public request_state {
 public:
  /// Starts the agreement on `sig` (with several ranks) on the collective's channel.
  exchange_state(const communicator& comm, const call_signature& sig);
  ~exchange_state() override;
  exchange_state(const exchange_state&) = delete;
  exchange_state& operator=(const exchange_state&) = delete;

  bool advance(const MPI_Status& st) override;
  [[nodiscard]] bool polled() const noexcept override { return true; }
  void block() override;
  /// Posts the data receives of the headers that have arrived, outside the request's own calls
  /// (from progress_exchanges, with the state's `busy` flag held). Never throws.
  void progress_others() noexcept;
  /// Held by whoever works on the state's requests other than `handle`: its owner (advance) or
  /// progress_exchanges in any thread.
  std::atomic<bool> busy{false};

 protected:
  /// Sends `data` to `dest` (the memory must live as long as the state).
  void send(int dest, std::span<const char> data);
  /// Sends the current exception's message to `dest` as a failure note.
  void send_failure(int dest);
  /// Expects one piece from `source`.
  void expect(int source);
  /// Lists the state among the live ones; call last, once the state is complete. Finishes at
  /// once if nothing is pending (one rank).
  void start();
  /// Where the data piece of `bytes` from `source` lands (by default in `in[source]`).
  virtual char* room(int source, std::size_t bytes);
  /// Makes the result once every piece has arrived; may throw. Rethrows a failure note first.
  virtual void finish() = 0;
  /// Throws the failure note received from `source`, if any, as the root's failure.
  void throw_received_failure(const char* what) const;

 public:
  /// The empty buffer for the bytes sent to `peer` (or the one piece sent to all, 0), owned by
  /// the state while the collective runs; its memory comes from a per-thread cache.
  byte_buffer& outgoing(std::size_t peer);

 protected:
  int rank_;
  int size_;
  std::vector<byte_buffer> in;   ///< the pieces received, by source
  std::vector<byte_buffer> out;  ///< the pieces sent (see outgoing)
  /// The root's failure note (the message of the exception that its input raised), for sends.
  std::string note_;

 private:
  void completed(std::size_t slot);
  void take_completed();
  bool registered_ = false;
  std::exception_ptr deferred_;  // a failure met by progress_others
  void post(MPI_Request r, int what, int peer);
  /// Posts the sends and header receives held back until the agreement completes.
  void launch();
  void post_send(int dest, std::span<const char> data);
  void post_expect(int source);

  nbc_channel channel_;
  std::vector<MPI_Request> reqs_;
  struct slot_info {
    int what;  // 0 send, 1 header received, 2 data received, 3 agreement
    int peer;
  };
  std::vector<slot_info> info_;
  std::unique_ptr<agreement> check_;  // null once it completed (or with one rank)
  std::exception_ptr mismatch_;       // what the agreement found
  struct held_back {
    int peer;
    bool send;
    std::span<const char> data;
  };
  std::vector<held_back> held_;             // sends and header receives waiting for the agreement
  std::vector<std::uint64_t> out_headers_;  // kind, bytes per destination
  std::vector<std::uint64_t> in_headers_;   // kind, bytes per source
};

/// An exchange whose result is a T, made by `make` once every piece has arrived.
template <class T>
class exchange_op final : public exchange_state {
 public:
  exchange_op(const communicator& comm, const call_signature& sig)
      : exchange_state(comm, sig), what(kind_name(sig.kind)) {}
  T value{};
  /// Makes `value` from the received pieces; may throw.
  std::function<void(exchange_op&)> make;
  /// Where received data lands, if not in `in` (a vector's own memory).
  std::function<char*(int, std::size_t)> sink;
  /// A failure of this rank's own input (the root's), rethrown when the collective completes.
  std::exception_ptr own_failure;
  /// Memory that this rank sends from (a moved-in vector), kept alive while the collective runs.
  std::shared_ptr<void> keep;
  const char* what;

  using exchange_state::expect;
  using exchange_state::in;
  using exchange_state::note_;
  using exchange_state::out;
  using exchange_state::outgoing;
  using exchange_state::send;
  using exchange_state::send_failure;
  using exchange_state::start;
  [[nodiscard]] int rank() const noexcept { return rank_; }
  [[nodiscard]] int size() const noexcept { return size_; }

 private:
  char* room(int source, std::size_t bytes) override {
    if (sink) return sink(source, bytes);
    return exchange_state::room(source, bytes);
  }
  void finish() override {
    if (own_failure) std::rethrow_exception(own_failure);
    throw_received_failure(what);
    if (make) make(*this);
  }
};

}  // namespace relay::detail
