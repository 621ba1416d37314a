// Counts the MPI calls relay makes, through the MPI profiling interface: this executable defines
// MPI_Send, MPI_Isend and the collectives it watches, counts each call and forwards it to PMPI_*.
// It checks the library's promise that every value is one message: no size message before the
// data, no count exchange before scatterv or gatherv. Boost.MPI's counts for the same values are
// printed for comparison (its calls from libboost_mpi resolve to these definitions too).

#include <mpi.h>

#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/mpi/communicator.hpp>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace {
struct counters {
  long sends = 0;        // MPI_Send and MPI_Isend
  long collectives = 0;  // MPI_Bcast, MPI_Scatter(v), MPI_Gather(v), MPI_Allgather(v)
  long receives = 0;     // MPI_Irecv
  long waits = 0;        // MPI_Wait, MPI_Waitall, MPI_Test
};
counters counted;
}  // namespace

extern "C" {
int MPI_Send(const void* buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm) {
  ++counted.sends;
  return PMPI_Send(buf, count, type, dest, tag, comm);
}
int MPI_Isend(const void* buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm,
              MPI_Request* request) {
  ++counted.sends;
  return PMPI_Isend(buf, count, type, dest, tag, comm, request);
}
int MPI_Irecv(void* buf, int count, MPI_Datatype type, int source, int tag, MPI_Comm comm,
              MPI_Request* request) {
  ++counted.receives;
  return PMPI_Irecv(buf, count, type, source, tag, comm, request);
}
int MPI_Wait(MPI_Request* request, MPI_Status* status) {
  ++counted.waits;
  return PMPI_Wait(request, status);
}
int MPI_Waitall(int count, MPI_Request requests[], MPI_Status statuses[]) {
  ++counted.waits;
  return PMPI_Waitall(count, requests, statuses);
}
int MPI_Test(MPI_Request* request, int* flag, MPI_Status* status) {
  ++counted.waits;
  return PMPI_Test(request, flag, status);
}
int MPI_Bcast(void* buf, int count, MPI_Datatype type, int root, MPI_Comm comm) {
  ++counted.collectives;
  return PMPI_Bcast(buf, count, type, root, comm);
}
int MPI_Scatter(const void* sb, int sc, MPI_Datatype st, void* rb, int rc, MPI_Datatype rt,
                int root, MPI_Comm comm) {
  ++counted.collectives;
  return PMPI_Scatter(sb, sc, st, rb, rc, rt, root, comm);
}
int MPI_Scatterv(const void* sb, const int sc[], const int displs[], MPI_Datatype st, void* rb,
                 int rc, MPI_Datatype rt, int root, MPI_Comm comm) {
  ++counted.collectives;
  return PMPI_Scatterv(sb, sc, displs, st, rb, rc, rt, root, comm);
}
int MPI_Gatherv(const void* sb, int sc, MPI_Datatype st, void* rb, const int rc[],
                const int displs[], MPI_Datatype rt, int root, MPI_Comm comm) {
  ++counted.collectives;
  return PMPI_Gatherv(sb, sc, st, rb, rc, displs, rt, root, comm);
}
int MPI_Allgather(const void* sb, int sc, MPI_Datatype st, void* rb, int rc, MPI_Datatype rt,
                  MPI_Comm comm) {
  ++counted.collectives;
  return PMPI_Allgather(sb, sc, st, rb, rc, rt, comm);
}
}

