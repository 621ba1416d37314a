// Non-blocking collectives (icollectives.hpp, igather.hpp, ireduce.hpp): every call with every
// kind of value from every root, the `_into` forms (and that MPI reads and writes the caller's
// memory: the MPI_I* calls are intercepted through the profiling interface), several outstanding
// waited in reverse order, mixed with p2p in wait_any, split communicators, bad input and
// requests destroyed unfinished.

#include <gtest/gtest.h>
#include <mpi.h>

#include <map>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include "relay/relay.hpp"
#include "test_support.hpp"

// The buffers that the MPI_I* calls were given last (this executable's own MPI_Ibcast, ... come
// before Open MPI's, and pass each call on to its PMPI_ twin).
namespace {
const void* ibcast_buffer = nullptr;
const void* iallreduce_in = nullptr;
const void* iallreduce_out = nullptr;
const void* igather_out = nullptr;
std::vector<const void*> isend_buffers;
std::vector<const void*> irecv_buffers;
}  // namespace

extern "C" {
int MPI_Ibcast(void* buffer, int count, MPI_Datatype type, int root, MPI_Comm comm,
               MPI_Request* request) {
  ibcast_buffer = buffer;
  return PMPI_Ibcast(buffer, count, type, root, comm, request);
}
int MPI_Iallreduce(const void* in, void* out, int count, MPI_Datatype type, MPI_Op op,
                   MPI_Comm comm, MPI_Request* request) {
  iallreduce_in = in;
  iallreduce_out = out;
  return PMPI_Iallreduce(in, out, count, type, op, comm, request);
}
int MPI_Igather(const void* in, int n, MPI_Datatype t, void* out, int m, MPI_Datatype u, int root,
                MPI_Comm comm, MPI_Request* request) {
  igather_out = out;
  return PMPI_Igather(in, n, t, out, m, u, root, comm, request);
}
int MPI_Isend(const void* buffer, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm,
              MPI_Request* request) {
  isend_buffers.push_back(buffer);
  return PMPI_Isend(buffer, count, type, dest, tag, comm, request);
}
int MPI_Irecv(void* buffer, int count, MPI_Datatype type, int source, int tag, MPI_Comm comm,
              MPI_Request* request) {
  irecv_buffers.push_back(buffer);
  return PMPI_Irecv(buffer, count, type, source, tag, comm, request);
}
}

