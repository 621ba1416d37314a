// Errors: usage errors raised on every rank together (invalid roots, mismatched sizes), invalid
// ranks and tags in point-to-point calls, failures at the root of a collective, and MPI errors
// that carry MPI's own message.

#include <gtest/gtest.h>

#include <boost/serialization/split_member.hpp>

#include <climits>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "relay/relay.hpp"
#include "test_support.hpp"

namespace {

using namespace relay_test;

/// Every rank must still be in step: a rank that had entered a collective alone would hang here.
void expect_in_step(const relay::communicator& comm) {
  EXPECT_EQ(relay::allreduce(comm, 1, std::plus<>{}), comm.size());
}

// ---- invalid roots -----------------------------------------------------------------------------

TEST(Errors, InvalidRootRaisesUsageErrorOnEveryRank) {
  relay::communicator comm;
  const int p = comm.size();
  const auto concat = [](const std::string& a, const std::string& b) { return a + b; };
  for (int root : {-1, p, p + 3, -100}) {
    SCOPED_TRACE("root " + std::to_string(root));
    const std::vector<int> ints(static_cast<std::size_t>(p), 1);
    const std::vector<std::string> words(static_cast<std::size_t>(p), "w");
    EXPECT_THROW((void)relay::bcast(comm, 1, root), relay::usage_error);
    EXPECT_THROW((void)relay::bcast(comm, std::vector<int>{1}, root), relay::usage_error);
    EXPECT_THROW((void)relay::bcast(comm, make_map(1), root), relay::usage_error);
    int value = 0;
    EXPECT_THROW(relay::bcast_into(comm, value, root), relay::usage_error);
    EXPECT_THROW((void)relay::scatter(comm, ints, root), relay::usage_error);
    EXPECT_THROW((void)relay::scatter(comm, words, root), relay::usage_error);
    EXPECT_THROW((void)relay::scatter_balanced(comm, ints, root), relay::usage_error);
    EXPECT_THROW((void)relay::scatter_balanced(comm, words, root), relay::usage_error);
    EXPECT_THROW((void)relay::gather(comm, 1, root), relay::usage_error);
    EXPECT_THROW((void)relay::gather(comm, std::string("x"), root), relay::usage_error);
    EXPECT_THROW((void)relay::gatherv(comm, ints, root), relay::usage_error);
    EXPECT_THROW((void)relay::gatherv(comm, words, root), relay::usage_error);
    EXPECT_THROW((void)relay::reduce(comm, 1, std::plus<>{}, root), relay::usage_error);
    EXPECT_THROW((void)relay::reduce(comm, ints, relay::ops::max{}, root), relay::usage_error);
    EXPECT_THROW((void)relay::reduce(comm, std::string("x"), concat, root), relay::usage_error);
    expect_in_step(comm);
  }
}

// ---- scatter with the wrong number of values ---------------------------------------------------

TEST(Errors, ScatterWithWrongCountRaisesOnEveryRank) {
  relay::communicator comm;
  const int p = comm.size();
  const int root = p - 1;
  const bool at_root = comm.rank() == root;
  for (std::size_t count : {static_cast<std::size_t>(p) + 1, static_cast<std::size_t>(p) - 1}) {
    SCOPED_TRACE("count " + std::to_string(count));
    // Non-roots pass a correct-looking vector: only the root's values count.
    const std::vector<int> ints(at_root ? count : static_cast<std::size_t>(p), 3);
    EXPECT_THROW((void)relay::scatter(comm, ints, root), relay::usage_error);
    expect_in_step(comm);
    const std::vector<std::string> words(at_root ? count : 0, "w");
    if (at_root) {
      EXPECT_THROW((void)relay::scatter(comm, words, root), relay::usage_error);
    } else {
      EXPECT_THROW((void)relay::scatter(comm, words, root), relay::error);
    }
    expect_in_step(comm);
    const std::vector<std::map<std::string, int>> maps(at_root ? count : 0, make_map(1));
    EXPECT_THROW((void)relay::scatter(comm, maps, root), relay::error);
    expect_in_step(comm);
  }
  // And the correct count still works afterwards.
  std::vector<std::string> words;
  if (at_root)
    for (int r = 0; r < p; ++r) words.push_back(make_string(r));
  EXPECT_EQ(relay::scatter(comm, words, root), make_string(comm.rank()));
}

// ---- a failure at the root of a collective ------------------------------------------------------

/// Fails to serialize (on saving only) when `fail` is set.
struct fragile {
  bool fail = false;
  int value = 0;
  std::string label;  // not trivially copyable: fragile travels serialized
  template <class Archive>
  void save(Archive& ar, unsigned) const {
    if (fail) throw std::runtime_error("fragile: cannot save");
    ar << value;
  }
  template <class Archive>
  void load(Archive& ar, unsigned) {
    ar >> value;
  }
  BOOST_SERIALIZATION_SPLIT_MEMBER()
};

TEST(Errors, RootFailureReachesEveryRank) {
  relay::communicator comm;
  const int root = comm.size() / 2;
  const bool at_root = comm.rank() == root;
  // The root sees its own exception; the others learn of it through the collective.
  auto check = [&](auto&& call) {
    try {
      call();
      ADD_FAILURE() << "no exception on rank " << comm.rank();
    } catch (const std::runtime_error& e) {
      if (at_root) {
        EXPECT_STREQ(e.what(), "fragile: cannot save");
      } else {
        EXPECT_NE(dynamic_cast<const relay::error*>(&e), nullptr) << e.what();
      }
    }
    expect_in_step(comm);
  };
  check([&] { (void)relay::bcast(comm, fragile{true, 1, ""}, root); });
  // The root's own piece of a scatter is copied, never serialized, so alone it cannot fail.
  if (comm.size() > 1) {
    check([&] {
      (void)relay::scatter(
          comm, std::vector<fragile>(static_cast<std::size_t>(comm.size()), {true, 1, ""}), root);
    });
    check([&] {
      (void)relay::scatter_balanced(comm, std::vector<fragile>(5, {true, 1, ""}), root);
    });
  }
  // The same calls succeed when nothing fails.
  EXPECT_EQ(relay::bcast(comm, fragile{false, 7, ""}, root).value, 7);
}

// ---- invalid ranks and tags in point-to-point calls ---------------------------------------------

TEST(Errors, InvalidDestinationSourceOrTagRaisesUsageError) {
  relay::communicator comm;
  const int p = comm.size();
  for (int bad_rank : {p, p + 1, -3, relay::any_source}) {
    SCOPED_TRACE("rank " + std::to_string(bad_rank));
    EXPECT_THROW(relay::send(comm, 1, bad_rank), relay::usage_error);
    EXPECT_THROW(relay::send(comm, std::string("x"), bad_rank), relay::usage_error);
    EXPECT_THROW((void)relay::isend(comm, 1, bad_rank), relay::usage_error);
    EXPECT_THROW((void)relay::sendrecv<int>(comm, 1, bad_rank, 0), relay::usage_error);
  }
  for (int bad_source : {p, p + 1, -3}) {
    SCOPED_TRACE("source " + std::to_string(bad_source));
    EXPECT_THROW((void)relay::recv<int>(comm, bad_source), relay::usage_error);
    EXPECT_THROW((void)relay::recv<std::vector<int>>(comm, bad_source), relay::usage_error);
    EXPECT_THROW((void)relay::recv_with_status<int>(comm, bad_source), relay::usage_error);
    EXPECT_THROW((void)relay::irecv<int>(comm, bad_source), relay::usage_error);
    EXPECT_THROW((void)relay::irecv<std::string>(comm, bad_source), relay::usage_error);
    EXPECT_THROW((void)relay::probe(comm, bad_source), relay::usage_error);
    EXPECT_THROW((void)relay::iprobe(comm, bad_source), relay::usage_error);
    std::vector<int> buffer(1);
    EXPECT_THROW((void)relay::recv_into(comm, std::span<int>(buffer), bad_source),
                 relay::usage_error);
    EXPECT_THROW((void)relay::sendrecv<int>(comm, 1, 0, bad_source), relay::usage_error);
  }
  int* tag_ub = nullptr;
  int found = 0;
  MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &tag_ub, &found);
  std::vector<int> bad_tags{-5, INT_MIN};
  if (found && *tag_ub < INT_MAX) bad_tags.push_back(*tag_ub + 1);
  for (int bad_tag : bad_tags) {
    SCOPED_TRACE("tag " + std::to_string(bad_tag));
    EXPECT_THROW(relay::send(comm, 1, 0, bad_tag), relay::usage_error);
    EXPECT_THROW((void)relay::isend(comm, std::string("x"), 0, bad_tag), relay::usage_error);
    EXPECT_THROW((void)relay::recv<int>(comm, 0, bad_tag), relay::usage_error);
    EXPECT_THROW((void)relay::irecv<std::vector<int>>(comm, 0, bad_tag), relay::usage_error);
    EXPECT_THROW((void)relay::probe(comm, 0, bad_tag), relay::usage_error);
    EXPECT_THROW((void)relay::sendrecv<int>(comm, 1, 0, 0, bad_tag, 0), relay::usage_error);
    EXPECT_THROW((void)relay::sendrecv<int>(comm, 1, 0, 0, 0, bad_tag), relay::usage_error);
  }
  // any_tag is for receiving only.
  EXPECT_THROW(relay::send(comm, 1, 0, relay::any_tag), relay::usage_error);
  EXPECT_THROW((void)relay::isend(comm, 1, 0, relay::any_tag), relay::usage_error);
  expect_in_step(comm);
}

