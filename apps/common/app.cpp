#include "app.hpp"

#include <mpi.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "relay/environment.hpp"
#include "relay/error.hpp"

namespace relay::app {

namespace {

/// How long a failing rank waits for the others to fail too before it aborts the job.
constexpr std::chrono::seconds agreement_grace{10};

}  // namespace

namespace {
void parse_printing(CLI::App& cli, int argc, char** argv, bool prints) {
  try {
    cli.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    if (prints) std::cout << cli.help();
    throw exit_request{exit_ok};
  } catch (const CLI::CallForAllHelp&) {
    if (prints) std::cout << cli.help("", CLI::AppFormatMode::All);
    throw exit_request{exit_ok};
  } catch (const CLI::CallForVersion&) {
    if (prints) std::cout << cli.version() << "\n";
    throw exit_request{exit_ok};
  } catch (const CLI::ParseError& e) {
    throw usage_error(e.what());
  }
}

/// False in a process that a launcher started as another rank than 0.
bool launcher_rank0() {
  for (const char* var : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"})
    if (const char* v = std::getenv(var); v != nullptr && *v != '\0')
      return std::string_view(v) == "0";
  return true;
}

void error_line(const std::string& text) {
  std::cout.flush();
  std::cerr.write(text.data(), static_cast<std::streamsize>(text.size()));
}
}  // namespace

void parse(CLI::App& cli, int argc, char** argv, const communicator& comm) {
  parse_printing(cli, argc, argv, comm.rank() == 0);
}

void parse_local(CLI::App& cli, int argc, char** argv) {
  try {
    parse_printing(cli, argc, argv, true);
  } catch (const usage_error& e) {
    throw usage_error(std::string(e.what()) + "; see --help");  // as run() prints it
  }
}

int run_local(int argc, char** argv, std::string_view name,
              const std::function<int(int, char**)>& body) {
  if (!launcher_rank0()) return exit_ok;
  try {
    return body(argc, argv);
  } catch (const exit_request& request) {
    return request.code;
  } catch (const usage_error& e) {
    error_line(std::string(name) + ": " + e.what() + "\n");
    return exit_usage;
  } catch (const std::exception& e) {
    error_line(std::string(name) + ": error: " + e.what() + "\n");
    return exit_failure;
  }
}

namespace {

/// True if every rank of `agreement` reaches this point within the grace period.
bool all_ranks_failed(MPI_Comm agreement) {
  MPI_Request request = MPI_REQUEST_NULL;
  if (MPI_Ibarrier(agreement, &request) != MPI_SUCCESS) return false;
  const auto deadline = std::chrono::steady_clock::now() + agreement_grace;
  for (;;) {
    int done = 0;
    if (MPI_Test(&request, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS) return false;
    if (done) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

/// Ends an app whose body threw: a clean shared exit when every rank failed alike, else abort.
int fail(MPI_Comm agreement, int rank, std::string_view name, const std::string& message,
         int code) {
  // Each line goes out in one piece (std::cerr writes every << on its own), so that under mpirun,
  // which forwards stdout and stderr separately, it always starts a line of the job's output.
  const auto line = [](const std::string& text) {
    std::cout.flush();
    std::cerr.write(text.data(), static_cast<std::streamsize>(text.size()));
  };
  if (all_ranks_failed(agreement)) {
    if (rank == 0) line(std::string(name) + ": " + message + "\n");
    return code;
  }
  line(std::string(name) + ": rank " + std::to_string(rank) + ": " + message +
       " (other ranks did not fail; aborting the job)\n");
  MPI_Abort(MPI_COMM_WORLD, code);
  return code;
}

}  // namespace

int run(int argc, char** argv, std::string_view name,
        const std::function<int(int, char**, const communicator&)>& body, thread_level level) {
  relay::environment env(argc, argv, level);
  const communicator world;
  MPI_Comm agreement = MPI_COMM_NULL;
  MPI_Comm_dup(MPI_COMM_WORLD, &agreement);
  int code = exit_ok;
  try {
    code = body(argc, argv, world);
  } catch (const exit_request& request) {
    code = request.code;
  } catch (const usage_error& e) {
    code = fail(agreement, world.rank(), name, std::string(e.what()) + "; see --help", exit_usage);
  } catch (const std::exception& e) {
    code = fail(agreement, world.rank(), name, std::string("error: ") + e.what(), exit_failure);
  }
  MPI_Comm_free(&agreement);
  return code;
}

}  // namespace relay::app
