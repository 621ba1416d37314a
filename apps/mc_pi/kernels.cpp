#include "kernels.hpp"

#include <stdexcept>
#include <string>

#include "stream.hpp"

namespace mc_pi {

namespace detail {

std::uint64_t counter_hits_scalar(std::uint64_t seed, std::uint64_t block, std::uint64_t c0,
                                  std::uint64_t c1) {
  const auto key = block_key(seed, block);
  generator g;
  std::uint64_t hits = 0;
  for (std::uint64_t c = c0; c < c1; ++c) {
    const auto w = g(generator::ctr_type{{c, 0, 0, 0}}, key);
    hits += static_cast<std::uint64_t>(word_inside(w.v[0])) + word_inside(w.v[1]) +
            word_inside(w.v[2]) + word_inside(w.v[3]);
  }
  return hits;
}

}  // namespace detail

namespace {

/// Hits among words [w0, w1) of one counter (a partial counter at either end of a range).
std::uint64_t partial_counter_hits(std::uint64_t seed, std::uint64_t block, std::uint64_t counter,
                                   std::uint64_t w0, std::uint64_t w1) {
  const auto words = block_words(seed, block, counter);
  std::uint64_t hits = 0;
  for (std::uint64_t w = w0; w < w1; ++w) hits += word_inside(words.v[w]);
  return hits;
}

detail::counter_kernel counter_kernel_of(kernel_kind kind) {
  if (!kernel_available(kind))
    throw std::invalid_argument("mc_pi: the " + std::string(kernel_name(kind)) +
                                " kernel is not available on this machine");
  switch (kind) {
#if defined(MC_PI_HAVE_AVX2_KERNEL)
    case kernel_kind::avx2:
      return detail::counter_hits_avx2;
#endif
    default:
      return detail::counter_hits_scalar;
  }
}

std::uint64_t block_hits_with(detail::counter_kernel whole, std::uint64_t seed, std::uint64_t block,
                              std::uint64_t begin, std::uint64_t end) {
  constexpr std::uint64_t k = samples_per_counter;
  if (begin >= end) return 0;
  const std::uint64_t first = begin / k, last = (end - 1) / k;  // counters touched
  if (first == last) return partial_counter_hits(seed, block, first, begin % k, end - first * k);
  std::uint64_t hits = 0;
  std::uint64_t c0 = first, c1 = last + 1;  // whole counters [c0, c1)
  if (begin % k != 0) {
    hits += partial_counter_hits(seed, block, first, begin % k, k);
    ++c0;
  }
  if (end % k != 0) {
    hits += partial_counter_hits(seed, block, last, 0, end % k);
    --c1;
  }
  if (c0 < c1) hits += whole(seed, block, c0, c1);
  return hits;
}

}  // namespace

std::string_view kernel_name(kernel_kind kind) noexcept {
  switch (kind) {
    case kernel_kind::scalar:
      return "scalar";
    case kernel_kind::avx2:
      return "avx2";
  }
  return "?";
}

std::optional<kernel_kind> kernel_from_name(std::string_view name) noexcept {
  for (auto kind : {kernel_kind::scalar, kernel_kind::avx2})
    if (kernel_name(kind) == name) return kind;
  return std::nullopt;
}

bool kernel_available(kernel_kind kind) noexcept {
  switch (kind) {
    case kernel_kind::scalar:
      return true;
    case kernel_kind::avx2:
#if defined(MC_PI_HAVE_AVX2_KERNEL)
      return __builtin_cpu_supports("avx2");
#else
      return false;
#endif
  }
  return false;
}

kernel_kind best_kernel() noexcept {
  return kernel_available(kernel_kind::avx2) ? kernel_kind::avx2 : kernel_kind::scalar;
}

std::vector<kernel_kind> available_kernels() {
  std::vector<kernel_kind> kinds;
  for (auto kind : {kernel_kind::scalar, kernel_kind::avx2})
    if (kernel_available(kind)) kinds.push_back(kind);
  return kinds;
}

std::uint64_t block_hits(kernel_kind kind, std::uint64_t seed, std::uint64_t block,
                         std::uint64_t begin, std::uint64_t end) {
  if (begin > end || end > block_size)
    throw std::invalid_argument("mc_pi::block_hits: need begin <= end <= block_size");
  return block_hits_with(counter_kernel_of(kind), seed, block, begin, end);
}

std::uint64_t count_hits(kernel_kind kind, std::uint64_t seed, std::uint64_t begin,
                         std::uint64_t end) {
  if (begin > end || end > max_samples)
    throw std::invalid_argument("mc_pi::count_hits: need begin <= end <= 2^63");
  const auto whole = counter_kernel_of(kind);
  std::uint64_t hits = 0;
  while (begin < end) {
    const std::uint64_t block = begin / block_size;
    const std::uint64_t base = block * block_size;
    const std::uint64_t stop = end - base < block_size ? end - base : block_size;
    hits += block_hits_with(whole, seed, block, begin - base, stop);
    begin = base + stop;
  }
  return hits;
}

}  // namespace mc_pi