namespace {

using namespace relay_test;

template <class T>
bool contains(const std::vector<const void*>& v, const T* p) {
  return std::find(v.begin(), v.end(), static_cast<const void*>(p)) != v.end();
}

TEST(ICollectives, BarrierAndBroadcastOfEveryKindFromEveryRoot) {
  relay::communicator comm;
  relay::ibarrier(comm).wait();
  for_each_kind([&](auto make) {
    using T = decltype(make(0));
    for (int root = 0; root < comm.size(); ++root) {
      auto r = relay::ibcast(comm, comm.rank() == root ? make(root) : T{}, root);
      std::optional<T> got;
      while (!(got = r.test())) {
      }
      EXPECT_EQ(*got, make(root));
      EXPECT_TRUE(r.done());
      EXPECT_EQ(relay::ibcast(comm, comm.rank() == root ? make(root + 1) : T{}, root).wait(),
                make(root + 1));
    }
  });
}

TEST(ICollectives, ScatterAndGatherOfEveryKindFromEveryRoot) {
  relay::communicator comm;
  const int p = comm.size();
  for_each_kind([&](auto make) {
    using T = decltype(make(0));
    std::vector<T> all;
    for (int r = 0; r < p; ++r) all.push_back(make(r));
    for (int root = 0; root < p; ++root) {
      std::vector<T> values = comm.rank() == root ? all : std::vector<T>{};
      EXPECT_EQ(relay::iscatter(comm, values, root).wait(), make(comm.rank()));
      auto gathered = relay::igather(comm, make(comm.rank()), root).wait();
      EXPECT_EQ(gathered.has_value(), comm.rank() == root);
      if (gathered) {
        EXPECT_EQ(*gathered, all);
      }
    }
    EXPECT_EQ(relay::iallgather(comm, make(comm.rank())).wait(), all);
  });
}

TEST(ICollectives, VariablePiecesFromEveryRoot) {
  relay::communicator comm;
  const int p = comm.size();
  std::vector<int> ints;
  std::vector<std::string> strings;
  std::vector<std::size_t> counts;
  for (int r = 0; r < p; ++r) {
    counts.push_back(static_cast<std::size_t>(r % 3));  // empty pieces too
    for (int k = 0; k < r % 3; ++k) {
      ints.push_back(r * 10 + k);
      strings.push_back(make_string(r) + std::to_string(k));
    }
  }
  const auto mine = [&](const auto& all) {
    std::size_t begin = 0;
    for (int r = 0; r < comm.rank(); ++r) begin += counts[static_cast<std::size_t>(r)];
    const std::size_t n = counts[static_cast<std::size_t>(comm.rank())];
    using V = std::decay_t<decltype(all)>;
    return V(all.begin() + static_cast<std::ptrdiff_t>(begin),
             all.begin() + static_cast<std::ptrdiff_t>(begin + n));
  };
  for (int root = 0; root < p; ++root) {
    const bool is_root = comm.rank() == root;
    const std::span<const std::size_t> c =
        is_root ? std::span<const std::size_t>(counts) : std::span<const std::size_t>();
    EXPECT_EQ(relay::iscatterv(comm, is_root ? ints : std::vector<int>{}, c, root).wait(),
              mine(ints));
    EXPECT_EQ(
        relay::iscatterv(comm, is_root ? strings : std::vector<std::string>{}, c, root).wait(),
        mine(strings));
    auto g = relay::igatherv(comm, mine(ints), root).wait();
    EXPECT_EQ(g.has_value(), is_root);
    if (g) {
      EXPECT_EQ(*g, ints);
    }
    auto gs = relay::igatherv(comm, mine(strings), root).wait();
    if (gs) {
      EXPECT_EQ(*gs, strings);
    }
  }
  EXPECT_EQ(relay::iallgatherv(comm, mine(ints)).wait(), ints);
  EXPECT_EQ(relay::iallgatherv(comm, mine(strings)).wait(), strings);
}

std::string concat(std::string a, const std::string& b) {
  return a + b;
}

TEST(ICollectives, ReductionsWithMpiOpsAndUserOps) {
  relay::communicator comm;
  const int p = comm.size(), me = comm.rank();
  const int sum = p * (p - 1) / 2;
  std::string all;
  for (int r = 0; r < p; ++r) all += make_string(r);
  for (int root = 0; root < p; ++root) {
    auto r = relay::ireduce(comm, me, relay::ops::plus{}, root).wait();
    EXPECT_EQ(r.has_value(), me == root);
    if (r) {
      EXPECT_EQ(*r, sum);
    }
    auto s = relay::ireduce(comm, make_string(me), concat, root).wait();  // not commutative
    if (s) {
      EXPECT_EQ(*s, all);
    }
    EXPECT_EQ(s.has_value(), me == root);
  }
  EXPECT_EQ(relay::iallreduce(comm, me, relay::ops::plus{}).wait(), sum);
  EXPECT_EQ(
      relay::iallreduce(comm, std::vector<double>{1.0 * me, -1.0 * me}, relay::ops::max{}).wait(),
      (std::vector<double>{p - 1.0, 0.0}));
  EXPECT_EQ(relay::iallreduce(comm, make_string(me), concat).wait(), all);
  // A user operation on a bytewise value goes the pieces' way, in rank order.
  const auto affine = [](long a, long b) { return a * 3 + b; };
  long expect = 0;
  for (int r = 0; r < p; ++r) expect = r == 0 ? 0 : affine(expect, r);
  EXPECT_EQ(relay::iallreduce(comm, static_cast<long>(me), affine).wait(), expect);
  const auto merge = [](std::map<std::string, int> a, const std::map<std::string, int>& b) {
    for (const auto& [k, v] : b) a[k] += v;
    return a;
  };
  std::map<std::string, int> merged;
  for (int r = 0; r < p; ++r) merged = merge(merged, make_map(r));
  EXPECT_EQ(relay::iallreduce(comm, make_map(me), merge).wait(), merged);

  std::string prefix;
  for (int r = 0; r <= me; ++r) prefix += make_string(r);
  EXPECT_EQ(relay::iscan(comm, me, relay::ops::plus{}).wait(), me * (me + 1) / 2);
  EXPECT_EQ(relay::iscan(comm, make_string(me), concat).wait(), prefix);
  auto ex = relay::iexscan(comm, me, relay::ops::plus{}).wait();
  EXPECT_EQ(ex.has_value(), me > 0);
  if (ex) {
    EXPECT_EQ(*ex, me * (me - 1) / 2);
  }
  auto exs = relay::iexscan(comm, make_string(me), concat).wait();
  EXPECT_EQ(exs.has_value(), me > 0);
  if (exs) {
    EXPECT_EQ(*exs, prefix.substr(0, prefix.size() - make_string(me).size()));
  }
}

TEST(ICollectives, IntoFormsUseTheCallersMemory) {
  relay::communicator comm;
  const int p = comm.size(), me = comm.rank();
  const auto n = static_cast<std::size_t>(p);
  for (int root = 0; root < p; ++root) {
    std::vector<double> buffer(5, me == root ? 2.5 : 0.0);
    auto b = relay::ibcast_into(comm, std::span<double>(buffer), root);
    EXPECT_EQ(ibcast_buffer, buffer.data());
    b.wait();
    EXPECT_EQ(buffer, std::vector<double>(5, 2.5));

    std::vector<int> send(me == root ? 2 * n : 0);
    std::iota(send.begin(), send.end(), 0);
    std::vector<int> recv(2);
    relay::iscatter_into(comm, std::span<const int>(send), std::span<int>(recv), root).wait();
    EXPECT_EQ(recv, (std::vector<int>{2 * me, 2 * me + 1}));

    std::vector<int> all(me == root ? 2 * n : 0);
    auto g = relay::igather_into(comm, std::span<const int>(recv), std::span<int>(all), root);
    if (me == root) {
      EXPECT_EQ(igather_out, all.data());
    }
    g.wait();
    if (me == root) {
      std::vector<int> want(2 * n);
      std::iota(want.begin(), want.end(), 0);
      EXPECT_EQ(all, want);
    }
    std::vector<long> sum(me == root ? 3 : 0);
    const std::vector<long> ones{1, 2, 3};
    relay::ireduce_into(comm, std::span<const long>(ones), std::span<long>(sum), relay::ops::plus{},
                        root)
        .wait();
    if (me == root) {
      EXPECT_EQ(sum, (std::vector<long>{p * 1L, p * 2L, p * 3L}));
    }
  }
  std::vector<int> every(n);
  const int mine = me * me;
  relay::iallgather_into(comm, std::span<const int>(&mine, 1), std::span<int>(every)).wait();
  for (int r = 0; r < p; ++r) EXPECT_EQ(every[static_cast<std::size_t>(r)], r * r);
  const std::vector<double> in{1.0 * me, 2.0};
  std::vector<double> out(2);
  auto a = relay::iallreduce_into(comm, std::span<const double>(in), std::span<double>(out),
                                  relay::ops::plus{});
  EXPECT_EQ(iallreduce_in, in.data());
  EXPECT_EQ(iallreduce_out, out.data());
  a.wait();
  EXPECT_EQ(out, (std::vector<double>{p * (p - 1) / 2.0, 2.0 * p}));
}

TEST(ICollectives, VectorsTravelWithoutCopies) {
  relay::communicator comm;
  if (comm.size() < 2) GTEST_SKIP() << "needs a second rank";
  std::vector<double> v(1000, 1.5);
  const double* memory = v.data();
  isend_buffers.clear();
  irecv_buffers.clear();
  auto r = relay::ibcast(comm, comm.rank() == 0 ? std::move(v) : std::vector<double>{}, 0);
  std::vector<double> got = r.wait();
  EXPECT_EQ(got, std::vector<double>(1000, 1.5));
  if (comm.rank() == 0) {
    EXPECT_EQ(got.data(), memory);                 // the moved-in vector is the result
    EXPECT_TRUE(contains(isend_buffers, memory));  // and MPI sent from it
  } else {
    EXPECT_TRUE(contains(irecv_buffers, got.data()));  // MPI received into the result
  }
  std::vector<long> w(3, comm.rank());
  const long* w_memory = w.data();
  auto sum = relay::iallreduce(comm, std::move(w), relay::ops::plus{});
  EXPECT_EQ(iallreduce_in, w_memory);  // the moved-in vector is MPI's input
  const long total = comm.size() * (comm.size() - 1L) / 2;
  EXPECT_EQ(sum.wait(), std::vector<long>(3, total));
}

TEST(ICollectives, SeveralOutstandingWaitedInReverseOrder) {
  relay::communicator comm;
  const int p = comm.size(), me = comm.rank();
  const int root = p - 1;
  auto barrier = relay::ibarrier(comm);
  auto b = relay::ibcast(comm, me == root ? make_map(7) : std::map<std::string, int>{}, root);
  auto s = relay::iallreduce(comm, make_string(me), concat);
  auto i = relay::iallreduce(comm, me + 1, relay::ops::multiplies{});
  auto g = relay::igatherv(comm, std::vector<std::string>(static_cast<std::size_t>(me), "x"), 0);
  auto v = relay::ibcast(comm, me == 0 ? std::vector<int>(50000, 3) : std::vector<int>{}, 0);
  auto sc = relay::iscan(comm, make_string(me), concat);
  std::string all, prefix;
  int factorial = 1;
  for (int r = 0; r < p; ++r) {
    all += make_string(r);
    if (r <= me) prefix += make_string(r);
    factorial *= r + 1;
  }
  EXPECT_EQ(sc.wait(), prefix);
  EXPECT_EQ(v.wait(), std::vector<int>(50000, 3));
  auto gathered = g.wait();
  if (me == 0) {
    EXPECT_EQ(gathered->size(), static_cast<std::size_t>(p * (p - 1) / 2));
  }
  EXPECT_EQ(i.wait(), factorial);
  EXPECT_EQ(s.wait(), all);
  EXPECT_EQ(b.wait(), make_map(7));
  barrier.wait();
}

// A large piece's data receive is posted by other relay calls too (here iprobe): the root's
// send completes although the other ranks never test their request until the root says so.
TEST(ICollectives, PiecesMoveInsideOtherRelayCalls) {
  relay::communicator comm;
  const std::vector<int> big(1 << 18, 7);  // 1 MiB: far above any eager limit
  auto r = relay::ibcast(comm, comm.rank() == 0 ? big : std::vector<int>{}, 0);
  if (comm.rank() == 0) {
    std::optional<std::vector<int>> got;
    while (!(got = r.test())) {
    }
    EXPECT_EQ(*got, big);
    for (int dest = 1; dest < comm.size(); ++dest) relay::send(comm, 1, dest, 9);
  } else {
    while (!relay::iprobe(comm, 0, 9)) {
    }
    EXPECT_EQ(relay::recv<int>(comm, 0, 9), 1);
    EXPECT_EQ(r.wait(), big);
  }
}

TEST(ICollectives, MixWithPointToPointInWaitAny) {
  relay::communicator comm;
  const int next = next_rank(comm), prev = prev_rank(comm);
  auto incoming = relay::irecv<std::string>(comm, prev, 5);
  relay::request outgoing = relay::isend(comm, make_string(comm.rank()), next, 5);
  auto sum = relay::iallreduce(comm, 1, relay::ops::plus{});
  auto names = relay::iallgather(comm, make_string(comm.rank()));
  std::vector<relay::request*> all{&incoming.as_request(), &outgoing, &sum.as_request(),
                                   &names.as_request()};
  int seen = 0;
  while (auto k = relay::wait_any(all)) {
    ++seen;
    EXPECT_TRUE(all[*k]->done());
  }
  EXPECT_EQ(seen, 4);
  EXPECT_EQ(incoming.get(), make_string(prev));
  EXPECT_EQ(sum.get(), comm.size());
  EXPECT_EQ(names.get().size(), static_cast<std::size_t>(comm.size()));
  auto again = relay::iallreduce(comm, 2, relay::ops::plus{});
  auto text = relay::ibcast(comm, make_string(0), 0);
  std::vector<relay::request*> two{&again.as_request(), &text.as_request()};
  relay::wait_all(two);
  EXPECT_EQ(again.get(), 2 * comm.size());
  EXPECT_EQ(text.get(), make_string(0));
}

TEST(ICollectives, SplitCommunicators) {
  relay::communicator world;
  const relay::communicator half = world.split(world.rank() % 2);
  auto w = relay::iallreduce(world, make_string(world.rank()), concat);
  auto h = relay::iallreduce(half, world.rank(), relay::ops::plus{});
  auto hs = relay::iallgather(half, make_string(world.rank()));
  int want = 0;
  std::vector<std::string> names;
  std::string all;
  for (int r = 0; r < world.size(); ++r) {
    all += make_string(r);
    if (r % 2 == world.rank() % 2) {
      want += r;
      names.push_back(make_string(r));
    }
  }
  EXPECT_EQ(hs.wait(), names);
  EXPECT_EQ(h.wait(), want);
  EXPECT_EQ(w.wait(), all);
}

TEST(ICollectives, BadInputFailsOnEveryRank) {
  relay::communicator comm;
  const int p = comm.size();
  EXPECT_THROW((void)relay::ibcast(comm, 1, p), relay::usage_error);
  EXPECT_THROW((void)relay::igather(comm, std::string("x"), -1), relay::usage_error);
  // Only the root holds the bad input; every rank's wait raises it.
  const bool root = comm.rank() == 0;
  std::vector<int> short_ints(root ? static_cast<std::size_t>(p) + 1 : 0);
  EXPECT_THROW((void)relay::iscatter(comm, short_ints, 0).wait(), relay::usage_error);
  std::vector<std::string> short_strings(root ? static_cast<std::size_t>(p) + 1 : 0);
  EXPECT_THROW((void)relay::iscatter(comm, short_strings, 0).wait(), relay::usage_error);
  const std::vector<std::size_t> counts(root ? static_cast<std::size_t>(p) : 0, 1);
  EXPECT_THROW((void)relay::iscatterv(comm, std::vector<int>{}, counts, 0).wait(),
               relay::usage_error);
  // The communicator is still in step afterwards.
  EXPECT_EQ(relay::iallreduce(comm, 1, relay::ops::plus{}).wait(), p);
}

TEST(ICollectives, DestroyedUnfinishedRequestsWaitAndLeaveLaterMessagesAlone) {
  relay::communicator comm;
  const int next = next_rank(comm), prev = prev_rank(comm);
  {
    auto dropped = relay::ibcast(comm, comm.rank() == 0 ? make_map(3) : decltype(make_map(3)){}, 0);
    auto dropped2 = relay::iallreduce(comm, make_string(comm.rank()), concat);
  }
  auto in = relay::irecv<std::string>(comm, prev, 0);
  relay::send(comm, make_string(comm.rank()), next, 0);
  EXPECT_EQ(in.wait(), make_string(prev));
  EXPECT_EQ(relay::ibcast(comm, comm.rank() == 0 ? make_map(4) : decltype(make_map(4)){}, 0).wait(),
            make_map(4));
}

}  // namespace
