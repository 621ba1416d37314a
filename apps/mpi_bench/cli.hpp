#pragma once
// mpi_bench's command line.

#include <cstddef>
#include <string>
#include <vector>

#include "bench.hpp"
#include "pool_bench.hpp"
#include "relay/communicator.hpp"

namespace mpi_bench {

/// What the command line asks for.
struct cli_options {
  settings s;                      ///< repetitions, loop length, window, elements
  std::vector<std::string> ops;    ///< the operations to run, in canonical order
  std::vector<std::size_t> sizes;  ///< message sizes in bytes, doubling from --min-size
  bool json = false;               ///< --json
  bool pool = false;               ///< --ops pool (never part of "all": it takes about a minute)
  pool_settings pool_s;            ///< what --ops pool measures
  bool nonblocking = false;        ///< --ops nonblocking (never part of "all")
};

/// Parses the command line on every rank (the same on each). At 1 rank the two-rank operations
/// are dropped, with a note on stderr unless they were asked for by name (then it is a usage
/// error). Throws relay::usage_error for bad input; --help prints on rank 0 and ends the app.
[[nodiscard]] cli_options parse_command_line(int argc, char** argv,
                                             const relay::communicator& world);

}  // namespace mpi_bench
