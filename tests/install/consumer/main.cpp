// Sums the ranks with relay, as a user's program would after find_package(relay).
#include <relay/relay.hpp>

#include <functional>
#include <iostream>

int main(int argc, char** argv) {
  relay::environment env(argc, argv);
  relay::communicator world;
  const int sum = relay::allreduce(world, world.rank(), std::plus<>{});
  if (world.rank() == 0) std::cout << "consumer: sum of ranks " << sum << "\n";
  return sum == world.size() * (world.size() - 1) / 2 ? 0 : 1;
}
