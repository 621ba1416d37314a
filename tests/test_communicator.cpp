// The communicator (rank, size, split, dup, barrier, wrapping MPI and Boost.MPI handles) and the
// environment's queries.

#include <gtest/gtest.h>

#include <boost/mpi/communicator.hpp>

#include <chrono>
#include <climits>
#include <string>
#include <thread>
#include <vector>

#include "relay/detail/checks.hpp"
#include "relay/relay.hpp"
#include "test_support.hpp"

namespace {

using namespace relay_test;

TEST(Communicator, WorldMatchesMpi) {
  relay::communicator world;
  int rank = -1, size = -1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  EXPECT_EQ(world.rank(), rank);
  EXPECT_EQ(world.size(), size);
  EXPECT_EQ(world.is_root(), rank == 0);
  EXPECT_TRUE(world.valid());
  int same = MPI_UNEQUAL;
  MPI_Comm_compare(world.native(), MPI_COMM_WORLD, &same);
  EXPECT_EQ(same, MPI_IDENT);
  EXPECT_EQ(world.boost().size(), size);
  EXPECT_EQ(world.boost().rank(), rank);
}

TEST(Communicator, WrapsMpiAndBoostHandles) {
  const relay::communicator from_mpi(MPI_COMM_WORLD);
  EXPECT_EQ(from_mpi.native(), MPI_COMM_WORLD);
  MPI_Errhandler handler = MPI_ERRHANDLER_NULL;
  MPI_Comm_get_errhandler(MPI_COMM_WORLD, &handler);
  EXPECT_EQ(handler, MPI_ERRORS_RETURN);  // so that MPI failures become exceptions
  MPI_Errhandler_free(&handler);
  const relay::communicator from_boost{boost::mpi::communicator()};
  EXPECT_EQ(from_boost.size(), from_mpi.size());
  EXPECT_EQ(from_boost.rank(), from_mpi.rank());
  EXPECT_EQ(relay::allreduce(from_mpi, 1, std::plus<>{}), from_mpi.size());
  const relay::communicator self(MPI_COMM_SELF);
  EXPECT_EQ(self.size(), 1);
  EXPECT_EQ(self.rank(), 0);
  EXPECT_EQ(relay::bcast(self, std::string("alone"), 0), "alone");
}

TEST(Communicator, SplitEvenAndOdd) {
  relay::communicator world;
  const int p = world.size(), me = world.rank();
  // Reverse order within each part through the key.
  const relay::communicator part = world.split(me % 2, -me);
  ASSERT_TRUE(part.valid());  // every rank gets a part: no rank returns early alone
  const int part_size = me % 2 == 0 ? (p + 1) / 2 : p / 2;
  EXPECT_EQ(part.size(), part_size);
  EXPECT_EQ(part.rank(), part_size - 1 - me / 2);
  // The members, in part order, as world ranks.
  const auto members = relay::allgather(part, me);
  for (int i = 0; i < part.size(); ++i)
    EXPECT_EQ(members[static_cast<std::size_t>(i)], me % 2 + 2 * (part_size - 1 - i));
  // Collectives and messages stay inside the part (serialized reductions use the part's private
  // duplicate).
  const auto joined = relay::allreduce(
      part, std::to_string(me), [](const std::string& a, const std::string& b) { return a + b; });
  std::string expected;
  for (int r : members) expected += std::to_string(r);
  EXPECT_EQ(joined, expected);
  EXPECT_EQ(relay::sendrecv<int>(part, me, next_rank(part), prev_rank(part)),
            members[static_cast<std::size_t>(prev_rank(part))]);
  part.barrier();
}

TEST(Communicator, UndefinedColorGivesAnInvalidCommunicator) {
  relay::communicator world;
  const bool in = world.rank() % 2 == 0;
  const relay::communicator evens = world.split(in ? 0 : relay::undefined_color);
  EXPECT_EQ(evens.valid(), in);
  if (in) {
    EXPECT_EQ(evens.size(), (world.size() + 1) / 2);
    EXPECT_EQ(evens.rank(), world.rank() / 2);
    EXPECT_EQ(relay::allreduce(evens, 1, std::plus<>{}), evens.size());
  } else {
    EXPECT_EQ(evens.native(), MPI_COMM_NULL);
  }
  const relay::communicator nobody = world.split(relay::undefined_color);
  EXPECT_FALSE(nobody.valid());
  const relay::communicator copy = nobody;  // copies of a null communicator are fine
  EXPECT_FALSE(copy.valid());
}

TEST(Communicator, SplitByKeyAlone) {
  relay::communicator world;
  const relay::communicator reversed = world.split(0, world.size() - world.rank());
  EXPECT_EQ(reversed.size(), world.size());
  EXPECT_EQ(reversed.rank(), world.size() - 1 - world.rank());
  EXPECT_EQ(relay::bcast(reversed, reversed.rank() == 0 ? world.rank() : -1, 0), world.size() - 1);
}

TEST(Communicator, DupKeepsMessagesApart) {
  relay::communicator world;
  const relay::communicator copy = world.dup();
  EXPECT_EQ(copy.size(), world.size());
  EXPECT_EQ(copy.rank(), world.rank());
  EXPECT_NE(copy.native(), world.native());
  int result = MPI_UNEQUAL;
  MPI_Comm_compare(copy.native(), world.native(), &result);
  EXPECT_EQ(result, MPI_CONGRUENT);
  // The same envelope on the two communicators: each receive gets its own communicator's
  // message, whatever the order.
  const int next = next_rank(world), prev = prev_rank(world);
  auto on_copy = relay::isend(copy, std::string("copy"), next, 0);
  auto on_world = relay::isend(world, std::string("world"), next, 0);
  EXPECT_EQ(relay::recv<std::string>(world, prev, 0), "world");
  EXPECT_EQ(relay::recv<std::string>(copy, prev, 0), "copy");
  on_copy.wait();
  on_world.wait();
  const relay::communicator copy_of_copy = copy.dup();
  EXPECT_EQ(relay::allreduce(copy_of_copy, copy.rank(), relay::ops::max{}), world.size() - 1);
}

TEST(Communicator, BarrierWaitsForTheSlowestRank) {
  const relay::communicator comm = relay::communicator().dup();
  // Rank 0 arrives late. The others send it a message as soon as they leave the barrier, so no
  // message may reach rank 0 before it has entered the barrier itself.
  if (comm.rank() == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_FALSE(relay::iprobe(comm).has_value());
    comm.barrier();
    for (int i = 1; i < comm.size(); ++i) (void)relay::recv<int>(comm);
  } else {
    comm.barrier();
    relay::send(comm, comm.rank(), 0);
  }
  comm.barrier();
}

TEST(Communicator, ChecksRanksSourcesAndTags) {
  relay::communicator world;
  const int p = world.size();
  EXPECT_NO_THROW(relay::detail::check_rank(world, 0, "root"));
  EXPECT_NO_THROW(relay::detail::check_rank(world, p - 1, "root"));
  EXPECT_THROW(relay::detail::check_rank(world, p, "root"), relay::usage_error);
  EXPECT_THROW(relay::detail::check_rank(world, -1, "root"), relay::usage_error);
  try {
    relay::detail::check_rank(world, p, "destination");
    ADD_FAILURE() << "no exception";
  } catch (const relay::usage_error& e) {
    EXPECT_NE(std::string(e.what()).find("destination " + std::to_string(p)), std::string::npos)
        << e.what();
  }
  EXPECT_NO_THROW(relay::detail::check_source(world, relay::any_source));
  EXPECT_NO_THROW(relay::detail::check_source(world, MPI_PROC_NULL));
  EXPECT_THROW(relay::detail::check_source(world, p), relay::usage_error);
  EXPECT_THROW(relay::detail::check_source(world, -7), relay::usage_error);
  EXPECT_NO_THROW(relay::detail::check_tag(world, 0, false));
  EXPECT_GE(world.max_tag(), 32767);  // the standard's guaranteed minimum bound
  EXPECT_NO_THROW(relay::detail::check_tag(world, world.max_tag(), false));
  EXPECT_THROW(relay::detail::check_tag(
                   world, world.max_tag() + 1L > INT_MAX ? -1 : world.max_tag() + 1, false),
               relay::usage_error);
  EXPECT_NO_THROW(relay::detail::check_tag(world, relay::any_tag, true));
  EXPECT_THROW(relay::detail::check_tag(world, relay::any_tag, false), relay::usage_error);
  EXPECT_THROW(relay::detail::check_tag(world, -5, true), relay::usage_error);
}

TEST(Environment, ReportsMpiState) {
  EXPECT_TRUE(relay::environment::initialized());
  EXPECT_FALSE(relay::environment::finalized());
  const relay::thread_level level = relay::environment::provided();
  EXPECT_TRUE(level == relay::thread_level::single || level == relay::thread_level::funneled ||
              level == relay::thread_level::serialized || level == relay::thread_level::multiple);
  EXPECT_FALSE(relay::environment::processor_name().empty());
  const std::string version = relay::environment::library_version();
  EXPECT_FALSE(version.empty());
  EXPECT_NE(version.back(), '\n');
  EXPECT_NE(version.back(), '\0');
  // Every rank reports the same MPI library.
  const auto versions = relay::allgather(relay::communicator(), version);
  for (const auto& v : versions) EXPECT_EQ(v, version);
}

}  // namespace
