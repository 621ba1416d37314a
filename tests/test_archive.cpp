// relay's archive on its own, without MPI: every kind of value it knows survives a round trip,
// and received bytes that are cut short or corrupt make load throw relay::error, never read past
// the end, crash or allocate what a corrupt length claims. (Which types travel how, and the
// archive under MPI, are in test_types.cpp and test_p2p.cpp.)

#include <gtest/gtest.h>

#include <boost/serialization/base_object.hpp>
#include <boost/serialization/shared_ptr.hpp>
#include <boost/serialization/split_member.hpp>
#include <boost/serialization/unique_ptr.hpp>

#include <array>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "relay/serialization.hpp"

namespace {

// ---- the types under test -----------------------------------------------------------------------

enum class colour : std::uint8_t { red, green, blue };

/// Travels as its bytes.
struct plain {
  int a = 0;
  double b = 0;
  char tag[4] = {};
  friend bool operator==(const plain&, const plain&) = default;
};

/// A member serialize over nested containers.
struct record {
  std::string name;
  std::vector<std::pair<int, std::string>> entries;
  std::map<std::string, std::vector<double>> series;
  std::optional<plain> extra;
  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& name& entries& series& extra;
  }
  friend bool operator==(const record&, const record&) = default;
};

/// A free serialize found by argument-dependent lookup, and Boost's name-value pairs.
namespace user {
struct labelled {
  std::string label;
  std::int64_t value = 0;
  friend bool operator==(const labelled&, const labelled&) = default;
};
template <class Archive>
void serialize(Archive& ar, labelled& l, unsigned /*version*/) {
  ar& boost::serialization::make_nvp("label", l.label) &
      boost::serialization::make_nvp("v", l.value);
}
}  // namespace user
using user::labelled;

/// Split save/load members and a base class, as Boost.Serialization writes them.
struct split : labelled {
  std::vector<int> squares;  // saved as its length only; load recomputes it
  template <class Archive>
  void save(Archive& ar, unsigned /*version*/) const {
    ar << boost::serialization::base_object<labelled>(*this);
    const std::uint32_t n = static_cast<std::uint32_t>(squares.size());
    ar << n;
  }
  template <class Archive>
  void load(Archive& ar, unsigned /*version*/) {
    ar >> boost::serialization::base_object<labelled>(*this);
    std::uint32_t n = 0;
    ar >> n;
    squares.clear();
    for (std::uint32_t i = 0; i < n; ++i) squares.push_back(static_cast<int>(i * i));
  }
  BOOST_SERIALIZATION_SPLIT_MEMBER()
  friend bool operator==(const split&, const split&) = default;
};

/// Empty on the wire: lengths of these cannot be checked against the bytes left.
struct nothing {
  template <class Archive>
  void serialize(Archive&, unsigned /*version*/) {}
  friend bool operator==(const nothing&, const nothing&) = default;
};

// ---- helpers ------------------------------------------------------------------------------------

template <class T>
std::vector<char> archive_of(const T& value) {
  relay::detail::byte_buffer bytes;
  relay::detail::save(bytes, value);
  return {bytes.begin(), bytes.end()};
}

template <class T>
T load_from(std::span<const char> bytes) {
  return relay::detail::load<T>(bytes);
}

template <class T>
void expect_round_trip(const T& value) {
  const auto bytes = archive_of(value);
  EXPECT_EQ(load_from<T>(bytes), value);
  // Loading over a value that already holds something gives the same result.
  T target = value;
  relay::detail::load(std::span<const char>(bytes), target);
  EXPECT_EQ(target, value);
}

/// Every proper prefix of the archive of `value` fails to load with relay::error.
template <class T>
void expect_every_prefix_throws(const T& value) {
  const auto bytes = archive_of(value);
  ASSERT_FALSE(bytes.empty());
  for (std::size_t cut = 0; cut < bytes.size(); ++cut)
    EXPECT_THROW((void)load_from<T>(std::span<const char>(bytes.data(), cut)), relay::error)
        << "a prefix of " << cut << " of " << bytes.size() << " bytes loaded";
}

