// Reductions and prefix reductions: reduce, allreduce, scan, exscan, and reduce_into and
// allreduce_into (into the caller's object, in place, reusing its memory). Built-in, standard and
// user operations, commutative and not, on MPI's path (bytewise values and vectors of them, 128-bit
// integers and structs included, the latter with user operations) and on the serialized path
// (strings, maps, nested vectors).
#include <gtest/gtest.h>

#include <complex>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "relay/relay.hpp"
#include "test_support.hpp"

namespace {

using namespace relay_test;

/// Runs reduce at every root and allreduce, and checks that the root (and every rank for
/// allreduce) gets `expected` while the other ranks of reduce get std::nullopt.
template <class T, class Op>
void check_reduce(const relay::communicator& comm, const T& mine, Op op, const T& expected,
                  const char* what) {
  for (int root = 0; root < comm.size(); ++root) {
    const std::optional<T> got = relay::reduce(comm, mine, op, root);
    if (comm.rank() == root) {
      EXPECT_EQ(got, expected) << what << ", root " << root;
    } else {
      EXPECT_EQ(got, std::nullopt) << what << ", root " << root;
    }
  }
  EXPECT_EQ(relay::allreduce(comm, mine, op), expected) << what;
}

/// Checks scan and exscan against a left fold over ranks 0..r of value(r).
template <class T, class Op, class Value>
void check_scans(const relay::communicator& comm, Value value, Op op, const char* what) {
  const int me = comm.rank();
  std::optional<T> before;  // op over ranks 0..me-1
  for (int r = 0; r < me; ++r) before = before ? op(*before, value(r)) : value(r);
  const T inclusive = before ? op(*before, value(me)) : value(me);
  EXPECT_EQ(relay::scan(comm, value(me), op), inclusive) << what;
  EXPECT_EQ(relay::exscan(comm, value(me), op), before) << what;
  const T identity = value(-1);
  EXPECT_EQ(relay::exscan(comm, value(me), op, identity), before ? *before : identity) << what;
}

// ---- built-in operations on scalars ----------------------------------------------------------

TEST(Reduce, IntsWithEveryStandardOperation) {
  relay::communicator comm;
  const int p = comm.size(), r = comm.rank();
  int factorial = 1, xor_all = 0;
  for (int i = 1; i <= p; ++i) factorial *= i, xor_all ^= i;
  check_reduce(comm, r + 1, std::plus<>{}, p * (p + 1) / 2, "plus");
  check_reduce(comm, r + 1, std::plus<int>{}, p * (p + 1) / 2, "plus<int>");
  check_reduce(comm, r + 1, std::multiplies<>{}, factorial, "multiplies");
  check_reduce(comm, r + 1, relay::ops::min{}, 1, "min");
  check_reduce(comm, r + 1, relay::ops::max{}, p, "max");
  check_reduce(comm, 2 - r, relay::ops::min{}, 3 - p, "min of negatives");
  // Operands of the logical operations are 0 or 1: at one rank MPI returns the value unchanged.
  check_reduce(comm, 1, std::logical_and<>{}, 1, "logical_and, all true");
  check_reduce(comm, r == 0 ? 0 : 1, std::logical_and<>{}, 0, "logical_and, rank 0 false");
  check_reduce(comm, r == p - 1 ? 1 : 0, std::logical_or<>{}, 1, "logical_or, one true");
  check_reduce(comm, 0, std::logical_or<>{}, 0, "logical_or, none true");
  check_reduce(comm, 1, relay::ops::logical_xor{}, p % 2, "logical_xor");
  check_reduce(comm, 0xFF ^ (1 << r), std::bit_and<>{}, 0xFF & ~((1 << p) - 1), "bit_and");
  check_reduce(comm, 1 << r, std::bit_or<>{}, (1 << p) - 1, "bit_or");
  check_reduce(comm, r + 1, std::bit_xor<>{}, xor_all, "bit_xor");
  check_reduce(comm, static_cast<std::uint64_t>(r) << 40, std::plus<>{},
               (static_cast<std::uint64_t>(p) * (p - 1) / 2) << 40, "uint64 plus");
}

TEST(Reduce, DoublesWithArithmeticAndOrder) {
  relay::communicator comm;
  const int p = comm.size(), r = comm.rank();
  double sum = 0, product = 1;
  for (int i = 0; i < p; ++i) sum += i + 0.5, product *= (i + 1) * 0.5;
  check_reduce(comm, r + 0.5, std::plus<>{}, sum, "plus");  // exact: halves of small integers
  check_reduce(comm, (r + 1) * 0.5, std::multiplies<>{}, product, "multiplies");
  check_reduce(comm, r - 1.5, relay::ops::min{}, -1.5, "min");
  check_reduce(comm, r - 1.5, relay::ops::max{}, p - 2.5, "max");
  check_reduce(comm, std::complex<double>(r, 1), std::plus<>{},
               std::complex<double>(p * (p - 1) / 2, p), "complex plus");
}

// MPI takes only the logical operations on bool and none on wide characters: the others must
// still work (as user operations).
TEST(Reduce, BoolsAndCharacters) {
  relay::communicator comm;
  const int p = comm.size(), r = comm.rank();
  check_reduce(comm, true, std::logical_and<>{}, true, "and");
  check_reduce(comm, r != 0, std::logical_and<>{}, false, "and");
  check_reduce(comm, r == p - 1, std::logical_or<>{}, true, "or");
  check_reduce(comm, true, relay::ops::logical_xor{}, p % 2 == 1, "xor");
  check_reduce(comm, r == p - 1, relay::ops::max{}, true, "max");
  check_reduce(comm, r == p - 1, relay::ops::min{}, p == 1, "min");
  check_reduce(comm, r == 0, std::plus<>{}, true, "plus");
  check_reduce(comm, r == 0, std::bit_or<>{}, true, "bit_or");
  check_reduce(comm, r == 0, std::bit_and<>{}, p == 1, "bit_and");
  check_reduce(comm, r == 0, std::not_equal_to<>{}, true, "user operation");
  check_reduce(comm, static_cast<char>('a' + r), relay::ops::max{}, static_cast<char>('a' + p - 1),
               "char max");
  check_reduce(comm, static_cast<char>(r + 1), std::plus<>{}, static_cast<char>(p * (p + 1) / 2),
               "char plus");
  check_reduce(comm, static_cast<wchar_t>(r + 1), std::plus<>{},
               static_cast<wchar_t>(p * (p + 1) / 2), "wchar_t plus");
  check_reduce(comm, static_cast<char16_t>(r + 1), relay::ops::max{}, static_cast<char16_t>(p),
               "char16_t max");
  check_reduce(comm, static_cast<char32_t>(1U << r), std::bit_or<>{},
               static_cast<char32_t>((1U << p) - 1), "char32_t bit_or");
  EXPECT_EQ(relay::scan(comm, true, std::plus<>{}), true);
  EXPECT_EQ(relay::scan(comm, r == 0, std::logical_or<>{}), true);
}

// ---- vectors: element by element --------------------------------------------------------------

TEST(Reduce, VectorsElementWise) {
  relay::communicator comm;
  const int p = comm.size(), r = comm.rank();
  int sum = 0, squares = 0;
  for (int i = 0; i < p; ++i) sum += i, squares += i * i;
  const std::vector<int> mine{r, -r, r * r, 7};
  check_reduce(comm, mine, std::plus<>{}, std::vector<int>{sum, -sum, squares, 7 * p}, "plus");
  check_reduce(comm, mine, relay::ops::min{}, std::vector<int>{0, 1 - p, 0, 7}, "min");
  check_reduce(comm, mine, relay::ops::max{}, std::vector<int>{p - 1, 0, (p - 1) * (p - 1), 7},
               "max");
  check_reduce(comm, std::vector<unsigned>{1U << r, ~(1U << r)}, std::bit_or<>{},
               std::vector<unsigned>{(1U << p) - 1, p == 1 ? ~1U : ~0U}, "bit_or");
  check_reduce(comm, std::vector<unsigned>{1U << r, ~(1U << r)}, std::bit_and<>{},
               std::vector<unsigned>{p == 1 ? 1U : 0U, ~((1U << p) - 1)}, "bit_and");
  check_reduce(comm, std::vector<double>{r * 0.5, 1.0}, std::multiplies<>{},
               std::vector<double>{0.0, 1.0}, "multiplies");
  check_reduce(comm, std::vector<int>{r, 1}, std::logical_and<>{}, std::vector<int>{0, 1},
               "logical_and");
  check_reduce(comm, std::vector<int>{r, 0}, std::logical_or<>{},
               std::vector<int>{p > 1 ? 1 : 0, 0}, "logical_or");
}

// std::vector<bool> has no data(): reduced element by element through a buffer of bools, with
// MPI's logical operations on MPI_CXX_BOOL (and user operations).
TEST(Reduce, VectorsOfBoolElementWise) {
  relay::communicator comm;
  const int p = comm.size(), r = comm.rank();
  const std::vector<bool> mine{true, r == 0, r % 2 == 1, false, r == p - 1};
  check_reduce(comm, mine, std::logical_and<>{},
               std::vector<bool>{true, p == 1, false, false, p == 1}, "logical_and");
  check_reduce(comm, mine, std::logical_or<>{}, std::vector<bool>{true, true, p > 1, false, true},
               "logical_or");
  check_reduce(comm, mine, relay::ops::logical_xor{},
               std::vector<bool>{p % 2 == 1, true, p / 2 % 2 == 1, false, true}, "logical_xor");
  check_reduce(comm, mine, std::not_equal_to<>{},
               std::vector<bool>{p % 2 == 1, true, p / 2 % 2 == 1, false, true}, "user operation");
  check_reduce(comm, std::vector<bool>{}, std::logical_or<>{}, std::vector<bool>{}, "empty");
  // Scans: rank r gets the element-wise or over ranks 0..r (exscan: 0..r-1).
  auto bits = [](int i) { return std::vector<bool>{i == 1, i % 2 == 0, i > 2}; };
  std::vector<bool> inclusive(3, false), exclusive(3, false);
  for (int i = 0; i <= r; ++i)
    for (std::size_t k = 0; k < 3; ++k) {
      inclusive[k] = inclusive[k] || bits(i)[k];
      if (i < r) exclusive[k] = exclusive[k] || bits(i)[k];
    }
  EXPECT_EQ(relay::scan(comm, bits(r), std::logical_or<>{}), inclusive);
  const auto before = relay::exscan(comm, bits(r), std::logical_or<>{});
  EXPECT_EQ(before, r == 0 ? std::nullopt : std::optional<std::vector<bool>>(exclusive));
}

TEST(Reduce, EmptyAndSingleElementVectors) {
  relay::communicator comm;
  const int p = comm.size();
  check_reduce(comm, std::vector<int>{}, std::plus<>{}, std::vector<int>{}, "empty plus");
  check_reduce(comm, std::vector<double>{}, relay::ops::max{}, std::vector<double>{}, "empty max");
  check_reduce(comm, std::vector<int>{comm.rank()}, std::plus<>{},
               std::vector<int>{p * (p - 1) / 2}, "single plus");
  check_reduce(comm, std::vector<double>{comm.rank() * 1.0}, relay::ops::max{},
               std::vector<double>{p - 1.0}, "single max");
  EXPECT_TRUE(relay::scan(comm, std::vector<int>{}, std::plus<>{}).empty());
  const auto ex = relay::exscan(comm, std::vector<int>{}, std::plus<>{});
  EXPECT_EQ(ex.has_value(), comm.rank() != 0);
  if (ex) {
    EXPECT_TRUE(ex->empty());
  }
}

// reduce_into and allreduce_into with one vector as both value and result: MPI forbids the same
// buffer as input and output, so this must reduce in place.
TEST(Reduce, IntoTheValueItself) {
  relay::communicator comm;
  const int p = comm.size(), r = comm.rank();
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{5000}}) {
    SCOPED_TRACE(std::to_string(n) + " elements");
    std::vector<long> v(n, r + 1);
    relay::allreduce_into(comm, v, v, std::plus<>{});
    EXPECT_EQ(v, std::vector<long>(n, p * (p + 1) / 2));
    for (int root = 0; root < p; ++root) {
      std::vector<long> w(n, r + 1);
      relay::reduce_into(comm, w, w, relay::ops::max{}, root);
      EXPECT_EQ(w, std::vector<long>(n, r == root ? p : r + 1)) << "root " << root;
    }
  }
  int x = r + 1;
  relay::allreduce_into(comm, x, x, std::multiplies<>{});
  int factorial = 1;
  for (int i = 1; i <= p; ++i) factorial *= i;
  EXPECT_EQ(x, factorial);
}

