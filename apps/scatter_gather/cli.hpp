#pragma once
// scatter_gather's command line.

#include "relay/communicator.hpp"
#include "tour.hpp"

namespace scatter_gather {

/// What the command line asks for.
struct cli_options {
  options tour;       ///< --count, --full
  bool json = false;  ///< --json
};

/// Parses the command line on every rank (the same on each). Throws relay::usage_error for bad
/// input; --help prints on rank 0 and ends the app.
[[nodiscard]] cli_options parse_command_line(int argc, char** argv,
                                             const relay::communicator& world);

}  // namespace scatter_gather
