#include "report.hpp"

#include <mpi.h>

#include <algorithm>
#include <iomanip>
#include <iostream>

#include <nlohmann/json.hpp>

#include "format.hpp"

namespace mpi_bench {

namespace {

using relay::app::fixed;

void print_contiguous(const std::vector<row>& rows) {
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

void print_serialized(const std::vector<row>& rows, std::size_t elements) {
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

void print_nonblocking(const std::vector<nb_row>& rows, std::size_t elements) {
  std::cout << "\n# non-blocking collectives: relay vs raw MPI_I* (start + wait; ser_ibcast: "
            << elements
            << " elements, raw = length and archive in two MPI_Ibcasts); overlap as "
               "osu_iallreduce: 100 (1 - (t_total - t_compute) / t_comm)\n";
  std::cout << std::left << std::setw(11) << "op" << ' ' << std::setw(16) << "type" << std::right
            << ' ' << std::setw(10) << "bytes" << ' ' << std::setw(11) << "lib_us" << ' '
            << std::setw(11) << "raw_us" << ' ' << std::setw(7) << "ratio" << ' ' << std::setw(9)
            << "overlap%" << ' ' << std::setw(9) << "raw_ovl%"
            << "\n";
  for (const auto& r : rows)
    std::cout << std::left << std::setw(11) << r.op << ' ' << std::setw(16) << r.type << std::right
              << ' ' << std::setw(10) << r.bytes << ' ' << std::setw(11) << fixed(r.lib_us, 2)
              << ' ' << std::setw(11) << fixed(r.raw_us, 2) << ' ' << std::setw(7)
              << fixed(r.ratio, 3) << ' ' << std::setw(9) << fixed(r.overlap_pct, 1) << ' '
              << std::setw(9) << fixed(r.raw_overlap_pct, 1) << "\n";
}

std::string join(const std::vector<std::uint64_t>& counts) {
  std::string text;
  for (std::uint64_t c : counts) text += (text.empty() ? "" : " ") + std::to_string(c);
  return text;
}

void print_pool(const std::vector<pool_row>& rows, int reps, int ranks) {
  std::cout << "\n# pool_map (relay::pool::map): " << ranks << " ranks, " << mpi_version()
            << "; median of " << reps
            << " maps, the root's wall time; disp_cpu: CPU of the root's MPI thread / wall time; "
               "efficiency: serial / (workers * parallel)\n";
  std::cout << std::left << std::setw(13) << "task" << std::right << ' ' << std::setw(9)
            << "chunksize" << ' ' << std::setw(9) << "tasks" << ' ' << std::setw(4) << "root" << ' '
            << std::setw(5) << "group" << ' ' << std::setw(9) << "seconds" << ' ' << std::setw(11)
            << "tasks/s" << ' ' << std::setw(8) << "disp_cpu" << ' ' << std::setw(10)
            << "efficiency"
            << "  tasks per rank\n";
  for (const auto& r : rows)
    std::cout << std::left << std::setw(13) << r.task << std::right << ' ' << std::setw(9)
              << r.chunksize << ' ' << std::setw(9) << r.tasks << ' ' << std::setw(4)
              << (r.root_works ? "yes" : "no") << ' ' << std::setw(5) << r.group_size << ' '
              << std::setw(9) << relay::app::format("%.4g", r.seconds) << ' ' << std::setw(11)
              << fixed(r.tasks_per_second, 0) << ' ' << std::setw(7)
              << fixed(100 * r.dispatcher_cpu_s / r.seconds, 1) << "% " << std::setw(10)
              << (r.efficiency >= 0 ? fixed(100 * r.efficiency, 1) + "%" : "-") << "  "
              << join(r.tasks_per_rank) << "\n";
}

/// Worst and median lib/raw ratio over the rows in [lo, hi) bytes, per target.
struct summary_line {
  std::string label;
  double limit = 0;
  double worst = 0, median = 0;
  std::size_t count = 0;
  std::string worst_at;
};

std::vector<summary_line> summarize(const std::vector<row>& rows) {
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

nlohmann::ordered_json pool_json(const pool_row& r) {
  nlohmann::ordered_json j{{"op", "pool_map"},
                           {"task", r.task},
                           {"chunksize", r.chunksize},
                           {"tasks", r.tasks},
                           {"tasks_per_second", r.tasks_per_second},
                           {"best_tasks_per_second", r.best_tasks_per_second},
                           {"seconds", r.seconds},
                           {"root_works", r.root_works},
                           {"group_size", r.group_size},
                           {"workers", r.workers},
                           {"dispatcher_cpu_s", r.dispatcher_cpu_s},
                           {"messages", r.messages},
                           {"tasks_per_rank", r.tasks_per_rank}};
  if (r.efficiency >= 0) {
    j["serial_seconds"] = r.serial_seconds;
    j["task_us"] = r.task_us;
    j["efficiency"] = r.efficiency;
  }
  return j;
}

void print_json(const std::vector<row>& contiguous, const std::vector<row>& serialized,
                const std::vector<pool_row>& pool, const std::vector<nb_row>& nonblocking,
                const settings& s, int ranks, const std::vector<summary_line>& lines) {
  using json_t = nlohmann::ordered_json;
  json_t out;
  out["ranks"] = ranks;
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
  if (!pool.empty()) {
    out["pool"] = json_t::array();
    for (const auto& r : pool) out["pool"].push_back(pool_json(r));
  }
  if (!nonblocking.empty()) {
    out["nonblocking"] = json_t::array();
    for (const auto& r : nonblocking)
      out["nonblocking"].push_back({{"op", r.op},
                                    {"type", r.type},
                                    {"bytes", r.bytes},
                                    {"lib_us", r.lib_us},
                                    {"raw_us", r.raw_us},
                                    {"ratio", r.ratio},
                                    {"overlap_pct", r.overlap_pct},
                                    {"raw_overlap_pct", r.raw_overlap_pct}});
  }
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
}

}  // namespace

std::string mpi_version() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(text, &len);
  std::string v(text, static_cast<std::size_t>(len));
  if (auto cut = v.find_first_of(",\n"); cut != std::string::npos) v.resize(cut);
  return v;
}

void print_header(int ranks, int reps) {
  std::cout << "# mpi_bench: " << ranks << " ranks, " << mpi_version() << "; median of " << reps
            << " repetitions, time per operation (max over ranks)\n";
}

void print_results(const std::vector<row>& contiguous, const std::vector<row>& serialized,
                   const std::vector<pool_row>& pool, const std::vector<nb_row>& nonblocking,
                   const settings& s, int ranks, bool json) {
  const auto lines = summarize(contiguous);
  if (json) {
    print_json(contiguous, serialized, pool, nonblocking, s, ranks, lines);
    return;
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
  if (!pool.empty()) print_pool(pool, s.reps, ranks);
  if (!nonblocking.empty()) print_nonblocking(nonblocking, s.elements);
}

}  // namespace mpi_bench
