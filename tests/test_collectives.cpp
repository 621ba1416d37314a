// Collective data movement: bcast, bcast_into, scatter, scatterv, gather, allgather, gatherv,
// allgatherv.

#include <gtest/gtest.h>

#include <boost/serialization/split_member.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <numeric>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "relay/relay.hpp"
#include "test_support.hpp"

namespace {

using namespace relay_test;

// ---- bcast -----------------------------------------------------------------------------------

TEST(Bcast, EveryKindFromEveryRoot) {
  relay::communicator comm;
  for (int root = 0; root < comm.size(); ++root) {
    for_each_kind([&](auto make) {
      using T = decltype(make(0));
      const T sent = comm.rank() == root ? make(root + 1) : T{};
      EXPECT_EQ(relay::bcast(comm, sent, root), make(root + 1)) << "root " << root;
    });
  }
}

// Payloads of unknown size go down a tree of messages when small (or at two ranks), else the size
// goes down the tree and the data follows in one MPI_Bcast: check both sides of that boundary,
// for each kind of payload, with every rank as the root in turn.
TEST(Bcast, PayloadsAroundTheTreeLimit) {
  relay::communicator comm;
  const std::size_t limit = relay::config::bcast_tree_bytes;
  for (int root = 0; root < comm.size(); ++root) {
    const std::size_t eager = relay::config::eager_bytes;
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, eager - 1, eager, eager + 1, limit - 1,
                          limit, limit + 1, 3 * limit}) {
      std::vector<char> chars(n);
      for (std::size_t i = 0; i < n; ++i) chars[i] = static_cast<char>('a' + (i + n) % 26);
      const std::string text(chars.begin(), chars.end());
      const bool me = comm.rank() == root;
      EXPECT_EQ(relay::bcast(comm, me ? chars : std::vector<char>{}, root), chars) << n;
      EXPECT_EQ(relay::bcast(comm, me ? text : std::string{}, root), text) << n;
      const std::vector<std::string> words(n / 8, "word");
      EXPECT_EQ(relay::bcast(comm, me ? words : std::vector<std::string>{}, root), words) << n;
      // A receiver's old value is replaced, whatever its size.
      std::vector<double> doubles(me ? n / 8 : n % 5 + 3, me ? 1.5 : -1.0);
      relay::bcast_into(comm, doubles, root);
      EXPECT_EQ(doubles, std::vector<double>(n / 8, 1.5)) << n;
    }
  }
  std::map<std::string, int> big;
  for (int i = 0; i < 500; ++i) big["key" + std::to_string(i)] = i;
  EXPECT_EQ(relay::bcast(comm, comm.rank() == 0 ? big : std::map<std::string, int>{}, 0), big);
}

TEST(Bcast, IntoSpanVectorAndValue) {
  relay::communicator comm;
  const int root = comm.size() / 2;
  std::vector<double> fixed(5, comm.rank() == root ? 2.5 : -1.0);
  std::span<double> view(fixed);  // the same length everywhere
  relay::bcast_into(comm, view, root);
  EXPECT_EQ(fixed, std::vector<double>(5, 2.5));
  std::vector<int> resized;
  if (comm.rank() == root) resized = {1, 2, 3};
  relay::bcast_into(comm, resized, root);
  EXPECT_EQ(resized, (std::vector<int>{1, 2, 3}));
  std::map<std::string, int> m = comm.rank() == root ? make_map(2) : make_map(5);
  relay::bcast_into(comm, m, root);
  EXPECT_EQ(m, make_map(2));
  point pt = comm.rank() == root ? point{7, 0.5} : point{};
  relay::bcast_into(comm, pt, root);
  EXPECT_EQ(pt, (point{7, 0.5}));
}

// ---- scatter ---------------------------------------------------------------------------------

TEST(Scatter, EveryKindFromEveryRoot) {
  relay::communicator comm;
  for (int root = 0; root < comm.size(); ++root) {
    for_each_kind([&](auto make) {
      using T = decltype(make(0));
      std::vector<T> values;
      if (comm.rank() == root)
        for (int r = 0; r < comm.size(); ++r) values.push_back(make(r + root));
      EXPECT_EQ(relay::scatter(comm, values, root), make(comm.rank() + root)) << "root " << root;
    });
  }
}

// ---- scatterv --------------------------------------------------------------------------------