TEST(Errors, SplitWithNegativeColorRaisesOnEveryRank) {
  relay::communicator comm;
  EXPECT_THROW((void)comm.split(-5), relay::usage_error);
  expect_in_step(comm);
}

// ---- MPI errors
// ----------------------------------------------------------------------------------

TEST(Errors, MpiErrorCarriesMpisMessage) {
  const relay::mpi_error e("MPI_Send", MPI_ERR_RANK);
  EXPECT_EQ(e.code(), MPI_ERR_RANK);
  EXPECT_EQ(e.error_class(), MPI_ERR_RANK);
  const std::string text = relay::mpi_error_string(MPI_ERR_RANK);
  EXPECT_FALSE(text.empty());
  EXPECT_EQ(std::string(e.what()), "MPI_Send: " + text);
  const relay::error& base = e;  // one hierarchy
  EXPECT_NE(dynamic_cast<const std::runtime_error*>(&base), nullptr);
  EXPECT_NE(relay::mpi_error_string(MPI_ERR_TRUNCATE), text);
  EXPECT_NE(relay::mpi_error_string(123456).find("123456"), std::string::npos);
}

/// Runs `receive` on rank 1 while rank 0 sends four ints, and checks that it raises an MPI
/// truncation error naming `function`; the message is consumed, so nothing is left pending.
template <class Receive>
void check_truncation(const relay::communicator& comm, const char* function, Receive receive) {
  if (comm.rank() == 0) relay::send(comm, std::vector<int>{1, 2, 3, 4}, 1, 3);
  if (comm.rank() == 1) {
    try {
      receive();
      ADD_FAILURE() << function << ": no exception";
    } catch (const relay::mpi_error& e) {
      const std::string what = e.what();
      EXPECT_EQ(e.error_class(), MPI_ERR_TRUNCATE) << what;
      EXPECT_NE(what.find(function), std::string::npos) << what;
      EXPECT_NE(what.find(relay::mpi_error_string(e.code())), std::string::npos) << what;
      EXPECT_NE(what.find(relay::mpi_error_string(MPI_ERR_TRUNCATE)), std::string::npos) << what;
    }
  }
  comm.barrier();
  EXPECT_FALSE(relay::iprobe(comm).has_value()) << function << " left a message pending";
  comm.barrier();
}

