#include "report.hpp"

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "format.hpp"

namespace prime_sums {

namespace {

std::string seconds_text(double s) {
  return relay::app::fixed(s, s < 10 ? 4 : 2);
}

const char* numbers_label(method m) {
  switch (m) {
    case method::trial:
      return "numbers tested";
    case method::sieve:
      return "numbers sieved";
    case method::lucy:
      return "values of N";
    case method::dr:
      return "numbers sieved";
  }
  return "numbers";
}

std::string work_key(method m) {
  switch (m) {
    case method::trial:
      return "division_steps";
    case method::sieve:
      return "primes_found";
    case method::lucy:
      return "table_entries";
    case method::dr:
      return "special_leaves";
  }
  return "work";
}

/// Bytes as "0 B", "812 B", "12.3 MiB", "1.5 GiB".
std::string memory_text(std::uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes) / 1024;
  int u = 0;
  for (; v >= 1024 && u < 3; ++u) v /= 1024;
  return relay::app::fixed(v, 1) + " " + units[u];
}

/// The chunk trial's cyclic and dynamic decompositions used.
std::uint64_t chunk_used(const run_facts& f) {
  return f.opt.chunk
             ? f.opt.chunk
             : default_chunk(f.opt.decomp, *std::max_element(f.ns.begin(), f.ns.end()), f.ranks);
}

void print_json(const run_facts& f, const outcome& run, const std::optional<outcome>& check) {
  nlohmann::ordered_json out;
  out["method"] = name(run.m);
  out["ranks"] = f.ranks;
  if (run.m == method::trial) {
    out["decomposition"] = name(f.opt.decomp);
    out["chunk"] = f.opt.decomp == decomposition::block ? 0 : chunk_used(f);
  }
  out["results"] = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < f.ns.size(); ++i)
    out["results"].push_back({{"n", std::to_string(f.ns[i])}, {"sum", to_string(run.sums[i])}});
  out["seconds"] = run.wall;
  out["per_rank"] = nlohmann::ordered_json::array();
  for (int r = 0; r < f.ranks; ++r) {
    const auto& s = run.ranks[static_cast<std::size_t>(r)];
    out["per_rank"].push_back({{"rank", r},
                               {"seconds", s.seconds},
                               {"cpu_seconds", s.cpu_seconds},
                               {"numbers", s.numbers},
                               {work_key(run.m), s.work},
                               {"memory_bytes", s.memory}});
  }
  out["imbalance"] = run.imbalance;
  if (check)
    out["verify"] = {{"method", name(check->m)}, {"seconds", check->wall}, {"agree", true}};
  std::cout << out.dump() << std::endl;
}

void print_text(const run_facts& f, const outcome& run, const std::optional<outcome>& check) {
  const method m = run.m;
  std::ostringstream o;
  o << "# prime_sums: " << name(m);
  if (m == method::trial) {
    o << " (" << name(f.opt.decomp);
    if (f.opt.decomp != decomposition::block) o << ", chunks of " << chunk_used(f);
    o << ")";
  }
  if (f.automatic)
    o << " (auto: estimated sieve " << seconds_text(estimate_seconds(method::sieve, f.ns, f.ranks))
      << " s, lucy " << seconds_text(estimate_seconds(method::lucy, f.ns, f.ranks)) << " s, dr "
      << seconds_text(estimate_seconds(method::dr, f.ns, f.ranks)) << " s)";
  o << " on " << f.ranks << (f.ranks == 1 ? " rank" : " ranks") << "\n";
  for (std::size_t i = 0; i < f.ns.size(); ++i)
    o << f.ns[i] << " : Sum = " << to_string(run.sums[i]) << "\n";
  // dr: each rank's share of the special leaves, which relay::pool hands to whichever is free.
  const bool shares = m == method::dr;
  std::uint64_t all_work = 0;
  for (const auto& s : run.ranks) all_work += s.work;
  o << "# per rank: seconds, " << numbers_label(m) << ", " << work_unit(m)
    << (shares ? " (share)" : "") << ", memory of tables\n";
  const int width = std::to_string(f.ranks - 1).size() > 1 ? 2 : 1;
  for (int r = 0; r < f.ranks; ++r) {
    const auto& s = run.ranks[static_cast<std::size_t>(r)];
    o << "rank " << std::setw(width) << r << ": " << seconds_text(s.seconds) << " s, " << s.numbers
      << " " << numbers_label(m) << ", " << s.work << " " << work_unit(m);
    if (shares)
      o << " ("
        << relay::app::fixed(
               all_work ? 100.0 * static_cast<double>(s.work) / static_cast<double>(all_work) : 0.0,
               1)
        << "%)";
    o << ", " << memory_text(s.memory) << "\n";
  }
  o << "# imbalance (max/mean seconds): " << relay::app::fixed(run.imbalance, 2) << "; wall "
    << seconds_text(run.wall) << " s\n";
  if (check)
    o << "# verify: " << name(check->m) << " agrees on all " << f.ns.size()
      << (f.ns.size() == 1 ? " value" : " values") << " (" << seconds_text(check->wall) << " s)\n";
  std::cout << o.str() << std::flush;
}

}  // namespace

void print_results(const run_facts& facts, const outcome& main_run,
                   const std::optional<outcome>& check, bool json) {
  if (json)
    print_json(facts, main_run, check);
  else
    print_text(facts, main_run, check);
}

void print_differences(const std::vector<std::uint64_t>& ns, const outcome& main_run,
                       const outcome& check, const std::vector<std::size_t>& differ) {
  for (std::size_t i : differ)
    std::cerr << "prime_sums: VERIFY FAILED for N = " << ns[i] << ": " << name(main_run.m)
              << " gives " << to_string(main_run.sums[i]) << ", " << name(check.m) << " gives "
              << to_string(check.sums[i]) << std::endl;
}

}  // namespace prime_sums
