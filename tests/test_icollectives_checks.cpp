// The agreement of the non-blocking collectives (relay/detail/coll_check.hpp): a mismatched call
// (another type, root, element count or collective on one rank) raises usage_error on EVERY
// rank, with no hang, and a correct collective right after it on the same communicator still
// gives the right value (the failed one's pieces never reach it). The pieces path is always
// checked; MPI's own path when relay::check_collectives(true) was called on every rank.

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "relay/relay.hpp"
#include "test_support.hpp"

namespace {

/// Runs `call` (a start and a wait) on every rank; expects usage_error on every rank (a blocking
/// allreduce of the flag tells), then checks that the communicator is still in step.
template <class F>
void fails_everywhere(const relay::communicator& comm, F call, const char* what) {
  bool threw = false;
  std::string message;
  try {
    call();
  } catch (const relay::usage_error& e) {
    threw = true;
    message = e.what();
  }
  EXPECT_TRUE(threw) << what;
  if (threw) {
    // One line naming the call: "ibcast: the ranks pass different types (this rank: int)".
    EXPECT_NE(message.find(": the ranks "), std::string::npos) << message;
    if (std::getenv("RELAY_TEST_SHOW") != nullptr && comm.rank() == 0)
      std::printf("%s -> %s\n", what, message.c_str());
  }
  EXPECT_TRUE(relay::allreduce(comm, threw, relay::ops::logical_and{}))
      << what << ": not every rank raised usage_error";
  // A correct collective of each path right after: the failed one left nothing behind.
  const int p = comm.size();
  std::string mine(1, static_cast<char>('a' + comm.rank()));
  std::string all;
  for (int r = 0; r < p; ++r) all += static_cast<char>('a' + r);
  EXPECT_EQ(relay::iallreduce(comm, mine, [](std::string a, const std::string& b) { return a + b; })
                .wait(),
            all)
      << what;
  EXPECT_EQ(relay::iallreduce(comm, 2, relay::ops::plus{}).wait(), 2 * p) << what;
  EXPECT_EQ(
      relay::ibcast(comm, comm.rank() == 0 ? std::vector<int>{1, 2, 3} : std::vector<int>{}, 0)
          .wait(),
      (std::vector<int>{1, 2, 3}))
      << what;
}

/// Turns the checks of MPI's own path on for a scope, on every rank.
class checks_on {
 public:
  checks_on() { relay::check_collectives(true); }
  ~checks_on() { relay::check_collectives(false); }
  checks_on(const checks_on&) = delete;
  checks_on& operator=(const checks_on&) = delete;
};

TEST(ICollectiveChecks, PiecesPathMismatchesFailOnEveryRank) {
  relay::communicator comm;
  if (comm.size() < 2) GTEST_SKIP() << "a mismatch needs two ranks";
  const int me = comm.rank(), p = comm.size();
  const bool odd = me % 2 == 1;
  for (int root = 0; root < p; ++root) {
    fails_everywhere(
        comm,
        [&] {
          if (odd)
            (void)relay::ibcast(comm, std::vector<long>{1, 2}, root).wait();
          else
            (void)relay::ibcast(comm, std::vector<int>{1, 2}, root).wait();
        },
        "ibcast vector<int> vs vector<long>");
    fails_everywhere(
        comm,
        [&] {
          if (me == root)
            (void)relay::ibcast(comm, std::string("x"), root).wait();
          else
            (void)relay::ibcast(comm, std::map<int, int>{}, root).wait();
        },
        "ibcast string vs map");
    fails_everywhere(
        comm,
        [&] {
          std::vector<std::string> words(static_cast<std::size_t>(p), "w");
          if (me == root)
            (void)relay::iscatter(comm, words, root).wait();
          else
            (void)relay::iscatter(comm, std::vector<std::vector<int>>{}, root).wait();
        },
        "iscatter string vs vector<int>");
    fails_everywhere(
        comm,
        [&] {
          if (odd)
            (void)relay::igather(comm, std::vector<long>{1}, root).wait();
          else
            (void)relay::igather(comm, std::vector<int>{1}, root).wait();
        },
        "igather vector<int> vs vector<long>");
    fails_everywhere(
        comm,
        [&] {
          if (odd)
            (void)relay::igatherv(comm, std::vector<float>{1}, root).wait();
          else
            (void)relay::igatherv(comm, std::vector<int>{1}, root).wait();
        },
        "igatherv int vs float");
    fails_everywhere(
        comm,
        [&] {
          const std::vector<std::size_t> counts(me == root ? static_cast<std::size_t>(p) : 0, 1);
          const auto n = static_cast<std::size_t>(me == root ? p : 0);
          if (odd)
            (void)relay::iscatterv(comm, std::vector<long>(n, 1), counts, root).wait();
          else
            (void)relay::iscatterv(comm, std::vector<int>(n, 1), counts, root).wait();
        },
        "iscatterv int vs long");
    fails_everywhere(
        comm,
        [&] {
          if (odd)
            (void)relay::ireduce(comm, std::string("s"), std::plus<>{}, root).wait();
          else
            (void)relay::ireduce(
                comm, std::map<int, int>{}, [](auto a, const auto&) { return a; }, root)
                .wait();
        },
        "ireduce string vs map");
  }
  // Roots that differ: with pieces posted at once, the ranks would wait for each other forever.
  fails_everywhere(
      comm, [&] { (void)relay::ibcast(comm, std::string("x"), me == 0 ? 0 : p - 1).wait(); },
      "ibcast with different roots");
  // Different collectives at the same point.
  fails_everywhere(
      comm,
      [&] {
        if (me == 0)
          (void)relay::iallgather(comm, std::string("x")).wait();
        else
          (void)relay::igather(comm, std::string("x"), 0).wait();
      },
      "iallgather vs igather");
  // A user operation on vectors of different lengths; on types that differ.
  // A user operation (elementwise on vectors) takes the pieces path.
  const auto concat = [](int a, int b) { return a + b; };
  fails_everywhere(
      comm, [&] { (void)relay::iallreduce(comm, std::vector<int>(odd ? 3 : 2, 1), concat).wait(); },
      "iallreduce with a user op, lengths 2 vs 3");
  fails_everywhere(
      comm,
      [&] {
        if (odd)
          (void)relay::iscan(comm, std::string("s"), std::plus<>{}).wait();
        else
          (void)relay::iscan(comm, std::vector<int>{1}, concat).wait();
      },
      "iscan string vs vector<int>");
  fails_everywhere(
      comm, [&] { (void)relay::iexscan(comm, std::vector<int>(odd ? 1 : 4, 1), concat).wait(); },
      "iexscan with a user op, lengths 1 vs 4");
  fails_everywhere(
      comm,
      [&] {
        (void)relay::iallgatherv(comm, std::vector<int>(static_cast<std::size_t>(me)))
            .wait();  // any lengths: fine
        if (odd)
          (void)relay::iallgatherv(comm, std::vector<double>{1.0}).wait();
        else
          (void)relay::iallgatherv(comm, std::vector<int>{1}).wait();
      },
      "iallgatherv int vs double");
}

TEST(ICollectiveChecks, MpiPathMismatchesFailOnEveryRankWithChecksOn) {
  relay::communicator comm;
  if (comm.size() < 2) GTEST_SKIP() << "a mismatch needs two ranks";
  const checks_on on;
  const int me = comm.rank(), p = comm.size();
  const bool odd = me % 2 == 1;
  fails_everywhere(
      comm,
      [&] {
        if (odd)
          (void)relay::ibcast(comm, 1.0, 0).wait();
        else
          (void)relay::ibcast(comm, 1, 0).wait();
      },
      "ibcast int vs double");
  fails_everywhere(
      comm, [&] { (void)relay::ibcast(comm, 1, me == 0 ? 0 : p - 1).wait(); },
      "ibcast with different roots");
  fails_everywhere(
      comm,
      [&] {
        if (odd)
          (void)relay::iallreduce(comm, 1.0F, relay::ops::plus{}).wait();
        else
          (void)relay::iallreduce(comm, 1, relay::ops::plus{}).wait();
      },
      "iallreduce int vs float");
  fails_everywhere(
      comm,
      [&] {
        if (odd)
          (void)relay::iallreduce(comm, std::vector<long>{1, 2}, relay::ops::plus{}).wait();
        else
          (void)relay::iallreduce(comm, std::vector<int>{1, 2}, relay::ops::plus{}).wait();
      },
      "iallreduce vector<int> vs vector<long>");
  for (int root = 0; root < p; ++root) {
    fails_everywhere(
        comm,
        [&] {
          (void)relay::ireduce(comm, std::vector<int>(odd ? 3 : 4, 1), relay::ops::max{}, root)
              .wait();
        },
        "ireduce of lengths 3 vs 4");
    fails_everywhere(
        comm,
        [&] {
          std::vector<double> values(static_cast<std::size_t>(p), 1.0);
          if (odd)
            (void)relay::iscatter(comm, values, root).wait();
          else
            (void)relay::iscatter(comm, std::vector<int>(static_cast<std::size_t>(p), 1), root)
                .wait();
        },
        "iscatter int vs double");
    fails_everywhere(
        comm,
        [&] {
          if (odd)
            (void)relay::igather(comm, 1.0, root).wait();
          else
            (void)relay::igather(comm, 1, root).wait();
        },
        "igather int vs double");
    fails_everywhere(
        comm,
        [&] {
          std::vector<int> buffer(odd ? 5 : 6, 1);
          relay::ibcast_into(comm, std::span<int>(buffer), root).wait();
        },
        "ibcast_into of lengths 5 vs 6");
    fails_everywhere(
        comm,
        [&] {
          const std::vector<int> piece(odd ? 1 : 2, me);
          std::vector<int> all(me == root ? piece.size() * static_cast<std::size_t>(p) : 0);
          relay::igather_into(comm, std::span<const int>(piece), std::span<int>(all), root).wait();
        },
        "igather_into of lengths 1 vs 2");
  }
  fails_everywhere(
      comm,
      [&] {
        (void)relay::iscan(comm, std::vector<int>(odd ? 1 : 2, 1), relay::ops::plus{}).wait();
      },
      "iscan of lengths 1 vs 2");
  fails_everywhere(
      comm,
      [&] {
        (void)relay::iexscan(comm, std::vector<int>(odd ? 1 : 2, 1), relay::ops::plus{}).wait();
      },
      "iexscan of lengths 1 vs 2");
  fails_everywhere(
      comm,
      [&] {
        const std::vector<int> in(odd ? 2 : 3, 1);
        std::vector<int> out(in.size());
        relay::iallreduce_into(comm, std::span<const int>(in), std::span<int>(out),
                               relay::ops::plus{})
            .wait();
      },
      "iallreduce_into of lengths 2 vs 3");
  fails_everywhere(
      comm,
      [&] {
        const int mine = me;
        std::vector<int> all(static_cast<std::size_t>(p) * (odd ? 2U : 1U));
        relay::iallgather_into(comm, std::span<const int>(&mine, odd ? 0U : 1U),
                               std::span<int>(all).first(odd ? 0U : static_cast<std::size_t>(p)))
            .wait();
      },
      "iallgather_into of lengths 0 vs 1");
}

TEST(ICollectiveChecks, BlockingMpiPathMismatchesFailOnEveryRankWithChecksOn) {
  relay::communicator comm;
  if (comm.size() < 2) GTEST_SKIP() << "a mismatch needs two ranks";
  const checks_on on;
  const int me = comm.rank(), p = comm.size();
  const bool odd = me % 2 == 1;
  for (int root = 0; root < p; ++root) {
    fails_everywhere(
        comm,
        [&] {
          if (odd)
            (void)relay::bcast(comm, 1.0, root);
          else
            (void)relay::bcast(comm, 1, root);
        },
        "bcast int vs double");
    fails_everywhere(
        comm,
        [&] {
          std::vector<int> buffer(odd ? 2 : 3, 1);
          std::span<int> view(buffer);
          relay::bcast_into(comm, view, root);
        },
        "bcast_into a span of lengths 2 vs 3");
    fails_everywhere(
        comm,
        [&] {
          if (odd)
            (void)relay::gather(comm, 1.0F, root);
          else
            (void)relay::gather(comm, 1, root);
        },
        "gather int vs float");
    fails_everywhere(
        comm,
        [&] {
          const std::vector<double> values(static_cast<std::size_t>(p), 1.0);
          if (odd)
            (void)relay::scatter(comm, values, root);
          else
            (void)relay::scatter(comm, std::vector<int>(static_cast<std::size_t>(p), 1), root);
        },
        "scatter int vs double");
  }
  fails_everywhere(
      comm,
      [&] {
        if (odd)
          (void)relay::allgather(comm, 1L);
        else
          (void)relay::allgather(comm, 1);
      },
      "allgather int vs long");
  // Correct calls still give their values.
  EXPECT_EQ(relay::bcast(comm, me == 0 ? 4 : 0, 0), 4);
  EXPECT_EQ(relay::allgather(comm, me).size(), static_cast<std::size_t>(p));
}

TEST(ICollectiveChecks, CorrectCallsGiveTheirValuesWithChecksOn) {
  relay::communicator comm;
  const checks_on on;
  EXPECT_TRUE(relay::checking_collectives());
  const int me = comm.rank(), p = comm.size();
  for (int root = 0; root < p; ++root) {
    EXPECT_EQ(relay::ibcast(comm, me == root ? 7.5 : 0.0, root).wait(), 7.5);
    std::vector<int> buffer(4, me == root ? 3 : 0);
    relay::ibcast_into(comm, std::span<int>(buffer), root).wait();
    EXPECT_EQ(buffer, std::vector<int>(4, 3));
    std::vector<int> values(me == root ? static_cast<std::size_t>(p) : 0);
    for (std::size_t r = 0; r < values.size(); ++r) values[r] = static_cast<int>(10 * r);
    EXPECT_EQ(relay::iscatter(comm, values, root).wait(), 10 * me);
    const auto gathered = relay::igather(comm, me, root).wait();
    EXPECT_EQ(gathered.has_value(), me == root);
    if (gathered) {
      for (int r = 0; r < p; ++r) EXPECT_EQ((*gathered)[static_cast<std::size_t>(r)], r);
    }
    const auto sum =
        relay::ireduce(comm, std::vector<long>{1, me}, relay::ops::plus{}, root).wait();
    if (me == root) {
      EXPECT_EQ(sum, (std::vector<long>{p, p * (p - 1L) / 2}));
    }
  }
  EXPECT_EQ(relay::iallreduce(comm, std::vector<int>{me, 1}, relay::ops::max{}).wait(),
            (std::vector<int>{p - 1, 1}));
  EXPECT_EQ(relay::iscan(comm, 1, relay::ops::plus{}).wait(), me + 1);
  EXPECT_EQ(relay::iexscan(comm, 1, relay::ops::plus{}).wait(),
            me == 0 ? std::nullopt : std::optional<int>(me));
  EXPECT_EQ(relay::iallgather(comm, me).wait().size(), static_cast<std::size_t>(p));
  // Several outstanding, waited in reverse order, with test() moving the agreement on.
  auto a = relay::iallreduce(comm, 1, relay::ops::plus{});
  auto c = relay::iallreduce(comm, 2, relay::ops::plus{});
  std::optional<int> got;
  while (!(got = c.test())) {
  }
  EXPECT_EQ(*got, 2 * p);
  EXPECT_EQ(a.wait(), p);
}

// With checks on, MPI's own calls start in the same order on every rank even when the ranks wait
// for them in different orders. (Deferring the MPI_Ibcast to the first wait swapped x and y on
// the ranks that wait for y first.)
TEST(ICollectiveChecks, WaitsInAnotherOrderPerRankKeepEachCallsValueWithChecksOn) {
  relay::communicator comm;
  const checks_on on;
  const int me = comm.rank();
  for (int round = 0; round < 3; ++round) {
    auto x = relay::ibcast(comm, me == 0 ? 10 + round : 0, 0);
    auto y = relay::ibcast(comm, me == 0 ? 20 + round : 0, 0);
    auto z = relay::iallreduce(comm, me + round, relay::ops::max{});
    int gx = 0, gy = 0, gz = 0;
    if (me % 2 == 0) {
      gx = x.wait();
      gy = y.wait();
      gz = z.wait();
    } else {
      gz = z.wait();
      gy = y.wait();
      gx = x.wait();
    }
    EXPECT_EQ(gx, 10 + round);
    EXPECT_EQ(gy, 20 + round);
    EXPECT_EQ(gz, comm.size() - 1 + round);
  }
}

}  // namespace