/// Loading the archive of `value` with each byte in turn replaced by each of `replacements`
/// either succeeds or throws relay::error (run under the asan preset, it also reads nothing
/// out of bounds). Returns how many of the corrupt archives threw.
template <class T>
std::size_t load_corrupted(const T& value, std::initializer_list<int> replacements) {
  const auto bytes = archive_of(value);
  std::size_t thrown = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (const int r : replacements) {
      auto corrupt = bytes;
      corrupt[i] = static_cast<char>(r);
      try {
        (void)load_from<T>(corrupt);
      } catch (const relay::error&) {
        ++thrown;
      }
    }
  }
  return thrown;
}

record sample_record() {
  record r;
  r.name = "a name longer than the short-string buffer of std::string";
  r.entries = {{1, "one"}, {-2, ""}, {3, std::string(200, 'x')}};
  r.series = {{"empty", {}}, {"pi", {3.0, 0.1, 0.04}}};
  r.extra = plain{7, 2.5, {'a', 'b', 'c', 'd'}};
  return r;
}

// ---- round trips --------------------------------------------------------------------------------

TEST(ArchiveRoundTrip, Primitives) {
  expect_round_trip(true);
  expect_round_trip('x');
  expect_round_trip(static_cast<signed char>(-5));
  expect_round_trip(std::numeric_limits<std::int64_t>::min());
  expect_round_trip(std::numeric_limits<std::uint64_t>::max());
  expect_round_trip(-0.125f);
  expect_round_trip(std::numeric_limits<double>::max());
  expect_round_trip(1.5L);
  expect_round_trip(colour::blue);
  expect_round_trip(std::byte{0xab});
  expect_round_trip(std::complex<double>(1.5, -2));
  expect_round_trip(plain{1, 2, {'w', 'x', 'y', 'z'}});
  EXPECT_EQ(archive_of(42).size(), sizeof(int));  // bytes-safe values are their bytes
}

TEST(ArchiveRoundTrip, Strings) {
  expect_round_trip(std::string());
  expect_round_trip(std::string("short"));
  expect_round_trip(std::string(1000, 'y'));
  expect_round_trip(std::string("with\0nul\0bytes", 14));
  expect_round_trip(std::wstring(L"wide"));
  expect_round_trip(std::u32string(U"\U0001F600 thirty-two"));
  EXPECT_EQ(archive_of(std::string("abc")).size(), 1u + 3u);  // a 1-byte length, then the chars
  EXPECT_EQ(archive_of(std::string(200, 'z')).size(), 2u + 200u);
}

TEST(ArchiveRoundTrip, Sequences) {
  expect_round_trip(std::vector<int>{});
  expect_round_trip(std::vector<int>{3, 1, 4, 1, 5, 9, 2, 6});
  expect_round_trip(std::vector<bool>{true, false, true, true});
  expect_round_trip(std::vector<std::string>{"", "b", std::string(300, 'c')});
  expect_round_trip(std::vector<std::vector<int>>{{}, {1}, {2, 3}});
  expect_round_trip(std::vector<plain>{{1, 1.5, {}}, {2, -1, {'q'}}});
  expect_round_trip(std::deque<std::string>{"front", "back"});
  expect_round_trip(std::list<double>{1.0, -2.0, 0.5});
  expect_round_trip(std::array<int, 4>{4, 3, 2, 1});
  expect_round_trip(std::array<std::string, 3>{"x", "", "zz"});
  EXPECT_EQ(archive_of(std::vector<int>(5)).size(), 1u + 5u * sizeof(int));
}

TEST(ArchiveRoundTrip, Associative) {
  expect_round_trip(std::set<std::string>{"a", "bb", "ccc"});
  expect_round_trip(std::multiset<int>{1, 1, 2, 3, 3, 3});
  expect_round_trip(std::map<std::string, std::vector<int>>{{"one", {1}}, {"none", {}}});
  expect_round_trip(std::multimap<int, std::string>{{1, "a"}, {1, "b"}, {0, "c"}});
  expect_round_trip(std::unordered_map<int, std::string>{{5, "five"}, {-1, "minus one"}});
  expect_round_trip(std::unordered_set<std::int64_t>{10, 20, 30});
  expect_round_trip(std::map<int, nothing>{{1, {}}, {2, {}}});
}

