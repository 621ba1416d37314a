// producer_consumer: seed 002's producers and consumers around one queue, across MPI ranks with
// relay::pool's stream. The queue lives on rank 0 (as multiprocessing's Queue lives in a manager
// process); producing a number and consuming one are tasks that run on whichever rank is free.
//
// Producer p is a chain of steps: step i sleeps, draws a number, and "puts" it (its result goes
// to rank 0, which queues it for a consumer and queues producer p's step i + 1), so one producer's
// steps never overlap, as in the lesson's loop. A consumer is a rank: it takes the next number
// from the queue, sleeps, and is done. Every producer has its own random stream, Random123's
// Threefry4x64-20 keyed by (seed, producer) and counted by the step, so what it makes does not
// depend on where or when its steps run; each rank, as a consumer, has one keyed by its rank.
//
//   mpirun -n 4 build/bin/producer_consumer           # the lesson's 4 producers x 3 numbers
//   mpirun -n 3 build/bin/producer_consumer --producers 8 --items 50 --json

#include <Random123/threefry.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "app.hpp"
#include "relay/collectives.hpp"
#include "relay/pool.hpp"

namespace {

struct options {
  int producers = 4;       // for i in range(4): Process(target=producer, ...)
  int items = 3;           // each producer: for i in range(3)
  std::uint64_t seed = 1;  // np.random.RandomState(pid) -> streams keyed by (seed, pid)
  double unit = 0.001;     // the lesson's delays, in seconds, scaled to milliseconds
  bool json = false;
};

options parse_command_line(int argc, char** argv, const relay::communicator& world) {
  CLI::App cli{
      "Seed 002's producers and consumers, across ranks with relay::pool's stream. Each of "
      "--producers producers makes --items numbers in [0, 100), one after another, sleeping "
      "uniform(0, 3) time units before each; the consumers (the ranks, rank 0 included) take "
      "them from a queue on rank 0 and sleep uniform(0, 1) units for each. Every producer "
      "draws from its own Random123 stream keyed by (seed, producer), so the numbers made are "
      "the same at any rank count. At the end rank 0 checks that the multiset of numbers "
      "consumed equals the multiset produced, and the one that the producers' streams define.",
      "producer_consumer"};
  std::string producers_text, items_text, seed_text, unit_text;
  options o;
  cli.add_option("--producers", producers_text, "How many producers (1 to 10000). Default 4");
  cli.add_option("--items", items_text, "Numbers per producer (1 to 100000). Default 3");
  cli.add_option("--seed", seed_text, "Seed of the streams, 0 to 2^64-1. Default 1");
  cli.add_option("--unit", unit_text,
                 "Seconds per time unit of the delays (0 to 1; the lesson's unit is 1 s). "
                 "Default 0.001");
  cli.add_flag("--json", o.json,
               "Print one JSON object (no per-item lines): producers, items, ranks, seed, "
               "produced, consumed, sum, equal, seconds, per_rank (produced, consumed)");
  cli.footer("Example: mpirun -n 4 producer_consumer | producer_consumer --items 100 --json");
  relay::app::parse(cli, argc, argv, world);
  if (!producers_text.empty())
    o.producers =
        static_cast<int>(relay::app::parse_count(producers_text, "--producers", {.max = 10000}));
  if (!items_text.empty())
    o.items = static_cast<int>(relay::app::parse_count(items_text, "--items", {.max = 100000}));
  if (!seed_text.empty()) o.seed = relay::app::parse_count(seed_text, "--seed", {.min = 0});
  if (!unit_text.empty())
    o.unit = relay::app::parse_number(unit_text, "--unit",
                                      {.min = 0, .max = 1, .noun = "number of seconds"});
  return o;
}

// ---- the random streams ------------------------------------------------------------------------

/// The stream's two roles, the first word of its key after the seed.
enum class role : std::uint64_t { producer = 0, consumer = 1 };

/// Draw `step` of stream (seed, role, id): the four words of Threefry4x64-20 at counter
/// {step, 0, 0, 0} with key {seed, role, id, 0}. Counter-based, like mc_pi's stream: a pure
/// function, so no state travels and no two streams overlap.
r123::Threefry4x64::ctr_type draw(std::uint64_t seed, role r, std::uint64_t id,
                                  std::uint64_t step) {
  using g = r123::Threefry4x64;
  return g{}(g::ctr_type{{step, 0, 0, 0}},
             g::key_type{{seed, static_cast<std::uint64_t>(r), id, 0}});
}

/// A uniform double in [0, 1) from the top 53 bits of a word.
double uniform(std::uint64_t w) {
  return static_cast<double>(w >> 11) * 0x1p-53;
}

/// A uniform integer in [0, n) from a word (the high part of w * n: no modulo bias to speak of).
int randint(std::uint64_t w, std::uint64_t n) {
  __extension__ using u128 = unsigned __int128;
  return static_cast<int>((static_cast<u128>(w) * n) >> 64);
}

/// What producer `p`'s step `i` makes, and how long it sleeps first (in time units).
struct made {
  int value;
  double delay;
};
made produce_step(std::uint64_t seed, int p, int i) {
  const auto w =
      draw(seed, role::producer, static_cast<std::uint64_t>(p), static_cast<std::uint64_t>(i));
  return {randint(w.v[1], 100), 3 * uniform(w.v[0])};  // re.uniform(0, 3), re.randint(0, 100)
}

// ---- the tasks ---------------------------------------------------------------------------------

/// A task: one producer step, or one number to consume. Bytewise: it travels as its bytes.
struct job {
  std::int32_t consume = 0;   ///< 0: producer `producer` runs step `item`; 1: consume `value`
  std::int32_t producer = 0;  ///< who made it (a consume job keeps it, for the report)
  std::int32_t item = 0;
  std::int32_t value = 0;
};

/// What a task did, and where.
struct outcome {
  job what;
  std::int32_t rank = 0;  ///< the rank that ran it (the consumer, for a consume job)
};

/// One rank's share of the work.
struct tally {
  int produced = 0, consumed = 0;
};

int producer_consumer_main(int argc, char** argv, const relay::communicator& world) {
  const options o = parse_command_line(argc, argv, world);
  const auto sleep_units = [&](double units) {
    std::this_thread::sleep_for(std::chrono::duration<double>(units * o.unit));
  };

  // The task, on every rank: def producer(...) / def consumer(...), one step at a time.
  std::uint64_t consumed_here = 0;  // this rank's consumer stream position (the pool's own thread)
  const auto step = [&](const job& j, const relay::task_context& ctx) {
    outcome out{j, ctx.rank()};
    if (!j.consume) {  // time.sleep(re.uniform(0, 3)); n = re.randint(0, 100)
      const made m = produce_step(o.seed, j.producer, j.item);
      sleep_units(m.delay);
      out.what.value = m.value;
    } else {  // n = q.get(); time.sleep(re.uniform(0, 1))
      const auto w =
          draw(o.seed, role::consumer, static_cast<std::uint64_t>(ctx.rank()), consumed_here++);
      sleep_units(uniform(w.v[0]));
    }
    return out;
  };

  relay::pool pool(world);
  std::deque<job> queue;  // q = Queue(), on rank 0: the producers' first steps, then as they come
  for (int p = 0; p < o.producers; ++p) queue.push_back({0, p, 0, 0});
  std::vector<int> produced, consumed;
  std::vector<tally> per_rank(static_cast<std::size_t>(pool.size()));
  const auto source = [&]() -> std::optional<job> {
    if (queue.empty()) return std::nullopt;  // nothing now: more may come with the next result
    const job j = queue.front();
    queue.pop_front();
    return j;
  };
  const auto say = [&](const char* format, int a, int b, int rank) {
    if (o.json) return;
    char line[96];
    std::snprintf(line, sizeof line, format, a, b, rank);
    std::cout << line << std::flush;
  };
  const auto sink = [&](std::size_t /*index*/, outcome&& r) {
    auto& mine = per_rank[static_cast<std::size_t>(r.rank)];
    if (!r.what.consume) {  // q.put(n); the producer goes on with its next step
      say("Producer %d put %d in queue! (rank %d)\n", r.what.producer, r.what.value, r.rank);
      produced.push_back(r.what.value);
      ++mine.produced;
      queue.push_back({1, r.what.producer, r.what.item, r.what.value});
      if (r.what.item + 1 < o.items) queue.push_back({0, r.what.producer, r.what.item + 1, 0});
    } else {
      say("Consumer %d got %d (from producer %d)\n", r.rank, r.what.value, r.what.producer);
      consumed.push_back(r.what.value);
      ++mine.consumed;
    }
  };
  const double start = MPI_Wtime();
  pool.stream<job>(step, source, sink, 1);  // collective; the source and sink run on rank 0
  const double seconds = MPI_Wtime() - start;

  // The check, on rank 0: consumed == produced == what the producers' streams define.
  bool equal = false;
  std::int64_t sum = 0;
  if (pool.is_root()) {
    std::vector<int> expected;
    for (int p = 0; p < o.producers; ++p)
      for (int i = 0; i < o.items; ++i) expected.push_back(produce_step(o.seed, p, i).value);
    for (auto* v : {&expected, &produced, &consumed}) std::sort(v->begin(), v->end());
    equal = consumed == produced && produced == expected;
    for (const int v : consumed) sum += v;
  }
  equal = relay::bcast(world, equal, 0);  // every rank ends with the same exit code
  if (!pool.is_root()) return equal ? relay::app::exit_ok : relay::app::exit_failure;

  if (o.json) {
    nlohmann::ordered_json out;
    out["producers"] = o.producers;
    out["items"] = o.items;
    out["ranks"] = pool.size();
    out["seed"] = o.seed;
    out["produced"] = produced.size();
    out["consumed"] = consumed.size();
    out["sum"] = sum;
    out["equal"] = equal;
    out["seconds"] = seconds;
    out["per_rank"] = nlohmann::ordered_json::array();
    for (const auto& t : per_rank)
      out["per_rank"].push_back({{"produced", t.produced}, {"consumed", t.consumed}});
    std::cout << out.dump() << "\n";
  } else {
    std::cout << "# per rank (produced, consumed):";
    for (const auto& t : per_rank) std::cout << ' ' << t.produced << ',' << t.consumed;
    std::cout << "\n";
    std::cout << "produced " << produced.size() << ", consumed " << consumed.size() << ", sum "
              << sum << ": the consumed multiset " << (equal ? "equals" : "DIFFERS FROM")
              << " the produced one\n";
  }
  if (!equal) std::cerr << "producer_consumer: the consumed numbers differ from the produced\n";
  return equal ? relay::app::exit_ok : relay::app::exit_failure;
}

}  // namespace

int main(int argc, char** argv) {
  // funneled: the pool's root works in a second thread of its own, which never calls MPI.
  return relay::app::run(argc, argv, "producer_consumer", producer_consumer_main,
                         relay::thread_level::funneled);
}
