#include "slots.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

namespace task_farm {

namespace {

enum counter { next_ticket = 0, serving = 1, in_use = 2, counters = 3 };

/// The sleeps between looks while waiting for slots: from 20 us, doubling to 5 ms.
constexpr auto first_sleep = std::chrono::microseconds(20);
constexpr auto longest_sleep = std::chrono::microseconds(5000);

MPI_Comm split_node(const relay::communicator& world) {
  MPI_Comm node = MPI_COMM_NULL;
  MPI_Comm_split_type(world.native(), MPI_COMM_TYPE_SHARED, world.rank(), MPI_INFO_NULL, &node);
  return node;
}

}  // namespace

int smallest_node(const relay::communicator& world) {
  MPI_Comm node = split_node(world);
  int size = 1;
  MPI_Comm_size(node, &size);
  MPI_Comm_free(&node);
  int smallest = size;
  MPI_Allreduce(&size, &smallest, 1, MPI_INT, MPI_MIN, world.native());
  return smallest;
}

node_slots::node_slots(const relay::communicator& world) : node_(split_node(world)) {
  int rank = 0;
  MPI_Comm_rank(node_, &rank);
  MPI_Comm_size(node_, &size_);
  const MPI_Aint bytes = rank == 0 ? MPI_Aint{counters * sizeof(std::int64_t)} : 0;
  void* mine = nullptr;
  MPI_Win_allocate_shared(bytes, sizeof(std::int64_t), MPI_INFO_NULL, node_, &mine, &win_);
  MPI_Aint got = 0;
  int unit = 0;
  MPI_Win_shared_query(win_, 0, &got, &unit, &counters_);
  if (rank == 0)
    for (int i = 0; i < counters; ++i) std::atomic_ref(counters_[i]).store(0);
  MPI_Barrier(node_);
}

node_slots::~node_slots() {
  MPI_Win_free(&win_);
  MPI_Comm_free(&node_);
}

bool node_slots::acquire(int cores, const std::function<bool()>& stop) {
  std::atomic_ref<std::int64_t> next(counters_[next_ticket]), turn(counters_[serving]),
      used(counters_[in_use]);
  const std::int64_t ticket = next.fetch_add(1);
  auto sleep = first_sleep;
  const auto pause = [&] {
    std::this_thread::sleep_for(sleep);
    sleep = std::min(sleep * 2, longest_sleep);
  };
  // Wait for this ticket's turn. Whoever has the turn passes it on, with or without slots, so a
  // waiter that stops still waits for its turn (it comes quickly: a stopping farm's waiters all
  // pass theirs on at once).
  while (turn.load() != ticket) pause();
  bool got = false;
  for (;;) {
    if (stop()) break;
    std::int64_t u = used.load();
    if (u + cores <= size_ && used.compare_exchange_strong(u, u + cores)) {
      got = true;
      break;
    }
    pause();
  }
  turn.fetch_add(1);
  return got;
}

void node_slots::release(int cores) {
  std::atomic_ref<std::int64_t>(counters_[in_use]).fetch_sub(cores);
}

}  // namespace task_farm
