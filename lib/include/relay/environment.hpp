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
/// Unlike a plain `boost::mpi::environment`, an exception that escapes `main`'s scope does not
/// call `MPI_Abort`: relay raises usage errors on every rank together, so a clean finalize is the
/// right ending. `MPI_COMM_WORLD` and `MPI_COMM_SELF` are switched to `MPI_ERRORS_RETURN`, so that
/// MPI failures surface as `relay::mpi_error`.
class environment {
 public:
  /// Initializes MPI with the requested thread level; `argc`/`argv` are passed to MPI.
  environment(int& argc, char**& argv, thread_level level = thread_level::single);
  /// Initializes MPI without command-line arguments.
  explicit environment(thread_level level = thread_level::single);
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
  boost::mpi::environment env_;
};

namespace detail {
/// Runs `fn` at the start of MPI_Finalize (through an attribute on MPI_COMM_SELF), before any
/// handle becomes invalid. Used to free cached datatypes and operations. Callbacks run in reverse
/// order of registration.
void at_finalize(std::function<void()> fn);
}  // namespace detail

}  // namespace relay