// Element-wise reductions need one length on every rank: a mismatch raises usage_error on every
// rank (instead of a wrong result on one and MPI_ERR_TRUNCATE or a hang on the others), and the
// ranks stay in step.
TEST(Reduce, VectorsOfDifferentLengthsRaiseUsageErrorOnEveryRank) {
  relay::communicator comm;
  RELAY_REQUIRE_RANKS(comm, 2);
  const int p = comm.size(), r = comm.rank();
  auto in_step = [&] {
    EXPECT_EQ(relay::allreduce(comm, std::vector<int>{r, 1}, std::plus<>{}),
              (std::vector<int>{p * (p - 1) / 2, p}));
  };
  // Lengths by rank: 10 + r (all differ), 5000 + r (all beyond the block that carries the check
  // in an allreduce); one longer rank; rank 0 empty; large and small.
  for (std::size_t n :
       {std::size_t{10} + static_cast<std::size_t>(r),
        std::size_t{5000} + static_cast<std::size_t>(r), std::size_t{13} + (r == p - 1 ? 1U : 0U),
        r == 0 ? std::size_t{0} : 5U, r == 1 ? std::size_t{100000} : 3U}) {
    SCOPED_TRACE(std::to_string(n) + " elements on rank " + std::to_string(r));
    const std::vector<double> v(n, 1.0);
    for (int root = 0; root < p; ++root)
      EXPECT_THROW((void)relay::reduce(comm, v, std::plus<>{}, root), relay::usage_error);
    in_step();
    EXPECT_THROW((void)relay::allreduce(comm, v, std::plus<>{}), relay::usage_error);
    in_step();
    EXPECT_THROW((void)relay::scan(comm, v, std::plus<>{}), relay::usage_error);
    in_step();
    EXPECT_THROW((void)relay::exscan(comm, v, std::plus<>{}), relay::usage_error);
    in_step();
    EXPECT_THROW((void)relay::exscan(comm, v, std::plus<>{}, std::vector<double>{}),
                 relay::usage_error);
    in_step();
    std::vector<double> out;
    EXPECT_THROW(relay::allreduce_into(comm, v, out, relay::ops::max{}), relay::usage_error);
    in_step();
    EXPECT_THROW(relay::reduce_into(comm, v, out, relay::ops::max{}, p - 1), relay::usage_error);
    in_step();
    // A user operation, and vectors of bool.
    EXPECT_THROW((void)relay::allreduce(comm, v, [](double a, double b) { return a - b; }),
                 relay::usage_error);
    in_step();
    EXPECT_THROW((void)relay::allreduce(comm, std::vector<bool>(n), std::logical_or<>{}),
                 relay::usage_error);
    in_step();
  }
  // Equal lengths still reduce.
  EXPECT_EQ(relay::allreduce(comm, std::vector<double>(7, 0.5), std::plus<>{}),
            std::vector<double>(7, 0.5 * p));
}

