#pragma once
// The four methods distributed over the ranks of a communicator. Every function is called by
// every rank with the same arguments and returns the same sums on every rank.

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "prime_sums.hpp"
#include "relay/communicator.hpp"

namespace prime_sums {

enum class method { trial, sieve, lucy, dr };
enum class decomposition { block, cyclic, dynamic };

[[nodiscard]] const char* name(method m);
[[nodiscard]] const char* name(decomposition d);

/// What one rank did.
struct rank_stats {
  double seconds = 0;         ///< time in the method's own work on this rank
  double cpu_seconds = 0;     ///< CPU time of that work (unaffected by other jobs on the core)
  std::uint64_t numbers = 0;  ///< trial: numbers tested; sieve: numbers in its block; lucy: Ns
  std::uint64_t work = 0;     ///< trial: division steps; sieve: primes found; lucy: table entries;
                              ///< dr: special leaves evaluated
  std::uint64_t memory = 0;   ///< bytes of the method's tables on this rank (lucy, dr)
};

/// Units of rank_stats::work for each method, for reports.
[[nodiscard]] const char* work_unit(method m);

struct options {
  decomposition decomp = decomposition::cyclic;  ///< trial only
  std::uint64_t chunk = 0;  ///< trial's cyclic/dynamic chunk in numbers; 0: the default
  /// Called on rank 0 with the fraction of its own work done (0..1); may be empty.
  std::function<void(double)> progress;
};

struct run_result {
  std::vector<u128> sums;  ///< one per N, in the order given; the same on every rank
  rank_stats mine;         ///< this rank's part
};

/// The default chunk of --decomposition cyclic and dynamic for numbers 2..max_n on `ranks` ranks.
[[nodiscard]] std::uint64_t default_chunk(decomposition d, std::uint64_t max_n, int ranks);

[[nodiscard]] run_result run_trial(const relay::communicator& comm,
                                   std::span<const std::uint64_t> ns, const options& opt);
[[nodiscard]] run_result run_sieve(const relay::communicator& comm,
                                   std::span<const std::uint64_t> ns, const options& opt);
[[nodiscard]] run_result run_lucy(const relay::communicator& comm,
                                  std::span<const std::uint64_t> ns, const options& opt);
/// Deleglise-Rivat for sums (dr.hpp): every rank builds the tables of each N, and the tasks
/// (hard leaves first, in segments) go through relay::pool to whichever rank is free.
[[nodiscard]] run_result run_dr(const relay::communicator& comm, std::span<const std::uint64_t> ns,
                                const options& opt);
[[nodiscard]] run_result run(method m, const relay::communicator& comm,
                             std::span<const std::uint64_t> ns, const options& opt);

/// The ranks' share of the Ns under lucy: owner[i] for each distinct N (ascending), largest
/// first to the least loaded rank by the cost estimate N^(3/4). The same on every rank.
[[nodiscard]] std::vector<int> lucy_owners(std::span<const std::uint64_t> distinct_ns, int ranks);

/// The distinct Ns in ascending order.
[[nodiscard]] std::vector<std::uint64_t> distinct(std::span<const std::uint64_t> ns);
/// Sums per distinct N (`sorted`, ascending) -> sums in the order of `ns`.
[[nodiscard]] std::vector<u128> in_given_order(std::span<const std::uint64_t> ns,
                                               const std::vector<std::uint64_t>& sorted,
                                               const std::vector<u128>& sums);

/// Estimated seconds of dr on `ranks` ranks for the distinct Ns `sorted`, from measured rates.
[[nodiscard]] double dr_estimate_seconds(const std::vector<std::uint64_t>& sorted, int ranks);

/// Estimated seconds of a method on `ranks` ranks (for --method auto), from measured rates.
[[nodiscard]] double estimate_seconds(method m, std::span<const std::uint64_t> ns, int ranks);
/// The method --method auto picks: the smallest estimate of sieve, lucy and dr (trial never).
[[nodiscard]] method pick_auto(std::span<const std::uint64_t> ns, int ranks);
/// The method --verify checks `m` against: dr against lucy, lucy against dr, the rest against
/// lucy.
[[nodiscard]] method verify_method(method m);

}  // namespace prime_sums