TEST(Errors, TruncationBecomesMpiError) {
  const relay::communicator comm = relay::communicator().dup();
  RELAY_REQUIRE_RANKS(comm, 2);
  check_truncation(comm, "MPI_Recv", [&] { (void)relay::recv<int>(comm, 0, 3); });
  check_truncation(comm, "MPI_Recv", [&] {
    std::vector<int> small(2);
    (void)relay::recv_into(comm, std::span<int>(small), 0, 3);
  });
  check_truncation(comm, "MPI_Wait", [&] { (void)relay::irecv<int>(comm, 0, 3).wait(); });
  std::vector<int> small(2);
  check_truncation(comm, "MPI_Wait",
                   [&] { relay::irecv_into(comm, std::span<int>(small), 0, 3).wait(); });
  // wait_all over plain requests only, and mixed with a state-based one: the error is the failed
  // receive's own, and the other requests complete.
  for (const bool mixed : {false, true}) {
    check_truncation(comm, "MPI_Waitall", [&] {
      int mine = 0;
      const int one = 1;
      std::vector<relay::request> requests;
      requests.push_back(relay::irecv_into(comm, std::span<int>(small), 0, 3));
      requests.push_back(relay::irecv_into(comm, std::span<int>(&mine, 1), 1, 3));
      if (mixed)
        requests.push_back(relay::isend(comm, one, 1, 3));
      else
        requests.push_back(relay::isend(comm, std::span<const int>(&one, 1), 1, 3));
      try {
        relay::wait_all(requests);
      } catch (const relay::mpi_error&) {
        EXPECT_TRUE(requests[1].done());
        EXPECT_TRUE(requests[2].done());
        EXPECT_EQ(mine, 1);
        throw;
      }
    });
  }
  // Afterwards the channel works as before.
  if (comm.rank() == 0) relay::send(comm, 5, 1, 3);
  if (comm.rank() == 1) {
    EXPECT_EQ(relay::recv<int>(comm, 0, 3), 5);
  }
}

