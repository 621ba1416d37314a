#pragma once
/// \file
/// Splitting work among ranks: balanced blocks and cyclic distributions of 64-bit index ranges.

#include <algorithm>
#include <cstdint>
#include <vector>

#include "relay/error.hpp"

namespace relay {

/// A half-open index range [begin, end).
struct range {
  std::uint64_t begin = 0;  ///< the first index
  std::uint64_t end = 0;    ///< one past the last index
  /// The number of indices, end - begin.
  [[nodiscard]] constexpr std::uint64_t size() const noexcept { return end - begin; }
  /// True when the range holds no index.
  [[nodiscard]] constexpr bool empty() const noexcept { return begin == end; }
  /// Ranges are equal when their ends are.
  friend constexpr bool operator==(const range&, const range&) = default;
};

/// Part `i` of [0, n) split into `parts` contiguous blocks whose sizes differ by at most one; the
/// first `n % parts` blocks are the larger ones. The blocks cover [0, n) exactly, in order, for
/// any n (including n < parts, where trailing blocks are empty). Requires parts > 0, i < parts.
[[nodiscard]] constexpr range block_range(std::uint64_t n, std::uint64_t parts, std::uint64_t i) {
  if (parts == 0 || i >= parts) throw usage_error("block_range: need i < parts");
  const std::uint64_t q = n / parts;
  const std::uint64_t r = n % parts;
  const std::uint64_t begin = i * q + std::min(i, r);  // <= n, so no overflow
  return {begin, begin + q + (i < r ? 1 : 0)};
}

/// The part that owns index `index` < n under block_range(n, parts, ·).
[[nodiscard]] constexpr std::uint64_t block_owner(std::uint64_t n, std::uint64_t parts,
                                                  std::uint64_t index) {
  if (parts == 0 || index >= n) throw usage_error("block_owner: need index < n");
  const std::uint64_t q = n / parts;
  const std::uint64_t r = n % parts;
  const std::uint64_t split = r * (q + 1);  // indices below this are in the larger blocks
  return index < split ? index / (q + 1) : r + (index - split) / q;
}

/// The sizes of all `parts` blocks of block_range(n, parts, ·), in part order.
[[nodiscard]] std::vector<std::uint64_t> block_sizes(std::uint64_t n, std::uint64_t parts);

/// Part `i` of [0, n) dealt out cyclically: indices i, i + parts, i + 2*parts, ... below n.
/// Iterate with `for (auto k : cyclic_range(n, parts, i))`.
class cyclic_range {
 public:
  /// Part `i` of `parts` over [0, n). Throws usage_error unless parts > 0 and i < parts.
  constexpr cyclic_range(std::uint64_t n, std::uint64_t parts, std::uint64_t i)
      : n_(n), stride_(parts), first_(i) {
    if (parts == 0 || i >= parts) throw usage_error("cyclic_range: need i < parts");
  }

  /// A forward iterator over the part's indices.
  class iterator {
   public:
    using value_type = std::uint64_t;        ///< an index
    using difference_type = std::ptrdiff_t;  ///< as std::iterator_traits needs
    constexpr iterator() = default;          ///< the end of an empty part
    /// At index `at`, stepping by `stride`, ending at `n`.
    constexpr iterator(std::uint64_t at, std::uint64_t stride, std::uint64_t n)
        : at_(at), stride_(stride), n_(n) {}
    /// The current index.
    constexpr std::uint64_t operator*() const noexcept { return at_; }
    /// Steps to the next index of the part (or to the end).
    constexpr iterator& operator++() noexcept {
      // Saturate at n so that at_ + stride cannot wrap around 2^64.
      at_ = (n_ - at_ > stride_) ? at_ + stride_ : n_;
      return *this;
    }
    /// Steps to the next index and returns the iterator as it was.
    constexpr iterator operator++(int) noexcept {
      auto copy = *this;
      ++*this;
      return copy;
    }
    /// Iterators are equal at the same index.
    constexpr bool operator==(const iterator& o) const noexcept { return at_ == o.at_; }

   private:
    std::uint64_t at_ = 0, stride_ = 1, n_ = 0;
  };

  /// The part's first index.
  [[nodiscard]] constexpr iterator begin() const noexcept {
    return {std::min(first_, n_), stride_, n_};
  }
  /// One past the part's last index.
  [[nodiscard]] constexpr iterator end() const noexcept { return {n_, stride_, n_}; }
  /// The number of indices in this part.
  [[nodiscard]] constexpr std::uint64_t size() const noexcept {
    return first_ >= n_ ? 0 : (n_ - first_ - 1) / stride_ + 1;
  }

 private:
  std::uint64_t n_, stride_, first_;
};

}  // namespace relay