// Scatters n values from every root and checks the blocks: this rank's block is block_range's
// slice, block sizes differ by at most one with the larger first, and gathering the blocks back
// gives the original data (nothing lost, nothing duplicated).
template <class E, class Make>
void check_scatterv(const relay::communicator& comm, std::size_t max_n, Make make) {
  const auto p = static_cast<std::uint64_t>(comm.size());
  for (int root = 0; root < comm.size(); ++root) {
    for (std::size_t n = 0; n <= max_n; ++n) {
      std::vector<E> data;
      for (std::size_t i = 0; i < n; ++i) data.push_back(make(i));
      const std::vector<E> mine =
          relay::scatter_balanced(comm, comm.rank() == root ? data : std::vector<E>{}, root);
      const relay::range block = relay::block_range(n, p, static_cast<std::uint64_t>(comm.rank()));
      EXPECT_EQ(mine.size(), block.size()) << "n " << n << " root " << root;
      if (mine.size() == block.size()) {
        EXPECT_TRUE(std::equal(mine.begin(), mine.end(),
                               data.begin() + static_cast<std::ptrdiff_t>(block.begin)))
            << "n " << n << " root " << root;
      }

      const auto sizes = relay::allgather(comm, static_cast<std::uint64_t>(mine.size()));
      EXPECT_EQ(std::accumulate(sizes.begin(), sizes.end(), std::uint64_t{0}), n);
      EXPECT_TRUE(std::is_sorted(sizes.rbegin(), sizes.rend())) << "larger blocks first";
      EXPECT_LE(sizes.front() - sizes.back(), 1U);

      const auto back = relay::gatherv(comm, mine, root);
      if (comm.rank() == root) {
        EXPECT_EQ(back, data) << "n " << n << " root " << root;
      } else {
        EXPECT_EQ(back, std::nullopt);
      }
      EXPECT_EQ(relay::allgatherv(comm, mine), data);
    }
  }
}

TEST(Scatterv, TrivialElementsAnyLength) {
  relay::communicator comm;
  // From 0 (empty) and 1 (a single element, fewer elements than ranks) to 3p + 2 (lengths
  // that do not divide evenly).
  check_scatterv<int>(comm, 3 * static_cast<std::size_t>(comm.size()) + 2,
                      [](std::size_t i) { return static_cast<int>(i * i); });
  check_scatterv<point>(comm, 2 * static_cast<std::size_t>(comm.size()) + 1, [](std::size_t i) {
    return point{static_cast<int>(i), 0.5};
  });
}

TEST(Scatterv, SerializedElementsAnyLength) {
  relay::communicator comm;
  const std::size_t max_n = 2 * static_cast<std::size_t>(comm.size()) + 1;
  check_scatterv<std::string>(comm, max_n,
                              [](std::size_t i) { return make_string(static_cast<int>(i)); });
  check_scatterv<std::map<std::string, int>>(
      comm, max_n, [](std::size_t i) { return make_map(static_cast<int>(i % 4)); });
  check_scatterv<std::vector<int>>(
      comm, max_n, [](std::size_t i) { return std::vector<int>(i % 3, static_cast<int>(i)); });
  check_scatterv<particle>(comm, max_n,
                           [](std::size_t i) { return make_particle(static_cast<int>(i % 5)); });
  check_scatterv<bool>(comm, max_n, [](std::size_t i) { return i % 3 == 0; });
}

TEST(Scatterv, MoreRanksThanElements) {
  relay::communicator comm;
  const std::vector<double> data{1.5};
  const auto mine =
      relay::scatter_balanced(comm, comm.rank() == 0 ? data : std::vector<double>{}, 0);
  EXPECT_EQ(mine, comm.rank() == 0 ? data : std::vector<double>{});
  const auto words = relay::scatter_balanced(
      comm, comm.rank() == 0 ? std::vector<std::string>{"only"} : std::vector<std::string>{}, 0);
  EXPECT_EQ(words,
            comm.rank() == 0 ? std::vector<std::string>{"only"} : std::vector<std::string>{});
}

