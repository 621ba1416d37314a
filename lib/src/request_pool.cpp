// Per-thread free lists (see relay/detail/request_pool.hpp): request states and head buffers are
// taken and given back on every non-blocking operation, so a warm loop calls no malloc.

#include "relay/detail/request_pool.hpp"

#include <new>
#include <vector>

#include "relay/detail/message.hpp"

namespace relay::detail {
namespace {

/// Blocks of this size serve every request state that fits (all but those holding large values).
constexpr std::size_t request_block = 192;
constexpr std::size_t max_free_blocks = 4096;

struct free_blocks {
  std::vector<void*> blocks;
  ~free_blocks() {
    for (void* b : blocks) ::operator delete(b);
  }
};
free_blocks& request_pool() {
  thread_local free_blocks pool;
  return pool;
}

constexpr std::size_t max_cached_heads = 64;
struct head_pool {
  std::vector<char*> free;
  ~head_pool() {
    for (char* b : free) delete[] b;
  }
};
head_pool& heads() {
  thread_local head_pool pool;
  return pool;
}

}  // namespace

void* allocate_request(std::size_t bytes) {
  if (bytes > request_block) return ::operator new(bytes);
  auto& pool = request_pool().blocks;
  if (pool.empty()) return ::operator new(request_block);
  void* block = pool.back();
  pool.pop_back();
  return block;
}

void free_request(void* block, std::size_t bytes) noexcept {
  auto& pool = request_pool().blocks;
  if (bytes <= request_block && pool.size() < max_free_blocks) {
    try {
      pool.push_back(block);
      return;
    } catch (...) {  // no memory to remember the block: give it back instead
    }
  }
  ::operator delete(block);
}

char* take_head_buffer() {
  auto& pool = heads().free;
  if (pool.empty()) return new char[piece_bytes];
  char* b = pool.back();
  pool.pop_back();
  return b;
}

void give_head_buffer(char* buffer) noexcept {
  if (!buffer) return;
  auto& pool = heads().free;
  if (pool.size() < max_cached_heads) {
    try {
      pool.push_back(buffer);
      return;
    } catch (...) {
    }
  }
  delete[] buffer;
}

}  // namespace relay::detail
