// Every collective on communicators made by split: parts of odd sizes, parts of one rank, ranks
// reordered by key, ranks left out (undefined_color), and every root of each part, so that no
// collective relies on world ranks, on root 0 or on the world's size. The parts run their
// collectives at the same time. Each rank's value depends on its world rank, and the results are
// checked exactly: a piece that goes to or comes from the wrong rank shows.
//
// Kinds of value: bytewise (int, a byte-copied struct), vectors of them, and serialized ones
// (std::string, a struct with serialize, vectors of strings). relay has no non-blocking
// collectives; the point-to-point requests are tested in test_nonblocking.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include "relay/relay.hpp"
#include "test_support.hpp"

namespace {

using namespace relay_test;

/// A part of a split of MPI_COMM_WORLD, with the world ranks of its members in the order of their
/// ranks in the part, worked out from the colors and keys alone.
struct part {
  std::string name;
  relay::communicator comm;  // invalid on a rank left out
  std::vector<int> members;  // members[r]: world rank of part rank r
  [[nodiscard]] int world_of(int r) const { return members[static_cast<std::size_t>(r)]; }
};

/// Splits the world with color(w) and key(w) for world rank w, and checks the part's rank and
/// size against MPI's rule (ordered by key, ties by world rank).
template <class Color, class Key>
part split_world(const std::string& name, Color color, Key key) {
  const relay::communicator world;
  const int w = world.rank();
  part s{name, world.split(color(w), key(w)), {}};
  if (color(w) == relay::undefined_color) {
    EXPECT_FALSE(s.comm.valid()) << name;
    return s;
  }
  for (int v = 0; v < world.size(); ++v)
    if (color(v) == color(w)) s.members.push_back(v);
  std::stable_sort(s.members.begin(), s.members.end(),
                   [&](int a, int b) { return key(a) < key(b); });
  EXPECT_TRUE(s.comm.valid()) << name;
  EXPECT_EQ(s.comm.size(), static_cast<int>(s.members.size())) << name;
  const auto at = std::find(s.members.begin(), s.members.end(), w) - s.members.begin();
  EXPECT_EQ(s.comm.rank(), static_cast<int>(at)) << name;
  return s;
}

/// The splits under test, at any world size p: by parity; the first p-1 ranks and the last one
/// (3 and 1 at four ranks); the whole world with its ranks reversed; by rank mod 3 with reversed
/// keys; and all but world rank 0 (which is left out), reversed.
std::vector<part> all_splits() {
  const int p = relay::communicator{}.size();
  std::vector<part> parts;
  parts.push_back(split_world(
      "parity", [](int w) { return w % 2; }, [](int) { return 0; }));
  parts.push_back(split_world(
      "rank < p-1", [p](int w) { return w < std::max(p - 1, 1) ? 0 : 1; },
      [](int w) { return w; }));
  parts.push_back(split_world(
      "reversed", [](int) { return 7; }, [p](int w) { return p - w; }));
  parts.push_back(split_world(
      "mod 3, reversed", [](int w) { return w % 3; }, [](int w) { return -w; }));
  parts.push_back(split_world(
      "without world rank 0", [](int w) { return w == 0 ? relay::undefined_color : 1; },
      [](int w) { return -w; }));
  return parts;
}

// Values by world rank: one of each kind.
int int_of(int w) {
  return 10 * w + 3;
}
point point_of(int w) {
  return {w, w + 0.5};
}
std::vector<int> ints_of(int w) {  // w + 1 elements: lengths differ by rank
  std::vector<int> v(static_cast<std::size_t>(w) + 1);
  std::iota(v.begin(), v.end(), 100 * w);
  return v;
}
std::string string_of(int w) {
  return make_string(w);
}
particle particle_of(int w) {
  return make_particle(w);
}
std::vector<std::string> strings_of(int w) {
  return {make_string(w), "", std::to_string(w)};
}

/// The values of every member of `s`, in part rank order.
template <class Make>
auto values_of(const part& s, Make make) {
  std::vector<decltype(make(0))> all;
  for (int w : s.members) all.push_back(make(w));
  return all;
}

/// The concatenation of every member's vector, in part rank order.
template <class Make>
auto concat_of(const part& s, Make make) {
  decltype(make(0)) all;
  for (int w : s.members) {
    const auto piece = make(w);
    all.insert(all.end(), piece.begin(), piece.end());
  }
  return all;
}

/// bcast, bcast_into, gather and allgather of one kind of value, at every root.
template <class Make>
void check_movement(const part& s, Make make, const char* kind) {
  using T = decltype(make(0));
  const int n = s.comm.size(), me = s.comm.rank(), w = s.world_of(me);
  const auto everyone = values_of(s, make);
  for (int root = 0; root < n; ++root) {
    SCOPED_TRACE(s.name + ", " + kind + ", root " + std::to_string(root));
    const T& expected = everyone[static_cast<std::size_t>(root)];
    EXPECT_EQ(relay::bcast(s.comm, me == root ? make(w) : T{}, root), expected);
    T into = me == root ? make(w) : make(w + 17);  // non-roots: something else to replace
    relay::bcast_into(s.comm, into, root);
    EXPECT_EQ(into, expected);
    const auto gathered = relay::gather(s.comm, make(w), root);
    EXPECT_EQ(gathered, me == root ? std::optional(everyone) : std::nullopt);
  }
  SCOPED_TRACE(s.name + ", " + kind);
  EXPECT_EQ(relay::allgather(s.comm, make(w)), everyone);
}

/// scatter at every root: each rank gets its own value from the root's vector.
template <class Make>
void check_scatter(const part& s, Make make, const char* kind) {
  using T = decltype(make(0));
  const int n = s.comm.size(), me = s.comm.rank(), w = s.world_of(me);
  for (int root = 0; root < n; ++root) {
    SCOPED_TRACE(s.name + ", " + kind + ", root " + std::to_string(root));
    const std::vector<T> values = me == root ? values_of(s, make) : std::vector<T>{};
    EXPECT_EQ(relay::scatter(s.comm, values, root), make(w));
  }
}

/// scatterv at every root of a vector of `length` elements made by element(i), and gatherv and
/// allgatherv of pieces of different lengths (one per world rank).
template <class Element, class Make>
void check_vectors(const part& s, Element element, Make make, const char* kind) {
  using V = decltype(make(0));
  const int n = s.comm.size(), me = s.comm.rank(), w = s.world_of(me);
  const auto all = concat_of(s, make);
  // Fewer elements than ranks, not a multiple of the part's size, and a multiple.
  for (std::size_t length : {std::size_t{0}, std::size_t{1}, std::size_t{7},
                             std::size_t{3} * static_cast<std::size_t>(n)}) {
    V data;
    for (std::size_t i = 0; i < length; ++i) data.push_back(element(static_cast<int>(i)));
    // Balanced blocks, the larger ones first.
    const std::size_t parts = static_cast<std::size_t>(n), mine = static_cast<std::size_t>(me);
    const std::size_t base = length / parts, extra = length % parts;
    const std::size_t begin = mine * base + std::min(mine, extra);
    const V block(data.begin() + static_cast<std::ptrdiff_t>(begin),
                  data.begin() + static_cast<std::ptrdiff_t>(begin + base + (mine < extra)));
    for (int root = 0; root < n; ++root) {
      SCOPED_TRACE(s.name + ", " + kind + ", " + std::to_string(length) + " elements, root " +
                   std::to_string(root));
      EXPECT_EQ(relay::scatter_balanced(s.comm, me == root ? data : V{}, root), block);
      // The same blocks through explicit counts, and reversed counts (the last rank first).
      std::vector<std::size_t> counts(parts), reversed(parts);
      for (std::size_t r = 0; r < parts; ++r) counts[r] = base + (r < extra ? 1 : 0);
      for (std::size_t r = 0; r < parts; ++r) reversed[r] = counts[parts - 1 - r];
      EXPECT_EQ(relay::scatterv(s.comm, me == root ? data : V{}, counts, root), block);
      std::size_t rbegin = 0;
      for (std::size_t r = 0; r < mine; ++r) rbegin += reversed[r];
      EXPECT_EQ(relay::scatterv(s.comm, me == root ? data : V{}, reversed, root),
                V(data.begin() + static_cast<std::ptrdiff_t>(rbegin),
                  data.begin() + static_cast<std::ptrdiff_t>(rbegin + reversed[mine])));
    }
  }
  for (int root = 0; root < n; ++root) {
    SCOPED_TRACE(s.name + ", " + kind + ", root " + std::to_string(root));
    EXPECT_EQ(relay::gatherv(s.comm, make(w), root),
              me == root ? std::optional(all) : std::nullopt);
  }
  SCOPED_TRACE(s.name + ", " + kind);
  EXPECT_EQ(relay::allgatherv(s.comm, make(w)), all);
}

/// A number with its place value: appending digits is associative but not commutative, so the
/// result shows the order in which the ranks were combined (MPI's path, a user operation).
struct digits {
  std::int64_t value = 0;
  std::int64_t scale = 1;
  friend bool operator==(const digits&, const digits&) = default;
};
digits append(const digits& a, const digits& b) {
  return {a.value * b.scale + b.value, a.scale * b.scale};
}
// World rank w -> the digit w + 1.
digits digits_of(int w) {
  return {w + 1, 10};
}

/// Whether reduce_into and allreduce_into take T (bytewise values and vectors of them).
template <class T, class Op>
constexpr bool has_into = requires(const relay::communicator& c, const T& v, T& t, Op o) {
  relay::reduce_into(c, v, t, o, 0);
  relay::allreduce_into(c, v, t, o);
};
static_assert(has_into<int, std::plus<>> && has_into<std::vector<long>, std::plus<>>);
static_assert(!has_into<std::string, std::plus<>>);

/// relay reduces vectors of bytewise elements element-wise, other values whole.
template <class T>
constexpr bool element_wise = false;
template <class E>
constexpr bool element_wise<std::vector<E>> = relay::bytewise<E>;
static_assert(element_wise<std::vector<long>> && !element_wise<std::vector<std::string>>);

/// op(a, b) as relay combines two ranks' values.
template <class T, class Op>
T combine(Op op, const T& a, const T& b) {
  if constexpr (element_wise<T>) {
    T out(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) out[i] = op(a[i], b[i]);
    return out;
  } else {
    return op(a, b);
  }
}

/// reduce at every root, allreduce, scan and exscan, checked against a left fold over the part's
/// members in rank order; and reduce_into and allreduce_into where the kind allows them.
template <class Make, class Op>
void check_reductions(const part& s, Make make, Op op, const char* kind) {
  using T = decltype(make(0));
  const int n = s.comm.size(), me = s.comm.rank(), w = s.world_of(me);
  std::optional<T> before, total;  // op over part ranks 0..me-1, and over all of them
  for (int r = 0; r < n; ++r) {
    const T v = make(s.world_of(r));
    if (r == me) before = total;
    total = total ? combine(op, *total, v) : v;
  }
  const T mine = make(w);
  const T inclusive = before ? combine(op, *before, mine) : mine;
  for (int root = 0; root < n; ++root) {
    SCOPED_TRACE(s.name + ", " + kind + ", root " + std::to_string(root));
    const std::optional<T> expected = me == root ? total : std::nullopt;
    EXPECT_EQ(relay::reduce(s.comm, mine, op, root), expected);
    EXPECT_EQ(relay::reduce(s.comm, make(w), op, root), expected);  // moved in
    if constexpr (has_into<T, Op>) {
      T into = make(w + 5);  // left alone off the root
      relay::reduce_into(s.comm, mine, into, op, root);
      EXPECT_EQ(into, me == root ? *total : make(w + 5));
    }
  }
  SCOPED_TRACE(s.name + ", " + kind);
  EXPECT_EQ(relay::allreduce(s.comm, mine, op), *total);
  EXPECT_EQ(relay::allreduce(s.comm, make(w), op), *total);  // moved in
  EXPECT_EQ(relay::scan(s.comm, mine, op), inclusive);
  EXPECT_EQ(relay::scan(s.comm, make(w), op), inclusive);
  EXPECT_EQ(relay::exscan(s.comm, mine, op), before);
  EXPECT_EQ(relay::exscan(s.comm, make(w), op), before);
  if constexpr (has_into<T, Op>) {
    T into;
    relay::allreduce_into(s.comm, mine, into, op);
    EXPECT_EQ(into, *total);
  }
}

// Element-wise reductions need one length on every rank: three elements per rank.
std::vector<long> triple_of(int w) {
  return {w, 1L << w, -3L * w};
}
std::vector<digits> digits_triple_of(int w) {
  return {digits_of(w), digits_of(w + 1), digits{}};
}

template <class F>
void for_each_part(F&& f) {
  for (const part& s : all_splits()) {
    if (!s.comm.valid()) continue;  // left out of every part
    f(s);
    s.comm.barrier();
  }
}

TEST(Split, PartsAreRankedByKey) {
  const relay::communicator world;
  const int p = world.size();
  for (const part& s : all_splits()) {
    if (!s.comm.valid()) {
      EXPECT_EQ(world.rank(), 0) << s.name;  // only "without world rank 0" leaves a rank out
      continue;
    }
    if (s.name == "reversed") {
      EXPECT_EQ(s.comm.rank(), p - 1 - world.rank());
    }
    // A barrier on every part at once, then one on the world: no part waits for another.
    s.comm.barrier();
  }
  world.barrier();
}

TEST(Split, BcastGatherAllgather) {
  for_each_part([](const part& s) {
    check_movement(s, int_of, "int");
    check_movement(s, point_of, "point");
    check_movement(s, ints_of, "vector<int>");
    check_movement(s, string_of, "string");
    check_movement(s, particle_of, "particle");
    check_movement(s, strings_of, "vector<string>");
  });
}

TEST(Split, Scatter) {
  for_each_part([](const part& s) {
    check_scatter(s, int_of, "int");
    check_scatter(s, point_of, "point");
    check_scatter(s, ints_of, "vector<int>");
    check_scatter(s, string_of, "string");
    check_scatter(s, particle_of, "particle");
  });
}

TEST(Split, ScattervGathervAllgatherv) {
  for_each_part([](const part& s) {
    check_vectors(s, int_of, ints_of, "int");
    check_vectors(
        s, point_of,
        [](int w) { return std::vector<point>(static_cast<std::size_t>(w), point_of(w)); },
        "point");
    check_vectors(s, string_of, strings_of, "string");
    check_vectors(
        s, particle_of,
        [](int w) {
          return std::vector<particle>(static_cast<std::size_t>(w % 3), particle_of(w));
        },
        "particle");
  });
}

TEST(Split, Reductions) {
  for_each_part([](const part& s) {
    check_reductions(s, int_of, std::plus<>{}, "int, plus");
    check_reductions(s, int_of, relay::ops::max{}, "int, max");
    check_reductions(s, digits_of, append, "digits, in rank order");
    check_reductions(s, triple_of, std::plus<>{}, "vector<long>, plus");
    check_reductions(s, triple_of, relay::ops::min{}, "vector<long>, min");
    check_reductions(s, digits_triple_of, append, "vector<digits>, in rank order");
    check_reductions(s, string_of, std::plus<>{}, "string, concatenated");
    check_reductions(
        s, strings_of,
        [](std::vector<std::string> a, const std::vector<std::string>& b) {
          a.insert(a.end(), b.begin(), b.end());
          return a;
        },
        "vector<string>, concatenated");
  });
}

// A length mismatch inside a part raises usage_error on every rank of that part only; the
// other parts, with equal lengths, reduce.
TEST(Split, LengthMismatchInOnePart) {
  const relay::communicator world;
  RELAY_REQUIRE_RANKS(world, 3);
  const part s = split_world(
      "rank < p-1", [p = world.size()](int w) { return w < p - 1 ? 0 : 1; },
      [](int w) { return w; });
  const bool mismatched = s.comm.size() > 1;  // the p-1 ranks; the last rank is alone
  const std::vector<int> v(mismatched ? static_cast<std::size_t>(s.comm.rank()) + 1 : 4U, 1);
  std::vector<int> out;
  if (mismatched) {
    EXPECT_THROW((void)relay::allreduce(s.comm, v, std::plus<>{}), relay::usage_error);
    EXPECT_THROW(relay::allreduce_into(s.comm, v, out, std::plus<>{}), relay::usage_error);
    for (int root = 0; root < s.comm.size(); ++root)
      EXPECT_THROW(relay::reduce_into(s.comm, v, out, std::plus<>{}, root), relay::usage_error);
  } else {
    EXPECT_EQ(relay::allreduce(s.comm, v, std::plus<>{}), v);
    relay::allreduce_into(s.comm, v, out, std::plus<>{});
    EXPECT_EQ(out, v);
  }
  // Both parts are in step again.
  EXPECT_EQ(relay::allreduce(s.comm, 1, std::plus<>{}), s.comm.size());
  EXPECT_EQ(relay::allreduce(world, 1, std::plus<>{}), world.size());
}

}  // namespace
