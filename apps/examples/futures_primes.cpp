// futures_primes: seed 001's "sum of all primes below n" with concurrent.futures, on relay::pool.
// First pool.map (results in input order, as executor.map gives them), then the executor form:
// define + run + submit + as_completed (results in the order they finish).
//
//   mpirun -n 4 build/bin/futures_primes            # the lesson's 100000 200000 300000
//   mpirun -n 2 build/bin/futures_primes --numbers 1e6 2e6 --json

#include <mpi.h>

#include <cstdint>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app.hpp"
#include "relay/pool.hpp"

namespace {

/// The lesson's is_prime, line for line: 2 and 3, then 6k - 1 and 6k + 1 up to the square root.
bool is_prime(std::uint64_t num) {
  if (num <= 1) return false;
  if (num <= 3) return true;
  if (num % 2 == 0 || num % 3 == 0) return false;
  for (std::uint64_t i = 5; i * i <= num; i += 6)
    if (num % i == 0 || num % (i + 2) == 0) return false;
  return true;
}

/// The lesson's find_sum: the sum of the primes <= num, by testing every number.
std::uint64_t find_sum(std::uint64_t num) {
  std::uint64_t sum_of_primes = 0;
  for (std::uint64_t ix = 2; ix <= num; ++ix)
    if (is_prime(ix)) sum_of_primes += ix;
  return sum_of_primes;
}

/// The largest N: its sum (2.5e16) still fits in 64 bits, and trial division up to it takes
/// hours, so nobody will ask for more by intent.
constexpr std::uint64_t max_number = 1'000'000'000;

struct options {
  std::vector<std::uint64_t> nums{100000, 200000, 300000};  // the lesson's
  std::size_t chunksize = 1;
  bool json = false;
};

options parse_command_line(int argc, char** argv, const relay::communicator& world) {
  CLI::App cli{
      "Seed 001's sum of primes with concurrent.futures, on relay::pool: find_sum(n) (the "
      "lesson's trial division) for each n, first with pool.map (results in input order), then "
      "with pool.define + pool.run + executor.submit + relay::as_completed (results in the order "
      "they finish). Every rank works, rank 0 included; rank 0 prints.",
      "futures_primes"};
  std::vector<std::string> number_texts;
  std::string chunksize_text;
  options o;
  cli.add_option("--numbers", number_texts,
                 "The n to sum the primes up to (0 to 1e9; e-notation allowed). Default: the "
                 "lesson's 100000 200000 300000");
  cli.add_option("--chunksize", chunksize_text,
                 "Inputs per message of pool.map (at least 1). Default 1: each n is a long task");
  cli.add_flag("--json", o.json,
               "Print one JSON object: ranks, map and as_completed (lists of {n, sum}, sums as "
               "decimal strings; as_completed in completion order), and their seconds");
  cli.footer("Example: mpirun -n 4 futures_primes | futures_primes --numbers 1e6 --json");
  relay::app::parse(cli, argc, argv, world);
  if (!number_texts.empty()) {
    o.nums.clear();
    for (const auto& t : number_texts)
      o.nums.push_back(relay::app::parse_count(t, "--numbers", {.min = 0, .max = max_number}));
  }
  if (!chunksize_text.empty())
    o.chunksize = relay::app::parse_count(chunksize_text, "--chunksize", {.max = 1'000'000});
  return o;
}

/// The lesson's output line: "100000 : Sum = 454396537".
std::string sum_line(std::uint64_t n, std::uint64_t sum) {
  return std::to_string(n) + " : Sum = " + std::to_string(sum) + "\n";
}

nlohmann::ordered_json sums_json(const std::vector<std::uint64_t>& nums,
                                 const std::vector<std::uint64_t>& sums) {
  auto out = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < nums.size(); ++i)
    out.push_back({{"n", std::to_string(nums[i])}, {"sum", std::to_string(sums[i])}});
  return out;
}

int futures_primes_main(int argc, char** argv, const relay::communicator& world) {
  const options o = parse_command_line(argc, argv, world);
  relay::pool pool(world);  // collective: every rank
  const bool text = pool.is_root() && !o.json;
  const double start = MPI_Wtime();

  // with ProcessPoolExecutor() as executor:
  //     for number, sum_res in zip(nums, executor.map(find_sum, nums)): print(...)
  if (text) std::cout << "# pool.map\n";
  const std::vector<std::uint64_t> sums = pool.map(find_sum, o.nums, o.chunksize);
  if (text)
    for (std::size_t i = 0; i < sums.size(); ++i) std::cout << sum_line(o.nums[i], sums[i]);
  const double map_seconds = MPI_Wtime() - start;

  // futures = [executor.submit(find_sum, n) for n in nums]
  // for f in as_completed(futures): print(...)
  const auto find_sum_task = pool.define(find_sum);  // every rank, no communication
  std::vector<std::uint64_t> done_nums, done_sums;   // in completion order
  if (text) std::cout << "# executor.submit + as_completed\n" << std::flush;
  pool.run([&](relay::executor& executor) {  // rank 0 runs this; the others serve meanwhile
    std::vector<relay::future<std::uint64_t>> futures;
    for (const std::uint64_t n : o.nums) futures.push_back(executor.submit(find_sum_task, n));
    for (auto& future : relay::as_completed(futures)) {
      const std::uint64_t n = o.nums[future.index()], sum = future.get();
      done_nums.push_back(n);
      done_sums.push_back(sum);
      if (text) std::cout << sum_line(n, sum) << std::flush;
    }
  });
  const double seconds = MPI_Wtime() - start;
  if (!pool.is_root()) return relay::app::exit_ok;

  if (o.json) {
    nlohmann::ordered_json out;
    out["ranks"] = pool.size();
    out["map"] = sums_json(o.nums, sums);
    out["as_completed"] = sums_json(done_nums, done_sums);
    out["map_seconds"] = map_seconds;
    out["as_completed_seconds"] = seconds - map_seconds;
    out["seconds"] = seconds;
    std::cout << out.dump() << "\n";
  } else {
    char line[64];
    std::snprintf(line, sizeof line, "Time taken = %.5f\n", seconds);
    std::cout << line;
  }
  return relay::app::exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
  // funneled: the pool's root works in a second thread of its own, which never calls MPI.
  return relay::app::run(argc, argv, "futures_primes", futures_primes_main,
                         relay::thread_level::funneled);
}
