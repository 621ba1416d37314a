#pragma once
// mc_pi's command line.

#include <optional>

#include "relay/communicator.hpp"
#include "run.hpp"

namespace mc_pi {

/// What the command line asks for.
struct cli_options {
  run_options run;                 ///< samples, seed, target error, kernel (no progress yet)
  std::optional<double> baseline;  ///< --baseline-seconds: a 1-rank run's seconds
  bool json = false;               ///< --json
  bool force_progress = false;     ///< --progress: report progress even off a terminal
};

/// Parses the command line on every rank (the same on each). Throws relay::usage_error for bad
/// input; --help prints on rank 0 and ends the app.
[[nodiscard]] cli_options parse_command_line(int argc, char** argv,
                                             const relay::communicator& world);

}  // namespace mc_pi
