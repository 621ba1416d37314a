#include "relay/environment.hpp"

#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <string>
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

// Threads at MPI_THREAD_MULTIPLE may register callbacks concurrently (the first use of a cached
// datatype or operation in each thread).
struct finalize_list {
  std::mutex mutex;
  std::vector<std::function<void()>> callbacks;
};

finalize_list& finalize_callbacks() {
  static finalize_list list;
  return list;
}

int run_finalize_callbacks(MPI_Comm, int, void*, void*) {
  auto& list = finalize_callbacks();
  for (;;) {
    std::function<void()> fn;
    {
      const std::scoped_lock lock(list.mutex);
      if (list.callbacks.empty()) break;
      fn = std::move(list.callbacks.back());
      list.callbacks.pop_back();
    }
    fn();  // outside the lock: a callback may take other locks that call at_finalize
  }
  return MPI_SUCCESS;
}

// Ends the job from a rank that an exception is carrying out of the environment's scope. The
// exception is not caught yet, so its type and message are out of reach here.
[[noreturn]] void abort_on_unwind() {
  int rank = -1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  // One write, so that lines from several ranks do not interleave.
  const std::string line =
      "relay: rank " + std::to_string(rank) +
      " is leaving through an exception while MPI is running; aborting the job so that no rank "
      "waits forever (create relay::environment outside the try block to catch exceptions and "
      "finalize normally)\n";
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::abort();  // MPI_Abort does not return; this is for MPIs that do
}

}  // namespace

environment::environment(int& argc, char**& argv, thread_level level)
    : uncaught_at_start_(std::uncaught_exceptions()),
      started_mpi_(!initialized()),
      env_(argc, argv, to_boost(level), /*abort_on_exception=*/false) {
  return_errors();
}

environment::environment(thread_level level)
    : uncaught_at_start_(std::uncaught_exceptions()),
      started_mpi_(!initialized()),
      env_(to_boost(level), /*abort_on_exception=*/false) {
  return_errors();
}

environment::~environment() {
  // Unwinding: finalizing here would leave the other ranks waiting for this one forever.
  if (std::uncaught_exceptions() > uncaught_at_start_ && started_mpi_ && !finalized())
    abort_on_unwind();
}

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
  auto& list = finalize_callbacks();
  const std::scoped_lock lock(list.mutex);
  list.callbacks.push_back(std::move(fn));
}
}  // namespace detail

}  // namespace relay