// ---- user operations on MPI's path -------------------------------------------------------------

/// A number with its place value: appending b's digits to a's is associative (as MPI requires)
/// but not commutative, so the result shows the order in which the ranks were combined.
struct digits {
  std::int64_t value = 0;
  std::int64_t scale = 1;  // 10^(number of digits)
  friend bool operator==(const digits&, const digits&) = default;
};
digits append(const digits& a, const digits& b) {
  return {a.value * b.scale + b.value, a.scale * b.scale};
}
digits digit(int d) {
  return d < 0 ? digits{} : digits{d + 1, 10};
}  // rank r -> r + 1

/// Picks one operand: associative, not commutative, and stateful.
struct pick {
  bool left = true;
  int operator()(int a, int b) const { return left ? a : b; }
};

TEST(Reduce, UserOperationsCombineInRankOrder) {
  relay::communicator comm;
  const int p = comm.size(), r = comm.rank();
  digits all;
  for (int i = 0; i < p; ++i) all = append(all, digit(i));  // 1234 at four ranks
  check_reduce(comm, digit(r), append, all, "function");
  check_reduce(
      comm, digit(r), [](const digits& a, const digits& b) { return append(a, b); }, all, "lambda");
  check_scans<digits>(comm, digit, append, "digits");
  check_reduce(comm, r + 1, pick{true}, 1, "pick left");
  check_reduce(comm, r + 1, pick{false}, p, "pick right");
  check_scans<int>(
      comm, [](int i) { return i + 1; }, pick{false}, "pick right");
  check_reduce(comm, r + 1, relay::ops::commutative{[](int a, int b) { return a + b; }},
               p * (p + 1) / 2, "commutative lambda");
  // Element-wise over a vector of a byte-copied struct.
  auto add_points = [](const point& a, const point& b) { return point{a.x + b.x, a.y * b.y}; };
  check_reduce(comm, std::vector<point>{{r, 2.0}, {1, 0.5}}, add_points,
               std::vector<point>{{p * (p - 1) / 2, 1.0 * (1 << p)}, {p, 1.0 / (1 << p)}},
               "points");
}

