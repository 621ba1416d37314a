#pragma once
/// \file
/// RAII start and stop of MPI.

#include <boost/mpi/environment.hpp>

#include <functional>
#include <string>

namespace relay {

/// The thread support asked of MPI (`MPI_Init_thread`).
enum class thread_level { single, funneled, serialized, multiple };

/// Starts MPI on construction and finalizes it on destruction. Create exactly one, first thing in
/// `main`, on every rank. If MPI is already running (started by another library), it is left
/// alone and not finalized here.
///
/// How it ends:
/// - Destroyed normally (including after exceptions that were caught while it was alive, such as
///   the usage errors that relay raises on every rank together): `MPI_Finalize`.
/// - Destroyed by an exception unwinding through it (the environment was created inside a `try`
///   whose `catch` is outside its scope): one line on standard error, then
///   `MPI_Abort(MPI_COMM_WORLD, 1)`. This rank cannot know whether the others are leaving too; if
///   it finalized while they wait for it in a collective or a receive, the job would hang forever.
///   To catch exceptions and still finalize cleanly, create the environment before the `try`.
/// - An exception that escapes `main` uncaught: `std::terminate`, as for any C++ program (Open
///   MPI then ends the job).
///
/// `MPI_COMM_WORLD` and `MPI_COMM_SELF` are switched to `MPI_ERRORS_RETURN`, so that MPI failures
/// surface as `relay::mpi_error`.
class environment {
 public:
  /// Initializes MPI with the requested thread level; `argc`/`argv` are passed to MPI.
  environment(int& argc, char**& argv, thread_level level = thread_level::single);
  /// Initializes MPI without command-line arguments.
  explicit environment(thread_level level = thread_level::single);
  /// Finalizes MPI (if this environment started it), or aborts the job when destroyed by an
  /// exception unwinding through it (see the class comment).
  ~environment();

  environment(const environment&) = delete;
  environment& operator=(const environment&) = delete;

  /// The thread level MPI actually provides (may be lower than requested).
  [[nodiscard]] static thread_level provided();
  /// True between MPI_Init and MPI_Finalize.
  [[nodiscard]] static bool initialized();
  /// True after MPI_Finalize.
  [[nodiscard]] static bool finalized();
  /// The name of this host as MPI reports it (`MPI_Get_processor_name`).
  [[nodiscard]] static std::string processor_name();
  /// The MPI library's version string (`MPI_Get_library_version`).
  [[nodiscard]] static std::string library_version();

 private:
  // Declared before env_, so both are set before MPI starts.
  int uncaught_at_start_;  // std::uncaught_exceptions() at construction
  bool started_mpi_;       // MPI was not running before this environment
  boost::mpi::environment env_;
};

namespace detail {
/// Runs `fn` at the start of MPI_Finalize (through an attribute on MPI_COMM_SELF), before any
/// handle becomes invalid. Used to free cached datatypes and operations. Callbacks run in reverse
/// order of registration.
void at_finalize(std::function<void()> fn);
}  // namespace detail

}  // namespace relay