// scatterv with explicit counts, as MPI_Scatterv: rank r gets counts[r] consecutive elements
// (zeros included), for bytewise and serialized elements, from every root; the pieces gathered back
// give the data. Counts that do not fit the data raise usage_error on every rank.
template <class E, class Make>
void check_scatterv_counts(const relay::communicator& comm, Make make) {
  const auto p = static_cast<std::size_t>(comm.size());
  for (int root = 0; root < comm.size(); ++root) {
    SCOPED_TRACE("root " + std::to_string(root));
    const bool at_root = comm.rank() == root;
    // Uneven counts: rank r gets (r * 3 + root) % 4 elements, so some get none.
    std::vector<std::size_t> counts(p);
    std::vector<std::size_t> offsets(p + 1, 0);
    for (std::size_t r = 0; r < p; ++r) {
      counts[r] = (r * 3 + static_cast<std::size_t>(root)) % 4;
      offsets[r + 1] = offsets[r] + counts[r];
    }
    std::vector<E> data;
    for (std::size_t i = 0; i < offsets[p]; ++i) data.push_back(make(i));
    const auto me = static_cast<std::size_t>(comm.rank());
    const std::vector<E> expected(data.begin() + static_cast<std::ptrdiff_t>(offsets[me]),
                                  data.begin() + static_cast<std::ptrdiff_t>(offsets[me + 1]));
    const auto mine = relay::scatterv(comm, at_root ? data : std::vector<E>{},
                                      at_root ? counts : std::vector<std::size_t>{}, root);
    EXPECT_EQ(mine, expected);
    EXPECT_EQ(relay::gatherv(comm, mine, root), at_root ? std::optional(data) : std::nullopt);
    // Into the same vector, which the root holds the data in.
    std::vector<E> v = at_root ? data : std::vector<E>(2, make(7));
    relay::scatterv_into(comm, v, counts, v, root);
    EXPECT_EQ(v, expected);
    // Counts for the wrong number of ranks, or that do not add up to the data.
    std::vector<std::size_t> short_counts(counts.begin(), counts.end() - 1);
    EXPECT_THROW((void)relay::scatterv(comm, data, short_counts, root), relay::usage_error);
    std::vector<std::size_t> too_many = counts;
    too_many[me == 0 ? 0 : me - 1] += 1;  // differs per rank: only the root's are read
    too_many[0] += 1;
    EXPECT_THROW((void)relay::scatterv(comm, data, too_many, root), relay::usage_error);
    // The communicator is still usable afterwards.
    EXPECT_EQ(relay::scatterv(comm, at_root ? data : std::vector<E>{}, counts, root), expected);
  }
}

TEST(Scatterv, ExplicitCountsFromEveryRoot) {
  relay::communicator comm;
  check_scatterv_counts<int>(comm, [](std::size_t i) { return static_cast<int>(i * 7); });
  check_scatterv_counts<double>(comm, [](std::size_t i) { return 0.25 * double(i); });
  check_scatterv_counts<std::string>(
      comm, [](std::size_t i) { return make_string(static_cast<int>(i)); });
  check_scatterv_counts<bool>(comm, [](std::size_t i) { return i % 3 == 0; });
}

// ---- gather and allgather --------------------------------------------------------------------

TEST(Gather, EveryKindToEveryRoot) {
  relay::communicator comm;
  for_each_kind([&](auto make) {
    using T = decltype(make(0));
    std::vector<T> expected;
    for (int r = 0; r < comm.size(); ++r) expected.push_back(make(r));
    for (int root = 0; root < comm.size(); ++root) {
      const auto got = relay::gather(comm, make(comm.rank()), root);
      if (comm.rank() == root) {
        EXPECT_EQ(got, expected) << "root " << root;
      } else {
        EXPECT_EQ(got, std::nullopt);
      }
    }
    EXPECT_EQ(relay::allgather(comm, make(comm.rank())), expected);
  });
}

// ---- bool and std::vector<bool> ---------------------------------------------------------------