TEST(ArchiveRoundTrip, OptionalPairTupleVariant) {
  expect_round_trip(std::optional<std::string>());
  expect_round_trip(std::optional<std::string>("present"));
  expect_round_trip(std::optional<int>(0));
  expect_round_trip(std::pair<int, std::string>(7, "seven"));
  expect_round_trip(std::tuple<int, std::string, std::vector<double>>(1, "t", {0.5, 0.25}));
  expect_round_trip(std::tuple<>());
}

TEST(ArchiveRoundTrip, UserTypes) {
  expect_round_trip(sample_record());
  expect_round_trip(record{});
  expect_round_trip(labelled{"free", -9});
  split s;
  s.label = "split";
  s.value = 3;
  s.squares = {0, 1, 4, 9};
  expect_round_trip(s);
  expect_round_trip(std::vector<record>{sample_record(), record{}, sample_record()});
  expect_round_trip(std::vector<nothing>(1000));
  EXPECT_EQ(archive_of(std::vector<nothing>(1000)).size(), 2u);  // the length only
}

// Pointers need Boost's object tracking: a Boost binary archive writes them in the same buffer,
// between relay's own bytes.
TEST(ArchiveRoundTrip, PointersGoThroughBoost) {
  // (Boost tracks pointers to classes only: a pointer to an int or a std::string does not
  // compile.)
  const auto owned = std::make_unique<labelled>(labelled{"pointed to", 4});
  const auto back = load_from<std::unique_ptr<labelled>>(archive_of(owned));
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(*back, *owned);

  using mixed = std::tuple<int, std::shared_ptr<std::vector<int>>, std::string>;
  const mixed value{5, std::make_shared<std::vector<int>>(3, 8), "after the pointer"};
  const auto loaded = load_from<mixed>(archive_of(value));
  EXPECT_EQ(std::get<0>(loaded), 5);
  ASSERT_NE(std::get<1>(loaded), nullptr);
  EXPECT_EQ(*std::get<1>(loaded), std::vector<int>(3, 8));
  EXPECT_EQ(std::get<2>(loaded), "after the pointer");

  const auto null = load_from<std::unique_ptr<labelled>>(archive_of(std::unique_ptr<labelled>()));
  EXPECT_EQ(null, nullptr);
}

// ---- truncated input ----------------------------------------------------------------------------

TEST(ArchiveTruncated, EveryPrefixThrows) {
  expect_every_prefix_throws(std::string("some text"));
  expect_every_prefix_throws(std::vector<int>{1, 2, 3});
  expect_every_prefix_throws(std::vector<std::string>{"alpha", "", std::string(130, 'b')});
  expect_every_prefix_throws(std::map<std::string, std::vector<int>>{{"k", {1, 2}}, {"", {}}});
  expect_every_prefix_throws(std::optional<std::string>("x"));
  expect_every_prefix_throws(std::tuple<int, std::string, double>(1, "two", 3));
  expect_every_prefix_throws(std::array<std::string, 2>{"ab", "cd"});
  expect_every_prefix_throws(std::vector<bool>{true, false, true});
  expect_every_prefix_throws(sample_record());
  expect_every_prefix_throws(labelled{"l", 1});
}

TEST(ArchiveTruncated, EveryPrefixThrowsThroughBoost) {
  expect_every_prefix_throws(std::make_unique<labelled>(labelled{"pointed to", 4}));
  using mixed = std::tuple<int, std::shared_ptr<std::vector<int>>, std::string>;
  expect_every_prefix_throws(mixed{5, std::make_shared<std::vector<int>>(3, 8), "after"});
}

