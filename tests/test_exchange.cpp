// Point-to-point as MPI programmers write it, the way a user's acceptance suite tried it: the
// standard exchange (post irecv, then send, then wait) at every size, receives of different kinds
// on one tag matching in posting order, wait_all and test_any at their edges, and values of
// another type than expected. Each test here failed before non-blocking receives were posted to
// MPI at once (issue 12, items 1, 2, 6, 11 and 14).

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <map>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "relay/relay.hpp"
#include "test_support.hpp"

namespace {

/// Sizes on both sides of the first piece (config::first_piece_bytes): one message, or a head and
/// the rest.
constexpr std::size_t small_doubles = 100;
constexpr std::size_t large_doubles = 100000;

/// The partner of the standard exchange: rank ^ 1, or itself when it has none (odd size).
int partner(const relay::communicator& comm) {
  const int other = comm.rank() ^ 1;
  return other < comm.size() ? other : comm.rank();
}

std::vector<double> values_of(int rank, std::size_t n) {
  std::vector<double> v(n);
  std::iota(v.begin(), v.end(), rank * 1e6);
  return v;
}

// ---- item 1: the standard exchange -----------------------------------------------------------

TEST(Exchange, IrecvThenBlockingSendThenWait) {
  const relay::communicator comm;
  const int other = partner(comm);
  for (const std::size_t n : {std::size_t{0}, small_doubles, large_doubles}) {
    auto r = relay::irecv<std::vector<double>>(comm, other, 0);
    relay::send(comm, values_of(comm.rank(), n), other, 0);
    EXPECT_EQ(r.wait(), values_of(other, n)) << n << " doubles";
    EXPECT_EQ(r.status().bytes(), n * sizeof(double));
  }
}

TEST(Exchange, WaitingOnTheSendBeforeTheReceive) {
  const relay::communicator comm;
  const int other = partner(comm);
  for (const std::size_t n : {small_doubles, large_doubles}) {
    auto r = relay::irecv<std::vector<double>>(comm, other, 1);
    relay::request s = relay::isend(comm, values_of(comm.rank(), n), other, 1);
    s.wait();
    EXPECT_EQ(r.wait(), values_of(other, n));
  }
}

TEST(Exchange, SpanSendWaitedBeforeTheReceive) {
  const relay::communicator comm;
  const int other = partner(comm);
  const std::vector<double> out = values_of(comm.rank(), large_doubles);
  std::vector<double> in(large_doubles);
  relay::request r = relay::irecv_into(comm, std::span<double>(in), other, 2);
  relay::request s = relay::isend(comm, std::span<const double>(out), other, 2);
  s.wait();
  r.wait();
  EXPECT_EQ(in, values_of(other, large_doubles));
}

TEST(Exchange, StringToSelfWithBlockingSend) {
  const relay::communicator comm;
  const int me = comm.rank();
  for (const std::size_t n : {std::size_t{5}, std::size_t{100000}}) {
    auto r = relay::irecv<std::string>(comm, me, 3);
    const std::string text(n, 'x');
    relay::send(comm, text, me, 3);
    EXPECT_EQ(r.wait(), text);
  }
}

TEST(Exchange, SerializedValuesBothWays) {
  const relay::communicator comm;
  const int other = partner(comm);
  std::map<std::string, std::vector<int>> big;
  for (int i = 0; i < 2000; ++i) big["key" + std::to_string(i)] = {i, comm.rank()};
  auto r = relay::irecv<std::map<std::string, std::vector<int>>>(comm, other, 4);
  relay::send(comm, big, other, 4);
  const auto got = r.wait();
  ASSERT_EQ(got.size(), 2000U);
  EXPECT_EQ(got.at("key7"), (std::vector<int>{7, other}));
}

TEST(Exchange, SendrecvOfLargeValuesInARing) {
  const relay::communicator comm;
  const int next = relay_test::next_rank(comm), prev = relay_test::prev_rank(comm);
  auto got = relay::sendrecv<std::vector<double>>(comm, values_of(comm.rank(), large_doubles), next,
                                                  prev, 5, 5);
  EXPECT_EQ(got, values_of(prev, large_doubles));
}

// A large value whose receiver is waiting on something else entirely: the sender's blocking send
// completes because the receiver's wait takes the head of its pending receive.
TEST(Exchange, PendingReceiveProgressedByAnUnrelatedWait) {
  const relay::communicator comm;
  RELAY_REQUIRE_RANKS(comm, 2);
  if (comm.rank() == 0) {
    auto first = relay::irecv<std::vector<double>>(comm, 1, 6);
    auto second = relay::irecv<int>(comm, 1, 7);
    EXPECT_EQ(second.wait(), 99);  // rank 1 sends this only after the large value went
    EXPECT_EQ(first.wait(), values_of(1, large_doubles));
  } else if (comm.rank() == 1) {
    relay::send(comm, values_of(1, large_doubles), 0, 6);
    relay::send(comm, 99, 0, 7);
  }
  comm.barrier();
}

// The README's promise for recv_into: a vector with room keeps its memory, small or large value.
TEST(Exchange, RecvIntoAVectorWithRoomKeepsItsMemory) {
  const relay::communicator comm;
  const int me = comm.rank();
  std::vector<double> into;
  into.reserve(large_doubles);
  const double* memory = into.data();
  for (const std::size_t n : {small_doubles, large_doubles, std::size_t{0}, small_doubles}) {
    auto s = relay::isend(comm, values_of(me, n), me, 9);
    const relay::status st = relay::recv_into(comm, into, me, 9);
    s.wait();
    EXPECT_EQ(into, values_of(me, n));
    EXPECT_EQ(st.bytes(), n * sizeof(double));
    EXPECT_EQ(into.data(), memory) << n << " doubles: the vector was reallocated";
  }
}

// ---- item 2: receives of every kind match in posting order
// ---------------------------------------

enum class kind { irecv_vector, irecv_int, irecv_into_span, recv_int, recv_vector, recv_into_span };

bool blocking(kind k) {
  return k == kind::recv_int || k == kind::recv_vector || k == kind::recv_into_span;
}

const char* name(kind k) {
  switch (k) {
    case kind::irecv_vector:
      return "irecv<vector<int>>";
    case kind::irecv_int:
      return "irecv<int>";
    case kind::irecv_into_span:
      return "irecv_into(span<int>)";
    case kind::recv_int:
      return "recv<int>";
    case kind::recv_vector:
      return "recv<vector<int>>";
    case kind::recv_into_span:
      return "recv_into(span<int>)";
  }
  return "?";
}

/// What a receive of kind `k` expects: an int, or ints sent as a vector (small or large).
std::vector<int> message_for(kind k, int seed, bool large) {
  if (k == kind::irecv_int || k == kind::recv_int) return {seed};
  std::vector<int> v(large ? 5000 : 3);
  std::iota(v.begin(), v.end(), seed);
  return v;
}

void send_message(const relay::communicator& comm, kind k, const std::vector<int>& v, int dest,
                  int tag, std::vector<relay::request>& sends) {
  if (k == kind::irecv_int || k == kind::recv_int)
    sends.push_back(relay::isend(comm, v[0], dest, tag));
  else
    sends.push_back(relay::isend(comm, v, dest, tag));
}

/// A posted receive of kind `k` (non-blocking), or a blocking receive done at once.
struct receive {
  std::optional<relay::recv_request<std::vector<int>>> vector_request;
  std::optional<relay::recv_request<int>> int_request;
  relay::request span_request;
  std::vector<int> span_memory = std::vector<int>(5000);
  std::vector<int> result;

