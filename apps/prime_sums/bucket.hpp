#pragma once
// The bucket sieve for the large sieving primes (Oliveira e Silva's): primes with fewer hits
// than a segment has wheel turns live in buckets, one per upcoming segment, so that a segment
// touches only the primes that hit it.

#include <cassert>
#include <cstdint>
#include <vector>

#include "wheel.hpp"

namespace prime_sums::sieve_detail {

/// A large sieving prime waiting in the bucket of the segment of its next multiple: q = p / 30,
/// and (pos << 6 | wheel state) with pos the byte within that segment.
struct bucket_prime {
  std::uint32_t q;
  std::uint32_t pos_state;
};

/// The buckets: a ring of one list per upcoming segment, long enough for the largest jump.
class bucket_ring {
 public:
  /// Room for sieving primes up to `root`; empty (and unused) when none is large.
  explicit bucket_ring(std::uint32_t root) {
    while (ring_ < (std::uint64_t{root} / 4) / seg_bytes + 4) ring_ <<= 1;
    if (root > medium_limit) buckets_.resize(ring_);
  }

  /// Files the prime p = 30 q + wheel[state / 8] whose next multiple is at byte `pos` from the
  /// start of segment `segment` (pos may lie segments ahead), with wheel state `state`.
  void add(std::uint64_t segment, std::uint32_t q, std::uint64_t pos, unsigned state) {
    buckets_[(segment + pos / seg_bytes) & (ring_ - 1)].push_back(
        {q, static_cast<std::uint32_t>((pos % seg_bytes) << 6 | state)});
  }

  /// Crosses off in segment `segment` (bytes s[0, len)) the multiples of the primes in its
  /// bucket, and files each prime again under the segment of its next multiple. The block's
  /// last segment may be short, and nothing follows it: a multiple past it is not re-filed
  /// (its bucket could be this very list, which is being walked).
  void cross_off(std::uint64_t segment, std::uint8_t* s, std::uint64_t len, bool last_segment) {
    if (buckets_.empty()) return;
    auto& here = buckets_[segment & (ring_ - 1)];
    for (const bucket_prime& b : here) {
      std::uint64_t pos = b.pos_state >> 6;
      unsigned state = b.pos_state & 63;
      const std::uint64_t q = b.q;
      while (pos < len) {
        const wheel_step st = steps[state];
        s[pos] &= st.mask;
        pos += q * st.dq + st.dc;
        state = st.next;
      }
      if (last_segment) continue;
      assert(pos / seg_bytes >= 1 && pos / seg_bytes < ring_);
      add(segment, b.q, pos, state);
    }
    here.clear();
  }

 private:
  std::uint64_t ring_ = 1;
  std::vector<std::vector<bucket_prime>> buckets_;
};

}  // namespace prime_sums::sieve_detail
