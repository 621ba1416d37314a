// Blocking point-to-point messages: send, recv, recv_with_status, recv_into, sendrecv, probe,
// iprobe; and the transport categories and datatypes that decide how a value travels.

#include <gtest/gtest.h>

#include <array>
#include <climits>
#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "relay/relay.hpp"
#include "test_support.hpp"

namespace {

using namespace relay_test;

// ---- transport categories and datatypes (no communication) ---------------------------------

static_assert(relay::bytewise<int>);
static_assert(relay::bytewise<point>);
static_assert(relay::bytewise<std::array<double, 4>>);
static_assert(!relay::bytewise<int*>);
static_assert(!relay::bytewise<std::span<const int>>);  // a view: its bytes are only a pointer
static_assert(!relay::bytewise<std::string_view>);
static_assert(relay::contiguous<std::vector<int>>);
static_assert(relay::contiguous<std::string>);
static_assert(relay::contiguous<std::span<const double>>);
static_assert(!relay::contiguous<std::vector<bool>>);
static_assert(!relay::contiguous<std::vector<std::string>>);
static_assert(relay::resizable_contiguous<std::vector<point>>);
static_assert(!relay::resizable_contiguous<std::span<int>>);
static_assert(relay::serialized<std::map<std::string, int>>);
static_assert(relay::serialized<std::vector<std::vector<int>>>);
static_assert(relay::serialized<particle>);
static_assert(relay::serialized<std::vector<bool>>);
static_assert(std::is_same_v<relay::element_t<std::string>, char>);
static_assert(std::is_same_v<relay::element_t<std::span<const int>>, int>);
static_assert(relay::is_mpi_arithmetic_v<double>);
static_assert(!relay::is_mpi_arithmetic_v<u128>);
static_assert(!relay::is_mpi_arithmetic_v<point>);
static_assert(!relay::is_mpi_arithmetic_v<bool>);  // MPI_CXX_BOOL takes only logical operations
static_assert(!relay::is_mpi_arithmetic_v<char16_t>);

TEST(Datatype, BuiltinTypesMapToMpiTypes) {
  EXPECT_EQ(relay::datatype<int>(), MPI_INT);
  EXPECT_EQ(relay::datatype<const double>(), MPI_DOUBLE);
  EXPECT_EQ(relay::datatype<char>(), MPI_CHAR);
  EXPECT_EQ(relay::datatype<unsigned long long>(), MPI_UNSIGNED_LONG_LONG);
  EXPECT_EQ(relay::datatype<bool>(), MPI_CXX_BOOL);
  EXPECT_EQ(relay::datatype<std::complex<double>>(), MPI_CXX_DOUBLE_COMPLEX);
}

TEST(Datatype, OtherTrivialTypesTravelAsOneBlockOfBytes) {
  const MPI_Datatype type = relay::datatype<point>();
  int size = 0;
  ASSERT_EQ(MPI_Type_size(type, &size), MPI_SUCCESS);
  EXPECT_EQ(size, static_cast<int>(sizeof(point)));
  EXPECT_EQ(relay::datatype<point>(), type);  // made once, then cached
  int wide = 0;
  ASSERT_EQ(MPI_Type_size(relay::datatype<u128>(), &wide), MPI_SUCCESS);
  EXPECT_EQ(wide, 16);
}

// Counts beyond INT_MAX become one element of a derived type that covers them all.
TEST(Datatype, CountedTypeCoversLargeCounts) {
  const relay::detail::counted_type small(MPI_DOUBLE, 5);
  EXPECT_EQ(small.type(), MPI_DOUBLE);
  EXPECT_EQ(small.count(), 5);
  for (std::size_t count : {std::size_t{INT_MAX}, std::size_t{INT_MAX} + 1,
                            2 * std::size_t{INT_MAX}, 3 * std::size_t{INT_MAX} + 12345}) {
    const relay::detail::counted_type big(MPI_INT, count);
    MPI_Count size = 0, lb = -1, extent = 0;
    ASSERT_EQ(MPI_Type_size_x(big.type(), &size), MPI_SUCCESS);
    ASSERT_EQ(MPI_Type_get_extent_x(big.type(), &lb, &extent), MPI_SUCCESS);
    // type() x count() covers exactly `count` ints.
    const auto covered = static_cast<std::size_t>(big.count());
    EXPECT_EQ(static_cast<std::size_t>(size) * covered, count * sizeof(int)) << count;
    EXPECT_EQ(lb, 0);
    EXPECT_EQ(static_cast<std::size_t>(extent) * covered, count * sizeof(int)) << count;
    EXPECT_EQ(big.count(), count == std::size_t{INT_MAX} ? INT_MAX : 1);
  }
}

// ---- send and recv ---------------------------------------------------------------------------

TEST(P2P, PingPongOfEveryKind) {
  relay::communicator comm;
  RELAY_REQUIRE_RANKS(comm, 2);
  for_each_kind([&](auto make) {
    using T = decltype(make(0));
    if (comm.rank() == 0) {
      for (int r = 1; r < comm.size(); ++r) {
        relay::send(comm, make(r), r, 5);
        EXPECT_EQ(relay::recv<T>(comm, r, 6), make(r)) << "echo from rank " << r;
      }
    } else {
      const T got = relay::recv<T>(comm, 0, 5);
      EXPECT_EQ(got, make(comm.rank()));
      relay::send(comm, got, 0, 6);
    }
  });
}

// Blocking receives of every kind in a ring (from itself at one rank); the sends are
// non-blocking so that no rank waits for its neighbour to receive first.
TEST(P2P, BlockingReceiveOfEveryKindInARing) {
  relay::communicator comm;
  const int next = next_rank(comm), prev = prev_rank(comm);
  for_each_kind([&](auto make) {
    using T = decltype(make(0));
    auto first = relay::isend(comm, make(comm.rank()), next, 11);
    auto second = relay::isend(comm, make(comm.rank() + 10), next, 12);
    EXPECT_EQ(relay::recv<T>(comm, prev, 11), make(prev));
    const relay::message<T> m = relay::recv_with_status<T>(comm, relay::any_source, 12);
    EXPECT_EQ(m.value, make(prev + 10));
    EXPECT_EQ(m.status.source, prev);
    EXPECT_EQ(m.status.tag, 12);
    first.wait();
    second.wait();
  });
}

TEST(P2P, SpanIsSentFromCallerMemory) {
  relay::communicator comm;
  RELAY_REQUIRE_RANKS(comm, 2);
  const std::vector<int> data{4, 5, 6, 7};
  if (comm.rank() == 0) relay::send(comm, std::span<const int>(data).subspan(1, 2), 1);
  if (comm.rank() == 1) {
    EXPECT_EQ(relay::recv<std::vector<int>>(comm, 0), (std::vector<int>{5, 6}));
  }
}

TEST(P2P, ZeroByteMessages) {
  relay::communicator comm;
  RELAY_REQUIRE_RANKS(comm, 2);
  if (comm.rank() == 0) {
    relay::send(comm, std::vector<char>{}, 1, 1);
    relay::send(comm, std::string{}, 1, 2);
    relay::send(comm, std::vector<double>{}, 1, 3);
    relay::send(comm, std::span<const int>{}, 1, 4);
  } else if (comm.rank() == 1) {
    const auto chars = relay::recv_with_status<std::vector<char>>(comm, 0, 1);
    EXPECT_TRUE(chars.value.empty());
    EXPECT_EQ(chars.status.bytes(), 0U);
    EXPECT_EQ(chars.status.source, 0);
    EXPECT_EQ(chars.status.tag, 1);
    const auto text = relay::recv_with_status<std::string>(comm, 0, 2);
    EXPECT_TRUE(text.value.empty());
    EXPECT_EQ(text.status.bytes(), 0U);
    EXPECT_TRUE(relay::recv<std::vector<double>>(comm, 0, 3).empty());
    std::array<int, 2> buffer{-1, -1};
    const relay::status st = relay::recv_into(comm, std::span<int>(buffer), 0, 4);
    EXPECT_EQ(st.bytes(), 0U);
    EXPECT_EQ(buffer[0], -1);
  }
}

// One message of 64 MiB: a single MPI message far beyond every eager limit.
TEST(P2P, LargeMessageOf64MiB) {
  relay::communicator comm;
  RELAY_REQUIRE_RANKS(comm, 2);
  constexpr std::size_t count = (std::size_t{64} << 20) / sizeof(double);
  auto value_at = [](std::size_t i) { return static_cast<double>(i % 1000003) * 0.5; };
  if (comm.rank() == 0) {
    std::vector<double> data(count);
    for (std::size_t i = 0; i < count; ++i) data[i] = value_at(i);
    relay::send(comm, data, 1, 64);
  } else if (comm.rank() == 1) {
    const auto got = relay::recv_with_status<std::vector<double>>(comm, 0, 64);
    EXPECT_EQ(got.status.bytes(), count * sizeof(double));
    ASSERT_EQ(got.value.size(), count);  // no collective follows inside this branch
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < count; ++i) wrong += got.value[i] != value_at(i) ? 1 : 0;
    EXPECT_EQ(wrong, 0U);
  }
}

