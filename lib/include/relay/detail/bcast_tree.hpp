#pragma once
// The broadcast protocol of values whose length only the root knows, along a binomial tree on
// relay's private duplicate of the communicator, and how a failure at the root of a collective
// reaches every other rank as the same kind of exception.

#include <mpi.h>

#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>

#include "relay/communicator.hpp"
#include "relay/config.hpp"
#include "relay/datatype.hpp"
#include "relay/error.hpp"

namespace relay::detail {

/// Sizes at or above this value in a size header are not sizes but a failure at the root:
/// root_failed itself for a relay::error, root_failed_usage for a usage_error.
inline constexpr std::uint64_t root_failed = ~std::uint64_t{0} - 1;
inline constexpr std::uint64_t root_failed_usage = ~std::uint64_t{0};

/// A failure at the root of a collective, as the other ranks raise it: one mistake, one
/// exception type on every rank, so usage_error where the root raised one (bad input only the
/// root holds), else relay::error.
enum class root_failure : unsigned char { none, error, usage };

/// The kind of the exception being handled (call it in a catch block).
root_failure current_failure() noexcept;

/// On a rank other than `root`: raises the exception that stands for the root's failure.
[[noreturn]] void throw_root_failure(root_failure kind, const char* what, int root,
                                     const std::string& root_message);

/// A rank's place in the binomial tree rooted at `root`: its parent (-1 at the root) and its
/// children, largest subtree first.
struct binomial_tree {
  int parent = -1;
  int children[32];  // the first child_count are set
  int child_count = 0;
  binomial_tree(int rank, int size, int root) {
    // Every rank below is in [0, 2 * size), so a subtraction wraps it, where % would cost an
    // integer division (several per call, on the path of every small broadcast).
    const auto wrap = [size](int r) { return r >= size ? r - size : r; };
    const int me = wrap(rank - root + size);
    int mask = 1;
    for (; mask < size; mask <<= 1) {
      if (me & mask) {
        parent = wrap(me - mask + root);
        break;
      }
    }
    for (mask >>= 1; mask > 0; mask >>= 1)
      if (me + mask < size) children[child_count++] = wrap(me + mask + root);
  }
};

/// Sends the same bytes to every child, all at once, and waits until they are sent. Eager
/// messages go with plain MPI_Send, which completes at once and skips the request that MPI_Isend
/// costs (Open MPI sends them inline).
inline void send_to_children(const binomial_tree& tree, const void* data, std::size_t bytes,
                             int tag, MPI_Comm comm) {
  if (bytes <= config::eager_bytes) {
    for (int i = 0; i < tree.child_count; ++i)
      RELAY_MPI(MPI_Send, data, static_cast<int>(bytes), MPI_BYTE, tree.children[i], tag, comm);
    return;
  }
  MPI_Request requests[32];
  counted_type ct(MPI_BYTE, bytes);
  for (int i = 0; i < tree.child_count; ++i)
    RELAY_MPI(MPI_Isend, data, ct.count(), ct.type(), tree.children[i], tag, comm, &requests[i]);
  RELAY_MPI(MPI_Waitall, tree.child_count, requests, MPI_STATUSES_IGNORE);
}

/// Broadcasts a byte payload whose length only the root knows (see config::bcast_tree_bytes and
/// config::eager_bytes for the protocol). On non-roots `allocate(n)` returns where the n
/// bytes go. A root that passes a `failure` makes every other rank throw its kind of exception.
template <class Allocate>
void bcast_sized(const communicator& comm, int root, std::span<const char> payload,
                 root_failure failure, Allocate&& allocate) {
  constexpr std::size_t eager = config::eager_bytes;
  const bool is_root = comm.rank() == root;
  const MPI_Comm tree_comm = internal_comm(comm);
  const binomial_tree tree(comm.rank(), comm.size(), root);
  std::uint64_t n = 0;
  const char* data = payload.data();
  if (is_root) {
    n = failure == root_failure::none    ? payload.size()
        : failure == root_failure::usage ? root_failed_usage
                                         : root_failed;
  } else {
    // The parent's first message: the whole payload when it fits, else its size.
    alignas(std::uint64_t) char first[eager];
    MPI_Status st;
    RELAY_MPI(MPI_Recv, first, static_cast<int>(eager), MPI_BYTE, tree.parent, MPI_ANY_TAG,
              tree_comm, &st);
    if (st.MPI_TAG == detail::bcast_data_tag) {
      n = received_byte_count(st);
      char* target = allocate(static_cast<std::size_t>(n));
      if (n > 0) std::memcpy(target, first, static_cast<std::size_t>(n));
      data = target;
    } else {
      std::memcpy(&n, first, sizeof n);
    }
  }
  if (n <= eager) {
    send_to_children(tree, data, static_cast<std::size_t>(n), detail::bcast_data_tag, tree_comm);
    return;
  }
  send_to_children(tree, &n, sizeof n, detail::bcast_size_tag, tree_comm);
  if (n >= root_failed) {
    if (is_root) return;  // the root rethrows its own error
    throw_root_failure(n == root_failed_usage ? root_failure::usage : root_failure::error, "bcast",
                       root, {});
  }
  char* target = is_root ? const_cast<char*>(payload.data())  // only read by MPI_Bcast
                         : allocate(static_cast<std::size_t>(n));
  counted_type ct(MPI_BYTE, static_cast<std::size_t>(n));
  if (comm.size() <= 2 || n <= config::bcast_tree_bytes) {
    if (!is_root)
      RELAY_MPI(MPI_Recv, target, ct.count(), ct.type(), tree.parent, detail::bcast_data_tag,
                tree_comm, MPI_STATUS_IGNORE);
    send_to_children(tree, target, static_cast<std::size_t>(n), detail::bcast_data_tag, tree_comm);
  } else {
    RELAY_MPI(MPI_Bcast, target, ct.count(), ct.type(), root, comm.native());
  }
}

/// The allocator that bcast_sized never calls on the root.
inline char* root_allocates_nothing(std::size_t) {
  throw std::logic_error("bcast_sized: the root has nothing to allocate");
}

/// Broadcasts one 64-bit value from the root.
inline std::uint64_t share_from_root(const communicator& comm, int root, std::uint64_t value) {
  RELAY_MPI(MPI_Bcast, &value, 1, MPI_UINT64_T, root, comm.native());
  return value;
}

}  // namespace relay::detail
