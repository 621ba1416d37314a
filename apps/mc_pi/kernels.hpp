#pragma once
/// \file
/// Counting hits over ranges of the sample stream (stream.hpp), with interchangeable kernels that
/// all give the same count, bit for bit: a scalar one (portable: Random123's own threefry4x64) and
/// an AVX2 one (x86-64, chosen at run time when the CPU has AVX2).

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace mc_pi {

enum class kernel_kind {
  scalar,  ///< one Threefry4x64 call at a time, Random123's code; runs anywhere
  avx2,    ///< 12 counters at a time in AVX2 registers, plus two on the scalar units
};

/// "scalar" or "avx2".
[[nodiscard]] std::string_view kernel_name(kernel_kind kind) noexcept;
/// The kernel of that name, if there is one.
[[nodiscard]] std::optional<kernel_kind> kernel_from_name(std::string_view name) noexcept;
/// Whether this build and this CPU can run the kernel (avx2: an x86-64 build on a CPU with AVX2).
[[nodiscard]] bool kernel_available(kernel_kind kind) noexcept;
/// The fastest kernel available here.
[[nodiscard]] kernel_kind best_kernel() noexcept;
/// Every kernel available here, scalar first.
[[nodiscard]] std::vector<kernel_kind> available_kernels();

/// Hits among samples [begin, end) of block `block` (0 <= begin <= end <= block_size). Throws
/// std::invalid_argument for a bad range or an unavailable kernel.
[[nodiscard]] std::uint64_t block_hits(kernel_kind kind, std::uint64_t seed, std::uint64_t block,
                                       std::uint64_t begin, std::uint64_t end);

/// Hits among global samples [begin, end) (end <= max_samples): the blocks they touch, in order.
[[nodiscard]] std::uint64_t count_hits(kernel_kind kind, std::uint64_t seed, std::uint64_t begin,
                                       std::uint64_t end);

namespace detail {
/// Hits among the 4 * (c1 - c0) samples of whole counters [c0, c1) of a block.
using counter_kernel = std::uint64_t (*)(std::uint64_t seed, std::uint64_t block, std::uint64_t c0,
                                         std::uint64_t c1);
std::uint64_t counter_hits_scalar(std::uint64_t seed, std::uint64_t block, std::uint64_t c0,
                                  std::uint64_t c1);
#if defined(MC_PI_HAVE_AVX2_KERNEL)
std::uint64_t counter_hits_avx2(std::uint64_t seed, std::uint64_t block, std::uint64_t c0,
                                std::uint64_t c1);
#endif
}  // namespace detail

}  // namespace mc_pi
