#pragma once
// The scatter_gather tour: the seed lesson's MPI examples (send/recv, bcast of a dict, scatter of
// (x+1)**x, gather, reduce) with exact big integers and scatterv for any count.

#include <boost/multiprecision/cpp_int.hpp>

#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "relay/communicator.hpp"

namespace scatter_gather {

using big = boost::multiprecision::cpp_int;

/// The largest --count: (x+1)**x has about x*log10(x+1) digits, so the values for 5000 already
/// total some 8 million digits.
inline constexpr std::uint64_t max_count = 5000;
/// Lists longer than this are shown by their ends in text output (unless --full).
inline constexpr std::size_t list_shown = 16;
/// Numbers with more digits than this are shown by their ends in text output (unless --full).
inline constexpr std::size_t digits_shown = 60;

/// The seed's data: [(x+1)**x for x in range(count)], exactly.
[[nodiscard]] std::vector<big> seed_values(std::uint64_t count);

/// Python's repr of the values, e.g. "[1, 2, 9]". Unless `full`, long lists keep their first and
/// last list_shown/2 elements and long numbers their first and last digits, marked with "...".
[[nodiscard]] std::string py_list(std::span<const big> values, bool full);
/// Python's repr of a str->int dict: "{'a': 1, 'b': 2}".
[[nodiscard]] std::string py_dict(const std::map<std::string, int>& dict);
/// A number in decimal, shortened as described for py_list unless `full`.
[[nodiscard]] std::string show(const big& value, bool full);

struct options {
  std::optional<std::uint64_t> count;  ///< scatter this many values with scatterv
  bool full = false;                   ///< print long lists and numbers in full
};

/// One point-to-point message of the tour.
struct p2p_record {
  int from = 0;
  int to = 0;
  int value = 0;
};

/// What the tour computed, complete on rank 0.
struct result {
  int ranks = 0;
  std::vector<p2p_record> p2p;
  std::map<std::string, int> bcast;
  std::vector<big> scattered;  ///< the root's values before scattering
  std::vector<big> gathered;   ///< the values gathered back, each plus one
  big sum;                     ///< the reduction (sum) of the gathered values
};

/// Runs the tour on every rank of `comm`. When `text` is set, rank 0 writes the lesson's output to
/// it as the tour goes, per-rank lines in rank order. Called by every rank.
[[nodiscard]] result run(const relay::communicator& comm, const options& opts, std::ostream* text);

}  // namespace scatter_gather
