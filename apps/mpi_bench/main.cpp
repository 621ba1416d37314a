// mpi_bench: OSU-style micro-benchmarks of the relay library against raw MPI (and, for serialized
// types, against Boost.MPI), measured side by side in one run.

#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app.hpp"
#include "bench.hpp"

namespace {

using relay::app::usage_error;

/// Parses a size in bytes: "4096", "1e6", "64K", "4KiB", "16M", "1MiB", "1G" (K/M/G are powers
/// of 1024). Must be positive.
std::size_t parse_size(std::string text, const std::string& what) {
  std::uint64_t unit = 1;
  const auto ends_with = [&](const std::string& suffix) {
    return text.size() > suffix.size() &&
           text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  for (const auto& [suffix, scale] :
       std::vector<std::pair<std::string, std::uint64_t>>{{"KiB", 1ull << 10},
                                                          {"MiB", 1ull << 20},
                                                          {"GiB", 1ull << 30},
                                                          {"K", 1ull << 10},
                                                          {"M", 1ull << 20},
                                                          {"G", 1ull << 30},
                                                          {"B", 1}}) {
    if (ends_with(suffix)) {
      text.resize(text.size() - suffix.size());
      unit = scale;
      break;
    }
  }
  constexpr std::uint64_t limit = std::uint64_t{1} << 30;  // 1 GiB per message is plenty
  const std::uint64_t n = relay::app::parse_count(text, what, {.min = 0, .max = limit / unit});
  if (n == 0) throw usage_error(what + " must be positive");
  return static_cast<std::size_t>(n * unit);
}

bool is_serialized(const std::string& op) {
  return op.rfind("ser_", 0) == 0;
}

/// Reductions work on whole doubles, so they skip sizes below 8 bytes.
bool fits(const std::string& op, std::size_t bytes) {
  return op.find("reduce") == std::string::npos || bytes >= sizeof(double);
}

std::vector<std::size_t> sizes_between(std::size_t lo, std::size_t hi) {
  std::vector<std::size_t> sizes;
  for (std::size_t s = lo; s <= hi; s *= 2) sizes.push_back(s);
  return sizes;
}

std::string mpi_version() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(text, &len);
  std::string v(text, static_cast<std::size_t>(len));
  if (auto cut = v.find_first_of(",\n"); cut != std::string::npos) v.resize(cut);
  return v;
}

std::string fixed(double v, int digits) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(digits) << v;
  return out.str();
}

void print_contiguous(const std::vector<mpi_bench::row>& rows) {
  std::cout << std::left << std::setw(10) << "op" << std::right << ' ' << std::setw(10) << "bytes"
            << ' ' << std::setw(12) << "lib_us" << ' ' << std::setw(12) << "raw_us" << ' '
            << std::setw(8) << "ratio" << ' ' << std::setw(12) << "lib_MB/s" << ' ' << std::setw(12)
            << "raw_MB/s"
            << "\n";
  for (const auto& r : rows) {
    std::cout << std::left << std::setw(10) << r.op << std::right << ' ' << std::setw(10) << r.bytes
              << ' ' << std::setw(12) << fixed(r.lib_us, 2) << ' ' << std::setw(12)
              << fixed(r.ref_us, 2) << ' ' << std::setw(8) << fixed(r.ratio, 3);
    if (r.lib_mbps >= 0)
      std::cout << ' ' << std::setw(12) << fixed(r.lib_mbps, 1) << ' ' << std::setw(12)
                << fixed(r.ref_mbps, 1);
    std::cout << "\n";
  }
}

