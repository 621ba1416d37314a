#include "cli.hpp"

#include <string>

#include "app.hpp"

namespace scatter_gather {

cli_options parse_command_line(int argc, char** argv, const relay::communicator& world) {
  CLI::App cli{
      "A tour of MPI's collectives, after the seed lesson: rank 0 sends to ranks 1 and 2, "
      "broadcasts a dict, scatters [(x+1)**x] as exact big integers, every rank adds 1, rank 0 "
      "gathers them and reduces their sum. Output is in rank order and identical run to run.",
      "scatter_gather"};
  std::string count_text;
  cli_options o;
  cli.add_option("--count", count_text,
                 "Scatter this many values (0.." + std::to_string(max_count) +
                     ", e-notation allowed) with scatterv, in balanced blocks over any number "
                     "of ranks. Default: one value per rank with scatter, as in the lesson");
  cli.add_flag("--json", o.json, "Print one JSON object instead of text; big numbers are strings");
  cli.add_flag("--full", o.tour.full, "Print long lists and numbers in full");
  cli.footer("Example: mpirun -n 5 scatter_gather   |   mpirun -n 3 scatter_gather --count 10");
  relay::app::parse(cli, argc, argv, world);
  if (!count_text.empty())
    o.tour.count = relay::app::parse_count(count_text, "--count", {.min = 0, .max = max_count});
  return o;
}

}  // namespace scatter_gather
