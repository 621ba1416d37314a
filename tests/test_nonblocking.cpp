// Non-blocking point-to-point messages: isend, irecv, irecv_into, request/recv_request (wait,
// test, done, get, status), wait_all, wait_any, test_any, and abandoned requests. Sends of spans
// and irecv_into are plain requests (MPI's request alone); the rest keep a state: both kinds are
// tested alone and mixed.

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
    // A plain request: it views `big`, which outlives the send (to the end of this function).
    { auto dropped = relay::isend(comm, std::span<const int>(big), 0, 19); }
  }
  comm.barrier();
  if (comm.rank() == 0) {
    EXPECT_EQ(relay::recv<std::vector<int>>(comm, 1, 10), big);
    EXPECT_EQ((relay::recv<std::map<std::string, int>>(comm, 1, 11)), make_map(3));
    EXPECT_EQ(relay::recv<std::vector<int>>(comm, 1, 19), big);
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
    std::vector<int> buffer(1);
    { auto dropped = relay::irecv_into(comm, std::span<int>(buffer), 1, 18); }
    EXPECT_EQ(buffer[0], 0);
  }
  comm.barrier();
  if (comm.rank() == 1) {
    relay::send(comm, 5, 0, 12);
    relay::send(comm, std::vector<int>{6}, 0, 13);
    relay::send(comm, 8, 0, 18);
  }
  if (comm.rank() == 0) {
    EXPECT_EQ(relay::recv<int>(comm, 1, 12), 5);
    EXPECT_EQ(relay::recv<std::vector<int>>(comm, 1, 13), std::vector<int>{6});
    EXPECT_EQ(relay::recv<int>(comm, 1, 18), 8);
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

TEST(Nonblocking, MovedPlainRequestsKeepTheirHandles) {
  relay::communicator comm;
  const int next = next_rank(comm), prev = prev_rank(comm);
  const std::vector<int> out{comm.rank(), 1, 2};
  std::vector<std::vector<int>> in(20, std::vector<int>(3));
  std::vector<relay::request> receives, sends;
  for (std::size_t i = 0; i < in.size(); ++i) {  // the vectors reallocate and move their requests
    receives.push_back(relay::irecv_into(comm, std::span<int>(in[i]), prev, 16));
    sends.push_back(relay::isend(comm, std::span<const int>(out), next, 16));
  }
  relay::request moved = std::move(receives.back());
  EXPECT_TRUE(receives.back().done());  // moved-from: empty
  receives.back() = std::move(moved);
  EXPECT_TRUE(moved.done());
  relay::wait_all(receives);
  relay::wait_all(sends);
  for (const auto& v : in) EXPECT_EQ(v, (std::vector<int>{prev, 1, 2}));
}

// Assigning over an incomplete plain receive cancels it: the message goes to the next receive.
TEST(Nonblocking, AssigningOverAPlainReceiveCancelsIt) {
  const relay::communicator comm = relay::communicator().dup();
  const int me = comm.rank();
  int first = 0, second = 0;
  relay::request r = relay::irecv_into(comm, std::span<int>(&first, 1), me, 1);
  relay::request unused;
  r = std::move(unused);
  EXPECT_TRUE(r.done());
  r = relay::irecv_into(comm, std::span<int>(&second, 1), me, 2);
  const int values[2] = {10, 20};
  auto s1 = relay::isend(comm, std::span<const int>(&values[0], 1), me, 1);
  auto s2 = relay::isend(comm, std::span<const int>(&values[1], 1), me, 2);
  r.wait();
  EXPECT_EQ(second, 20);
  EXPECT_EQ(relay::recv<int>(comm, me, 1), 10);
  EXPECT_EQ(first, 0);
  s1.wait();
  s2.wait();
}

// done() and test() of plain requests, with messages to itself (meaningful at every rank count).
TEST(Nonblocking, PlainRequestsTestAndDone) {
  const relay::communicator comm = relay::communicator().dup();
  const int me = comm.rank();
  std::vector<double> in(4), out{1.5, 2.5, 3.5, 4.5};
  relay::request receive = relay::irecv_into(comm, std::span<double>(in), me, 3);
  EXPECT_FALSE(receive.done());
  EXPECT_FALSE(receive.test());  // nothing has been sent yet
  EXPECT_FALSE(receive.done());
  relay::request send = relay::isend(comm, std::span<const double>(out), me, 3);
  while (!receive.test()) std::this_thread::yield();
  EXPECT_TRUE(receive.done());
  EXPECT_TRUE(receive.test());  // stays complete
  EXPECT_EQ(in, out);
  while (!send.test()) std::this_thread::yield();
  EXPECT_TRUE(send.done());
  send.wait();  // a no-op once complete
  receive.wait();
  relay::request nowhere = relay::isend(comm, std::span<const double>(out), MPI_PROC_NULL, 3);
  nowhere.wait();
  EXPECT_TRUE(nowhere.done());
  relay::request nothing = relay::irecv_into(comm, std::span<double>(in), MPI_PROC_NULL, 3);
  EXPECT_TRUE(nothing.test());
  EXPECT_TRUE(nothing.done());
}

// wait_all over plain requests (spans), state-based ones (owned values) and empty ones together.
TEST(Nonblocking, WaitAllMixesPlainAndStateRequests) {
  relay::communicator comm;
  const int next = next_rank(comm), prev = prev_rank(comm);
  const std::vector<int> out{comm.rank(), 7};
  std::vector<int> in(2);
  int fixed = 0;
  auto owned = relay::irecv<std::vector<int>>(comm, prev, 5);
  std::vector<relay::request> requests;
  requests.push_back(relay::irecv_into(comm, std::span<int>(in), prev, 4));
  requests.emplace_back();
  requests.push_back(relay::isend(comm, std::vector<int>{comm.rank(), 8}, next, 5));
  requests.push_back(relay::isend(comm, std::span<const int>(out), next, 4));
  requests.push_back(relay::isend(comm, comm.rank() * 10, next, 6));
  requests.push_back(relay::irecv_into(comm, std::span<int>(&fixed, 1), prev, 6));
  relay::wait_all(requests);
  for (auto& r : requests) EXPECT_TRUE(r.done());
  EXPECT_EQ(in, (std::vector<int>{prev, 7}));
  EXPECT_EQ(fixed, prev * 10);
  EXPECT_EQ(owned.wait(), (std::vector<int>{prev, 8}));
  relay::wait_all(requests);  // all complete: returns at once
}

// wait_any and test_any over plain and state-based requests together report each completed
// request once, and nullopt once all have completed.
TEST(Nonblocking, WaitAnyAndTestAnyMixPlainAndStateRequests) {
  const relay::communicator comm = relay::communicator().dup();
  const int me = comm.rank();
  int a = 0, b = 0;
  std::vector<relay::request> requests;
  requests.push_back(relay::irecv_into(comm, std::span<int>(&a, 1), me, 1));  // 0
  requests.push_back(relay::irecv_into(comm, std::span<int>(&b, 1), me, 2));  // 1
  EXPECT_EQ(relay::test_any(requests), std::nullopt);
  requests.push_back(relay::isend(comm, 2, me, 2));  // 2: owns its value
  std::multiset<std::size_t> seen;
  for (int i = 0; i < 2; ++i)
    if (const auto index = relay::wait_any(requests)) seen.insert(*index);
  EXPECT_EQ(seen, (std::multiset<std::size_t>{1, 2}));
  EXPECT_EQ(b, 2);
  EXPECT_FALSE(requests[0].done());
  EXPECT_EQ(relay::test_any(requests), std::nullopt);
  const int one = 1;
  requests.push_back(relay::isend(comm, std::span<const int>(&one, 1), me, 1));  // 3: plain
  seen.clear();
  while (seen.size() < 2) {
    if (const auto index = relay::test_any(requests))
      seen.insert(*index);
    else
      std::this_thread::yield();
  }
  EXPECT_EQ(seen, (std::multiset<std::size_t>{0, 3}));
  EXPECT_EQ(a, 1);
  for (auto& r : requests) EXPECT_TRUE(r.done());
  EXPECT_EQ(relay::wait_any(requests), std::nullopt);
  EXPECT_EQ(relay::test_any(requests), std::nullopt);
}

}  // namespace
