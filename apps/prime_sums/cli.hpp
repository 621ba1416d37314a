#pragma once
// prime_sums's command line.

#include <cstdint>
#include <vector>

#include "driver.hpp"
#include "relay/communicator.hpp"

namespace prime_sums {

/// What the command line asks for.
struct cli_options {
  std::vector<std::uint64_t> ns;  ///< the N, in the order given (the seed's with no arguments)
  method chosen = method::lucy;   ///< --method (what auto picks is decided by the caller)
  bool automatic = false;         ///< --method auto
  options opt;                    ///< decomposition and chunk (trial)
  bool json = false;              ///< --json
  bool verify = false;            ///< --verify
  bool progress = false;          ///< --progress: show progress even when stderr is no terminal
  bool inject_fault = false;      ///< --inject-fault (testing)
};

/// Parses the command line on every rank (the same on each). Throws relay::usage_error for bad
/// input; --help prints on rank 0 and ends the app.
[[nodiscard]] cli_options parse_command_line(int argc, char** argv,
                                             const relay::communicator& world);

}  // namespace prime_sums
