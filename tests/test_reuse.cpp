// The README's "no copy, no allocation" claims for collectives, checked: moving a vector through
// bcast, allreduce, reduce, scan or exscan gives back the same buffer; the _into forms reuse the
// result's memory; once warm, none of them calls operator new (replaced in this file, which is a
// test executable of its own for that reason); and reductions of a moved-in vector run with
// MPI_IN_PLACE (seen through the profiling interface).

#include <gtest/gtest.h>
#include <mpi.h>

#include <cstddef>
#include <cstdlib>
#include <functional>
#include <map>
#include <new>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "relay/relay.hpp"
#include "test_support.hpp"

// ---- counting operator new ----------------------------------------------------------------------

namespace {
long allocations = 0;  // calls of operator new while `counting`
bool counting = false;
}  // namespace

// The other forms (arrays, nothrow, sized delete) forward to these in libstdc++. GCC cannot see
// that the memory freed here came from the malloc above.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t size) {
  if (counting) ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

// ---- which reductions ran in place --------------------------------------------------------------

namespace {
/// Whether the last MPI reduction of doubles was called with MPI_IN_PLACE (the length checks
/// reduce long longs and are not recorded).
std::optional<bool> last_in_place;
void record(const void* sendbuf, MPI_Datatype type) {
  if (type == MPI_DOUBLE) last_in_place = sendbuf == MPI_IN_PLACE;
}
}  // namespace

extern "C" {
int MPI_Allreduce(const void* s, void* r, int c, MPI_Datatype t, MPI_Op o, MPI_Comm comm) {
  record(s, t);
  return PMPI_Allreduce(s, r, c, t, o, comm);
}
int MPI_Reduce(const void* s, void* r, int c, MPI_Datatype t, MPI_Op o, int root, MPI_Comm comm) {
  record(s, t);
  return PMPI_Reduce(s, r, c, t, o, root, comm);
}
int MPI_Scan(const void* s, void* r, int c, MPI_Datatype t, MPI_Op o, MPI_Comm comm) {
  record(s, t);
  return PMPI_Scan(s, r, c, t, o, comm);
}
int MPI_Exscan(const void* s, void* r, int c, MPI_Datatype t, MPI_Op o, MPI_Comm comm) {
  record(s, t);
  return PMPI_Exscan(s, r, c, t, o, comm);
}
}