// A dynamic receive whose message is not a whole number of elements raises usage_error, and the
// message is taken off the wire (the sender is not left waiting for a receive that never comes).
TEST(Errors, PartialElementsRaiseUsageErrorAndConsumeTheMessage) {
  const relay::communicator comm = relay::communicator().dup();
  RELAY_REQUIRE_RANKS(comm, 2);
  for (std::size_t bytes : {std::size_t{3}, std::size_t{100001}}) {  // eager and rendezvous
    SCOPED_TRACE("bytes " + std::to_string(bytes));
    if (comm.rank() == 0) relay::send(comm, std::vector<char>(bytes, 'x'), 1, 4);
    if (comm.rank() == 1) {
      EXPECT_THROW((void)relay::recv<std::vector<int>>(comm, 0, 4), relay::usage_error);
    }
    comm.barrier();
    EXPECT_FALSE(relay::iprobe(comm, relay::any_source, 4).has_value());
    if (comm.rank() == 0) relay::send(comm, std::vector<char>(bytes, 'y'), 1, 5);
    if (comm.rank() == 1) {
      auto pending = relay::irecv<std::vector<double>>(comm, 0, 5);
      EXPECT_THROW((void)pending.wait(), relay::usage_error);
    }
    comm.barrier();
    EXPECT_FALSE(relay::iprobe(comm, relay::any_source, 5).has_value());
  }
}

// Ranks that disagree on gatherv's element type: the root raises usage_error, takes every
// piece anyway (small and large), so that nobody waits and the next gatherv works.
TEST(Errors, GathervOfPartialElementsRaisesAtTheRootAndConsumesThePieces) {
  const relay::communicator comm = relay::communicator().dup();
  RELAY_REQUIRE_RANKS(comm, 2);
  for (std::size_t bytes : {std::size_t{3}, std::size_t{100001}}) {  // eager and announced
    SCOPED_TRACE("bytes " + std::to_string(bytes));
    if (comm.rank() == 0) {
      EXPECT_THROW((void)relay::gatherv(comm, std::vector<int>{}, 0), relay::usage_error);
    } else {
      (void)relay::gatherv(comm, std::vector<char>(bytes, 'x'), 0);
    }
    const auto all = relay::gatherv(comm, std::vector<int>{comm.rank()}, 0);
    ASSERT_EQ(all.has_value(), comm.rank() == 0);
    if (all) {
      ASSERT_EQ(all->size(), static_cast<std::size_t>(comm.size()));
      for (int r = 0; r < comm.size(); ++r) EXPECT_EQ((*all)[static_cast<std::size_t>(r)], r);
    }
  }
}

}  // namespace
