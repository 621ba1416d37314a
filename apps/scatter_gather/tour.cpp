#include "tour.hpp"

#include <ostream>
#include <sstream>

#include "relay/collectives.hpp"
#include "relay/error.hpp"
#include "relay/output.hpp"
#include "relay/p2p.hpp"
#include "relay/reduce.hpp"

namespace scatter_gather {

namespace {

/// The seed's tag-less sends use tag 0.
constexpr int p2p_tag = 0;
/// Rank 0 sends to these ranks, as in the seed (those that exist).
constexpr int p2p_targets[] = {1, 2};

/// Writes `line` from rank 0 only (for headings and the root's lines).
void root_line(const relay::communicator& comm, std::ostream* text, const std::string& line) {
  if (text && comm.rank() == 0) *text << line << '\n';
}

/// Prints one line per rank, in rank order, through rank 0.
void rank_lines(const relay::communicator& comm, std::ostream* text, const std::string& line) {
  if (text) relay::print_ordered(comm, line, *text);
}

}  // namespace

std::vector<big> seed_values(std::uint64_t count) {
  std::vector<big> values;
  values.reserve(count);
  for (std::uint64_t x = 0; x < count; ++x)
    values.push_back(boost::multiprecision::pow(big(x + 1), static_cast<unsigned>(x)));
  return values;
}

std::string show(const big& value, bool full) {
  std::string digits = value.str();
  if (full || digits.size() <= digits_shown) return digits;
  const std::size_t keep = 20;
  return digits.substr(0, keep) + "..." + digits.substr(digits.size() - keep) + " (" +
         std::to_string(digits.size()) + " digits)";
}

std::string py_list(std::span<const big> values, bool full) {
  std::ostringstream out;
  out << '[';
  const bool shorten = !full && values.size() > list_shown;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (shorten && i == list_shown / 2) {
      out << "... " << values.size() - list_shown << " more ..., ";
      i = values.size() - list_shown / 2;
    }
    out << show(values[i], full) << (i + 1 < values.size() ? ", " : "");
  }
  out << ']';
  return out.str();
}

std::string py_dict(const std::map<std::string, int>& dict) {
  std::ostringstream out;
  out << '{';
  bool first = true;
  for (const auto& [key, value] : dict) {
    out << (first ? "" : ", ") << '\'' << key << "': " << value;
    first = false;
  }
  out << '}';
  return out.str();
}

result run(const relay::communicator& comm, const options& opts, std::ostream* text) {
  const int rank = comm.rank();
  const int size = comm.size();
  result res;
  res.ranks = size;

  // --- point-to-point: rank 0 sends its (rank+1)*5 to ranks 1 and 2 ------------------------------
  root_line(comm, text, "# point-to-point: rank 0 sends (rank+1)*5 to ranks 1 and 2");
  const int shared = (rank + 1) * 5;
  std::string line;
  int received = -1;
  if (rank == 0) {
    std::ostringstream sent;
    for (int dest : p2p_targets) {
      if (dest >= size) continue;
      relay::send(comm, shared, dest, p2p_tag);
      sent << (sent.tellp() > 0 ? "\n" : "") << "rank 0 sent " << shared << " to rank " << dest;
    }
    line = sent.tellp() > 0 ? sent.str() : "rank 0 has no rank 1 or 2 to send to";
  } else if (rank == 1 || rank == 2) {
    received = relay::recv<int>(comm, 0, p2p_tag);
    line =
        "rank " + std::to_string(rank) + " received " + std::to_string(received) + " from rank 0";
  }
  rank_lines(comm, text, line);
  const auto all_received = relay::gather(comm, received, 0).value_or(std::vector<int>{});
  for (int r = 0; r < static_cast<int>(all_received.size()); ++r)
    if (all_received[static_cast<std::size_t>(r)] >= 0)
      res.p2p.push_back({0, r, all_received[static_cast<std::size_t>(r)]});

  // --- broadcast of a dict ---------------------------------------------------------------------
  root_line(comm, text, "# bcast: a dict from rank 0 to every rank");
  const std::map<std::string, int> dict = {{"a", 1}, {"b", 2}, {"c", 3}};
  const auto got = relay::bcast(comm, rank == 0 ? dict : std::map<std::string, int>{}, 0);
  rank_lines(comm, text, "rank " + std::to_string(rank) + " " + py_dict(got));
  const bool agree = relay::allreduce(comm, got == dict, std::logical_and<>{});
  if (!agree) throw relay::error("bcast: a rank received a different dict");
  res.bcast = got;

  // --- scatter (one value per rank) or scatterv (any count) -------------------------------------
  const std::uint64_t count = opts.count.value_or(static_cast<std::uint64_t>(size));
  std::vector<big> values;
  if (rank == 0) values = seed_values(count);
  root_line(comm, text,
            opts.count ? "# scatterv: [(x+1)**x for x in range(" + std::to_string(count) +
                             ")] in balanced blocks"
                       : "# scatter: [(x+1)**x for x in range(size)], one per rank");
  root_line(comm, text, "we will be scattering: " + py_list(values, opts.full));
  std::vector<big> mine;
  if (opts.count)
    mine = relay::scatter_balanced(comm, values, 0);
  else
    mine.push_back(relay::scatter(comm, values, 0));
  const auto shown = [&](const std::vector<big>& v) {
    return opts.count ? py_list(v, opts.full) : show(v.front(), opts.full);
  };
  rank_lines(comm, text, "rank " + std::to_string(rank) + " has data: " + shown(mine));

  // --- gather: every rank adds 1, the root collects ---------------------------------------------
  root_line(comm, text, "# gather: every rank adds 1 and rank 0 collects");
  for (auto& v : mine) v += 1;
  rank_lines(comm, text, "rank " + std::to_string(rank) + " has data: " + shown(mine));
  res.gathered = (opts.count ? relay::gatherv(comm, mine, 0) : relay::gather(comm, mine.front(), 0))
                     .value_or(std::vector<big>{});  // empty off the root
  root_line(comm, text, "master collected: " + py_list(res.gathered, opts.full));

  // --- reduce: the sum of the gathered values ---------------------------------------------------
  root_line(comm, text, "# reduce: the sum of the gathered values");
  big local = 0;
  for (const auto& v : mine) local += v;
  res.sum = relay::reduce(comm, local, std::plus<>{}, 0).value_or(big{0});
  if (rank == 0) {
    big check = 0;
    for (const auto& v : res.gathered) check += v;
    if (check != res.sum) throw relay::error("reduce: the sum differs from the gathered values");
  }
  root_line(comm, text, "sum: " + show(res.sum, opts.full));

  res.scattered = std::move(values);
  return res;
}

}  // namespace scatter_gather