// An allreduce of a vector checks the lengths inside its first MPI call, a block that holds the
// first elements; the rest follows. Elements on both sides of that boundary must be combined
// alike, in rank order for a non-commutative operation.
TEST(Reduce, AllreduceAroundTheLengthCheckBlock) {
  relay::communicator comm;
  const int p = comm.size(), r = comm.rank();
  digits all;
  for (int i = 0; i < p; ++i) all = append(all, digit(i));
  const std::size_t ints = (relay::detail::checked_block_bytes - 16) / sizeof(int);
  const std::size_t structs = (relay::detail::checked_block_bytes - 16) / sizeof(digits);
  for (std::size_t n :
       {ints - 1, ints, ints + 1, 3 * ints + 7, structs - 1, structs, structs + 1}) {
    SCOPED_TRACE(std::to_string(n) + " elements");
    std::vector<int> mine(n), expected(n);
    for (std::size_t i = 0; i < n; ++i) {
      mine[i] = r * static_cast<int>(i);
      expected[i] = p * (p - 1) / 2 * static_cast<int>(i);
    }
    EXPECT_EQ(relay::allreduce(comm, mine, std::plus<>{}), expected);
    EXPECT_EQ(relay::allreduce(comm, std::vector<digits>(n, digit(r)), append),
              std::vector<digits>(n, all));
    std::vector<bool> flags(n, r == p - 1);
    EXPECT_EQ(relay::allreduce(comm, flags, std::logical_or<>{}), std::vector<bool>(n, true));
    std::vector<int> in_place = mine;
    relay::allreduce_into(comm, in_place, in_place, std::plus<>{});
    EXPECT_EQ(in_place, expected);
  }
}