void print_serialized(const std::vector<mpi_bench::row>& rows, std::size_t elements) {
  std::cout << "\n# serialized values of " << elements
            << " elements: relay vs Boost.MPI's default path (speedup = boost_us / lib_us)\n";
  std::cout << std::left << std::setw(11) << "op" << ' ' << std::setw(18) << "type" << std::right
            << ' ' << std::setw(11) << "bytes" << ' ' << std::setw(12) << "lib_us" << ' '
            << std::setw(12) << "boost_us" << ' ' << std::setw(9) << "speedup"
            << "\n";
  for (const auto& r : rows)
    std::cout << std::left << std::setw(11) << r.op << ' ' << std::setw(18) << r.type << std::right
              << ' ' << std::setw(11) << r.bytes << ' ' << std::setw(12) << fixed(r.lib_us, 1)
              << ' ' << std::setw(12) << fixed(r.ref_us, 1) << ' ' << std::setw(9)
              << fixed(1.0 / r.ratio, 2) << "\n";
}

/// Worst and median lib/raw ratio over the rows in [lo, hi) bytes, per target.
struct summary_line {
  std::string label;
  double limit = 0;
  double worst = 0, median = 0;
  std::size_t count = 0;
  std::string worst_at;
};

std::vector<summary_line> summarize(const std::vector<mpi_bench::row>& rows) {
  std::vector<summary_line> lines(2);
  lines[0].label = "sizes >= 1 KiB";
  lines[0].limit = 1.05;
  lines[1].label = "sizes < 1 KiB";
  lines[1].limit = 1.10;
  for (std::size_t k = 0; k < lines.size(); ++k) {
    std::vector<double> ratios;
    for (const auto& r : rows) {
      if ((r.bytes >= 1024) != (k == 0)) continue;
      ratios.push_back(r.ratio);
      if (r.ratio > lines[k].worst) {
        lines[k].worst = r.ratio;
        lines[k].worst_at = r.op + " " + std::to_string(r.bytes) + " B";
      }
    }
    lines[k].count = ratios.size();
    if (!ratios.empty()) {
      std::sort(ratios.begin(), ratios.end());
      lines[k].median = ratios[ratios.size() / 2];
    }
  }
  return lines;
}

