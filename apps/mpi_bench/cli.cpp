#include "cli.hpp"

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <utility>

#include "app.hpp"

namespace mpi_bench {

namespace {

using relay::usage_error;

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
  return static_cast<std::size_t>(
      relay::app::parse_count(text, what, {.min = 1, .max = limit / unit}) * unit);
}

std::vector<std::size_t> sizes_between(std::size_t lo, std::size_t hi) {
  std::vector<std::size_t> sizes;
  for (std::size_t s = lo; s <= hi; s *= 2) sizes.push_back(s);
  return sizes;
}

/// Expands the groups of `names`, rejects unknown names, and keeps the canonical order.
std::vector<std::string> chosen_ops(const std::vector<std::string>& names) {
  const auto& c = contiguous_ops();
  const auto& z = serialized_ops();
  std::vector<std::string> chosen;
  const auto add = [&](const std::vector<std::string>& more) {
    chosen.insert(chosen.end(), more.begin(), more.end());
  };
  for (const auto& name : names) {
    if (name == "all") {
      add(c);
      add(z);
    } else if (name == "contiguous") {
      add(c);
    } else if (name == "serialized") {
      add(z);
    } else if (name == "pool" || name == "nonblocking") {
      continue;  // measured on their own, after the others
    } else if (std::find(c.begin(), c.end(), name) != c.end() ||
               std::find(z.begin(), z.end(), name) != z.end()) {
      chosen.push_back(name);
    } else {
      throw usage_error("unknown operation '" + name +
                        "' (choose from pingpong, bw, bcast, scatter, gather, reduce, allreduce, "
                        "ser_p2p, ser_bcast, pool, nonblocking, contiguous, serialized, all)");
    }
  }
  std::vector<std::string> order = c;
  order.insert(order.end(), z.begin(), z.end());
  std::vector<std::string> run;
  for (const auto& name : order)
    if (std::find(chosen.begin(), chosen.end(), name) != chosen.end()) run.push_back(name);
  return run;
}

/// Parses a comma-separated list of chunksizes, each at least 1.
std::vector<std::size_t> parse_chunksizes(const std::vector<std::string>& texts,
                                          const std::string& what) {
  std::vector<std::size_t> sizes;
  for (const auto& text : texts)
    sizes.push_back(relay::app::parse_count(text, what, {.min = 1, .max = 1'000'000'000}));
  if (sizes.empty()) throw usage_error(what + " needs at least one chunksize");
  return sizes;
}

root_mode parse_root_mode(const std::string& text) {
  if (text == "both") return root_mode::both;
  if (text == "yes") return root_mode::yes;
  if (text == "no") return root_mode::no;
  throw usage_error("--root-works must be yes, no or both (got '" + text + "')");
}

}  // namespace

cli_options parse_command_line(int argc, char** argv, const relay::communicator& world) {
  CLI::App cli{
      "OSU-style micro-benchmarks of the relay library against raw MPI, side by side in one run. "
      "For every operation and size the library and raw MPI run interleaved (the order "
      "alternates), each timed loop after warm-ups and a barrier; a time is the maximum over "
      "ranks, and the table shows medians over repetitions and the median of the paired lib/raw "
      "ratios. Received data is checked for both sides before timing. Operations: pingpong "
      "(one-way latency, ranks 0 and 1), bw (a window of non-blocking sends, as osu_bw), bcast, "
      "scatter, gather, reduce, allreduce (sum of doubles), and for serialized types (vector of "
      "strings, map, vectors of user structs) ser_p2p and ser_bcast against Boost.MPI's own "
      "path. Doubles are sent where the size is a multiple of 8 bytes, chars otherwise. "
      "--ops pool (never part of all) times relay::pool's map instead: trivial tasks (x + 2) at "
      "several chunksizes, and tasks of calibrated real work against a serial loop over the same "
      "tasks (parallel efficiency), with pools whose root works and whose root only hands out "
      "work; see scripts/bench_pool.sh for the comparison with mpi4py.futures. "
      "--ops nonblocking (never part of all) times relay's non-blocking collectives (ibcast, "
      "iallreduce, igather, iscatter of doubles at every size of at least 8 bytes, and ibcast "
      "of serialized values) against raw MPI_I* calls, with the overlap of computation and "
      "communication as osu_iallreduce reports it.",
      "mpi_bench"};
  std::vector<std::string> ops;
  std::string min_text = "1", max_text = "16MiB", reps_text = "5", window_text = "64",
              elements_text = "1e5", loop_text = "2";
  std::string tasks_text = "1e6", work_tasks_text = "1e4", work_us_text = "100",
              roots_text = "both", group_text = "0", max_map_text = "5";
  std::vector<std::string> chunk_texts{"1", "100", "10000"}, work_chunk_texts{"1"};
  cli_options o;
  cli.add_option(
         "--ops", ops,
         "Operations to run, comma-separated: pingpong, bw, bcast, scatter, gather, "
         "reduce, allreduce, ser_p2p, ser_bcast, pool, nonblocking, or the groups contiguous, "
         "serialized, all (default: all, which leaves out pool and nonblocking; at 1 rank, "
         "all but the "
         "two-rank operations)")
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
  cli.add_option("--tasks", tasks_text, "pool: trivial tasks (x + 2) per map")
      ->capture_default_str();
  cli.add_option("--max-map-seconds", max_map_text,
                 "pool: fewer trivial tasks where a map of --tasks would take longer than this "
                 "at the rate of a probe map")
      ->capture_default_str();
  cli.add_option("--chunksizes", chunk_texts, "pool: chunksizes of the trivial maps")
      ->delimiter(',')
      ->capture_default_str();
  cli.add_option("--work-tasks", work_tasks_text,
                 "pool: tasks of real work per map (0: none), timed against a serial loop")
      ->capture_default_str();
  cli.add_option("--work-us", work_us_text,
                 "pool: microseconds of one task of real work (a calibrated loop)")
      ->capture_default_str();
  cli.add_option("--work-chunksizes", work_chunk_texts, "pool: chunksizes of the real work")
      ->delimiter(',')
      ->capture_default_str();
  cli.add_option("--root-works", roots_text,
                 "pool: measure pools whose root runs tasks (yes), only hands them out (no, as "
                 "mpi4py.futures), or both")
      ->capture_default_str();
  cli.add_option("--group-size", group_text,
                 "pool: pool_options::group_size (0 automatic, 1 flat, g >= 2 groups of g ranks "
                 "with a dispatcher each)")
      ->capture_default_str();
  cli.add_flag("--json", o.json,
               "Print one JSON object: {\"ranks\", \"mpi\", \"results\": [{op, type, bytes, "
               "lib_us, raw_us, ratio, ...}], \"serialized\": [...]}");
  cli.footer(
      "Example: mpirun -n 2 mpi_bench --ops bcast,allreduce --min-size 1K --max-size 1M\n"
      "         mpirun -n 2 mpi_bench --ops pool --json\n"
      "         mpirun -n 2 mpi_bench --ops nonblocking --min-size 8 --max-size 1M\n"
      "Targets (2 ranks): lib/raw <= 1.05 for sizes >= 1 KiB, <= 1.10 below; serialized >= 2x "
      "Boost.MPI.");
  relay::app::parse(cli, argc, argv, world);

  const std::size_t min_size = parse_size(min_text, "--min-size");
  const std::size_t max_size = parse_size(max_text, "--max-size");
  if (min_size > max_size)
    throw usage_error("--min-size (" + std::to_string(min_size) + ") is larger than --max-size (" +
                      std::to_string(max_size) + ")");
  o.sizes = sizes_between(min_size, max_size);
  o.s.reps = static_cast<int>(relay::app::parse_count(reps_text, "--reps", {.max = 1000}));
  o.s.window = static_cast<int>(relay::app::parse_count(window_text, "--window", {.max = 4096}));
  o.s.elements = relay::app::parse_count(elements_text, "--elements", {.max = 100'000'000});
  o.s.loop_ms = relay::app::parse_number(
      loop_text, "--loop-ms",
      {.min = 0, .positive = true, .max = 60000, .noun = "positive number of milliseconds"});

  o.pool_s.reps = o.s.reps;
  o.pool_s.tasks = relay::app::parse_count(tasks_text, "--tasks", {.max = 1'000'000'000});
  o.pool_s.max_map_seconds = relay::app::parse_number(
      max_map_text, "--max-map-seconds",
      {.min = 0, .positive = true, .max = 86400, .noun = "positive number of seconds"});
  o.pool_s.chunksizes = parse_chunksizes(chunk_texts, "--chunksizes");
  o.pool_s.work_tasks =
      relay::app::parse_count(work_tasks_text, "--work-tasks", {.min = 0, .max = 100'000'000});
  o.pool_s.work_us = relay::app::parse_number(
      work_us_text, "--work-us",
      {.min = 0, .positive = true, .max = 1e7, .noun = "positive number of microseconds"});
  o.pool_s.work_chunksizes = parse_chunksizes(work_chunk_texts, "--work-chunksizes");
  o.pool_s.roots = parse_root_mode(roots_text);
  o.pool_s.group_size = static_cast<int>(
      relay::app::parse_count(group_text, "--group-size", {.min = 0, .max = 1'000'000}));
  o.pool = std::find(ops.begin(), ops.end(), "pool") != ops.end();

  const bool explicit_ops = !ops.empty();
  o.nonblocking = std::find(ops.begin(), ops.end(), "nonblocking") != ops.end();
  const bool only_pool =
      (o.pool || o.nonblocking) && std::all_of(ops.begin(), ops.end(), [](const std::string& op) {
        return op == "pool" || op == "nonblocking";
      });
  o.ops = only_pool ? std::vector<std::string>{}
                    : chosen_ops(explicit_ops ? ops : std::vector<std::string>{"all"});
  if (world.size() < 2) {
    const bool wants_pair = std::any_of(o.ops.begin(), o.ops.end(), needs_two_ranks);
    if (wants_pair && explicit_ops)
      throw usage_error("pingpong, bw and ser_p2p need at least 2 ranks (run with mpirun -n 2)");
    if (wants_pair && world.rank() == 0 && !o.json)
      std::cerr << "mpi_bench: 1 rank: skipping pingpong, bw and ser_p2p (they need 2 ranks)\n";
    std::erase_if(o.ops, needs_two_ranks);
  }
  return o;
}

}  // namespace mpi_bench