// ---- reduce_into and allreduce_into: the result in the caller's object -------------------------

/// Runs reduce_into at every root and allreduce_into with `mine`, into a result that starts as
/// `start`: the root (every rank for allreduce_into) gets `expected`; the other ranks' result is
/// left as it was.
template <class T, class Op>
void check_into(const relay::communicator& comm, const T& mine, Op op, const T& expected,
                const T& start, const char* what) {
  for (int root = 0; root < comm.size(); ++root) {
    T result = start;
    relay::reduce_into(comm, mine, result, op, root);
    EXPECT_EQ(result, comm.rank() == root ? expected : start) << what << ", root " << root;
  }
  T result = start;
  relay::allreduce_into(comm, mine, result, op);
  EXPECT_EQ(result, expected) << what;
}

TEST(Reduce, IntoTrivialValuesAndVectors) {
  relay::communicator comm;
  const int p = comm.size(), r = comm.rank();
  digits all;
  for (int i = 0; i < p; ++i) all = append(all, digit(i));
  // Trivial values: built-in operations, a user operation in rank order, a byte-copied struct.
  check_into(comm, r + 1, std::plus<>{}, p * (p + 1) / 2, -7, "int, plus");
  check_into(comm, r - 0.5, relay::ops::max{}, p - 1.5, 99.0, "double, max");
  check_into(comm, r % 2 == 0, std::logical_and<>{}, p == 1, true, "bool, and");
  check_into(comm, digit(r), append, all, digits{42, 100}, "digits, in rank order");
  auto add_points = [](const point& a, const point& b) { return point{a.x + b.x, a.y + b.y}; };
  check_into(comm, point{r, 0.25}, add_points, point{p * (p - 1) / 2, 0.25 * p}, point{-1, -1},
             "point");
  // Vectors: results that start empty, shorter, longer and of the same length.
  for (const std::size_t start : {std::size_t{0}, std::size_t{2}, std::size_t{5000}}) {
    SCOPED_TRACE("result of " + std::to_string(start) + " elements to start with");
    for (const std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{777}}) {
      SCOPED_TRACE(std::to_string(n) + " elements");
      std::vector<long> ramp(n), sums(n);
      for (std::size_t i = 0; i < n; ++i) {
        ramp[i] = static_cast<long>(i) * (r + 1);
        sums[i] = static_cast<long>(i) * p * (p + 1) / 2;
      }
      check_into(comm, ramp, std::plus<>{}, sums, std::vector<long>(start, -3), "vector<long>");
      check_into(comm, std::vector<double>(n, -r), relay::ops::min{}, std::vector<double>(n, 1 - p),
                 std::vector<double>(start, 8.0), "vector<double>, min");
      check_into(comm, std::vector<digits>(n, digit(r)), append, std::vector<digits>(n, all),
                 std::vector<digits>(start), "vector<digits>, in rank order");
    }
  }
}

