#include "cli.hpp"

#include <algorithm>
#include <cctype>
#include <string>

#include "app.hpp"

namespace prime_sums {

namespace {

using relay::usage_error;

const std::vector<std::uint64_t> seed_ns = {100000, 200000, 300000};

const char* description =
    "Sums of all primes <= N, exact at any size: 128-bit sums, reduced over the ranks with a\n"
    "user MPI operation, printed in decimal.\n\n"
    "Methods:\n"
    "  trial  the seed's is_prime (6k+-1 trial division) on every number 2..max N. The cost of a\n"
    "         number grows with it, so --decomposition block leaves the last rank most of the\n"
    "         work; cyclic (chunks of --chunk numbers dealt round-robin, default 30) and dynamic\n"
    "         (relay::pool: rank 0 hands out chunks to whichever rank is free and tests numbers\n"
    "         itself in a second thread) balance it. Each rank reports its seconds, numbers and\n"
    "         division steps.\n"
    "  sieve  segmented sieve of Eratosthenes on a mod-30 wheel bit array: pre-sieved patterns,\n"
    "         L1/L2-sized segments, a bucket sieve for large primes, table/AVX2 summation. Each\n"
    "         rank sieves one block of [0, max N], the blocks balanced by estimated work; every\n"
    "         N of the list is answered from that one pass and the partial sums are reduced.\n"
    "  lucy   Lucy_Hedgehog's exact O(N^(3/4)) method (odd values only, with a shrinking list of\n"
    "         rough indices). What is distributed: the list of N. Each N goes whole to one rank\n"
    "         (largest first, to the least loaded rank); one N runs on one rank while the others\n"
    "         wait, because each prime's step reads the previous step's tables, and sharing them\n"
    "         between ranks would cost more than the step. 1e12 takes about 0.25 s, 1e13 2 s.\n"
    "  dr     Deleglise-Rivat for sums: O(N^(2/3)) time, every rank sieves hard leaves, exact\n"
    "         to 2^64 - 1. Every rank builds the tables of each N; the hard special leaves go\n"
    "         out in segments (relay::pool) to whichever rank is free, the ordinary and easy\n"
    "         leaves and P2 fill in; rank 0 combines. Each rank reports its seconds, numbers\n"
    "         sieved, special leaves (and its share of them) and the memory of its tables.\n"
    "  auto   (default) the fastest of sieve, lucy and dr by measured rates (the smallest\n"
    "         estimate): the sieve for long lists of N up to a moderate bound (one pass answers\n"
    "         them all), dr or lucy for single or few N.\n\n"
    "With no arguments at all it sums the seed's N = 100000 200000 300000 (method auto); with\n"
    "options but no N it is an error.";

method parse_method(const std::string& text, bool& automatic) {
  automatic = false;
  if (text == "trial") return method::trial;
  if (text == "sieve") return method::sieve;
  if (text == "lucy") return method::lucy;
  if (text == "dr") return method::dr;
  if (text == "auto") {
    automatic = true;
    return method::lucy;
  }
  throw usage_error("unknown method \"" + text + "\" (expected auto, trial, sieve, lucy or dr)");
}

decomposition parse_decomposition(const std::string& text) {
  if (text == "block") return decomposition::block;
  if (text == "cyclic") return decomposition::cyclic;
  if (text == "dynamic") return decomposition::dynamic;
  throw usage_error("unknown decomposition \"" + text + "\" (expected block, cyclic or dynamic)");
}

/// argv with words that look like negative numbers ("-5") moved after "--": they are values
/// of N to reject with a clear message, not unknown options. `dashdash` holds the "--" added.
std::vector<char*> negatives_as_values(int argc, char** argv, std::string& dashdash) {
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
  if (!negatives.empty()) {
    if (std::find_if(args.begin(), args.end(), [](char* a) { return std::string(a) == "--"; }) ==
        args.end())
      args.push_back(dashdash.data());
    args.insert(args.end(), negatives.begin(), negatives.end());
  }
  return args;
}

}  // namespace

cli_options parse_command_line(int argc, char** argv, const relay::communicator& world) {
  CLI::App cli{description, "prime_sums"};
  cli.get_formatter()->column_width(34);
  cli_options o;
  std::vector<std::string> n_texts;
  std::string method_text = "auto", decomposition_text = "cyclic", chunk_text;
  cli.add_option("N", n_texts,
                 "Sum the primes <= N, for each N (0..2^64-1; plain digits or e-notation "
                 "such as 1e10; repeats allowed)");
  cli.add_option("--method", method_text, "auto (default), trial, sieve, lucy or dr");
  cli.add_option("--decomposition", decomposition_text,
                 "trial only: block, cyclic (default) or dynamic");
  cli.add_option("--chunk", chunk_text,
                 "trial only: numbers per chunk of cyclic and dynamic (default: cyclic 30, "
                 "dynamic about 64 chunks per rank)");
  cli.add_flag("--json", o.json,
               "Print one JSON object: method, ranks, results (n and sum as decimal strings), "
               "seconds, per_rank");
  cli.add_flag("--verify", o.verify,
               "Also compute every sum with a second method (lucy; dr when the method is lucy) "
               "and fail with exit code 1 on any difference");
  cli.add_flag("--progress", o.progress,
               "Show progress (fraction done and ETA) on stderr even when it is not a terminal "
               "(one line every few seconds)");
  cli.add_flag("--inject-fault", o.inject_fault, "Testing: corrupt the first sum before --verify")
      ->group("");
  cli.footer(
      "Examples:\n"
      "  mpirun -n 4 prime_sums 100000 200000 300000 --method trial --decomposition block\n"
      "  mpirun -n 2 prime_sums 1e10 --method sieve\n"
      "  prime_sums 1e13 --method lucy --json\n"
      "  prime_sums 1e16 --method dr\n"
      "  mpirun -n 4 prime_sums 1e18 --method dr --progress --json");
  std::string dashdash = "--";
  std::vector<char*> args = negatives_as_values(argc, argv, dashdash);
  relay::app::parse(cli, static_cast<int>(args.size()), args.data(), world);

  o.chosen = parse_method(method_text, o.automatic);
  o.opt.decomp = parse_decomposition(decomposition_text);
  for (const auto& t : n_texts) o.ns.push_back(relay::app::parse_count(t, "N", {.min = 0}));
  if (o.ns.empty()) {
    if (argc > 1) throw usage_error("no N given (e.g. prime_sums 1e9)");
    o.ns = seed_ns;  // no arguments at all: the seed's example
  }
  if (!chunk_text.empty()) o.opt.chunk = relay::app::parse_count(chunk_text, "--chunk");
  return o;
}

}  // namespace prime_sums
