#include "relay/environment.hpp"

#include <mpi.h>

#include <vector>

#include "relay/detail/message.hpp"
#include "relay/error.hpp"

namespace relay {
namespace {

boost::mpi::threading::level to_boost(thread_level level) {
  switch (level) {
    case thread_level::single:
      return boost::mpi::threading::single;
    case thread_level::funneled:
      return boost::mpi::threading::funneled;
    case thread_level::serialized:
      return boost::mpi::threading::serialized;
    case thread_level::multiple:
      return boost::mpi::threading::multiple;
  }
  return boost::mpi::threading::single;
}

void return_errors() {
  RELAY_MPI(MPI_Comm_set_errhandler, MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  RELAY_MPI(MPI_Comm_set_errhandler, MPI_COMM_SELF, MPI_ERRORS_RETURN);
  detail::open_channel();  // collective: every rank constructs the environment
}

std::vector<std::function<void()>>& finalize_callbacks() {
  static std::vector<std::function<void()>> callbacks;
  return callbacks;
}

int run_finalize_callbacks(MPI_Comm, int, void*, void*) {
  auto& callbacks = finalize_callbacks();
  while (!callbacks.empty()) {
    auto fn = std::move(callbacks.back());
    callbacks.pop_back();
    fn();
  }
  return MPI_SUCCESS;
}

}  // namespace

environment::environment(int& argc, char**& argv, thread_level level)
    : env_(argc, argv, to_boost(level), /*abort_on_exception=*/false) {
  return_errors();
}

environment::environment(thread_level level) : env_(to_boost(level), /*abort_on_exception=*/false) {
  return_errors();
}

environment::~environment() = default;

thread_level environment::provided() {
  int level = MPI_THREAD_SINGLE;
  RELAY_MPI(MPI_Query_thread, &level);
  switch (level) {
    case MPI_THREAD_FUNNELED:
      return thread_level::funneled;
    case MPI_THREAD_SERIALIZED:
      return thread_level::serialized;
    case MPI_THREAD_MULTIPLE:
      return thread_level::multiple;
    default:
      return thread_level::single;
  }
}

bool environment::initialized() {
  int flag = 0;
  MPI_Initialized(&flag);
  return flag != 0;
}

bool environment::finalized() {
  int flag = 0;
  MPI_Finalized(&flag);
  return flag != 0;
}

std::string environment::processor_name() {
  char name[MPI_MAX_PROCESSOR_NAME];
  int length = 0;
  RELAY_MPI(MPI_Get_processor_name, name, &length);
  return std::string(name, static_cast<std::size_t>(length));
}

std::string environment::library_version() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING];
  int length = 0;
  RELAY_MPI(MPI_Get_library_version, text, &length);
  std::string version(text, static_cast<std::size_t>(length));
  while (!version.empty() && (version.back() == '\n' || version.back() == '\0')) version.pop_back();
  return version;
}

namespace detail {
void at_finalize(std::function<void()> fn) {
  static const int keyval = [] {
    int key = MPI_KEYVAL_INVALID;
    RELAY_MPI(MPI_Comm_create_keyval, MPI_COMM_NULL_COPY_FN, run_finalize_callbacks, &key, nullptr);
    RELAY_MPI(MPI_Comm_set_attr, MPI_COMM_SELF, key, nullptr);
    return key;
  }();
  (void)keyval;
  finalize_callbacks().push_back(std::move(fn));
}
}  // namespace detail

}  // namespace relay
