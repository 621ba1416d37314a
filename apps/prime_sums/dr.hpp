#pragma once
// The sum of the primes <= x by a combinatorial method of the Lagarias-Miller-Odlyzko /
// Deleglise-Rivat family, adapted to sums (Deleglise and Nicolas, arXiv 1207.0603):
//
//     sum of primes <= x = phi_s(x, a) + (p_1 + ... + p_a) - 1 - P2_s(x, a),   a = pi(y),
//
// where phi_s(v, b) is the sum of the n <= v with no prime factor among the first b primes (1
// included) and P2_s the sum of the n = p q <= x with y < p <= q. phi_s(x, a) is expanded into
// ordinary leaves (closed form), easy leaves (from a table of prime sums up to sqrt(x)) and hard
// leaves (a segmented sieve of [1, x / y] that counts what it has not crossed off). See dr.cpp.
//
// The work is cut into tasks (dr_task) that any rank can do in any order with the tables of
// dr_plan, whose results (dr_result) are combined on one rank: the hard-leaf tasks' results in
// the order of their segments. driver.hpp's run_dr hands the tasks out over the ranks.

#include <cstdint>
#include <memory>
#include <vector>

#include "prime_sums.hpp"

namespace prime_sums {

/// One piece of the work for one x.
struct dr_task {
  enum kind_t : std::uint8_t { ordinary, easy, p2, hard } kind = ordinary;
  std::uint64_t begin = 0;  ///< ordinary: n; easy: prime index b; p2: wheel byte; hard: number
  std::uint64_t end = 0;    ///< exclusive
  double cost = 0;          ///< estimated nanoseconds on one core (to hand the largest out first)
};

/// What one task found. Sums are taken mod 2^128 (see dr.cpp on why that is exact).
struct dr_result {
  u128 sum = 0;         ///< the task's whole part (hard: with phi_s of numbers below the task at 0)
  u128 weight_sum = 0;  ///< p2: the sum of the primes p whose x / p lies in the task's block
  std::vector<u128> weights;  ///< hard: per b, the sum of the leaf weights -mu(m) m p_b
  std::vector<u128> totals;   ///< hard: per b, phi_s over the task's numbers after b - 1 primes
  /// Leaves evaluated (a run of clustered easy leaves counts once), or numbers sieved (p2).
  std::uint64_t leaves = 0;

  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& sum& weight_sum& weights& totals& leaves;
  }
};

/// Everything the tasks of one x read: parameters and tables. Built by every rank alike.
class dr_plan {
 public:
  /// alpha: y = alpha x^(1/3) (0 picks it from x).
  explicit dr_plan(std::uint64_t x, double alpha = 0);
  ~dr_plan();
  dr_plan(const dr_plan&) = delete;
  dr_plan& operator=(const dr_plan&) = delete;

  /// The tasks for `ranks` ranks: hard ones first, in segment order, then P2 in order, then the
  /// easy and the ordinary leaves. They may run in any order; combine() takes them in this one.
  [[nodiscard]] std::vector<dr_task> tasks(int ranks) const;
  /// Runs one task (any rank, any order, any thread: the plan is read only).
  [[nodiscard]] dr_result run(const dr_task& t) const;
  /// Combines the results of tasks(ranks) (same order) into the sum of the primes <= x.
  [[nodiscard]] u128 combine(const std::vector<dr_task>& tasks,
                             const std::vector<dr_result>& results) const;

  [[nodiscard]] std::uint64_t x() const;
  [[nodiscard]] std::uint64_t y() const;
  /// Bytes of the tables on this process.
  [[nodiscard]] std::uint64_t memory_bytes() const;

  struct impl;

 private:
  std::unique_ptr<impl> p_;
};

/// The sum of the primes <= x by dr, on this process alone (tests, and x too small to share).
[[nodiscard]] u128 dr_sum(std::uint64_t x, double alpha = 0);

}  // namespace prime_sums