TEST(P2P, AnySourceReceivesFromEveryRank) {
  relay::communicator comm;
  RELAY_REQUIRE_RANKS(comm, 2);
  if (comm.rank() == 0) {
    std::multiset<int> trivial_sources, dynamic_sources;
    for (int i = 1; i < comm.size(); ++i) {
      const auto m = relay::recv_with_status<int>(comm, relay::any_source, 3);
      EXPECT_EQ(m.value, m.status.source * 10);
      EXPECT_EQ(m.status.tag, 3);
      EXPECT_EQ(m.status.bytes(), sizeof(int));
      trivial_sources.insert(m.status.source);
    }
    for (int i = 1; i < comm.size(); ++i) {
      const auto m = relay::recv_with_status<std::string>(comm, relay::any_source, 4);
      EXPECT_EQ(m.value, make_string(m.status.source));
      EXPECT_EQ(m.status.bytes(), m.value.size());
      dynamic_sources.insert(m.status.source);
    }
    std::multiset<int> expected;
    for (int r = 1; r < comm.size(); ++r) expected.insert(r);
    EXPECT_EQ(trivial_sources, expected);
    EXPECT_EQ(dynamic_sources, expected);
  } else {
    relay::send(comm, comm.rank() * 10, 0, 3);
    relay::send(comm, make_string(comm.rank()), 0, 4);
  }
}

