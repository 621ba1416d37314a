#pragma once
// `task_farm status DIR [--json]`: a farm's state read from its directory, from any shell, while
// it runs or after: counts, the slowest attempts, the failures with their exit codes, and the
// (shell-quoted) command that resumes it. It reads farm.json, tasks.txt and status.tsv, takes
// no lock and writes nothing, so it never disturbs the running farm.

#include "relay/communicator.hpp"

namespace task_farm {

/// The status subcommand's body (argv[0] is "status"): rank 0 reads and prints, every rank
/// returns the same exit code (0, or 2 for a directory that is not a farm's).
int status_main(int argc, char** argv, const relay::communicator& world);

/// `task_farm extract DIR ID [--err]` (argv[0] is "extract"): prints one task's output,
/// whichever --output the farm ran with (rank_output.hpp).
int extract_main(int argc, char** argv, const relay::communicator& world);

}  // namespace task_farm
