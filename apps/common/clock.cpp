#include "clock.hpp"

#include <time.h>

namespace relay::app {

namespace {
double seconds_of(clockid_t id) {
  timespec t{};
  clock_gettime(id, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}
}  // namespace

double cpu_seconds() {
  return seconds_of(CLOCK_PROCESS_CPUTIME_ID);
}

double monotonic_seconds() {
  return seconds_of(CLOCK_MONOTONIC);
}

double wall_seconds() {
  return seconds_of(CLOCK_REALTIME);
}

}  // namespace relay::app
