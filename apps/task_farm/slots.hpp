#pragma once
// Cores per task. A node has one slot (core) per rank on it; a task that needs N cores runs only
// while its rank holds N of its node's slots, so N-1 other ranks of that node wait. The ranks of
// a node share their slots through a node-local communicator (MPI_Comm_split_type SHARED) and a
// few counters in an MPI shared-memory window, updated with atomics (no MPI call while waiting).
// Slots are granted first come, first served (a ticket lock): a task waiting for many cores is
// never overtaken by smaller ones, so it cannot starve.

#include <cstdint>
#include <functional>

#include <mpi.h>

#include "relay/communicator.hpp"

namespace task_farm {

/// The fewest ranks that any node of `world` runs (collective): the most cores a task may ask.
[[nodiscard]] int smallest_node(const relay::communicator& world);

/// A node's slots, shared by its ranks. Created and destroyed collectively on every rank of the
/// communicator given, before and after the pool runs; acquire and release from any thread.
class node_slots {
 public:
  explicit node_slots(const relay::communicator& world);
  ~node_slots();
  node_slots(const node_slots&) = delete;
  node_slots& operator=(const node_slots&) = delete;

  /// The slots of this rank's node.
  [[nodiscard]] int size() const { return size_; }

  /// Waits (sleeping between looks) until this rank holds `cores` slots, in turn after the ranks
  /// of its node that asked before it, and returns true; returns false, holding nothing, when
  /// `stop()` turns true first. `cores` must be from 1 to size().
  bool acquire(int cores, const std::function<bool()>& stop);
  /// Gives back what acquire(cores) took.
  void release(int cores);

 private:
  MPI_Comm node_ = MPI_COMM_NULL;
  MPI_Win win_ = MPI_WIN_NULL;
  std::int64_t* counters_ = nullptr;  ///< next ticket, ticket served, slots in use
  int size_ = 1;
};

}  // namespace task_farm
