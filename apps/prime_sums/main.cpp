// prime_sums: the sum of the primes <= N, distributed over MPI ranks, by the seed's trial division,
// a segmented wheel sieve, or Lucy_Hedgehog's sub-linear method.

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app.hpp"
#include "driver.hpp"
#include "relay/collectives.hpp"
#include "relay/timer.hpp"

namespace {

using prime_sums::decomposition;
using prime_sums::method;
using prime_sums::u128;

constexpr const char* app_name = "prime_sums";
const std::vector<std::uint64_t> seed_ns = {100000, 200000, 300000};

const char* description =
    "Sums of all primes <= N, exact at any size: 128-bit sums, reduced over the ranks with a\n"
    "user MPI operation, printed in decimal.\n\n"
    "Methods:\n"
    "  trial  the seed's is_prime (6k+-1 trial division) on every number 2..max N. The cost of a\n"
    "         number grows with it, so --decomposition block leaves the last rank most of the\n"
    "         work; cyclic (chunks of --chunk numbers dealt round-robin, default 30) and dynamic\n"
    "         (rank 0 hands out chunks on request and tests numbers itself between requests)\n"
    "         balance it. Each rank reports its seconds, numbers and division steps.\n"
    "  sieve  segmented sieve of Eratosthenes on a mod-30 wheel bit array: pre-sieved patterns,\n"
    "         L1/L2-sized segments, a bucket sieve for large primes, table/AVX2 summation. Each\n"
    "         rank sieves one block of [0, max N], the blocks balanced by estimated work; every\n"
    "         N of the list is answered from that one pass and the partial sums are reduced.\n"
    "  lucy   Lucy_Hedgehog's exact O(N^(3/4)) method (odd values only, with a shrinking list of\n"
    "         rough indices). What is distributed: the list of N. Each N goes whole to one rank\n"
    "         (largest first, to the least loaded rank); one N runs on one rank while the others\n"
    "         wait, because each prime's step reads the previous step's tables, and sharing them\n"
    "         between ranks would cost more than the step. 1e12 takes about 0.25 s, 1e13 2 s.\n"
    "  auto   (default) the faster of sieve and lucy by measured rates: lucy for single or few\n"
    "         N, the sieve for long lists of N up to a moderate bound.\n\n"
    "With no arguments at all it sums the seed's N = 100000 200000 300000 (method auto); with\n"
    "options but no N it is an error.";

/// Progress on stderr from rank 0, only when stderr is a terminal and the run is long.
class progress_line {
 public:
  progress_line(bool enabled, std::string what) : enabled_(enabled), what_(std::move(what)) {
    start_ = MPI_Wtime();
  }
  void operator()(double fraction) {
    if (!enabled_) return;
    const double t = MPI_Wtime();
    if (t - start_ < 1.0 || t - last_ < 0.25) return;
    last_ = t;
    shown_ = true;
    std::fprintf(stderr, "\r%s: %s %5.1f%% (%.0f s)", app_name, what_.c_str(), 100.0 * fraction,
                 t - start_);
    std::fflush(stderr);
  }
  void clear() {
    if (shown_) std::fprintf(stderr, "\r\033[K");
    shown_ = false;
  }

 private:
  bool enabled_;
  std::string what_;
  double start_ = 0, last_ = 0;
  bool shown_ = false;
};

method parse_method(const std::string& text, bool& automatic) {
  automatic = false;
  if (text == "trial") return method::trial;
  if (text == "sieve") return method::sieve;
  if (text == "lucy") return method::lucy;
  if (text == "auto") {
    automatic = true;
    return method::lucy;
  }
  throw relay::app::usage_error("unknown method \"" + text +
                                "\" (expected auto, trial, sieve or lucy)");
}

decomposition parse_decomposition(const std::string& text) {
  if (text == "block") return decomposition::block;
  if (text == "cyclic") return decomposition::cyclic;
  if (text == "dynamic") return decomposition::dynamic;
  throw relay::app::usage_error("unknown decomposition \"" + text +
                                "\" (expected block, cyclic or dynamic)");
}

std::string seconds_text(double s) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(s < 10 ? 4 : 2) << s;
  return out.str();
}

/// One method's run: sums, every rank's stats on rank 0, and the wall time.
struct outcome {
  method m;
  std::vector<u128> sums;
  std::vector<prime_sums::rank_stats> ranks;  // rank 0 only
  double wall = 0;
  double imbalance = 1;
};

