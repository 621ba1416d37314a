#pragma once
// `task_farm status DIR [--json]`: a farm's state read from its directory, from any shell, while
// it runs or after: counts, the slowest attempts, the failures with their exit codes, and the
// (shell-quoted) command that resumes it. It reads farm.json, tasks.txt and status.tsv, takes
// no lock and writes nothing, so it never disturbs the running farm.

namespace task_farm {

/// The status subcommand's body (argv[0] is "status"), run without MPI (relay::app::run_local):
/// prints, and returns 0; a directory that is not a farm's throws usage_error (exit code 2).
int status_main(int argc, char** argv);

/// `task_farm extract DIR ID [--err]` (argv[0] is "extract"): prints one task's output,
/// whichever --output the farm ran with (rank_output.hpp).
int extract_main(int argc, char** argv);

}  // namespace task_farm
