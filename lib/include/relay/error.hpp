#pragma once
/// \file
/// The exception types of relay. Every MPI call made by relay runs with MPI_ERRORS_RETURN, and a
/// failing return code becomes an `mpi_error` that carries MPI's own message.

#include <mpi.h>

#include <stdexcept>
#include <string>

namespace relay {

/// Base class of every exception relay throws.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A call to MPI returned an error code. `what()` names the MPI function and holds the text of
/// `MPI_Error_string`.
class mpi_error : public error {
 public:
  /// Builds the exception for `code` returned by the MPI function `function`.
  mpi_error(const char* function, int code);

  /// The error code MPI returned.
  [[nodiscard]] int code() const noexcept { return code_; }
  /// The error class of the code (`MPI_Error_class`), e.g. MPI_ERR_TRUNCATE.
  [[nodiscard]] int error_class() const noexcept { return class_; }

 private:
  int code_;
  int class_;
};

/// An argument was invalid (a rank outside the communicator, a negative tag, mismatched sizes).
/// Raised before MPI is called. When the argument is one that every rank passes (a root), every
/// rank raises it, so no rank is left waiting in a collective.
class usage_error : public error {
 public:
  using error::error;
};

/// The text MPI gives for an error code (`MPI_Error_string`).
[[nodiscard]] std::string mpi_error_string(int code);

namespace detail {
[[noreturn]] void throw_mpi_error(const char* function, int code);

/// Turns an MPI return code into an exception.
inline void check(int code, const char* function) {
  if (code != MPI_SUCCESS) [[unlikely]]
    throw_mpi_error(function, code);
}
}  // namespace detail

}  // namespace relay

/// Calls an MPI function and throws relay::mpi_error if it fails.
#define RELAY_MPI(fn, ...) ::relay::detail::check(fn(__VA_ARGS__), #fn)