int bench(int argc, char** argv, const relay::communicator& world) {
  CLI::App cli{
      "OSU-style micro-benchmarks of the relay library against raw MPI, side by side in one run. "
      "For every operation and size the library and raw MPI run interleaved (the order "
      "alternates), each timed loop after warm-ups and a barrier; a time is the maximum over "
      "ranks, and the table shows medians over repetitions and the median of the paired lib/raw "
      "ratios. Received data is checked for both sides before timing. Operations: pingpong "
      "(one-way latency, ranks 0 and 1), bw (a window of non-blocking sends, as osu_bw), bcast, "
      "scatter, gather, reduce, allreduce (sum of doubles), and for serialized types (vector of "
      "strings, map, vectors of user structs) ser_p2p and ser_bcast against Boost.MPI's own "
      "path. Doubles are sent where the size is a multiple of 8 bytes, chars otherwise.",
      "mpi_bench"};
  std::vector<std::string> ops;
  std::string min_text = "1", max_text = "16MiB", reps_text = "5", window_text = "64",
              elements_text = "1e5", loop_text = "2";
  bool json = false;
  cli.add_option("--ops", ops,
                 "Operations to run, comma-separated: pingpong, bw, bcast, scatter, gather, "
                 "reduce, allreduce, ser_p2p, ser_bcast, or the groups contiguous, serialized, "
                 "all (default: all; at 1 rank, all but the two-rank operations)")
      ->delimiter(',');
  cli.add_option("--min-size", min_text, "Smallest message in bytes (suffixes K, M, KiB, MiB)")
      ->capture_default_str();
  cli.add_option("--max-size", max_text, "Largest message; sizes double from --min-size")
      ->capture_default_str();
  cli.add_option("--reps", reps_text, "Timed repetitions per size (the median is reported)")
      ->capture_default_str();
  cli.add_option("--loop-ms", loop_text,
                 "Target milliseconds per timed loop (sets the iteration count)")
      ->capture_default_str();
  cli.add_option("--window", window_text, "Messages in flight in bw")->capture_default_str();
  cli.add_option("--elements", elements_text, "Elements per serialized container")
      ->capture_default_str();
  cli.add_flag("--json", json,
               "Print one JSON object: {\"ranks\", \"mpi\", \"results\": [{op, type, bytes, "
               "lib_us, raw_us, ratio, ...}], \"serialized\": [...]}");
  cli.footer(
      "Example: mpirun -n 2 mpi_bench --ops bcast,allreduce --min-size 1K --max-size 1M\n"
      "Targets (2 ranks): lib/raw <= 1.05 for sizes >= 1 KiB, <= 1.10 below; serialized >= 2x "
      "Boost.MPI.");
  relay::app::parse(cli, argc, argv, world);

  mpi_bench::settings s;
  const std::size_t min_size = parse_size(min_text, "--min-size");
  const std::size_t max_size = parse_size(max_text, "--max-size");
  if (min_size > max_size)
    throw usage_error("--min-size (" + std::to_string(min_size) + ") is larger than --max-size (" +
                      std::to_string(max_size) + ")");
  s.reps = static_cast<int>(relay::app::parse_count(reps_text, "--reps", {.min = 0, .max = 1000}));
  if (s.reps == 0) throw usage_error("--reps must be positive");
  s.window =
      static_cast<int>(relay::app::parse_count(window_text, "--window", {.min = 0, .max = 4096}));
  if (s.window == 0) throw usage_error("--window must be positive");
  s.elements = relay::app::parse_count(elements_text, "--elements", {.min = 0, .max = 100'000'000});
  if (s.elements == 0) throw usage_error("--elements must be positive");
  try {
    std::size_t used = 0;
    s.loop_ms = std::stod(loop_text, &used);
    if (used != loop_text.size() || !(s.loop_ms > 0) || s.loop_ms > 60000) throw std::exception();
  } catch (const std::exception&) {
    throw usage_error("--loop-ms must be a positive number of milliseconds (got '" + loop_text +
                      "')");
  }

  // Expand groups, reject unknown names, keep the canonical order.
  const bool explicit_ops = !ops.empty();
  if (ops.empty()) ops = {"all"};
  std::vector<std::string> chosen;
  const auto add = [&](const std::vector<std::string>& names) {
    chosen.insert(chosen.end(), names.begin(), names.end());
  };
  for (const auto& name : ops) {
    const auto& c = mpi_bench::contiguous_ops();
    const auto& z = mpi_bench::serialized_ops();
    if (name == "all") {
      add(c);
      add(z);
    } else if (name == "contiguous") {
      add(c);
    } else if (name == "serialized") {
      add(z);
    } else if (std::find(c.begin(), c.end(), name) != c.end() ||
               std::find(z.begin(), z.end(), name) != z.end()) {
      chosen.push_back(name);
    } else {
      throw usage_error("unknown operation '" + name +
                        "' (choose from pingpong, bw, bcast, scatter, gather, reduce, allreduce, "
                        "ser_p2p, ser_bcast, contiguous, serialized, all)");
    }
  }
  std::vector<std::string> order = mpi_bench::contiguous_ops();
  order.insert(order.end(), mpi_bench::serialized_ops().begin(), mpi_bench::serialized_ops().end());
  std::vector<std::string> run;
  for (const auto& name : order)
    if (std::find(chosen.begin(), chosen.end(), name) != chosen.end()) run.push_back(name);
  if (world.size() < 2) {
    const bool wants_pair = std::any_of(run.begin(), run.end(), mpi_bench::needs_two_ranks);
    if (wants_pair && explicit_ops)
      throw usage_error("pingpong, bw and ser_p2p need at least 2 ranks (run with mpirun -n 2)");
    if (wants_pair && world.rank() == 0 && !json)
      std::cerr << "mpi_bench: 1 rank: skipping pingpong, bw and ser_p2p (they need 2 ranks)\n";
    std::erase_if(run, mpi_bench::needs_two_ranks);
  }

  s.progress = world.rank() == 0 && isatty(STDERR_FILENO);
  const auto sizes = sizes_between(min_size, max_size);
  std::size_t total = 0;
  for (const auto& op : run)
    total += is_serialized(op)
                 ? 1
                 : static_cast<std::size_t>(std::count_if(
                       sizes.begin(), sizes.end(), [&](std::size_t b) { return fits(op, b); }));

  if (world.rank() == 0 && !json)
    std::cout << "# mpi_bench: " << world.size() << " ranks, " << mpi_version() << "; median of "
              << s.reps << " repetitions, time per operation (max over ranks)\n";

  std::vector<mpi_bench::row> contiguous, serialized;
  std::size_t done = 0;
  const auto progress = [&](const std::string& what) {
    if (!s.progress) return;
    std::cerr << "\rmpi_bench: [" << ++done << "/" << total << "] " << what << "          "
              << std::flush;
  };
  for (const auto& op : run) {
    if (is_serialized(op)) {
      progress(op);
      auto rows = mpi_bench::run_serialized(world, s, op);
      serialized.insert(serialized.end(), rows.begin(), rows.end());
      continue;
    }
    for (std::size_t bytes : sizes) {
      if (!fits(op, bytes)) continue;
      progress(op + " " + std::to_string(bytes) + " B");
      contiguous.push_back(mpi_bench::run_contiguous(world, s, op, bytes));
    }
  }
  if (s.progress) std::cerr << "\r" << std::string(60, ' ') << "\r" << std::flush;
  if (world.rank() != 0) return relay::app::exit_ok;

  const auto lines = summarize(contiguous);
  if (json) {
    using json_t = nlohmann::ordered_json;
    json_t out;
    out["ranks"] = world.size();
    out["mpi"] = mpi_version();
    out["reps"] = s.reps;
    out["results"] = json_t::array();
    for (const auto& r : contiguous) {
      json_t j{{"op", r.op},         {"type", r.type},     {"bytes", r.bytes},
               {"lib_us", r.lib_us}, {"raw_us", r.ref_us}, {"ratio", r.ratio}};
      if (r.lib_mbps >= 0) {
        j["lib_mbps"] = r.lib_mbps;
        j["raw_mbps"] = r.ref_mbps;
      }
      out["results"].push_back(j);
    }
    out["serialized"] = json_t::array();
    for (const auto& r : serialized)
      out["serialized"].push_back({{"op", r.op},
                                   {"type", r.type},
                                   {"elements", s.elements},
                                   {"bytes", r.bytes},
                                   {"lib_us", r.lib_us},
                                   {"boost_us", r.ref_us},
                                   {"speedup", 1.0 / r.ratio}});
    out["summary"] = json_t::array();
    for (const auto& l : lines)
      if (l.count)
        out["summary"].push_back({{"sizes", l.label},
                                  {"count", l.count},
                                  {"median_ratio", l.median},
                                  {"worst_ratio", l.worst},
                                  {"worst_at", l.worst_at},
                                  {"target", l.limit}});
    std::cout << out.dump() << std::endl;
    return relay::app::exit_ok;
  }
  if (!contiguous.empty()) {
    print_contiguous(contiguous);
    std::cout << "\n# lib/raw ratio over all contiguous rows\n";
    for (const auto& l : lines)
      if (l.count)
        std::cout << "#   " << std::left << std::setw(15) << l.label << std::right << " median "
                  << fixed(l.median, 3) << ", worst " << fixed(l.worst, 3) << " (" << l.worst_at
                  << "), target <= " << fixed(l.limit, 2) << "\n";
  }
  if (!serialized.empty()) print_serialized(serialized, s.elements);
  return relay::app::exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
  return relay::app::run(argc, argv, "mpi_bench", bench);
}
