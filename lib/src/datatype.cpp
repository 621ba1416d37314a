#include "relay/datatype.hpp"

#include <array>
#include <atomic>
#include <climits>
#include <mutex>
#include <string>
#include <unordered_map>

#include "relay/environment.hpp"
#include "relay/error.hpp"

namespace relay::detail {

namespace {

// Sizes up to this many bytes (the structs sent as bytes are nearly always this small) are
// answered from a table of atomics without a lock; threads at MPI_THREAD_MULTIPLE look them up on
// every send. Larger sizes take the mutex.
constexpr std::size_t small_size_limit = 256;

// An empty slot holds a value-initialized handle (a null pointer in Open MPI, 0 in MPICH), which
// no committed datatype has.
constexpr MPI_Datatype empty_slot{};

struct bytes_type_cache {
  std::array<std::atomic<MPI_Datatype>, small_size_limit + 1> small{};
  std::mutex mutex;  // guards large, registered and creation
  std::unordered_map<std::size_t, MPI_Datatype> large;
  bool registered = false;  // the at_finalize callback that frees every type
};

bytes_type_cache& cache() {
  static bytes_type_cache instance;
  return instance;
}

// Called with the mutex held.
void free_at_finalize(bytes_type_cache& c) {
  if (c.registered) return;
  c.registered = true;
  at_finalize([] {
    auto& all = cache();
    const std::scoped_lock lock(all.mutex);
    for (auto& slot : all.small) {
      MPI_Datatype t = slot.exchange(empty_slot, std::memory_order_acq_rel);
      if (t != empty_slot) MPI_Type_free(&t);
    }
    for (auto& [bytes, t] : all.large) MPI_Type_free(&t);
    all.large.clear();
    all.registered = false;
  });
}

MPI_Datatype make_bytes_type(std::size_t size) {
  MPI_Datatype type = MPI_DATATYPE_NULL;
  RELAY_MPI(MPI_Type_contiguous, to_int_count(size, "element size"), MPI_BYTE, &type);
  RELAY_MPI(MPI_Type_commit, &type);
  return type;
}

}  // namespace

MPI_Datatype bytes_type(std::size_t size) {
  // One datatype per distinct size; there are only as many as there are element types in use.
  auto& c = cache();
  if (size <= small_size_limit) {
    auto& slot = c.small[size];
    if (const MPI_Datatype t = slot.load(std::memory_order_acquire); t != empty_slot) return t;
    const std::scoped_lock lock(c.mutex);
    // Another thread may have made it while this one waited for the lock.
    if (const MPI_Datatype t = slot.load(std::memory_order_relaxed); t != empty_slot) return t;
    const MPI_Datatype type = make_bytes_type(size);
    free_at_finalize(c);
    slot.store(type, std::memory_order_release);
    return type;
  }
  const std::scoped_lock lock(c.mutex);
  if (auto it = c.large.find(size); it != c.large.end()) return it->second;
  const MPI_Datatype type = make_bytes_type(size);
  free_at_finalize(c);
  c.large.emplace(size, type);
  return type;
}

void counted_type::make_large(std::size_t count) {
  const MPI_Datatype element = type_;
  constexpr std::size_t limit = INT_MAX;
  // count = blocks * limit + rest: a struct of `blocks` chunks of `limit` elements followed by
  // `rest` elements, committed as one element.
  MPI_Aint lb = 0, extent = 0;
  RELAY_MPI(MPI_Type_get_extent, element, &lb, &extent);
  const std::size_t blocks = count / limit;
  const std::size_t rest = count % limit;
  if (blocks > limit) throw usage_error("message too large for MPI");
  MPI_Datatype chunk = MPI_DATATYPE_NULL, chunks = MPI_DATATYPE_NULL;
  RELAY_MPI(MPI_Type_contiguous, INT_MAX, element, &chunk);
  RELAY_MPI(MPI_Type_contiguous, static_cast<int>(blocks), chunk, &chunks);
  if (rest == 0) {
    type_ = chunks;
  } else {
    int lengths[2] = {1, static_cast<int>(rest)};
    MPI_Aint displacements[2] = {0, static_cast<MPI_Aint>(blocks * limit) * extent};
    MPI_Datatype types[2] = {chunks, element};
    RELAY_MPI(MPI_Type_create_struct, 2, lengths, displacements, types, &type_);
    MPI_Type_free(&chunks);
  }
  MPI_Type_free(&chunk);
  RELAY_MPI(MPI_Type_commit, &type_);
  count_ = 1;
  owned_ = true;
}

void counted_type::free_large() {
  MPI_Type_free(&type_);
}

std::size_t element_count(const MPI_Status& status, std::size_t element_size) {
  // MPI_Get_count costs half of MPI_Get_elements_x; it answers MPI_UNDEFINED past 2^31-1 bytes.
  int small = 0;
  RELAY_MPI(MPI_Get_count, &status, MPI_BYTE, &small);
  MPI_Count bytes = small;
  if (small == MPI_UNDEFINED) RELAY_MPI(MPI_Get_elements_x, &status, MPI_BYTE, &bytes);
  if (bytes < 0 || static_cast<std::size_t>(bytes) % element_size != 0)
    throw usage_error("received " + std::to_string(bytes) + " bytes, not a whole number of " +
                      std::to_string(element_size) + "-byte elements");
  return static_cast<std::size_t>(bytes) / element_size;
}

int to_int_count(std::size_t n, const char* what) {
  if (n > static_cast<std::size_t>(INT_MAX))
    throw usage_error(std::string(what) + " " + std::to_string(n) +
                      " exceeds MPI's int count limit (2^31-1)");
  return static_cast<int>(n);
}

}  // namespace relay::detail
