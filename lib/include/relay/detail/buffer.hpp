#pragma once
// Byte buffers for serialization: growing one does not zero it, and per-thread buffers are reused
// between calls.

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "relay/config.hpp"

namespace relay::detail {

/// A growable byte array for archives and messages. Unlike std::vector<char>, growing it does not
/// clear the new bytes (they are about to be overwritten by MPI or by an archive), and it is
/// a contiguous range of char, so it converts to std::span<const char>.
class byte_buffer {
 public:
  byte_buffer() = default;
  explicit byte_buffer(std::size_t n) { resize(n); }
  byte_buffer(byte_buffer&& other) noexcept { swap(other); }
  byte_buffer& operator=(byte_buffer&& other) noexcept {
    byte_buffer(std::move(other)).swap(*this);
    return *this;
  }

  [[nodiscard]] char* data() noexcept { return data_.get(); }
  [[nodiscard]] const char* data() const noexcept { return data_.get(); }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] char* begin() noexcept { return data(); }
  [[nodiscard]] char* end() noexcept { return data() + size_; }
  [[nodiscard]] const char* begin() const noexcept { return data(); }
  [[nodiscard]] const char* end() const noexcept { return data() + size_; }

  void clear() noexcept { size_ = 0; }
  /// Sets the size to n, keeping the first min(n, size()) bytes; new bytes are uninitialized.
  void resize(std::size_t n) {
    if (n > capacity_) grow(n);
    size_ = n;
  }
  /// Appends n bytes.
  void append(const char* bytes, std::size_t n) {
    if (n == 0) return;
    const std::size_t at = size_;
    resize(size_ + n);
    std::memcpy(data_.get() + at, bytes, n);
  }
  void push_back(char c) { append(&c, 1); }
  void swap(byte_buffer& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(capacity_, other.capacity_);
  }

 private:
  void grow(std::size_t n) {
    const std::size_t target = std::max(n, 2 * capacity_);
    std::unique_ptr<char[]> bigger(new char[target]);  // default-initialized: not cleared
    if (size_ > 0) std::memcpy(bigger.get(), data_.get(), size_);
    data_ = std::move(bigger);
    capacity_ = target;
  }

  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

/// Borrows an empty scratch buffer from this thread's pool and gives it back (trimmed if it grew
/// too large) when the lease ends. Leases nest: each live lease has its own buffer, so a function
/// can hold one for sending while it takes another for receiving.
class scratch_buffer {
 public:
  scratch_buffer() {
    auto& p = pool();
    if (depth() == p.size()) p.push_back(std::make_unique<byte_buffer>());
    buffer_ = p[depth()++].get();
    buffer_->clear();
  }
  ~scratch_buffer() {
    --depth();
    if (buffer_->capacity() > config::max_cached_buffer_bytes) byte_buffer().swap(*buffer_);
  }
  scratch_buffer(const scratch_buffer&) = delete;
  scratch_buffer& operator=(const scratch_buffer&) = delete;

  byte_buffer& get() noexcept { return *buffer_; }

 private:
  static std::vector<std::unique_ptr<byte_buffer>>& pool() {
    thread_local std::vector<std::unique_ptr<byte_buffer>> buffers;
    return buffers;
  }
  static std::size_t& depth() {
    thread_local std::size_t live = 0;
    return live;
  }
  byte_buffer* buffer_;
};

}  // namespace relay::detail
