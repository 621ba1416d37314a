#include "estimate.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "stream.hpp"

namespace mc_pi {

double standard_error(std::uint64_t samples, std::uint64_t hits) {
  if (samples == 0) return 0;
  const double p = static_cast<double>(hits) / static_cast<double>(samples);
  return 4.0 * std::sqrt(p * (1.0 - p) / static_cast<double>(samples));
}

estimate make_estimate(std::uint64_t samples, std::uint64_t hits) {
  if (samples == 0 || hits > samples)
    throw std::invalid_argument("mc_pi::make_estimate: need 0 <= hits <= samples, samples > 0");
  estimate e;
  e.samples = samples;
  e.hits = hits;
  e.pi = 4.0 * (static_cast<double>(hits) / static_cast<double>(samples));
  e.error = e.pi - std::numbers::pi;
  e.std_error = standard_error(samples, hits);
  return e;
}

relay::range rank_share(std::uint64_t begin, std::uint64_t end, std::uint64_t ranks,
                        std::uint64_t rank) {
  if (begin >= end) return {end, end};
  const std::uint64_t first = begin / block_size;
  const std::uint64_t last = (end - 1) / block_size + 1;  // blocks [first, last)
  const relay::range mine = relay::block_range(last - first, ranks, rank);
  if (mine.empty()) return {end, end};
  return {std::max(begin, (first + mine.begin) * block_size),
          std::min(end, (first + mine.end) * block_size)};
}

std::uint64_t next_round_end(std::uint64_t done, std::uint64_t hits, std::uint64_t cap,
                             double target) {
  if (done >= cap) return cap;
  const double p = done > 0 ? static_cast<double>(hits) / static_cast<double>(done) : 0.0;
  const double predicted = 1.01 * 16.0 * p * (1.0 - p) / (target * target);
  std::uint64_t want = done + std::max<std::uint64_t>(done / 4, 1);
  if (predicted >= static_cast<double>(cap)) {
    want = cap;
  } else if (predicted > static_cast<double>(want)) {
    want = static_cast<std::uint64_t>(std::ceil(predicted));
  }
  want = std::min(want, cap);
  // Whole blocks, so that round boundaries split no block (cap itself may).
  const std::uint64_t rounded = (want / block_size + (want % block_size != 0)) * block_size;
  return std::min(rounded, cap);
}

}  // namespace mc_pi
