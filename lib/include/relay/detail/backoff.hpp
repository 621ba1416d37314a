#pragma once
/// \file
/// The one pause of every polling wait in relay.

#include <chrono>
#include <thread>

namespace relay::detail {

/// Pauses a polling loop: a yield at first (MPI's own waits spin too), then short sleeps, so that
/// a long wait on a shared machine does not hold a core.
class backoff {
 public:
  void pause() {
    if (++round_ < 2000) {
      std::this_thread::yield();
      return;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }

 private:
  int round_ = 0;
};

}  // namespace relay::detail