// A result vector with room enough is reduced into where it is: a loop that reduces into one
// vector allocates nothing once warm. Off the root, reduce_into leaves the result alone,
// memory included.
TEST(Reduce, IntoReusesTheResultsMemory) {
  relay::communicator comm;
  const int p = comm.size(), r = comm.rank();
  std::vector<int> result(4096, -1);
  const int* const memory = result.data();
  for (int round = 0; round < 5; ++round) {
    for (const std::size_t n :
         {std::size_t{4096}, std::size_t{10}, std::size_t{0}, std::size_t{3000}}) {
      SCOPED_TRACE("round " + std::to_string(round) + ", " + std::to_string(n) + " elements");
      const std::vector<int> mine(n, r + round);
      relay::allreduce_into(comm, mine, result, std::plus<>{});
      EXPECT_EQ(result, std::vector<int>(n, p * (p - 1) / 2 + p * round));
      EXPECT_EQ(result.data(), memory);
      for (int root = 0; root < p; ++root) {
        const std::vector<int> before = result;
        relay::reduce_into(comm, mine, result, relay::ops::max{}, root);
        EXPECT_EQ(result, r == root ? std::vector<int>(n, p - 1 + round) : before);
        EXPECT_EQ(result.data(), memory);
      }
    }
  }
  EXPECT_EQ(result.capacity(), std::size_t{4096});
}

// In place (the value is the result) with a non-commutative user operation: the ranks are still
// combined in rank order, on both sides of the block that carries an allreduce's length check.
TEST(Reduce, IntoInPlaceWithAUserOperation) {
  relay::communicator comm;
  const int p = comm.size(), r = comm.rank();
  digits all;
  for (int i = 0; i < p; ++i) all = append(all, digit(i));
  const std::size_t structs = (relay::detail::checked_block_bytes - 16) / sizeof(digits);
  for (const std::size_t n : {std::size_t{1}, structs, structs + 1, 5 * structs + 3}) {
    SCOPED_TRACE(std::to_string(n) + " elements");
    std::vector<digits> v(n, digit(r));
    const digits* const memory = v.data();
    relay::allreduce_into(comm, v, v, append);
    EXPECT_EQ(v, std::vector<digits>(n, all));
    EXPECT_EQ(v.data(), memory);
    for (int root = 0; root < p; ++root) {
      std::vector<digits> w(n, digit(r));
      relay::reduce_into(comm, w, w, append, root);
      EXPECT_EQ(w, std::vector<digits>(n, r == root ? all : digit(r))) << "root " << root;
    }
  }
  digits d = digit(r);
  relay::allreduce_into(comm, d, d, append);
  EXPECT_EQ(d, all);
}

