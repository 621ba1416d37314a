// Segmented sieve of Eratosthenes on a mod-30 wheel, summing the primes it finds.
//
// Layout: byte b holds the numbers 30b + {1, 7, 11, 13, 17, 19, 23, 29}, one bit each, so a
// byte covers 30 numbers and the array is 1/30 of the range (a plain byte-per-odd sieve is 15x
// larger and touches 15x more memory).
//
// Per segment (seg_bytes, sized to half of L2):
//   1. pre-sieve: the segment is filled from precomputed periodic patterns of the primes
//      7..67 (ANDed together), instead of crossing off their many multiples one by one;
//   2. small sieving primes (at least several hits per L1 chunk) cross off within L1-sized chunks
//      of the segment, eight multiples per turn of the wheel with fixed offsets and masks
//      (one unrolled loop per residue class of p mod 30);
//   3. medium primes cross off over the whole segment with the same loops;
//   4. large primes (fewer hits than a segment has wheel turns) live in buckets, one per upcoming
//      segment (Oliveira e Silva's bucket sieve): a segment touches only the primes that hit it;
//   5. the surviving bits are summed with a branch-free table kernel (AVX2 nibble look-ups and
//      sums of absolute differences where the CPU has them): sum = 30 * sum(byte index * popcount)
//      + sum(offsets of the set bits).
//
// Files by stage: wheel.hpp (the wheel's tables and the tuning constants), presieve.cpp (1),
// cross_off.hpp (2, 3), bucket.hpp (4), summation.cpp and summation_avx2.cpp (5), split.cpp (the
// blocks of the range, one per rank); this file drives them over the segments of one block.

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "bucket.hpp"
#include "cross_off.hpp"
#include "presieve.hpp"
#include "prime_sums.hpp"
#include "summation.hpp"
#include "wheel.hpp"