TEST(P2P, AnyTagReportsTheTag) {
  relay::communicator comm;
  RELAY_REQUIRE_RANKS(comm, 2);
  if (comm.rank() == 0) {
    for (int r = 1; r < comm.size(); ++r) {
      const auto m = relay::recv_with_status<std::vector<int>>(comm, r, relay::any_tag);
      EXPECT_EQ(m.status.tag, 100 + r);
      EXPECT_EQ(m.status.source, r);
      EXPECT_EQ(m.value, std::vector<int>(static_cast<std::size_t>(r), r));
    }
    for (int i = 1; i < comm.size(); ++i) {
      const auto m = relay::recv_with_status<double>(comm, relay::any_source, relay::any_tag);
      EXPECT_EQ(m.status.tag, 200 + m.status.source);
      EXPECT_EQ(m.value, m.status.source + 0.5);
    }
  } else {
    // The vector goes first, so rank 0's wildcard loop below finds only the doubles.
    relay::send(comm, std::vector<int>(static_cast<std::size_t>(comm.rank()), comm.rank()), 0,
                100 + comm.rank());
    relay::send(comm, comm.rank() + 0.5, 0, 200 + comm.rank());
  }
}

TEST(P2P, TagsSelectAmongPendingMessages) {
  relay::communicator comm;
  RELAY_REQUIRE_RANKS(comm, 2);
  if (comm.rank() == 1) {
    // Non-blocking, so that the first send need not finish before the second starts.
    auto first = relay::isend(comm, std::string("first"), 0, 1);
    auto second = relay::isend(comm, std::string("second"), 0, 2);
    first.wait();
    second.wait();
  }
  if (comm.rank() == 0) {
    EXPECT_EQ(relay::recv<std::string>(comm, 1, 2), "second");
    EXPECT_EQ(relay::recv<std::string>(comm, 1, 1), "first");
  }
}

// In a ring (to itself at one rank), so that these run at every rank count.
TEST(P2P, RecvIntoCallerBuffer) {
  relay::communicator comm;
  const int next = next_rank(comm), prev = prev_rank(comm);
  auto sent = relay::isend(comm, std::vector<int>{1, 2, comm.rank()}, next, 8);
  std::vector<int> buffer(8, 0);
  const relay::status st = relay::recv_into(comm, std::span<int>(buffer), prev, 8);
  EXPECT_EQ(st.bytes(), 3 * sizeof(int));
  EXPECT_EQ(st.source, prev);
  EXPECT_EQ(st.tag, 8);
  EXPECT_EQ(buffer, (std::vector<int>{1, 2, prev, 0, 0, 0, 0, 0}));
  sent.wait();
}