// Different lengths: usage_error on every rank for reduce_into at every root and allreduce_into,
// into another vector or in place, with a built-in or a user operation; the ranks stay in step.
TEST(Reduce, IntoLengthMismatchRaisesUsageErrorOnEveryRank) {
  relay::communicator comm;
  RELAY_REQUIRE_RANKS(comm, 2);
  const int p = comm.size(), r = comm.rank();
  auto in_step = [&] { EXPECT_EQ(relay::allreduce(comm, r, std::plus<>{}), p * (p - 1) / 2); };
  auto minus = [](long a, long b) { return a - b; };
  for (const std::size_t n :
       {static_cast<std::size_t>(r), std::size_t{3000} * static_cast<std::size_t>(r + 1)}) {
    SCOPED_TRACE(std::to_string(n) + " elements on rank " + std::to_string(r));
    const std::vector<long> v(n, 1);
    std::vector<long> out(8, 0);
    for (int root = 0; root < p; ++root) {
      EXPECT_THROW(relay::reduce_into(comm, v, out, std::plus<>{}, root), relay::usage_error);
      in_step();
      std::vector<long> aliased = v;
      EXPECT_THROW(relay::reduce_into(comm, aliased, aliased, minus, root), relay::usage_error);
      in_step();
    }
    EXPECT_THROW(relay::allreduce_into(comm, v, out, std::plus<>{}), relay::usage_error);
    in_step();
    EXPECT_THROW(relay::allreduce_into(comm, v, out, minus), relay::usage_error);
    in_step();
    std::vector<long> aliased = v;
    EXPECT_THROW(relay::allreduce_into(comm, aliased, aliased, std::plus<>{}), relay::usage_error);
    in_step();
  }
}

// ---- 128-bit integers: bytewise, but no MPI type of their own
// ------------------------------------

std::string hex(u128 v) {
  const auto hi = static_cast<std::uint64_t>(v >> 64), lo = static_cast<std::uint64_t>(v);
  char text[40];
  std::snprintf(text, sizeof text, "0x%016llx%016llx", static_cast<unsigned long long>(hi),
                static_cast<unsigned long long>(lo));
  return text;
}

TEST(Reduce, UnsignedInt128SumBeyond2To64) {
  relay::communicator comm;
  const int p = comm.size(), r = comm.rank();
  const u128 two64 = u128{1} << 64;
  // Every contribution exceeds 2^64 and so does the total, at every rank count.
  auto value = [&](int i) { return two64 + (u128{1} << 63) + static_cast<u128>(i); };
  u128 total = 0, product = 1;
  for (int i = 0; i < p; ++i) total += value(i), product *= value(i);  // product wraps mod 2^128
  EXPECT_GT(total, two64);
  const u128 all = relay::allreduce(comm, value(r), std::plus<>{});
  EXPECT_TRUE(all == total) << hex(all) << " != " << hex(total);
  for (int root = 0; root < p; ++root) {
    const std::optional<u128> got = relay::reduce(comm, value(r), std::plus<>{}, root);
    ASSERT_EQ(got.has_value(), r == root);
    if (got) {
      EXPECT_TRUE(*got == total) << "root " << root << ": " << hex(*got) << " != " << hex(total);
    }
  }
  const u128 prod = relay::allreduce(comm, value(r), std::multiplies<>{});
  EXPECT_TRUE(prod == product) << hex(prod) << " != " << hex(product);
  u128 prefix = 0;
  for (int i = 0; i <= r; ++i) prefix += value(i);
  const u128 scanned = relay::scan(comm, value(r), std::plus<>{});
  EXPECT_TRUE(scanned == prefix) << hex(scanned) << " != " << hex(prefix);
  const u128 offset = relay::exscan(comm, value(r), std::plus<>{}, u128{0});
  EXPECT_TRUE(offset == prefix - value(r)) << hex(offset);
  // Values near 2^128 - 1 wrap exactly as unsigned arithmetic does.
  const u128 top = ~u128{0} - static_cast<u128>(r);
  u128 wrapped = 0;
  for (int i = 0; i < p; ++i) wrapped += ~u128{0} - static_cast<u128>(i);
  const u128 wrapped_got = relay::allreduce(comm, top, std::plus<>{});
  EXPECT_TRUE(wrapped_got == wrapped) << hex(wrapped_got) << " != " << hex(wrapped);
}

// ---- non-commutative scans ----------------------------------------------------------------------

/// A 2x2 integer matrix: trivially copyable, multiplied through MPI with a user operation.
struct mat2 {
  std::int64_t a = 1, b = 0, c = 0, d = 1;
  friend bool operator==(const mat2&, const mat2&) = default;
};
struct mat_mul {
  mat2 operator()(const mat2& x, const mat2& y) const {
    return {x.a * y.a + x.b * y.c, x.a * y.b + x.b * y.d, x.c * y.a + x.d * y.c,
            x.c * y.b + x.d * y.d};
  }
};
mat2 rank_matrix(int r) {
  if (r < 0) return {};  // the identity
  return {r + 1, 1, 2 * r - 1, 3};
}

