// Non-blocking point-to-point messages: isend, irecv, request/recv_request (wait, test, done,
// get, status), wait_all, wait_any, test_any, and abandoned requests.

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "relay/relay.hpp"
#include "test_support.hpp"

namespace {

using namespace relay_test;

TEST(Nonblocking, RingOfEveryKind) {
  relay::communicator comm;
  const int next = next_rank(comm), prev = prev_rank(comm);
  for_each_kind([&](auto make) {
    using T = decltype(make(0));
    auto incoming = relay::irecv<T>(comm, prev, 7);
    relay::request outgoing = relay::isend(comm, make(comm.rank()), next, 7);
    EXPECT_EQ(incoming.wait(), make(prev));
    EXPECT_TRUE(incoming.done());
    EXPECT_EQ(incoming.status().source, prev);
    EXPECT_EQ(incoming.status().tag, 7);
    outgoing.wait();
    EXPECT_TRUE(outgoing.done());
  });
}

TEST(Nonblocking, ZeroByteMessages) {
  relay::communicator comm;
  const int next = next_rank(comm), prev = prev_rank(comm);
  auto chars = relay::irecv<std::vector<char>>(comm, prev, 1);
  auto text = relay::irecv<std::string>(comm, prev, 2);
  std::vector<relay::request> sends;
  sends.push_back(relay::isend(comm, std::vector<char>{}, next, 1));
  sends.push_back(relay::isend(comm, std::string{}, next, 2));
  EXPECT_TRUE(chars.wait().empty());
  EXPECT_EQ(chars.status().bytes(), 0U);
  EXPECT_TRUE(text.wait().empty());
  EXPECT_EQ(text.status().bytes(), 0U);
  relay::wait_all(sends);
}

// Messages to itself make this test meaningful at every rank count.
TEST(Nonblocking, TestPollsWithoutBlockingUntilArrival) {
  const relay::communicator comm = relay::communicator().dup();
  const int me = comm.rank();
  auto fixed = relay::irecv<int>(comm, me, 1);
  auto dynamic = relay::irecv<std::vector<int>>(comm, me, 2);
  EXPECT_FALSE(fixed.test());  // nothing has been sent yet
  EXPECT_FALSE(dynamic.test());
  EXPECT_FALSE(fixed.done());
  EXPECT_FALSE(dynamic.done());
  EXPECT_THROW((void)fixed.get(), relay::usage_error);
  EXPECT_THROW((void)dynamic.status(), relay::usage_error);
  auto s1 = relay::isend(comm, 41, me, 1);
  auto s2 = relay::isend(comm, std::vector<int>{1, 2}, me, 2);
  while (!fixed.test() || !dynamic.test()) std::this_thread::yield();
  EXPECT_EQ(fixed.get(), 41);
  EXPECT_EQ(dynamic.get(), (std::vector<int>{1, 2}));
  while (!s1.test() || !s2.test()) std::this_thread::yield();
  EXPECT_TRUE(s1.done());
  EXPECT_TRUE(s2.done());
}

TEST(Nonblocking, DefaultRequestIsComplete) {
  relay::request none;
  EXPECT_TRUE(none.done());
  EXPECT_TRUE(none.test());
  none.wait();
  std::vector<relay::request> empty;
  relay::wait_all(empty);
  EXPECT_EQ(relay::wait_any(empty), std::nullopt);
  EXPECT_EQ(relay::test_any(empty), std::nullopt);
}

TEST(Nonblocking, WaitAllExchangesWithEveryRank) {
  relay::communicator comm;
  const int p = comm.size(), me = comm.rank();
  std::vector<relay::recv_request<std::vector<int>>> vectors;
  std::vector<relay::recv_request<int>> ints;
  std::vector<relay::request> sends;
  for (int r = 0; r < p; ++r) {
    vectors.push_back(relay::irecv<std::vector<int>>(comm, r, 3));
    ints.push_back(relay::irecv<int>(comm, r, 4));
  }
  for (int r = 0; r < p; ++r) {
    sends.push_back(relay::isend(comm, std::vector<int>(static_cast<std::size_t>(me), r), r, 3));
    sends.push_back(relay::isend(comm, me * 100 + r, r, 4));
  }
  relay::wait_all(vectors);
  relay::wait_all(std::span<relay::recv_request<int>>(ints));
  relay::wait_all(sends);
  for (int r = 0; r < p; ++r) {
    const auto i = static_cast<std::size_t>(r);
    EXPECT_TRUE(vectors[i].done());
    EXPECT_EQ(vectors[i].get(), std::vector<int>(i, me));
    EXPECT_EQ(ints[i].get(), r * 100 + me);
    EXPECT_EQ(ints[i].status().source, r);
  }
  for (auto& s : sends) EXPECT_TRUE(s.done());
}

// Rank 0 receives one message from every other rank; the others send one at a time, in reverse
// rank order, each after rank 0 has seen the previous one. wait_any must report each request
// exactly once, in that order, and then nullopt.
template <class T>
void check_wait_any_order(const relay::communicator& comm, auto make) {
  const int p = comm.size();
  std::vector<relay::recv_request<T>> requests;
  if (comm.rank() == 0) {
    for (int r = 1; r < p; ++r) requests.push_back(relay::irecv<T>(comm, r, 5));
    EXPECT_EQ(relay::test_any(requests), std::nullopt);  // nobody has sent yet
  }
  std::vector<int> order;
  for (int sender = p - 1; sender >= 1; --sender) {
    comm.barrier();
    if (comm.rank() == sender) relay::send(comm, make(sender), 0, 5);
    if (comm.rank() == 0) {
      const auto index = relay::wait_any(requests);
      EXPECT_EQ(index, std::optional<std::size_t>(static_cast<std::size_t>(sender - 1)));
      if (index) {
        EXPECT_EQ(requests[*index].get(), make(sender));
        order.push_back(static_cast<int>(*index) + 1);
      }
    }
  }
  if (comm.rank() == 0) {
    EXPECT_EQ(relay::wait_any(requests), std::nullopt);
    EXPECT_EQ(relay::test_any(requests), std::nullopt);
    std::vector<int> expected;
    for (int r = p - 1; r >= 1; --r) expected.push_back(r);
    EXPECT_EQ(order, expected);
  }
}

// With messages to itself the order of completion is under one rank's control, so this runs at
// every rank count: each message is sent only after the previous one was reported.
TEST(Nonblocking, WaitAnyAndTestAnyFollowCompletionOrder) {
  const relay::communicator comm = relay::communicator().dup();
  const int me = comm.rank();
  std::vector<relay::recv_request<std::string>> dynamic;
  std::vector<relay::recv_request<int>> fixed;
  for (int tag = 0; tag < 4; ++tag) {
    dynamic.push_back(relay::irecv<std::string>(comm, me, tag));
    fixed.push_back(relay::irecv<int>(comm, me, 10 + tag));
  }
  EXPECT_EQ(relay::test_any(dynamic), std::nullopt);
  EXPECT_EQ(relay::test_any(fixed), std::nullopt);
  std::vector<relay::request> sends;
  for (int tag : {2, 0, 3, 1}) {
    sends.push_back(relay::isend(comm, std::to_string(tag), me, tag));
    sends.push_back(relay::isend(comm, tag, me, 10 + tag));
    const auto index = static_cast<std::size_t>(tag);
    EXPECT_EQ(relay::wait_any(dynamic), std::optional<std::size_t>(index));
    EXPECT_EQ(dynamic[index].get(), std::to_string(tag));
    std::optional<std::size_t> ready;
    while (!(ready = relay::test_any(fixed))) std::this_thread::yield();
    EXPECT_EQ(ready, std::optional<std::size_t>(index));
    EXPECT_EQ(fixed[index].get(), tag);
  }
  EXPECT_EQ(relay::wait_any(dynamic), std::nullopt);
  EXPECT_EQ(relay::wait_any(fixed), std::nullopt);
  EXPECT_EQ(relay::test_any(fixed), std::nullopt);
  relay::wait_all(sends);
}

TEST(Nonblocking, WaitAnyReturnsEachIndexOnceInCompletionOrder) {
  relay::communicator comm;
  RELAY_REQUIRE_RANKS(comm, 2);
  check_wait_any_order<int>(comm, [](int r) { return r * 3; });
  check_wait_any_order<std::vector<int>>(comm, [](int r) { return std::vector<int>(4, r); });
  check_wait_any_order<std::string>(comm, make_string);
  check_wait_any_order<std::map<std::string, int>>(comm, make_map);
}

TEST(Nonblocking, TestAnyReportsACompletedRequest) {
  relay::communicator comm;
  RELAY_REQUIRE_RANKS(comm, 2);
  std::vector<relay::recv_request<std::string>> requests;
  if (comm.rank() == 0) {
    requests.push_back(relay::irecv<std::string>(comm, 1, 6));
    requests.push_back(relay::irecv<std::string>(comm, 1, 7));
    EXPECT_EQ(relay::test_any(requests), std::nullopt);
  }
  comm.barrier();
  if (comm.rank() == 1) relay::send(comm, std::string("seven"), 0, 7);
  if (comm.rank() == 0) {
    std::optional<std::size_t> index;
    while (!(index = relay::test_any(requests))) std::this_thread::yield();
    EXPECT_EQ(index, std::optional<std::size_t>(1));
    EXPECT_EQ(requests[1].get(), "seven");
    EXPECT_FALSE(requests[0].done());
  }
  comm.barrier();
  if (comm.rank() == 1) relay::send(comm, std::string("six"), 0, 6);
  if (comm.rank() == 0) {
    EXPECT_EQ(requests[0].wait(), "six");
    EXPECT_EQ(relay::test_any(requests), std::nullopt);
  }
}

// Two receives with the same source and tag take the messages in posting order, even when the
// later one is waited on first.
template <class T>
void check_posting_order(const relay::communicator& comm, const T& first, const T& second) {
  if (comm.rank() == 1) {
    relay::send(comm, first, 0, 8);
    relay::send(comm, second, 0, 8);
  }
  if (comm.rank() == 0) {
    auto a = relay::irecv<T>(comm, 1, 8);
    auto b = relay::irecv<T>(comm, 1, 8);
    EXPECT_EQ(b.wait(), second);
    EXPECT_EQ(a.wait(), first);
    auto c = relay::irecv<T>(comm, relay::any_source, relay::any_tag);
    auto d = relay::irecv<T>(comm, 1, 8);
    relay::request go = relay::isend(comm, 0, 1, 9);  // lets rank 1 send the next pair
    std::vector<relay::recv_request<T>> both;
    both.push_back(std::move(c));
    both.push_back(std::move(d));
    std::multiset<std::size_t> seen;
    while (const auto index = relay::wait_any(both)) seen.insert(*index);
    EXPECT_EQ(seen, (std::multiset<std::size_t>{0, 1}));
    EXPECT_EQ(both[0].get(), first);
    EXPECT_EQ(both[1].get(), second);
    go.wait();
  }
  if (comm.rank() == 1) {
    (void)relay::recv<int>(comm, 0, 9);
    relay::send(comm, first, 0, 8);
    relay::send(comm, second, 0, 8);
  }
}

TEST(Nonblocking, SameSourceAndTagCompleteInPostingOrder) {
  relay::communicator comm;
  RELAY_REQUIRE_RANKS(comm, 2);
  check_posting_order<int>(comm, 1, 2);
  check_posting_order<std::vector<int>>(comm, {1}, {2, 2});
  check_posting_order<std::string>(comm, "first", "second");
  check_posting_order<std::map<std::string, int>>(comm, make_map(1), make_map(2));
  check_posting_order<particle>(comm, make_particle(1), make_particle(2));
}

// A blocking receive posted after a pending irecv with the same envelope gets the second message:
// the irecv, posted first, is matched first.
TEST(Nonblocking, BlockingReceiveAfterPendingIrecvTakesTheNextMessage) {
  relay::communicator comm;
  RELAY_REQUIRE_RANKS(comm, 2);
  if (comm.rank() == 1) {
    relay::send(comm, std::string("first"), 0, 16);
    relay::send(comm, std::string("second"), 0, 16);
    relay::send(comm, std::vector<int>{1}, 0, 17);
    relay::send(comm, std::vector<int>{2, 2}, 0, 17);
  }
  if (comm.rank() == 0) {
    auto pending = relay::irecv<std::string>(comm, 1, 16);
    EXPECT_EQ(relay::recv<std::string>(comm, 1, 16), "second");
    EXPECT_EQ(pending.wait(), "first");
    auto any = relay::irecv<std::vector<int>>(comm, relay::any_source, relay::any_tag);
    const auto m = relay::recv_with_status<std::vector<int>>(comm, 1, 17);
    EXPECT_EQ(m.value, (std::vector<int>{2, 2}));
    EXPECT_EQ(any.wait(), std::vector<int>{1});
  }
}

TEST(Nonblocking, AnySourceIrecv) {
  relay::communicator comm;
  RELAY_REQUIRE_RANKS(comm, 2);
  if (comm.rank() == 0) {
    std::vector<relay::recv_request<std::string>> requests;
    for (int r = 1; r < comm.size(); ++r)
      requests.push_back(relay::irecv<std::string>(comm, relay::any_source, 4));
    relay::wait_all(requests);
    std::set<int> sources;
    for (auto& rq : requests) {
      const int source = rq.status().source;
      sources.insert(source);
      EXPECT_EQ(rq.get(), make_string(source));
    }
    EXPECT_EQ(sources.size(), static_cast<std::size_t>(comm.size() - 1));
    EXPECT_EQ(sources.count(0), 0U);
  } else {
    relay::isend(comm, make_string(comm.rank()), 0, 4).wait();
  }
}

TEST(Nonblocking, IrecvFromProcNullCompletesAtOnce) {
  relay::communicator comm;
  EXPECT_EQ(relay::irecv<int>(comm, MPI_PROC_NULL, 5).wait(), 0);
  auto v = relay::irecv<std::vector<int>>(comm, MPI_PROC_NULL, 5);
  EXPECT_TRUE(v.wait().empty());
  EXPECT_EQ(v.status().source, MPI_PROC_NULL);
  EXPECT_TRUE((relay::irecv<std::map<std::string, int>>(comm, MPI_PROC_NULL).wait().empty()));
  relay::isend(comm, std::string("nowhere"), MPI_PROC_NULL).wait();
}

// A send request destroyed before completion still delivers its message.
TEST(Nonblocking, AbandonedSendStillDelivers) {
  relay::communicator comm;
  RELAY_REQUIRE_RANKS(comm, 2);
  const std::vector<int> big(200000, 7);  // beyond the eager limits: completes only when received
  if (comm.rank() == 1) {
    { auto dropped = relay::isend(comm, big, 0, 10); }
    { auto dropped = relay::isend(comm, make_map(3), 0, 11); }
  }
  comm.barrier();
  if (comm.rank() == 0) {
    EXPECT_EQ(relay::recv<std::vector<int>>(comm, 1, 10), big);
    EXPECT_EQ((relay::recv<std::map<std::string, int>>(comm, 1, 11)), make_map(3));
  }
  comm.barrier();  // rank 1 progresses its orphaned sends here
}

// A receive request destroyed before completion is cancelled: it takes no message.
TEST(Nonblocking, AbandonedReceiveTakesNoMessage) {
  relay::communicator comm;
  RELAY_REQUIRE_RANKS(comm, 2);
  if (comm.rank() == 0) {
    { auto dropped = relay::irecv<int>(comm, 1, 12); }
    { auto dropped = relay::irecv<std::vector<int>>(comm, 1, 13); }
  }
  comm.barrier();
  if (comm.rank() == 1) {
    relay::send(comm, 5, 0, 12);
    relay::send(comm, std::vector<int>{6}, 0, 13);
  }
  if (comm.rank() == 0) {
    EXPECT_EQ(relay::recv<int>(comm, 1, 12), 5);
    EXPECT_EQ(relay::recv<std::vector<int>>(comm, 1, 13), std::vector<int>{6});
  }
}

TEST(Nonblocking, MovedRequestsKeepTheirBuffers) {
  relay::communicator comm;
  const int next = next_rank(comm), prev = prev_rank(comm);
  std::vector<relay::recv_request<std::string>> incoming;
  std::vector<relay::request> outgoing;
  for (int i = 0; i < 20; ++i) {  // the vectors reallocate and move their requests
    incoming.push_back(relay::irecv<std::string>(comm, prev, 14));
    std::string text = make_string(comm.rank()) + std::to_string(i);
    outgoing.push_back(relay::isend(comm, std::move(text), next, 14));
  }
  relay::request assigned;
  assigned = relay::isend(comm, 3, next, 15);
  auto last = relay::irecv<int>(comm, prev, 15);
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(incoming[static_cast<std::size_t>(i)].wait(), make_string(prev) + std::to_string(i));
  EXPECT_EQ(last.wait(), 3);
  relay::wait_all(outgoing);
  assigned.wait();
}

}  // namespace