// Loading into a value that already holds data reuses its memory (strings, map nodes) but must
// leave exactly the archived value: larger, smaller and empty targets, every container kind.
template <class T>
void expect_loads_over(const T& sent, T target) {
  relay::detail::byte_buffer bytes;
  relay::detail::save(bytes, sent);
  relay::detail::load(std::span<const char>(bytes), target);
  EXPECT_EQ(target, sent);
}

TEST(Serialization, LoadingIntoAnExistingValueReplacesIt) {
  using dict = std::map<std::string, int>;
  const dict small{{"a", 1}, {"bb", 2}};
  const dict large{{"a long key that does not fit in a short string", 1},
                   {"b", 2},
                   {"c", 3},
                   {"d", 4},
                   {"e", 5}};
  expect_loads_over(small, large);
  expect_loads_over(large, small);
  expect_loads_over(dict{}, large);
  expect_loads_over(large, dict{});
  expect_loads_over(std::set<std::string>{"x", "yy"}, std::set<std::string>{"a", "b", "c"});
  expect_loads_over(std::multimap<int, std::string>{{1, "a"}, {1, "b"}, {0, "c"}},
                    std::multimap<int, std::string>{{5, "z"}});
  expect_loads_over(std::unordered_map<std::string, std::vector<int>>{{"k", {1, 2}}, {"j", {}}},
                    std::unordered_map<std::string, std::vector<int>>{{"q", {9}}});
  expect_loads_over(std::vector<std::string>{"", "short", std::string(100, 'x')},
                    std::vector<std::string>{std::string(50, 'y'), "", "a", "b"});
  expect_loads_over(std::string("abc"), std::string(1000, 'z'));
}

// A damaged archive raises relay::error instead of reading past its end or allocating wildly.
TEST(Serialization, CorruptArchivesRaiseErrors) {
  relay::detail::byte_buffer bytes;
  relay::detail::save(bytes, std::vector<std::string>{"alpha", std::string(300, 'b')});
  using words = std::vector<std::string>;
  for (std::size_t cut = 0; cut < bytes.size(); ++cut)  // every truncation
    EXPECT_THROW((void)relay::detail::load<words>(std::span<const char>(bytes.data(), cut)),
                 relay::error)
        << cut;
  const std::vector<char> endless(11, static_cast<char>(0x80));  // a varint that never ends
  EXPECT_THROW((void)relay::detail::load<words>(endless), relay::error);
  const std::vector<char> huge{static_cast<char>(0xff), static_cast<char>(0xff), 0x7f};
  EXPECT_THROW((void)relay::detail::load<std::string>(huge), relay::error);  // 2 MiB claimed
}

TEST(P2P, RecvIntoAnExistingValueReplacesIt) {
  relay::communicator comm;
  const int next = next_rank(comm), prev = prev_rank(comm);
  std::map<std::string, int> received{{"stale entry with a long key", -1}, {"z", 0}};
  for (int round = 0; round < 3; ++round) {
    std::map<std::string, int> sent;
    for (int i = 0; i <= round * 3; ++i) sent["key " + std::to_string(i)] = comm.rank() + i;
    auto pending = relay::isend(comm, sent, next, 9);
    relay::recv_into(comm, received, prev, 9);
    pending.wait();
    ASSERT_EQ(received.size(), static_cast<std::size_t>(round * 3 + 1));
    for (const auto& [key, value] : received)
      EXPECT_EQ(value, prev + std::stoi(key.substr(4))) << key;
  }
}