namespace prime_sums {

using namespace sieve_detail;

std::vector<std::uint32_t> primes_up_to(std::uint32_t limit) {
  std::vector<std::uint32_t> primes;
  if (limit < 2) return primes;
  primes.push_back(2);
  // Odd numbers only; base primes up to sqrt(limit) < 65536 sieve segments of 2^18 odd numbers.
  const auto root = static_cast<std::uint32_t>(isqrt(limit));
  std::vector<std::uint8_t> base(root / 2 + 1, 1);
  std::vector<std::uint32_t> base_primes;
  for (std::uint32_t i = 3; i <= root; i += 2) {
    if (!base[i / 2]) continue;
    base_primes.push_back(i);
    for (std::uint64_t j = std::uint64_t{i} * i; j <= root; j += 2 * i) base[j / 2] = 0;
  }
  constexpr std::uint64_t span = std::uint64_t{1} << 19;  // numbers per segment
  std::vector<std::uint8_t> seg(span / 2);
  for (std::uint64_t lo = 0; lo <= limit; lo += span) {
    const std::uint64_t hi = std::min<std::uint64_t>(lo + span, std::uint64_t{limit} + 1);
    std::fill(seg.begin(), seg.end(), 1);
    for (const std::uint64_t p : base_primes) {
      if (p * p >= hi) break;
      std::uint64_t j = std::max(p * p, (lo + p - 1) / p * p);
      if (j % 2 == 0) j += p;
      for (; j < hi; j += 2 * p) seg[(j - lo) / 2] = 0;
    }
    for (std::uint64_t n = lo + 1; n < hi; n += 2)
      if (n >= 3 && seg[(n - lo) / 2]) primes.push_back(static_cast<std::uint32_t>(n));
  }
  return primes;
}

sieve_result sieve_block(std::span<const std::uint64_t> ns, std::uint64_t byte_begin,
                         std::uint64_t byte_end, const progress_fn& progress) {
  if (!std::is_sorted(ns.begin(), ns.end()))
    throw std::invalid_argument("sieve_block: the Ns must be sorted");
  sieve_result out;
  out.sums.assign(ns.size(), 0);
  if (ns.empty()) return out;
  const std::uint64_t max_n = ns.back();
  byte_end = std::min(byte_end, sieve_bytes(max_n));
  if (byte_begin >= byte_end) return out;

  // 2, 3 and 5 are not on the wheel: the block that holds byte 0 adds them.
  if (byte_begin == 0) {
    for (std::size_t i = 0; i < ns.size(); ++i)
      for (std::uint64_t p : {2, 3, 5})
        if (p <= ns[i]) out.sums[i] += p;
    for (std::uint64_t p : {2, 3, 5})
      if (p <= max_n) ++out.primes;
  }

  // Sieving primes: 71 <= p <= sqrt(max N) (7..67 are pre-sieved). p^2 <= the block's end.
  const auto root = static_cast<std::uint32_t>(isqrt(max_n));
  const std::vector<std::uint32_t> primes = primes_up_to(root);
  std::size_t next_prime = 0;
  while (next_prime < primes.size() && primes[next_prime] <= presieve_max) ++next_prime;

  wheel_lists small, medium;
  bucket_ring buckets(root);

  std::vector<std::uint8_t> seg(seg_bytes + 64);

  // The Ns by wheel byte: the next one to answer, and the running sum of the block so far.
  std::size_t next_n = 0;
  while (next_n < ns.size() && ns[next_n] / 30 < byte_begin) ++next_n;  // before the block: 0
  u128 total = 0;
  std::uint64_t count = 0;

  std::uint64_t segment_index = 0;
  for (std::uint64_t seg_lo = byte_begin; seg_lo < byte_end; seg_lo += seg_bytes, ++segment_index) {
    const std::uint64_t len = std::min(seg_bytes, byte_end - seg_lo);
    const bool last_segment = seg_lo + len >= byte_end;
    std::uint8_t* s = seg.data();
    const u128 seg_end_number = static_cast<u128>(seg_lo + len) * 30;

    // Activate the primes whose square lies before this segment's end.
    while (next_prime < primes.size() &&
           static_cast<u128>(primes[next_prime]) * primes[next_prime] < seg_end_number) {
      const std::uint64_t p = primes[next_prime++];
      const u128 start = std::max<u128>(static_cast<u128>(p) * p, static_cast<u128>(seg_lo) * 30);
      u128 m = (start + p - 1) / p;
      const auto nx = next_coprime[static_cast<unsigned>(m % 30)];
      m += nx.add;
      const u128 byte = static_cast<u128>(p) * m / 30;
      const std::uint64_t pos = static_cast<std::uint64_t>(byte - seg_lo);
      const auto q = static_cast<std::uint32_t>(p / 30);
      const auto cls = static_cast<std::uint8_t>(bit_of[p % 30]);
      if (p < medium_limit) {
        wheel_prime w{q, static_cast<std::uint32_t>(pos), cls, nx.index};
        (p < small_limit ? small : medium).add(w);
      } else {
        buckets.add(segment_index, q, pos, cls * 8u + nx.index);
      }
    }

    // Pre-sieve and small primes, one L1 chunk at a time.
    for (std::uint64_t c = 0; c < len; c += chunk_bytes) {
      const std::uint64_t clen = std::min(chunk_bytes, len - c);
      presieve_fill(s + c, seg_lo + c, clen);
      // The pre-sieve crossed off 7..103 themselves (bytes 0..3), and 1 is not a prime.
      const std::uint64_t at = seg_lo + c;
      if (at < 4) {
        if (at == 0) s[c] = static_cast<std::uint8_t>(s[c] & ~1u);
        for (const std::uint32_t p : presieved_primes)
          if (p / 30 >= at && p / 30 < at + clen)
            s[c + p / 30 - at] =
                static_cast<std::uint8_t>(s[c + p / 30 - at] | (1u << bit_of[p % 30]));
      }
      small.cross_off_all(s + c, static_cast<std::int64_t>(clen));
    }
    medium.cross_off_all(s, static_cast<std::int64_t>(len));

    buckets.cross_off(segment_index, s, len, last_segment);

    // Sum, stopping at every N that ends inside this segment.
    std::uint64_t done = 0;  // bytes of this segment already added to total
    while (next_n < ns.size() && ns[next_n] / 30 < seg_lo + len) {
      const std::uint64_t n = ns[next_n];
      const std::uint64_t at = n / 30 - seg_lo;
      if (at > done) {
        const byte_sums b = sum_bytes(s + done, at - done);
        total += value_of(b, seg_lo + done);
        count += b.count;
        done = at;
      }
      const auto last = static_cast<std::uint8_t>(s[at] & mask_upto[n % 30]);
      const u128 partial =
          30 * static_cast<u128>(seg_lo + at) * byte_count[last] + byte_offsets[last];
      out.sums[next_n] += total + partial;
      if (next_n + 1 == ns.size()) out.primes += count + byte_count[last];
      ++next_n;
    }
    if (done < len) {
      const byte_sums b = sum_bytes(s + done, len - done);
      total += value_of(b, seg_lo + done);
      count += b.count;
    }
    out.segments++;
    if (progress && (segment_index & 15) == 15)
      progress(static_cast<double>(seg_lo + len - byte_begin) /
               static_cast<double>(byte_end - byte_begin));
  }
  // The Ns beyond the block take all of it.
  for (; next_n < ns.size(); ++next_n) {
    out.sums[next_n] += total;
    if (next_n + 1 == ns.size()) out.primes += count;
  }
  return out;
}

std::vector<u128> sieve_sums(std::span<const std::uint64_t> ns) {
  std::vector<std::uint64_t> sorted(ns.begin(), ns.end());
  std::sort(sorted.begin(), sorted.end());
  if (sorted.empty()) return {};
  const sieve_result r = sieve_block(sorted, 0, sieve_bytes(sorted.back()));
  std::vector<u128> out(ns.size());
  for (std::size_t i = 0; i < ns.size(); ++i) {
    const auto at = std::lower_bound(sorted.begin(), sorted.end(), ns[i]) - sorted.begin();
    out[i] = r.sums[static_cast<std::size_t>(at)];
  }
  return out;
}

}  // namespace prime_sums
