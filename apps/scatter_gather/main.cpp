// scatter_gather: a tour of MPI's collectives that reproduces the seed lesson's output.

#include <iostream>

#include "app.hpp"
#include "cli.hpp"
#include "report.hpp"
#include "tour.hpp"

namespace {

int tour(int argc, char** argv, const relay::communicator& world) {
  const scatter_gather::cli_options o = scatter_gather::parse_command_line(argc, argv, world);
  const auto res = scatter_gather::run(world, o.tour, o.json ? nullptr : &std::cout);
  if (o.json && world.rank() == 0) std::cout << scatter_gather::to_json(res).dump() << std::endl;
  return relay::app::exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
  return relay::app::run(argc, argv, "scatter_gather", tour);
}
