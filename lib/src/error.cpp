#include "relay/error.hpp"

namespace relay {

std::string mpi_error_string(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS)
    return "unknown MPI error " + std::to_string(code);
  return std::string(text, static_cast<std::size_t>(length));
}

static int error_class_of(int code) {
  int cls = code;
  if (MPI_Error_class(code, &cls) != MPI_SUCCESS) return code;
  return cls;
}

mpi_error::mpi_error(const char* function, int code)
    : error(std::string(function) + ": " + mpi_error_string(code)),
      code_(code),
      class_(error_class_of(code)) {}

namespace detail {
void throw_mpi_error(const char* function, int code) {
  throw mpi_error(function, code);
}
}  // namespace detail

}  // namespace relay