// std::vector<bool> packs its bits and has no data(): gathering or scattering bools must not
// hand its storage to MPI.
TEST(Bools, EveryCollectiveFromEveryRoot) {
  relay::communicator comm;
  const int p = comm.size(), me = comm.rank();
  auto flag = [](int r) { return r % 3 != 1; };  // true, false, true, true, ...
  std::vector<bool> flags;
  for (int r = 0; r < p; ++r) flags.push_back(flag(r));
  EXPECT_EQ(relay::allgather(comm, flag(me)), flags);
  for (int root = 0; root < p; ++root) {
    SCOPED_TRACE("root " + std::to_string(root));
    const bool at_root = me == root;
    const auto gathered = relay::gather(comm, flag(me), root);
    EXPECT_EQ(gathered, at_root ? std::optional(flags) : std::nullopt);
    EXPECT_EQ(relay::scatter(comm, at_root ? flags : std::vector<bool>{}, root), flag(me));
    EXPECT_EQ(relay::bcast(comm, at_root && flag(root + 1), root), flag(root + 1));
    // Vectors of bool of several lengths, odd ones included.
    for (std::size_t n :
         {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{3 * 64 + 5}}) {
      std::vector<bool> bits(n);
      for (std::size_t i = 0; i < n; ++i) bits[i] = (i * 7 + n) % 3 == 0;
      EXPECT_EQ(relay::bcast(comm, at_root ? bits : std::vector<bool>{}, root), bits) << n;
      std::vector<bool> into(at_root ? bits : std::vector<bool>(n % 4, true));
      relay::bcast_into(comm, into, root);
      EXPECT_EQ(into, bits) << n;
      const std::vector<bool> mine =
          relay::scatter_balanced(comm, at_root ? bits : std::vector<bool>{}, root);
      const relay::range block =
          relay::block_range(n, static_cast<std::uint64_t>(p), static_cast<std::uint64_t>(me));
      EXPECT_EQ(mine, std::vector<bool>(bits.begin() + static_cast<std::ptrdiff_t>(block.begin),
                                        bits.begin() + static_cast<std::ptrdiff_t>(block.end)))
          << n;
      EXPECT_EQ(relay::gatherv(comm, mine, root), at_root ? std::optional(bits) : std::nullopt)
          << n;
      EXPECT_EQ(relay::allgatherv(comm, mine), bits) << n;
      const auto all = relay::gather(comm, bits, root);
      EXPECT_EQ(all, at_root ? std::optional(std::vector<std::vector<bool>>(
                                   static_cast<std::size_t>(p), bits))
                             : std::nullopt)
          << n;
    }
  }
  EXPECT_EQ(relay::allgather(comm, std::vector<bool>{true, me % 2 == 1}).size(),
            static_cast<std::size_t>(p));
}

// ---- gatherv and allgatherv ------------------------------------------------------------------

template <class E, class Make>
void check_gatherv(const relay::communicator& comm, std::size_t (*length)(int), Make make) {
  std::vector<E> mine, expected;
  for (int r = 0; r < comm.size(); ++r)
    for (std::size_t i = 0; i < length(r); ++i) {
      expected.push_back(make(r, i));
      if (r == comm.rank()) mine.push_back(make(r, i));
    }
  for (int root = 0; root < comm.size(); ++root) {
    const auto got = relay::gatherv(comm, mine, root);
    if (comm.rank() == root) {
      EXPECT_EQ(got, expected) << "root " << root;
    } else {
      EXPECT_EQ(got, std::nullopt);
    }
  }
  EXPECT_EQ(relay::allgatherv(comm, mine), expected);
}

std::size_t rank_many(int r) {
  return static_cast<std::size_t>(r);
}  // rank 0 sends nothing
std::size_t none(int) {
  return 0;
}
std::size_t single(int) {
  return 1;
}
std::size_t only_last(int r) {
  return r == relay::communicator().size() - 1 ? 1 : 0;
}

TEST(Gatherv, VariableLengthsInRankOrder) {
  relay::communicator comm;
  for (auto length : {rank_many, none, single, only_last}) {
    check_gatherv<int>(comm, length,
                       [](int r, std::size_t i) { return r * 1000 + static_cast<int>(i); });
    check_gatherv<double>(comm, length,
                          [](int r, std::size_t i) { return r + 0.001 * static_cast<double>(i); });
    check_gatherv<std::string>(
        comm, length, [](int r, std::size_t i) { return make_string(r) + std::to_string(i); });
    check_gatherv<std::vector<int>>(comm, length,
                                    [](int r, std::size_t i) { return std::vector<int>(i, r); });
    check_gatherv<particle>(comm, length, [](int r, std::size_t) { return make_particle(r); });
  }
}