TEST(Scan, MatrixProductIsNotCommutedOnMpiPath) {
  relay::communicator comm;
  static_assert(relay::bytewise<mat2>);
  ASSERT_FALSE(mat_mul{}(rank_matrix(0), rank_matrix(1)) ==
               mat_mul{}(rank_matrix(1), rank_matrix(0)));
  check_scans<mat2>(comm, rank_matrix, mat_mul{}, "matrix product");
  mat2 product;
  for (int i = 0; i < comm.size(); ++i) product = mat_mul{}(product, rank_matrix(i));
  check_reduce(comm, rank_matrix(comm.rank()), mat_mul{}, product, "matrix product");
  std::vector<mat2> expected(2, product);
  check_reduce(comm, std::vector<mat2>(2, rank_matrix(comm.rank())), mat_mul{}, expected,
               "vector of matrices");
}

TEST(Scan, StringConcatenationOnSerializedPath) {
  relay::communicator comm;
  auto text = [](int r) { return r < 0 ? std::string{} : make_string(r) + "|"; };
  auto concat = [](const std::string& a, const std::string& b) { return a + b; };
  check_scans<std::string>(comm, text, concat, "concat lambda");
  check_scans<std::string>(comm, text, std::plus<>{}, "std::plus on strings");
  std::string all;
  for (int i = 0; i < comm.size(); ++i) all += text(i);
  check_reduce(comm, text(comm.rank()), concat, all, "concat");
  check_reduce(comm, text(comm.rank()), std::plus<>{}, all, "std::plus on strings");
}

TEST(Scan, IntegerPrefixSumsAndOffsets) {
  relay::communicator comm;
  check_scans<int>(
      comm, [](int r) { return r < 0 ? 0 : 3 * r + 1; }, std::plus<>{}, "plus");
  check_scans<double>(
      comm, [](int r) { return r < 0 ? 1.0 : r + 1.0; }, std::multiplies<>{}, "multiplies");
  check_scans<int>(
      comm, [](int r) { return r < 0 ? 1000 : 5 - r; }, relay::ops::min{}, "min");
  // Vectors, element by element with MPI_SUM.
  const int me = comm.rank();
  EXPECT_EQ(relay::scan(comm, std::vector<int>{me, 2 * me}, std::plus<>{}),
            (std::vector<int>{me * (me + 1) / 2, me * (me + 1)}));
  const auto before = relay::exscan(comm, std::vector<int>{me, 2 * me}, std::plus<>{});
  if (me == 0) {
    EXPECT_FALSE(before.has_value());
  } else {
    EXPECT_EQ(before, (std::vector<int>{me * (me - 1) / 2, me * (me - 1)}));
  }
  // The offsets of variable-sized blocks: exscan with identity 0.
  const auto offset = relay::exscan(comm, static_cast<std::uint64_t>(comm.rank() + 1),
                                    std::plus<>{}, std::uint64_t{0});
  EXPECT_EQ(offset, static_cast<std::uint64_t>(comm.rank() * (comm.rank() + 1) / 2));
}

// ---- serialized reductions -------------------------------------------------------------------

TEST(Reduce, SerializedValuesAtEveryRoot) {
  relay::communicator comm;
  // Merging maps where later ranks overwrite earlier ones: not commutative.
  auto merge = [](std::map<std::string, int> a, const std::map<std::string, int>& b) {
    for (const auto& [k, v] : b) a[k] = v;
    return a;
  };
  std::map<std::string, int> merged;
  for (int i = 0; i < comm.size(); ++i) merged = merge(merged, make_map(i));
  check_reduce(comm, make_map(comm.rank()), merge, merged, "map merge");
  check_scans<std::map<std::string, int>>(
      comm, [](int r) { return r < 0 ? std::map<std::string, int>{} : make_map(r); }, merge,
      "map merge");
  auto join = [](std::vector<std::vector<int>> a, const std::vector<std::vector<int>>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  std::vector<std::vector<int>> joined;
  for (int i = 0; i < comm.size(); ++i) joined = join(joined, make_nested(i));
  check_reduce(comm, make_nested(comm.rank()), join, joined, "nested join");
}

}  // namespace