TEST(P2P, ProbeAndIprobeSeeMessagesWithoutReceivingThem) {
  const relay::communicator comm = relay::communicator().dup();
  const int next = next_rank(comm), prev = prev_rank(comm);
  EXPECT_FALSE(relay::iprobe(comm).has_value());  // nothing sent yet
  comm.barrier();
  auto sent = relay::isend(comm, std::vector<int>(5, next), next, 9);
  const relay::status st = relay::probe(comm, prev, 9);
  EXPECT_EQ(st.source, prev);
  EXPECT_EQ(st.tag, 9);
  EXPECT_EQ(st.bytes(), 5 * sizeof(int));
  const auto again = relay::iprobe(comm, relay::any_source, relay::any_tag);
  EXPECT_TRUE(again.has_value());
  if (again) {
    EXPECT_EQ(again->bytes(), 5 * sizeof(int));
    EXPECT_EQ(again->source, prev);
  }
  EXPECT_FALSE(relay::iprobe(comm, prev, 10).has_value());
  EXPECT_EQ(relay::recv<std::vector<int>>(comm, prev, 9), std::vector<int>(5, comm.rank()));
  sent.wait();
  comm.barrier();  // every message has been received
  EXPECT_FALSE(relay::iprobe(comm).has_value());
}

TEST(P2P, ProcNullIsANoOp) {
  relay::communicator comm;
  relay::send(comm, 42, MPI_PROC_NULL);
  relay::send(comm, make_map(2), MPI_PROC_NULL, 3);
  EXPECT_EQ(relay::recv<int>(comm, MPI_PROC_NULL), 0);
  const auto v = relay::recv_with_status<std::vector<int>>(comm, MPI_PROC_NULL, 7);
  EXPECT_TRUE(v.value.empty());
  EXPECT_EQ(v.status.source, MPI_PROC_NULL);
  EXPECT_EQ(v.status.bytes(), 0U);
  EXPECT_TRUE((relay::recv<std::map<std::string, int>>(comm, MPI_PROC_NULL).empty()));
  EXPECT_EQ(relay::sendrecv<int>(comm, 5, MPI_PROC_NULL, MPI_PROC_NULL), 0);
  EXPECT_EQ(relay::sendrecv<std::string>(comm, std::string("x"), MPI_PROC_NULL, MPI_PROC_NULL), "");
  EXPECT_EQ(relay::probe(comm, MPI_PROC_NULL).source, MPI_PROC_NULL);
}

// ---- sendrecv ------------------------------------------------------------------------------

TEST(Sendrecv, RingOfEveryKind) {
  relay::communicator comm;
  const int next = next_rank(comm), prev = prev_rank(comm);
  for_each_kind([&](auto make) {
    using T = decltype(make(0));
    EXPECT_EQ(relay::sendrecv<T>(comm, make(comm.rank()), next, prev, 4, 4), make(prev));
  });
}

// A non-periodic shift: the ends send to or receive from MPI_PROC_NULL.
TEST(Sendrecv, ShiftWithProcNullAtTheEnds) {
  relay::communicator comm;
  const int me = comm.rank();
  const int up = me + 1 < comm.size() ? me + 1 : MPI_PROC_NULL;
  const int down = me > 0 ? me - 1 : MPI_PROC_NULL;
  EXPECT_EQ(relay::sendrecv<int>(comm, me + 1, up, down, 3, 3), me);  // rank 0 gets 0
  const auto text = relay::sendrecv<std::string>(comm, make_string(me), up, down, 3, 3);
  EXPECT_EQ(text, me > 0 ? make_string(me - 1) : "");
  const auto m = relay::sendrecv<std::map<std::string, int>>(comm, make_map(me), down, up, 4, 4);
  EXPECT_EQ(m, (up != MPI_PROC_NULL ? make_map(up) : std::map<std::string, int>{}));
}

TEST(Sendrecv, RingWithAnyTagAndDifferentTypes) {
  relay::communicator comm;
  const int next = next_rank(comm), prev = prev_rank(comm);
  // Defaults: send tag 0, receive any tag.
  EXPECT_EQ(relay::sendrecv<int>(comm, comm.rank(), next, prev), prev);
  // Send a vector, receive its length as a different (dynamic) type: only bytes must agree.
  const std::vector<char> mine(static_cast<std::size_t>(comm.rank()) + 3, 'a');
  const auto got = relay::sendrecv<std::string>(comm, mine, next, relay::any_source, 2);
  EXPECT_EQ(got, std::string(static_cast<std::size_t>(prev) + 3, 'a'));
  // Large enough that neither side could buffer the whole message: still no deadlock.
  const std::vector<int> big(100000, comm.rank());
  EXPECT_EQ(relay::sendrecv<std::vector<int>>(comm, big, next, prev),
            std::vector<int>(100000, prev));
}

}  // namespace