// A piece of unknown size is one message up to the eager limit, else a size message and the
// data: check both sides of the boundary, for each kind of element, with every rank as the root,
// and gathering into a vector that already holds data.
TEST(ScattervGatherv, PiecesAroundTheEagerLimit) {
  relay::communicator comm;
  const std::size_t eager = relay::config::eager_bytes;
  const auto p = static_cast<std::size_t>(comm.size());
  for (int root = 0; root < comm.size(); ++root) {
    const bool me = comm.rank() == root;
    for (std::size_t bytes : {eager - 1, eager, eager + 1, 3 * eager + 5}) {
      SCOPED_TRACE("root " + std::to_string(root) + ", " + std::to_string(bytes) + " bytes");
      std::vector<char> chars(bytes * p);
      for (std::size_t i = 0; i < chars.size(); ++i) chars[i] = static_cast<char>(i * 7 + bytes);
      std::vector<double> doubles(bytes / 8 * p + 1);
      for (std::size_t i = 0; i < doubles.size(); ++i) doubles[i] = 0.5 * double(i);
      const std::vector<std::string> words(bytes / 16 * p + 1, std::string(10, 'w'));

      std::vector<char> all_chars(5, 'z');
      relay::gatherv_into(comm,
                          relay::scatter_balanced(comm, me ? chars : std::vector<char>{}, root),
                          all_chars, root);
      EXPECT_EQ(all_chars, me ? chars : std::vector<char>(5, 'z'));  // left alone off the root
      std::vector<double> all_doubles(doubles.size() + 3, -1.0);
      relay::gatherv_into(comm,
                          relay::scatter_balanced(comm, me ? doubles : std::vector<double>{}, root),
                          all_doubles, root);
      EXPECT_EQ(all_doubles, me ? doubles : std::vector<double>(doubles.size() + 3, -1.0));
      const auto all_words = relay::gatherv(
          comm, relay::scatter_balanced(comm, me ? words : std::vector<std::string>{}, root), root);
      EXPECT_EQ(all_words, me ? std::optional(words) : std::nullopt);
    }
  }
}

// ---- one vector as both input and result ---------------------------------------------------

// gatherv_into(v, v) and scatterv_into(v, v): the same vector is the piece (the data) and the
// result. The root's own piece must land in its slot, and no rank may lose its piece before
// sending it.
template <class E, class Make>
void check_aliased(const relay::communicator& comm, std::size_t per_rank, Make make) {
  const auto p = static_cast<std::size_t>(comm.size());
  const int me = comm.rank();
  for (int root = 0; root < comm.size(); ++root) {
    SCOPED_TRACE("root " + std::to_string(root) + ", " + std::to_string(per_rank) + " per rank");
    // Rank r holds per_rank + r elements, so that every slot has a different length.
    std::vector<E> expected;
    for (std::size_t r = 0; r < p; ++r)
      for (std::size_t i = 0; i < per_rank + r; ++i) expected.push_back(make(r, i));
    std::vector<E> v;
    for (std::size_t i = 0; i < per_rank + static_cast<std::size_t>(me); ++i)
      v.push_back(make(static_cast<std::size_t>(me), i));
    const std::vector<E> own = v;
    relay::gatherv_into(comm, v, v, root);
    EXPECT_EQ(v, me == root ? expected : own);  // left alone off the root
    // And back: the root's data becomes its own block, the others receive theirs.
    if (me != root) v.assign(3, make(99, 0));  // ignored on non-roots
    relay::scatter_balanced_into(comm, v, v, root);
    const relay::range block = relay::block_range(expected.size(), p, static_cast<std::size_t>(me));
    EXPECT_EQ(v, std::vector<E>(expected.begin() + static_cast<std::ptrdiff_t>(block.begin),
                                expected.begin() + static_cast<std::ptrdiff_t>(block.end)));
  }
}

TEST(Aliasing, GathervIntoAndScattervIntoOneVector) {
  relay::communicator comm;
  const std::size_t eager_ints = relay::config::eager_bytes / sizeof(int);
  for (std::size_t per_rank :
       {std::size_t{0}, std::size_t{1}, std::size_t{1000}, eager_ints + 1, 3 * eager_ints}) {
    check_aliased<int>(comm, per_rank, [](std::size_t r, std::size_t i) {
      return static_cast<int>(r * 100000 + i);
    });
  }
  for (std::size_t per_rank : {std::size_t{0}, std::size_t{2}, std::size_t{300}}) {
    check_aliased<std::string>(comm, per_rank, [](std::size_t r, std::size_t i) {
      return make_string(static_cast<int>(r)) + std::to_string(i);
    });
    check_aliased<bool>(comm, per_rank,
                        [](std::size_t r, std::size_t i) { return (r + i) % 3 == 0; });
  }
}

// ---- input only the root holds: one mistake, one exception type on every rank ----------------

/// Throws `E` on saving when `fail` is set (travels serialized: it has a string member).
template <class E>
struct failing {
  bool fail = false;
  std::string label = "x";
  template <class Archive>
  void save(Archive& ar, unsigned) const {
    if (fail) throw E("failing: cannot save");
    ar << label;
  }
  template <class Archive>
  void load(Archive& ar, unsigned) {
    ar >> label;
  }
  BOOST_SERIALIZATION_SPLIT_MEMBER()
};