namespace {

using namespace relay_test;

/// Runs `body` twice (the first run warms up relay's and MPI's caches) and returns the calls of
/// operator new on this rank during the second run.
template <class Body>
long allocations_when_warm(Body&& body) {
  body();
  allocations = 0;
  counting = true;
  body();
  counting = false;
  return allocations;
}

/// Sizes below and above the eager limit and the bcast tree limit (in doubles).
std::vector<std::size_t> sizes() {
  return {1, 100, relay::config::eager_bytes / 8 + 1, relay::config::bcast_tree_bytes / 8 + 1};
}

TEST(Reuse, AllreduceOfAMovedVectorReturnsItsBufferInPlace) {
  relay::communicator comm;
  const int p = comm.size(), r = comm.rank();
  for (std::size_t n : sizes()) {
    SCOPED_TRACE(std::to_string(n) + " doubles");
    std::vector<double> v(n, r + 1.0);
    const double* buffer = v.data();
    last_in_place.reset();
    v = relay::allreduce(comm, std::move(v), std::plus<>{});
    EXPECT_EQ(v.data(), buffer);
    // Small vectors travel inside the block that checks the lengths (no reduction of doubles).
    if (n > 100 || comm.size() == 1) {
      EXPECT_EQ(last_in_place, std::optional<bool>(true));
    } else {
      EXPECT_NE(last_in_place, std::optional<bool>(false));
    }
    EXPECT_EQ(v, std::vector<double>(n, p * (p + 1) / 2.0));
    const long news = allocations_when_warm([&] {
      for (int i = 0; i < 3; ++i) v = relay::allreduce(comm, std::move(v), relay::ops::max{});
    });
    EXPECT_EQ(news, 0);
    EXPECT_EQ(v.data(), buffer);
  }
}

TEST(Reuse, ReduceScanExscanOfAMovedVectorRunInPlace) {
  relay::communicator comm;
  const int p = comm.size(), r = comm.rank();
  for (std::size_t n : sizes()) {
    SCOPED_TRACE(std::to_string(n) + " doubles");
    for (int root = 0; root < p; ++root) {
      std::vector<double> v(n, r + 1.0);
      const double* buffer = v.data();
      last_in_place.reset();
      const auto sum = relay::reduce(comm, std::move(v), std::plus<>{}, root);
      EXPECT_EQ(sum.has_value(), r == root);
      if (sum) {
        EXPECT_EQ(sum->data(), buffer);
        EXPECT_EQ(last_in_place, std::optional<bool>(true));
        EXPECT_EQ(*sum, std::vector<double>(n, p * (p + 1) / 2.0));
      }
    }
    std::vector<double> v(n, r + 1.0);
    const double* buffer = v.data();
    last_in_place.reset();
    v = relay::scan(comm, std::move(v), std::plus<>{});
    EXPECT_EQ(v.data(), buffer);
    EXPECT_EQ(last_in_place, std::optional<bool>(true));
    EXPECT_EQ(v, std::vector<double>(n, (r + 1) * (r + 2) / 2.0));
    std::vector<double> w(n, r + 1.0);
    buffer = w.data();
    last_in_place.reset();
    const std::optional<std::vector<double>> before =
        relay::exscan(comm, std::move(w), std::plus<>{});
    if (p > 1) {
      EXPECT_EQ(last_in_place, std::optional<bool>(true));
    }
    EXPECT_EQ(before.has_value(), r > 0);
    if (before) {
      EXPECT_EQ(before->data(), buffer);
      EXPECT_EQ(*before, std::vector<double>(n, r * (r + 1) / 2.0));
    }
    const long news = allocations_when_warm([&] {
      v = relay::scan(comm, std::move(v), relay::ops::max{});
      relay::reduce_into(comm, v, v, relay::ops::max{}, 0);  // in place, left alone off the root
    });
    EXPECT_EQ(news, 0);
  }
}

TEST(Reuse, BcastOfAMovedVectorReturnsItsBuffer) {
  relay::communicator comm;
  for (std::size_t n : sizes()) {
    for (int root = 0; root < comm.size(); ++root) {
      SCOPED_TRACE(std::to_string(n) + " doubles, root " + std::to_string(root));
      // Every rank's vector already has the size: the root's is sent, the others' receive.
      std::vector<double> v(n, comm.rank() == root ? 2.5 : -1.0);
      const double* buffer = v.data();
      v = relay::bcast(comm, std::move(v), root);
      EXPECT_EQ(v.data(), buffer);
      EXPECT_EQ(v, std::vector<double>(n, 2.5));
      const long news = allocations_when_warm([&] {
        for (int i = 0; i < 3; ++i) v = relay::bcast(comm, std::move(v), root);
      });
      EXPECT_EQ(news, 0);
      EXPECT_EQ(v.data(), buffer);
    }
  }
}

TEST(Reuse, IntoFormsAllocateNothingOnceWarm) {
  relay::communicator comm;
  const int p = comm.size(), r = comm.rank();
  for (std::size_t n : sizes()) {
    for (int root = 0; root < p; ++root) {
      SCOPED_TRACE(std::to_string(n) + " doubles, root " + std::to_string(root));
      const std::vector<double> data(n * static_cast<std::size_t>(p), 0.5);
      std::vector<double> block, all, sum, reduced, shared(n, 1.0);
      block.reserve(data.size());
      all.reserve(data.size());
      const long news = allocations_when_warm([&] {
        relay::bcast_into(comm, shared, root);
        relay::scatter_balanced_into(comm, data, block, root);
        relay::gatherv_into(comm, block, all, root);
        relay::allreduce_into(comm, block, sum, std::plus<>{});
        relay::reduce_into(comm, block, reduced, std::plus<>{}, root);
        relay::allreduce_into(comm, sum, sum, relay::ops::max{});  // in place
      });
      EXPECT_EQ(news, 0);
      EXPECT_EQ(block, std::vector<double>(n, 0.5));
      EXPECT_EQ(all, r == root ? data : std::vector<double>{});
      EXPECT_EQ(sum, std::vector<double>(n, 0.5 * p));
    }
  }
}

TEST(Reuse, BcastIntoLoadsIntoTheValueItHas) {
  relay::communicator comm;
  const int root = comm.size() - 1;
  // Strings beyond the small-string buffer and map nodes: loading into a value of the same shape
  // reuses them.
  std::vector<std::string> words(50, std::string(40, comm.rank() == root ? 'r' : 'x'));
  std::map<std::string, int> table;
  for (int i = 0; i < 50; ++i)
    table["a key longer than the small-string buffer " + std::to_string(i)] =
        comm.rank() == root ? i : -1;
  const long news = allocations_when_warm([&] {
    relay::bcast_into(comm, words, root);
    relay::bcast_into(comm, table, root);
  });
  EXPECT_EQ(news, 0);
  EXPECT_EQ(words, std::vector<std::string>(50, std::string(40, 'r')));
  EXPECT_EQ(table.begin()->second, 0);
}

}  // namespace
