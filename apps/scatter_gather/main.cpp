// scatter_gather: a tour of MPI's collectives that reproduces the seed lesson's output.

#include <iostream>

#include <nlohmann/json.hpp>

#include "app.hpp"
#include "tour.hpp"

namespace {

nlohmann::ordered_json to_json(const scatter_gather::result& res) {
  using json = nlohmann::ordered_json;
  json out;
  out["ranks"] = res.ranks;
  out["p2p"] = json::array();
  for (const auto& m : res.p2p)
    out["p2p"].push_back({{"from", m.from}, {"to", m.to}, {"value", m.value}});
  out["bcast"] = res.bcast;
  const auto strings = [](const std::vector<scatter_gather::big>& values) {
    json list = json::array();
    for (const auto& v : values) list.push_back(v.str());
    return list;
  };
  out["scattered"] = strings(res.scattered);
  out["gathered"] = strings(res.gathered);
  out["sum"] = res.sum.str();
  return out;
}

int tour(int argc, char** argv, const relay::communicator& world) {
  CLI::App cli{
      "A tour of MPI's collectives, after the seed lesson: rank 0 sends to ranks 1 and 2, "
      "broadcasts a dict, scatters [(x+1)**x] as exact big integers, every rank adds 1, rank 0 "
      "gathers them and reduces their sum. Output is in rank order and identical run to run.",
      "scatter_gather"};
  std::string count_text;
  bool json = false;
  scatter_gather::options opts;
  cli.add_option("--count", count_text,
                 "Scatter this many values (0.." + std::to_string(scatter_gather::max_count) +
                     ", e-notation allowed) with scatterv, in balanced blocks over any number "
                     "of ranks. Default: one value per rank with scatter, as in the lesson");
  cli.add_flag("--json", json, "Print one JSON object instead of text; big numbers are strings");
  cli.add_flag("--full", opts.full, "Print long lists and numbers in full");
  cli.footer("Example: mpirun -n 5 scatter_gather   |   mpirun -n 3 scatter_gather --count 10");
  relay::app::parse(cli, argc, argv, world);
  if (!count_text.empty())
    opts.count = relay::app::parse_count(count_text, "--count",
                                         {.min = 0, .max = scatter_gather::max_count});

  const auto res = scatter_gather::run(world, opts, json ? nullptr : &std::cout);
  if (json && world.rank() == 0) std::cout << to_json(res).dump() << std::endl;
  return relay::app::exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
  return relay::app::run(argc, argv, "scatter_gather", tour);
}
