#pragma once
// Per-thread byte buffers for serialization, reused between calls.

#include <memory>
#include <vector>

#include "relay/config.hpp"

namespace relay::detail {

/// Borrows an empty scratch buffer from this thread's pool and gives it back (trimmed if it grew
/// too large) when the lease ends. Leases nest: each live lease has its own buffer, so a function
/// can hold one for sending while it takes another for receiving.
class scratch_buffer {
 public:
  scratch_buffer() {
    auto& p = pool();
    if (depth() == p.size()) p.push_back(std::make_unique<std::vector<char>>());
    buffer_ = p[depth()++].get();
    buffer_->clear();
  }
  ~scratch_buffer() {
    --depth();
    if (buffer_->capacity() > config::max_cached_buffer_bytes) std::vector<char>().swap(*buffer_);
  }
  scratch_buffer(const scratch_buffer&) = delete;
  scratch_buffer& operator=(const scratch_buffer&) = delete;

  std::vector<char>& get() noexcept { return *buffer_; }

 private:
  static std::vector<std::unique_ptr<std::vector<char>>>& pool() {
    thread_local std::vector<std::unique_ptr<std::vector<char>>> buffers;
    return buffers;
  }
  static std::size_t& depth() {
    thread_local std::size_t live = 0;
    return live;
  }
  std::vector<char>* buffer_;
};

}  // namespace relay::detail
