#pragma once
// Support shared by the apps: one exit path for every rank and command-line parsing that fails the
// same way on every rank. Number parsing is in parse.hpp (included here for the apps' use).

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <string_view>

#include "parse.hpp"
#include "relay/communicator.hpp"
#include "relay/environment.hpp"
#include "relay/error.hpp"

namespace relay::app {

/// Exit codes shared by the apps.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;  ///< the run failed (an MPI error, a failed check)
inline constexpr int exit_usage = 2;    ///< bad command-line input

/// Asks the app to end with `code` (after --help, say) without an error message.
struct exit_request {
  int code;
};

/// Parses argv with CLI11 on every rank. --help prints on rank 0 and ends the app with 0;
/// parse errors become usage_error (the same on every rank).
void parse(CLI::App& cli, int argc, char** argv, const communicator& comm);

/// Runs an app's body on every rank with MPI started, and turns its ending into an exit code:
/// - usage_error (relay::usage_error): rank 0 prints "<name>: <message>; see --help" and every rank
/// returns 2;
/// - any other exception: rank 0 (or, when only some ranks failed, each failing rank) prints
///   "<name>: error: <message>" and the app returns 1.
/// A failure on only some ranks would leave the others waiting in a collective; the failing
/// ranks detect this (a non-blocking barrier on a private communicator that does not complete
/// within a grace period) and end the job with MPI_Abort rather than hang.
/// `level` is the thread support asked of MPI (an app with threads of its own that make no MPI
/// calls asks for funneled).
int run(int argc, char** argv, std::string_view name,
        const std::function<int(int argc, char** argv, const communicator& world)>& body,
        thread_level level = thread_level::single);

/// Runs a body that only reads files (task_farm status, task_farm extract) WITHOUT starting MPI:
/// it works on a login node with no launcher, and costs no MPI start-up when a script polls it.
/// Started by a launcher anyway (`mpirun -n 4 ... status DIR`), only the process of rank 0 (by
/// OMPI_COMM_WORLD_RANK, PMIX_RANK, PMI_RANK or SLURM_PROCID) runs it; the others return 0.
/// --help prints and returns 0; a usage_error (parse_local's included) prints "<name>: <message>"
/// and returns 2; any other exception "<name>: error: <message>", 1.
int run_local(int argc, char** argv, std::string_view name,
              const std::function<int(int argc, char** argv)>& body);

/// parse() for run_local: --help prints and ends with 0; a parse error becomes usage_error
/// ("<CLI11's message>; see --help").
void parse_local(CLI::App& cli, int argc, char** argv);

}  // namespace relay::app