namespace {

/// The calls `body` makes on this rank, and the totals over all ranks (counted with PMPI, so
/// the sums themselves are not counted).
struct tally {
  counters mine, total;
};
template <class F>
tally count_calls(const relay::communicator& comm, F&& body) {
  PMPI_Barrier(comm.native());
  const counters before = counted;
  body();
  tally t;
  t.mine = {counted.sends - before.sends, counted.collectives - before.collectives,
            counted.receives - before.receives, counted.waits - before.waits};
  long in[2] = {t.mine.sends, t.mine.collectives}, out[2] = {0, 0};
  PMPI_Allreduce(in, out, 2, MPI_LONG, MPI_SUM, comm.native());
  t.total = {out[0], out[1], 0, 0};  // only this rank's receives and waits are asked for
  return t;
}

std::vector<std::string> words(std::size_t n) {
  std::vector<std::string> v;
  for (std::size_t i = 0; i < n; ++i) v.push_back("word-" + std::to_string(i));
  return v;
}

// A value shorter than config::first_piece_bytes is one message; a longer one is two (its head,
// which carries the length, and the rest), never a size message before the data.
TEST(Messages, SendIsOneMessageOrAHeadAndTheRest) {
  relay::communicator comm;
  RELAY_REQUIRE_RANKS(comm, 2);
  // Small and large (past Open MPI's eager limit) values of each kind.
  for (std::size_t n : {std::size_t{3}, std::size_t{100000}}) {
    const auto value = words(n);
    const std::vector<double> doubles(n, 1.5);
    const auto relay_calls = count_calls(comm, [&] {
      if (comm.rank() == 0) relay::send(comm, value, 1);
      if (comm.rank() == 1) {
        EXPECT_EQ(relay::recv<std::vector<std::string>>(comm, 0), value);
      }
      if (comm.rank() == 0) relay::send(comm, doubles, 1);
      if (comm.rank() == 1) {
        EXPECT_EQ(relay::recv<std::vector<double>>(comm, 0), doubles);
      }
    });
    EXPECT_EQ(relay_calls.total.sends, n < 100 ? 2 : 4) << n << " elements";
    const auto boost_calls = count_calls(comm, [&] {
      auto copy = value;
      if (comm.rank() == 0) comm.boost().send(1, 0, copy);
      if (comm.rank() == 1) comm.boost().recv(0, 0, copy);
    });
    if (comm.rank() == 0)
      std::printf("vector<string> of %zu: relay sends %d message(s), Boost.MPI %ld\n", n,
                  n < 100 ? 1 : 2, boost_calls.total.sends);
  }
}

TEST(Messages, BcastOfUnknownSizeIsOneMessagePerReceiver) {
  relay::communicator comm;
  const std::map<std::string, int> dict{{"a", 1}, {"b", 2}, {"c", 3}};
  for (int root = 0; root < comm.size(); ++root) {
    const auto calls = count_calls(comm, [&] {
      EXPECT_EQ(relay::bcast(comm, comm.rank() == root ? dict : decltype(dict){}, root), dict);
      auto v = relay::bcast(comm, std::vector<int>(comm.rank() == root ? 100 : 0, 7), root);
      EXPECT_EQ(v, std::vector<int>(100, 7));
    });
    // A tree: size - 1 messages per broadcast, and no collective call at all.
    EXPECT_EQ(calls.total.sends, 2L * (comm.size() - 1)) << "root " << root;
    EXPECT_EQ(calls.total.collectives, 0) << "root " << root;
  }
}

TEST(Messages, ScattervAndGathervSendOneMessagePerRankAndNoCounts) {
  relay::communicator comm;
  const std::vector<double> data(1000, 2.0);
  const std::vector<std::string> text = words(50);
  for (int root = 0; root < comm.size(); ++root) {
    const bool me = comm.rank() == root;
    const auto calls = count_calls(comm, [&] {
      auto block = relay::scatter_balanced(comm, me ? data : std::vector<double>{}, root);
      auto all = relay::gatherv(comm, block, root);
      EXPECT_EQ(all, me ? std::optional(data) : std::nullopt);
      auto words_block =
          relay::scatter_balanced(comm, me ? text : std::vector<std::string>{}, root);
      auto all_words = relay::gatherv(comm, words_block, root);
      EXPECT_EQ(all_words, me ? std::optional(text) : std::nullopt);
    });
    EXPECT_EQ(calls.total.sends, 4L * (comm.size() - 1)) << "root " << root;
    EXPECT_EQ(calls.total.collectives, 0) << "root " << root;
  }
}

// The windowed-bandwidth pattern (mpi_bench bw) on spans: one MPI_Isend or MPI_Irecv per message,
// as a raw MPI program makes. (How often the waits poll depends on when messages arrive: receives
// are progressed together with MPI_Testsome/MPI_Waitsome, which this file does not count.)
TEST(Messages, WindowOfSpanRequestsIsOneCallPerMessageAndOneWaitall) {
  relay::communicator comm;
  constexpr int window = 16;
  const int next = relay_test::next_rank(comm), prev = relay_test::prev_rank(comm);
  const std::vector<double> out(8, 1.5);
  std::vector<double> in(8);
  std::vector<relay::request> receives, sends;
  for (int round = 0; round < 2; ++round) {  // the second round reuses the vectors
    const auto calls = count_calls(comm, [&] {
      receives.clear();
      sends.clear();
      for (int i = 0; i < window; ++i)
        receives.push_back(relay::irecv_into(comm, std::span<double>(in), prev, 9));
      for (int i = 0; i < window; ++i)
        sends.push_back(relay::isend(comm, std::span<const double>(out), next, 9));
      relay::wait_all(sends);
      relay::wait_all(receives);
    });
    EXPECT_EQ(calls.mine.sends, window);
    EXPECT_EQ(calls.mine.receives, window);
    EXPECT_EQ(in, out);
  }
}

}  // namespace