  void start(const relay::communicator& comm, kind k, int source, int tag) {
    switch (k) {
      case kind::irecv_vector:
        vector_request = relay::irecv<std::vector<int>>(comm, source, tag);
        break;
      case kind::irecv_int:
        int_request = relay::irecv<int>(comm, source, tag);
        break;
      case kind::irecv_into_span:
        span_request = relay::irecv_into(comm, std::span<int>(span_memory), source, tag);
        break;
      case kind::recv_int:
        result = {relay::recv<int>(comm, source, tag)};
        break;
      case kind::recv_vector:
        result = relay::recv<std::vector<int>>(comm, source, tag);
        break;
      case kind::recv_into_span: {
        const relay::status st = relay::recv_into(comm, std::span<int>(span_memory), source, tag);
        result.assign(span_memory.begin(),
                      span_memory.begin() + static_cast<std::ptrdiff_t>(st.bytes() / sizeof(int)));
        break;
      }
    }
  }
  std::vector<int> finish(kind k) {
    switch (k) {
      case kind::irecv_vector:
        return vector_request->wait();
      case kind::irecv_int:
        return {int_request->wait()};
      case kind::irecv_into_span: {
        span_request.wait();
        // the status of a span receive is not kept; the sizes are the test's own
        return span_memory;
      }
      default:
        return result;
    }
  }
};

TEST(Exchange, EveryPairOfReceiveKindsMatchesInPostingOrder) {
  const relay::communicator comm = relay::communicator().dup();
  const int me = comm.rank();
  const int left = relay_test::prev_rank(comm), right = relay_test::next_rank(comm);
  const kind firsts[] = {kind::irecv_vector, kind::irecv_int, kind::irecv_into_span};
  const kind seconds[] = {kind::irecv_vector, kind::irecv_int,   kind::irecv_into_span,
                          kind::recv_int,     kind::recv_vector, kind::recv_into_span};
  int tag = 16;
  for (const bool large : {false, true}) {
    for (const kind a : firsts) {
      for (const kind b : seconds) {
        ++tag;
        const std::vector<int> ma = message_for(a, 10 * tag, large);
        const std::vector<int> mb = message_for(b, 1000 * tag, large);
        receive first, second;
        first.start(comm, a, left, tag);  // posted first
        std::vector<relay::request> sends;
        send_message(comm, a, ma, right, tag, sends);  // the right neighbour's first receive
        send_message(comm, b, mb, right, tag, sends);  // and its second
        second.start(comm, b, left, tag);
        std::vector<int> got_a = first.finish(a);
        std::vector<int> got_b = second.finish(b);
        if (a == kind::irecv_into_span) got_a.resize(ma.size());
        if (b == kind::irecv_into_span) got_b.resize(mb.size());
        EXPECT_EQ(got_a, ma) << name(a) << " then " << name(b) << (large ? " (large)" : "")
                             << " on rank " << me;
        EXPECT_EQ(got_b, mb) << name(a) << " then " << name(b) << (large ? " (large)" : "")
                             << " on rank " << me;
        relay::wait_all(sends);
        (void)blocking(b);
      }
    }
  }
}

// The issue's own example: an irecv of a vector posted first takes the vector, and the int that
// follows goes to the blocking receive posted after it.
TEST(Exchange, IrecvOfVectorThenRecvOfInt) {
  const relay::communicator comm = relay::communicator().dup();
  const int left = relay_test::prev_rank(comm), right = relay_test::next_rank(comm);
  auto v = relay::irecv<std::vector<int>>(comm, left, 16);
  auto s1 = relay::isend(comm, std::vector<int>{10, 20, 30}, right, 16);
  auto s2 = relay::isend(comm, 42, right, 16);
  EXPECT_EQ(relay::recv<int>(comm, left, 16), 42);
  EXPECT_EQ(v.wait(), (std::vector<int>{10, 20, 30}));
  s1.wait();
  s2.wait();
}

// ---- item 6: wait_all completes everything, then reports
// -----------------------------------------

TEST(Exchange, WaitAllCompletesEveryRequestBeforeReportingAFailure) {
  const relay::communicator comm = relay::communicator().dup();
  const int me = comm.rank();
  std::vector<relay::recv_request<std::map<std::string, int>>> maps;
  maps.push_back(relay::irecv<std::map<std::string, int>>(comm, me, 1));  // gets garbage
  maps.push_back(relay::irecv<std::map<std::string, int>>(comm, me, 2));  // gets a map
  const std::map<std::string, int> good{{"a", 1}, {"b", 2}};
  // An archive that claims a map of 100 entries, then ends: loading it fails.
  auto bad = relay::isend(comm, std::vector<char>{100}, me, 1);
  auto fine = relay::isend(comm, good, me, 2);
  try {
    relay::wait_all(maps);
    ADD_FAILURE() << "wait_all did not report the corrupt archive";
  } catch (const relay::error& e) {
    EXPECT_NE(std::string(e.what()).find("corrupt"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(maps[0].done());
  EXPECT_TRUE(maps[0].failed());
  EXPECT_TRUE(maps[1].done());
  EXPECT_FALSE(maps[1].failed());
  EXPECT_EQ(maps[1].get(), good);
  // The failed request is still a valid handle: waiting again reports the same error.
  EXPECT_THROW((void)maps[0].wait(), relay::error);
  EXPECT_THROW((void)maps[0].get(), relay::error);
  bad.wait();
  fine.wait();
}

TEST(Exchange, WaitAllWaitsForRequestsThatCompleteAfterTheFailure) {
  const relay::communicator comm = relay::communicator().dup();
  RELAY_REQUIRE_RANKS(comm, 2);
  if (comm.rank() == 0) {
    std::vector<relay::request> requests;
    std::vector<int> small(1), later(3);
    requests.push_back(relay::irecv_into(comm, std::span<int>(small), 1, 1));  // too short
    requests.push_back(relay::irecv_into(comm, std::span<int>(later), 1, 2));
    EXPECT_THROW(relay::wait_all(requests), relay::mpi_error);
    EXPECT_TRUE(requests[0].done());
    EXPECT_TRUE(requests[1].done());
    EXPECT_EQ(later, (std::vector<int>{7, 8, 9}));
  } else if (comm.rank() == 1) {
    relay::send(comm, std::vector<int>{1, 2}, 0, 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the failure comes first
    relay::send(comm, std::vector<int>{7, 8, 9}, 0, 2);
  }
  comm.barrier();
}

// ---- item 11: a value of another type
// --------------------------------------------------------------

TEST(Exchange, TrivialReceiveOfAnotherSizeIsAUsageError) {
  const relay::communicator comm = relay::communicator().dup();
  const int me = comm.rank();
  relay::send(comm, 7, MPI_PROC_NULL);  // nothing
  auto s = relay::isend(comm, 7, me, 1);
  EXPECT_THROW((void)relay::recv<double>(comm, me, 1), relay::usage_error);
  s.wait();
  s = relay::isend(comm, 7, me, 2);
  EXPECT_THROW((void)relay::irecv<double>(comm, me, 2).wait(), relay::usage_error);
  s.wait();
  s = relay::isend(comm, std::int16_t{7}, me, 3);
  double d = 0;
  EXPECT_THROW((void)relay::recv_into(comm, d, me, 3), relay::usage_error);
  s.wait();
  // The right type still works, and nothing is left behind.
  s = relay::isend(comm, 2.5, me, 4);
  EXPECT_EQ(relay::recv<double>(comm, me, 4), 2.5);
  s.wait();
  EXPECT_FALSE(relay::iprobe(comm).has_value());
}

TEST(Exchange, VectorOfAnotherElementSizeIsAUsageError) {
  const relay::communicator comm = relay::communicator().dup();
  const int me = comm.rank();
  for (const std::size_t n : {std::size_t{3}, std::size_t{3001}}) {  // small, and a head + rest
    auto s = relay::isend(comm, std::vector<char>(n, 'x'), me, 1);
    EXPECT_THROW((void)relay::recv<std::vector<double>>(comm, me, 1), relay::usage_error);
    s.wait();
    s = relay::isend(comm, std::vector<char>(n * 3, 'x'), me, 2);
    EXPECT_THROW((void)relay::irecv<std::vector<double>>(comm, me, 2).wait(), relay::usage_error);
    s.wait();
  }
  EXPECT_FALSE(relay::iprobe(comm).has_value());
}

// ---- item 14: test_any tells "not yet" from "nothing left"
// -------------------------------------------

TEST(Exchange, TestAnyTellsPendingFromExhausted) {
  const relay::communicator comm = relay::communicator().dup();
  const int me = comm.rank();
  std::vector<relay::recv_request<int>> requests;
  requests.push_back(relay::irecv<int>(comm, me, 1));
  relay::any_result r = relay::test_any(requests);
  EXPECT_FALSE(r);
  EXPECT_TRUE(r.pending());
  EXPECT_FALSE(r.exhausted());
  relay::send(comm, 5, me, 1);
  do r = relay::test_any(requests);
  while (r.pending());
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 0U);
  EXPECT_EQ(requests[0].get(), 5);
  r = relay::test_any(requests);
  EXPECT_FALSE(r);
  EXPECT_FALSE(r.pending());
  EXPECT_TRUE(r.exhausted());
  std::vector<relay::request> none;
  EXPECT_TRUE(relay::test_any(none).exhausted());
}

// ---- abandoned receives of large values
// ------------------------------------------------------------

TEST(Exchange, AbandonedReceiveOfALargeValueLetsItsSenderComplete) {
  const relay::communicator comm = relay::communicator().dup();
  const int me = comm.rank();
  {
    auto dropped = relay::irecv<std::vector<double>>(comm, me, 1);
    auto s = relay::isend(comm, values_of(me, large_doubles), me, 1);
    while (!relay::iprobe(comm, me, 2) && !dropped.test()) {
    }
    // dropped goes out of scope with its value maybe half received
    s.wait();
  }
  EXPECT_FALSE(relay::iprobe(comm).has_value());
}

TEST(Exchange, SpanTooShortForALargeValueFailsAndTheSenderCompletes) {
  const relay::communicator comm = relay::communicator().dup();
  const int me = comm.rank();
  std::vector<double> in(large_doubles / 2);
  auto s = relay::isend(comm, values_of(me, large_doubles), me, 1);
  try {
    (void)relay::recv_into(comm, std::span<double>(in), me, 1);
    ADD_FAILURE() << "no truncation error";
  } catch (const relay::mpi_error& e) {
    EXPECT_EQ(e.error_class(), MPI_ERR_TRUNCATE);
  }
  s.wait();  // would hang if the rest had been left unreceived
  EXPECT_FALSE(relay::iprobe(comm).has_value());
}

}  // namespace