outcome run_method(method m, const relay::communicator& world, const std::vector<std::uint64_t>& ns,
                   const prime_sums::options& base, bool show_progress) {
  progress_line progress(show_progress && world.rank() == 0, prime_sums::name(m));
  prime_sums::options opt = base;
  if (show_progress && world.rank() == 0) opt.progress = [&](double f) { progress(f); };
  world.barrier();
  const relay::timer clock;
  prime_sums::run_result r = prime_sums::run(m, world, ns, opt);
  const relay::timing wall = clock.summarize(world);
  progress.clear();
  outcome out{m, std::move(r.sums), relay::gather(world, r.mine, 0), wall.max, 1};
  const relay::timing work = relay::summarize(world, r.mine.seconds);
  out.imbalance = work.imbalance();
  return out;
}

const char* numbers_label(method m) {
  switch (m) {
    case method::trial:
      return "numbers tested";
    case method::sieve:
      return "numbers sieved";
    case method::lucy:
      return "values of N";
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
  }
  return "work";
}

int prime_sums_main(int argc, char** argv, const relay::communicator& world) {
  CLI::App cli{description, app_name};
  cli.get_formatter()->column_width(34);
  std::vector<std::string> n_texts;
  std::string method_text = "auto", decomposition_text = "cyclic", chunk_text;
  bool json = false, verify = false, inject_fault = false;
  cli.add_option("N", n_texts,
                 "Sum the primes <= N, for each N (0..2^64-1; plain digits or e-notation "
                 "such as 1e10; repeats allowed)");
  cli.add_option("--method", method_text, "auto (default), trial, sieve or lucy");
  cli.add_option("--decomposition", decomposition_text,
                 "trial only: block, cyclic (default) or dynamic");
  cli.add_option("--chunk", chunk_text,
                 "trial only: numbers per chunk of cyclic and dynamic (default: cyclic 30, "
                 "dynamic about 64 chunks per rank)");
  cli.add_flag("--json", json,
               "Print one JSON object: method, ranks, results (n and sum as decimal strings), "
               "seconds, per_rank");
  cli.add_flag("--verify", verify,
               "Also compute every sum with a second method (lucy; sieve when the method is "
               "lucy) and fail with exit code 1 on any difference");
  cli.add_flag("--inject-fault", inject_fault, "Testing: corrupt the first sum before --verify")
      ->group("");
  cli.footer(
      "Examples:\n"
      "  mpirun -n 4 prime_sums 100000 200000 300000 --method trial --decomposition block\n"
      "  mpirun -n 2 prime_sums 1e10 --method sieve\n"
      "  prime_sums 1e13 --method lucy --json");
  // A negative N ("-5") is a value to reject with a clear message, not an unknown option: pass
  // such words to CLI11 after "--" so that they land among the N.
  std::vector<char*> args(argv, argv + argc);
  std::vector<char*> negatives;
  for (std::size_t i = 1; i < args.size();) {
    const std::string a = args[i];
    const std::string prev = i > 1 ? args[i - 1] : "";
    const bool takes_value = prev == "--method" || prev == "--decomposition" || prev == "--chunk";
    if (a.size() > 1 && a[0] == '-' &&
        (std::isdigit(static_cast<unsigned char>(a[1])) || a[1] == '.') && !takes_value) {
      negatives.push_back(args[i]);
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      ++i;
    }
  }
  std::string dashdash = "--";
  if (!negatives.empty()) {
    if (std::find_if(args.begin(), args.end(), [](char* a) { return std::string(a) == "--"; }) ==
        args.end())
      args.push_back(dashdash.data());
    args.insert(args.end(), negatives.begin(), negatives.end());
  }
  relay::app::parse(cli, static_cast<int>(args.size()), args.data(), world);

  bool automatic = false;
  const method chosen = parse_method(method_text, automatic);
  const decomposition decomp = parse_decomposition(decomposition_text);
  std::vector<std::uint64_t> ns;
  for (const auto& t : n_texts) ns.push_back(relay::app::parse_count(t, "N", {.min = 0}));
  if (ns.empty()) {
    if (argc > 1) throw relay::app::usage_error("no N given (e.g. prime_sums 1e9)");
    ns = seed_ns;  // no arguments at all: the seed's example
  }
  prime_sums::options opt;
  opt.decomp = decomp;
  if (!chunk_text.empty()) {
    opt.chunk = relay::app::parse_count(chunk_text, "--chunk");
    if (opt.chunk == 0) throw relay::app::usage_error("--chunk must be at least 1 (got \"0\")");
  }
  const method m = automatic ? prime_sums::pick_auto(ns, world.size()) : chosen;
  const bool show_progress = isatty(STDERR_FILENO) == 1;

  outcome main_run = run_method(m, world, ns, opt, show_progress);
  if (inject_fault && !main_run.sums.empty()) main_run.sums[0] += 1;

  std::optional<outcome> check;
  std::vector<std::size_t> differ;
  if (verify) {
    const method other = m == method::lucy ? method::sieve : method::lucy;
    check = run_method(other, world, ns, opt, show_progress);
    for (std::size_t i = 0; i < ns.size(); ++i)
      if (check->sums[i] != main_run.sums[i]) differ.push_back(i);
  }

  const int p = world.size();
  if (!differ.empty()) {
    // A failed check prints no results: only the differences, on stderr, and exit code 1.
    if (world.rank() == 0)
      for (std::size_t i : differ)
        std::cerr << app_name << ": VERIFY FAILED for N = " << ns[i] << ": " << prime_sums::name(m)
                  << " gives " << prime_sums::to_string(main_run.sums[i]) << ", "
                  << prime_sums::name(check->m) << " gives "
                  << prime_sums::to_string(check->sums[i]) << std::endl;
    return relay::app::exit_failure;
  }
  if (world.rank() == 0) {
    if (json) {
      nlohmann::ordered_json out;
      out["method"] = prime_sums::name(m);
      out["ranks"] = p;
      if (m == method::trial) {
        out["decomposition"] = prime_sums::name(decomp);
        out["chunk"] = decomp == decomposition::block
                           ? 0
                           : (opt.chunk ? opt.chunk
                                        : prime_sums::default_chunk(
                                              decomp, *std::max_element(ns.begin(), ns.end()), p));
      }
      out["results"] = nlohmann::ordered_json::array();
      for (std::size_t i = 0; i < ns.size(); ++i)
        out["results"].push_back(
            {{"n", std::to_string(ns[i])}, {"sum", prime_sums::to_string(main_run.sums[i])}});
      out["seconds"] = main_run.wall;
      out["per_rank"] = nlohmann::ordered_json::array();
      for (int r = 0; r < p; ++r) {
        const auto& s = main_run.ranks[static_cast<std::size_t>(r)];
        out["per_rank"].push_back({{"rank", r},
                                   {"seconds", s.seconds},
                                   {"cpu_seconds", s.cpu_seconds},
                                   {"numbers", s.numbers},
                                   {work_key(m), s.work}});
      }
      out["imbalance"] = main_run.imbalance;
      if (check)
        out["verify"] = {{"method", prime_sums::name(check->m)},
                         {"seconds", check->wall},
                         {"agree", differ.empty()}};
      std::cout << out.dump() << std::endl;
    } else {
      std::ostringstream o;
      o << "# " << app_name << ": " << prime_sums::name(m);
      if (m == method::trial) {
        o << " (" << prime_sums::name(decomp);
        if (decomp != decomposition::block)
          o << ", chunks of "
            << (opt.chunk ? opt.chunk
                          : prime_sums::default_chunk(decomp,
                                                      *std::max_element(ns.begin(), ns.end()), p));
        o << ")";
      }
      if (automatic)
        o << " (auto: estimated sieve "
          << seconds_text(prime_sums::estimate_seconds(method::sieve, ns, p)) << " s, lucy "
          << seconds_text(prime_sums::estimate_seconds(method::lucy, ns, p)) << " s)";
      o << " on " << p << (p == 1 ? " rank" : " ranks") << "\n";
      for (std::size_t i = 0; i < ns.size(); ++i)
        o << ns[i] << " : Sum = " << prime_sums::to_string(main_run.sums[i]) << "\n";
      o << "# per rank: seconds, " << numbers_label(m) << ", " << prime_sums::work_unit(m) << "\n";
      const int width = std::to_string(p - 1).size() > 1 ? 2 : 1;
      for (int r = 0; r < p; ++r) {
        const auto& s = main_run.ranks[static_cast<std::size_t>(r)];
        o << "rank " << std::setw(width) << r << ": " << seconds_text(s.seconds) << " s, "
          << s.numbers << " " << numbers_label(m) << ", " << s.work << " "
          << prime_sums::work_unit(m) << "\n";
      }
      o << "# imbalance (max/mean seconds): " << std::fixed << std::setprecision(2)
        << main_run.imbalance << "; wall " << seconds_text(main_run.wall) << " s\n";
      if (check && differ.empty())
        o << "# verify: " << prime_sums::name(check->m) << " agrees on all " << ns.size()
          << (ns.size() == 1 ? " value" : " values") << " (" << seconds_text(check->wall)
          << " s)\n";
      std::cout << o.str() << std::flush;
    }
  }
  return relay::app::exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
  return relay::app::run(argc, argv, app_name, prime_sums_main);
}
