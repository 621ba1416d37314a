// A pool whose rank 1 is killed (SIGKILL) in the middle of a map: the job must end within
// seconds, never hang (tests/pool_killed_worker.sh checks the exit code and the time).
#include <chrono>
#include <csignal>
#include <cstdio>
#include <numeric>
#include <thread>
#include <vector>

#include "relay/environment.hpp"
#include "relay/pool.hpp"

int main(int argc, char** argv) {
  relay::environment env(argc, argv, relay::thread_level::funneled);
  relay::communicator world;
  relay::pool pool(world);
  std::vector<int> in(static_cast<std::size_t>(20 * world.size()));
  std::iota(in.begin(), in.end(), 0);
  auto out = pool.map(
      [](int x, relay::task_context& ctx) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        if (ctx.rank() == 1 && x >= 4) {
          std::fprintf(stderr, "pool_kill: rank 1 kills itself in task %d\n", x);
          std::fflush(stderr);
          std::raise(SIGKILL);
        }
        return x;
      },
      in);
  if (pool.is_root()) std::printf("pool_kill: the map finished (%zu results)\n", out.size());
  return 0;
}