/// Runs `call` on every rank and returns what it threw: 'u' for usage_error, 'e' for another
/// relay::error, 'o' for any other exception, '-' for none. Then checks that the ranks are still
/// in step (a collective after the failure works).
template <class Call>
char thrown(const relay::communicator& comm, Call&& call) {
  char kind = '-';
  try {
    call();
  } catch (const relay::usage_error&) {
    kind = 'u';
  } catch (const relay::error&) {
    kind = 'e';
  } catch (...) {
    kind = 'o';
  }
  EXPECT_EQ(relay::allreduce(comm, comm.rank() + 1, std::plus<>{}),
            comm.size() * (comm.size() + 1) / 2);
  return kind;
}

TEST(RootOnlyInput, ScatterWithWrongCountRaisesUsageErrorOnEveryRank) {
  relay::communicator comm;
  const int p = comm.size();
  for (int root = 0; root < p; ++root) {
    const bool at_root = comm.rank() == root;
    for (std::size_t count : {static_cast<std::size_t>(p) + 1, static_cast<std::size_t>(p) - 1}) {
      SCOPED_TRACE("root " + std::to_string(root) + ", count " + std::to_string(count));
      // Non-roots pass nothing or a correct-looking vector: only the root's values count.
      const std::size_t n = at_root ? count : static_cast<std::size_t>(p);
      EXPECT_EQ(thrown(comm, [&] { (void)relay::scatter(comm, std::vector<int>(n, 3), root); }),
                'u');
      EXPECT_EQ(thrown(comm, [&] { (void)relay::scatter(comm, std::vector<bool>(n), root); }), 'u');
      EXPECT_EQ(thrown(comm, [&] { (void)relay::scatter(comm, std::vector<point>(n), root); }),
                'u');
      EXPECT_EQ(
          thrown(comm, [&] { (void)relay::scatter(comm, std::vector<std::string>(n, "w"), root); }),
          'u');
      EXPECT_EQ(thrown(comm,
                       [&] {
                         (void)relay::scatter(comm, std::vector<std::vector<int>>(n, {1, 2}), root);
                       }),
                'u');
      EXPECT_EQ(thrown(comm,
                       [&] {
                         (void)relay::scatter(
                             comm, std::vector<std::map<std::string, int>>(n, make_map(1)), root);
                       }),
                'u');
    }
  }
}

// A failure at the root while preparing the data reaches the other ranks as the same kind of
// error: usage_error stays usage_error; anything else is a relay::error there.
TEST(RootOnlyInput, RootFailuresKeepTheirKindOnEveryRank) {
  relay::communicator comm;
  const int p = comm.size();
  for (int root = 0; root < p; ++root) {
    SCOPED_TRACE("root " + std::to_string(root));
    const bool at_root = comm.rank() == root;
    const char other = at_root ? 'o' : 'e';  // the root rethrows its own std::runtime_error
    using usage = failing<relay::usage_error>;
    using runtime = failing<std::runtime_error>;
    EXPECT_EQ(thrown(comm, [&] { (void)relay::bcast(comm, usage{at_root}, root); }), 'u');
    EXPECT_EQ(thrown(comm, [&] { (void)relay::bcast(comm, runtime{at_root}, root); }), other);
    usage u{at_root};
    EXPECT_EQ(thrown(comm, [&] { relay::bcast_into(comm, u, root); }), 'u');
    if (p > 1) {  // the root's own piece is copied, never saved: alone it cannot fail
      const auto n = static_cast<std::size_t>(p);
      EXPECT_EQ(
          thrown(comm, [&] { (void)relay::scatter(comm, std::vector<usage>(n, {true}), root); }),
          'u');
      EXPECT_EQ(
          thrown(comm, [&] { (void)relay::scatter(comm, std::vector<runtime>(n, {true}), root); }),
          other);
      EXPECT_EQ(thrown(comm,
                       [&] {
                         (void)relay::scatter_balanced(comm, std::vector<usage>(2 * n, {true}),
                                                       root);
                       }),
                'u');
      EXPECT_EQ(thrown(comm,
                       [&] {
                         (void)relay::scatter_balanced(comm, std::vector<runtime>(2 * n, {true}),
                                                       root);
                       }),
                other);
    }
    // Nothing fails when nothing is wrong.
    EXPECT_EQ(relay::bcast(comm, usage{false, "ok"}, root).label, "ok");
  }
}

}  // namespace
