#pragma once
/// \file
/// The statistics of the estimate, the split of sample ranges over ranks, and the rounds of a
/// --target-error run. Pure functions of integers: the same on every rank and for any rank count.

#include <cstdint>

#include "relay/decompose.hpp"

namespace mc_pi {

/// What N samples with H hits say about pi.
struct estimate {
  std::uint64_t samples = 0;
  std::uint64_t hits = 0;
  double pi = 0;         ///< 4 H / N
  double error = 0;      ///< pi - M_PI
  double std_error = 0;  ///< 4 sqrt(p (1 - p) / N), p = H / N
};

/// The estimate of N samples with H hits (N > 0, H <= N).
[[nodiscard]] estimate make_estimate(std::uint64_t samples, std::uint64_t hits);

/// The standard error 4 sqrt(p (1 - p) / N) of N samples with H hits.
[[nodiscard]] double standard_error(std::uint64_t samples, std::uint64_t hits);

/// The samples of global range [begin, end) that `rank` of `ranks` draws: the blocks the range
/// touches are split into balanced contiguous runs (relay::block_range), one per rank, and each
/// rank takes the part of the range inside its blocks. Only the range's first and last blocks
/// can be partial.
[[nodiscard]] relay::range rank_share(std::uint64_t begin, std::uint64_t end, std::uint64_t ranks,
                                      std::uint64_t rank);

/// The first round of a --target-error run: samples [0, first_round_samples) (or fewer, at the
/// cap).
inline constexpr std::uint64_t first_round_samples = std::uint64_t{1} << 20;

/// Where the next round of a --target-error run ends, after `done` samples with `hits` hits and a
/// cap of `cap` samples: the sample count that the current p predicts for `target` (16 p(1-p)/E^2,
/// plus 1%), but at least 1.25 times `done`, rounded up to whole blocks and at most `cap`. A pure
/// function of integers and E, so every rank, at any rank count, runs the same rounds.
[[nodiscard]] std::uint64_t next_round_end(std::uint64_t done, std::uint64_t hits,
                                           std::uint64_t cap, double target);

}  // namespace mc_pi