TEST(ArchiveTruncated, EmptyInput) {
  const std::span<const char> none;
  EXPECT_THROW((void)load_from<std::string>(none), relay::error);
  EXPECT_THROW((void)load_from<std::vector<nothing>>(none), relay::error);
  EXPECT_THROW((void)load_from<std::optional<int>>(none), relay::error);
  EXPECT_THROW((void)load_from<record>(none), relay::error);
  EXPECT_NO_THROW((void)load_from<nothing>(none));  // its serialize() reads nothing
}

// ---- corrupt input ------------------------------------------------------------------------------

std::vector<char> bytes_of(std::initializer_list<unsigned> values) {
  std::vector<char> out;
  for (const unsigned v : values) out.push_back(static_cast<char>(v));
  return out;
}

TEST(ArchiveCorrupt, HugeLengthsThrowBeforeAllocating) {
  // The largest length a varint can hold (2^64 - 1), then three bytes.
  const auto max_length =
      bytes_of({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 1, 2, 3});
  EXPECT_THROW((void)load_from<std::string>(max_length), relay::error);
  EXPECT_THROW((void)load_from<std::vector<double>>(max_length), relay::error);
  EXPECT_THROW((void)load_from<std::vector<std::string>>(max_length), relay::error);
  EXPECT_THROW((void)load_from<std::vector<bool>>(max_length), relay::error);
  EXPECT_THROW((void)load_from<std::deque<int>>(max_length), relay::error);
  EXPECT_THROW((void)(load_from<std::map<int, std::string>>(max_length)), relay::error);
  EXPECT_THROW((void)load_from<std::set<std::string>>(max_length), relay::error);
  EXPECT_THROW((void)load_from<std::vector<record>>(max_length), relay::error);
  // A varint that never ends, and one longer than 64 bits.
  EXPECT_THROW((void)load_from<std::string>(std::vector<char>(11, static_cast<char>(0x80))),
               relay::error);
  EXPECT_THROW((void)load_from<std::string>(std::vector<char>(3, static_cast<char>(0x80))),
               relay::error);
  // A length one more than the bytes that follow.
  EXPECT_THROW((void)load_from<std::string>(bytes_of({4, 'a', 'b', 'c'})), relay::error);
  EXPECT_THROW((void)load_from<std::vector<std::int16_t>>(bytes_of({2, 1, 0, 2})), relay::error);
}

TEST(ArchiveCorrupt, InvalidFlagsThrow) {
  // An optional's presence flag, and a vector<bool>'s elements, are 0 or 1.
  EXPECT_THROW((void)load_from<std::optional<int>>(bytes_of({2, 0, 0, 0, 0})), relay::error);
  EXPECT_THROW((void)load_from<std::vector<bool>>(bytes_of({2, 1, 0xff})), relay::error);
  EXPECT_EQ(load_from<std::vector<bool>>(bytes_of({2, 1, 0})), (std::vector<bool>{true, false}));
}

TEST(ArchiveCorrupt, EveryByteReplacedLoadsOrThrows) {
  // Each byte set to 0x00, 0x7f, 0x80 and 0xff: length bytes become huge or unterminated,
  // flags invalid, characters other characters.
  const auto replacements = {0x00, 0x7f, 0x80, 0xff};
  EXPECT_GT(load_corrupted(sample_record(), replacements), 0u);
  EXPECT_GT(
      load_corrupted(std::vector<std::string>{"alpha", "", std::string(130, 'b')}, replacements),
      0u);
  EXPECT_GT(load_corrupted(std::map<std::string, std::vector<int>>{{"k", {1, 2}}, {"", {}}},
                           replacements),
            0u);
  EXPECT_GT(
      load_corrupted(std::vector<std::optional<std::string>>{"a", std::nullopt, "c"}, replacements),
      0u);
}

// Bytes after a complete value are left alone (a message may carry more than one archive).
TEST(ArchiveCorrupt, TrailingBytesAreNotRead) {
  auto bytes = archive_of(std::string("abc"));
  bytes.push_back('!');
  EXPECT_EQ(load_from<std::string>(bytes), "abc");
}

}  // namespace
