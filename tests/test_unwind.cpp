// What happens when an exception unwinds through relay::environment (issue 12, item 10). Not a
// GoogleTest program: the point is how the whole job ends, which the test registration checks.
//
//   test_unwind one-rank-throws   The environment lives inside `try`; rank 1 throws and `main`
//                                 catches while the other ranks wait in bcast. The environment
//                                 must end the job (one line, MPI_Abort), not finalize and hang.
//   test_unwind all-ranks-catch   The environment lives inside `try` too, but every rank raises
//                                 a usage_error together and catches it while the environment is
//                                 alive: the environment is destroyed normally and finalizes.
//   test_unwind escapes-main      Rank 1 throws and nothing catches: std::terminate, with no
//                                 unwinding, so the environment's rule does not apply (the job
//                                 still ends, through Open MPI, as before).

#include <cstring>
#include <iostream>
#include <stdexcept>

#include "relay/relay.hpp"

namespace {

int one_rank_throws(int argc, char** argv) {
  try {
    relay::environment env(argc, argv);
    relay::communicator world;
    if (world.rank() == 1) throw std::runtime_error("boom");
    (void)relay::bcast(world, 1, 0);  // the other ranks wait here for rank 1
    (void)relay::bcast(world, 2, 1);
  } catch (const std::exception& e) {
    std::cerr << "test_unwind: caught " << e.what() << "\n";
    return 1;
  }
  return 0;
}

int all_ranks_catch(int argc, char** argv) {
  try {
    relay::environment env(argc, argv);
    relay::communicator world;
    try {
      (void)relay::bcast(world, 1, world.size());  // no such root: usage_error on every rank
      return 1;
    } catch (const relay::usage_error&) {
    }
    const int sum = relay::allreduce(world, 1, std::plus<>{});
    if (world.rank() == 0) std::cout << "test_unwind: all ranks caught the usage error\n";
    return sum == world.size() ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "test_unwind: unexpected " << e.what() << "\n";
    return 1;
  }
}

int escapes_main(int argc, char** argv) {
  relay::environment env(argc, argv);
  relay::communicator world;
  if (world.rank() == 1) throw std::runtime_error("boom");
  (void)relay::bcast(world, 1, 0);
  (void)relay::bcast(world, 2, 1);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "one-rank-throws") == 0) return one_rank_throws(argc, argv);
  if (argc > 1 && std::strcmp(argv[1], "all-ranks-catch") == 0) return all_ranks_catch(argc, argv);
  if (argc > 1 && std::strcmp(argv[1], "escapes-main") == 0) return escapes_main(argc, argv);
  std::cerr << "usage: test_unwind one-rank-throws|all-ranks-catch|escapes-main\n";
  return 2;
}
