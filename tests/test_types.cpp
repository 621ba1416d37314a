// Which types travel how: views send what they view, a serialize() is used whenever a type has
// one (unless the type opts in to send_as_bytes), pointer-holding types are refused at compile
// time (tests/compile_fail), and elements that archive to no bytes at all still round-trip.

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "relay/relay.hpp"
#include "test_support.hpp"

namespace {

using namespace relay_test;

// ---- the types under test -----------------------------------------------------------------------

/// Trivially copyable, but its serialize() writes only `kept`: a receiver that sees `dropped`
/// travel was sent the raw bytes instead.
struct partial {
  int kept = 0;
  int dropped = 0;
  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& kept;
  }
  friend bool operator==(const partial&, const partial&) = default;
};

/// The same, with a free serialize in its namespace, and with a private member serialize.
namespace free_form {
struct partial_free {
  int kept = 0;
  int dropped = 0;
  friend bool operator==(const partial_free&, const partial_free&) = default;
};
template <class Archive>
void serialize(Archive& ar, partial_free& p, unsigned /*version*/) {
  ar& p.kept;
}
}  // namespace free_form
using free_form::partial_free;

class partial_private {
 public:
  partial_private() = default;
  partial_private(int kept, int dropped) : kept_(kept), dropped_(dropped) {}
  friend bool operator==(const partial_private&, const partial_private&) = default;
  [[nodiscard]] int kept() const { return kept_; }
  [[nodiscard]] int dropped() const { return dropped_; }

 private:
  friend class boost::serialization::access;
  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& kept_;
  }
  int kept_ = 0;
  int dropped_ = 0;
};

/// A struct with a serialize() that opts in to travelling as its bytes.
struct opted_in {
  double x = 0;
  std::int64_t id = 0;
  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& x;  // never called: the bytes travel
  }
  friend bool operator==(const opted_in&, const opted_in&) = default;
};

/// A pointer that the user knows to be meaningful everywhere (a sentinel, say): opted in.
struct opted_in_pointer {
  const void* p = nullptr;
};

/// Empty, with a serialize() that writes nothing; empty without one; one whose serialize()
/// writes nothing although the struct holds data.
struct empty_serialized {
  template <class Archive>
  void serialize(Archive&, unsigned /*version*/) {}
  friend bool operator==(const empty_serialized&, const empty_serialized&) = default;
};
struct empty_plain {
  friend bool operator==(const empty_plain&, const empty_plain&) = default;
};
struct writes_nothing {
  int scratch = 0;
  template <class Archive>
  void serialize(Archive&, unsigned /*version*/) {}
};
struct cache_writes_nothing {  // not trivially copyable
  std::string memo;
  template <class Archive>
  void serialize(Archive&, unsigned /*version*/) {}
};

struct plain {
  int a = 0;
  double b = 0;
  char tag[4] = {};
};
struct nested_plain {
  plain inner;
  std::array<plain, 2> more;
  float matrix[2][3] = {};
};
struct with_pointer {
  int* p = nullptr;
};
struct with_view {
  std::string_view name;
};
struct nested_pointer {
  plain ok;
  with_pointer bad[2];
};
struct with_member_pointer {
  int plain::*field = nullptr;
};
struct with_nullptr {
  std::nullptr_t nothing;
};
struct with_reference {
  const int& r;
};
struct with_string_no_serialize {
  std::string s;
};
class constructed_with_pointer {  // not an aggregate: cannot be inspected, travels as bytes
 public:
  constructed_with_pointer() = default;

 private:
  int* p_ = nullptr;
};

}  // namespace

template <>
inline constexpr bool relay::send_as_bytes<opted_in> = true;
template <>
inline constexpr bool relay::send_as_bytes<opted_in_pointer> = true;

namespace {

// ---- categories (no communication) --------------------------------------------------------------

// Views are contiguous: they send what they view, and cannot be received into by value.
static_assert(relay::contiguous<std::string_view>);
static_assert(relay::contiguous<std::wstring_view>);
static_assert(!relay::resizable_contiguous<std::string_view>);
static_assert(!relay::bytewise<std::string_view>);
static_assert(std::is_same_v<relay::element_t<std::string_view>, char>);
static_assert(relay::serialized<std::vector<std::string_view>>);

// A serialize() wins over trivially copyable, unless the type opts in.
static_assert(std::is_trivially_copyable_v<partial> && !relay::bytewise<partial>);
static_assert(relay::serialized<partial>);
static_assert(!relay::bytewise<partial_free>);
static_assert(!relay::bytewise<partial_private>);
static_assert(!relay::contiguous<std::vector<partial>>);
static_assert(relay::bytewise<opted_in>);
static_assert(relay::resizable_contiguous<std::vector<opted_in>>);
static_assert(relay::bytewise<opted_in_pointer>);
static_assert(relay::bytewise<point>);  // test_support.hpp opts it in

// Bytes that mean something on another rank, at any depth.
static_assert(relay::bytewise<plain>);
static_assert(relay::bytewise<nested_plain>);
static_assert(relay::bytewise<std::array<plain, 3>>);
static_assert(relay::bytewise<std::optional<double>>);
static_assert(relay::bytewise<constructed_with_pointer>);  // the documented blind spot
static_assert(!relay::bytewise<with_pointer>);
static_assert(!relay::bytewise<with_view>);
static_assert(!relay::bytewise<nested_pointer>);
static_assert(!relay::bytewise<with_member_pointer>);
static_assert(!relay::bytewise<with_nullptr>);
static_assert(!relay::bytewise<with_reference>);
static_assert(!relay::bytewise<std::optional<int*>>);
static_assert(!relay::bytewise<std::array<const char*, 2>>);
static_assert(!relay::bytewise<int* [3]>);
static_assert(!relay::bytewise<std::nullptr_t>);

// What can be sent at all.
static_assert(relay::sendable<plain>);
static_assert(relay::sendable<partial>);
static_assert(relay::sendable<std::vector<std::string_view>>);
static_assert(relay::sendable<std::map<int, empty_serialized>>);
static_assert(relay::sendable<std::vector<empty_plain>>);
static_assert(!relay::sendable<with_pointer>);
static_assert(!relay::sendable<std::vector<with_view>>);
static_assert(!relay::sendable<with_string_no_serialize>);
static_assert(!relay::sendable<std::map<int, with_string_no_serialize>>);

// The fewest bytes an element archives to, which bounds a received length.
using relay::detail::min_archived_size;
static_assert(min_archived_size<int>() == sizeof(int));
static_assert(min_archived_size<std::string>() == 1);
static_assert(min_archived_size<std::tuple<int, std::string, double>>() == 13);
static_assert(min_archived_size<std::array<std::pair<int, char>, 3>>() == 15);
static_assert(min_archived_size<empty_serialized>() == 0);
static_assert(min_archived_size<std::pair<int, empty_serialized>>() == 4);
static_assert(min_archived_size<partial>() == 0);  // a serialize() may write anything

// ---- archive round trips (no communication) -----------------------------------------------------

template <class T>
std::string archive_of(const T& value) {
  relay::detail::byte_buffer bytes;
  relay::detail::save(bytes, value);
  return {bytes.data(), bytes.size()};
}

template <class R, class T>
R round_trip(const T& value) {
  const auto bytes = archive_of(value);
  return relay::detail::load<R>(std::span<const char>(bytes));
}

TEST(Archive, StringViewIsSavedAsTheStringItViews) {
  const std::string text = "a string that is longer than any short-string buffer";
  EXPECT_EQ(archive_of(std::string_view(text)), archive_of(text));
  EXPECT_EQ(round_trip<std::string>(std::string_view(text)), text);
  EXPECT_EQ(round_trip<std::string>(std::string_view()), "");
}

TEST(Archive, VectorOfStringViewsIsLoadedAsVectorOfStrings) {
  const std::string backing = "alpha beta gamma";
  const std::string_view all(backing);
  const std::vector<std::string_view> views{all.substr(0, 5), all.substr(6, 4), {}, all};
  const auto strings = round_trip<std::vector<std::string>>(views);
  EXPECT_EQ(strings, (std::vector<std::string>{"alpha", "beta", "", backing}));
  EXPECT_EQ(archive_of(views), archive_of(strings));
}

TEST(Archive, SpanIsSavedAsTheVectorItViews) {
  const std::vector<int> numbers{3, 1, 4, 1, 5};
  const auto loaded = round_trip<std::vector<int>>(std::span<const int>(numbers));
  EXPECT_EQ(loaded, numbers);
  const std::vector<std::string> words{"x", "yy"};
  const std::map<int, std::span<const std::string>> nested{{1, words}};
  const auto back = round_trip<std::map<int, std::vector<std::string>>>(nested);
  EXPECT_EQ(back.at(1), words);
}

TEST(Archive, SerializeIsUsedForTriviallyCopyableTypes) {
  // Only `kept` travels: `dropped` comes back as the receiver's default.
  EXPECT_EQ(round_trip<partial>(partial{7, 9}), (partial{7, 0}));
  EXPECT_EQ(round_trip<partial_free>(partial_free{7, 9}), (partial_free{7, 0}));
  const auto p = round_trip<partial_private>(partial_private(7, 9));
  EXPECT_EQ(p.kept(), 7);
  EXPECT_EQ(p.dropped(), 0);
  EXPECT_EQ(archive_of(partial{7, 9}).size(), sizeof(int));
  const auto many = round_trip<std::vector<partial>>(std::vector<partial>(3, partial{1, 2}));
  EXPECT_EQ(many, std::vector<partial>(3, partial{1, 0}));
}

TEST(Archive, OptedInTypesTravelAsTheirBytes) {
  const std::vector<opted_in> values{{1.5, 7}, {-2, 8}};
  EXPECT_EQ(archive_of(values).size(), 1 + 2 * sizeof(opted_in));
  EXPECT_EQ(round_trip<std::vector<opted_in>>(values), values);
}

// Item 7 of issue 12: elements whose archive is empty.
TEST(Archive, ElementsThatArchiveToNoBytesRoundTrip) {
  const std::vector<empty_serialized> empties(1000);
  EXPECT_EQ(archive_of(empties).size(), 2u);  // the length only (1000 is a 2-byte varint)
  EXPECT_EQ(round_trip<std::vector<empty_serialized>>(empties).size(), 1000u);
  const std::vector<empty_plain> plain_empties(1000);
  EXPECT_EQ(round_trip<std::vector<empty_plain>>(plain_empties).size(), 1000u);
  EXPECT_EQ(round_trip<std::vector<writes_nothing>>(std::vector<writes_nothing>(17)).size(), 17u);
  const std::vector<cache_writes_nothing> memos(300, cache_writes_nothing{"dropped"});
  const auto loaded_memos = round_trip<std::vector<cache_writes_nothing>>(memos);
  ASSERT_EQ(loaded_memos.size(), 300u);
  EXPECT_EQ(loaded_memos[299].memo, "");
  std::map<int, empty_serialized> by_key;
  std::map<int, empty_plain> by_key_plain;
  for (int i = 0; i < 100; ++i) {
    by_key[i * 3] = {};
    by_key_plain[i - 50] = {};
  }
  EXPECT_EQ((round_trip<std::map<int, empty_serialized>>(by_key)), by_key);
  EXPECT_EQ((round_trip<std::map<int, empty_plain>>(by_key_plain)), by_key_plain);
  // Loading over a value of another length.
  std::vector<empty_serialized> target(5);
  const auto bytes = archive_of(std::vector<empty_serialized>(2));
  relay::detail::load(std::span<const char>(bytes), target);
  EXPECT_EQ(target.size(), 2u);
  const auto more = archive_of(std::vector<empty_serialized>(9));
  relay::detail::load(std::span<const char>(more), target);
  EXPECT_EQ(target.size(), 9u);
}

// Lengths of elements with a known size are still checked against the bytes left.
TEST(Archive, ImpossibleLengthsAreStillRejected) {
  // Claims 2^21 - 1 elements, followed by 3 bytes.
  const std::vector<char> huge{static_cast<char>(0xff), static_cast<char>(0xff), 0x7f, 1, 2, 3};
  const std::span<const char> in(huge);
  EXPECT_THROW((void)relay::detail::load<std::vector<std::string>>(in), relay::error);
  EXPECT_THROW((void)relay::detail::load<std::vector<double>>(in), relay::error);
  EXPECT_THROW((void)(relay::detail::load<std::vector<std::pair<int, std::string>>>(in)),
               relay::error);
  EXPECT_THROW((void)(relay::detail::load<std::map<int, empty_serialized>>(in)), relay::error);
  EXPECT_THROW((void)relay::detail::load<std::vector<std::vector<partial>>>(in), relay::error);
  // Elements of unknown size: the length cannot be checked up front, but the bytes run out.
  const std::vector<char> three{3, 1, 0, 0};  // 3 partials, then only 3 bytes of the first
  EXPECT_THROW((void)relay::detail::load<std::vector<partial>>(std::span<const char>(three)),
               relay::error);
}

// ---- over MPI -----------------------------------------------------------------------------------

TEST(Types, StringViewIsReceivedAsString) {
  relay::communicator comm;
  const std::string mine = make_string(comm.rank()) + " with a tail past the short-string buffer";
  const auto got =
      relay::sendrecv<std::string>(comm, std::string_view(mine), next_rank(comm), prev_rank(comm));
  EXPECT_EQ(got, make_string(prev_rank(comm)) + " with a tail past the short-string buffer");
  const auto empty =
      relay::sendrecv<std::string>(comm, std::string_view(), next_rank(comm), prev_rank(comm));
  EXPECT_EQ(empty, "");
}

TEST(Types, StringViewSentToAnotherRank) {
  relay::communicator comm;
  RELAY_REQUIRE_RANKS(comm, 2);
  if (comm.rank() == 0) relay::send(comm, std::string_view("abc"), 1, 3);
  if (comm.rank() == 1) {
    EXPECT_EQ(relay::recv<std::string>(comm, 0, 3), "abc");
  }
}

TEST(Types, VectorOfStringViewsIsReceivedAsVectorOfStrings) {
  relay::communicator comm;
  const std::string a = make_string(comm.rank()), b = "second";
  const std::vector<std::string_view> views{a, b, {}};
  const auto got =
      relay::sendrecv<std::vector<std::string>>(comm, views, next_rank(comm), prev_rank(comm));
  EXPECT_EQ(got, (std::vector<std::string>{make_string(prev_rank(comm)), "second", ""}));
}

TEST(Types, SerializeDecidesWhatTravels) {
  relay::communicator comm;
  const auto got = relay::sendrecv<partial>(comm, partial{comm.rank() + 1, 99}, next_rank(comm),
                                            prev_rank(comm));
  EXPECT_EQ(got, (partial{prev_rank(comm) + 1, 0}));
  const auto many = relay::sendrecv<std::vector<partial_free>>(
      comm, std::vector<partial_free>(4, {comm.rank(), 5}), next_rank(comm), prev_rank(comm));
  EXPECT_EQ(many, std::vector<partial_free>(4, {prev_rank(comm), 0}));
  const auto opted =
      relay::sendrecv<opted_in>(comm, opted_in{0.5, comm.rank()}, next_rank(comm), prev_rank(comm));
  EXPECT_EQ(opted, (opted_in{0.5, prev_rank(comm)}));
}

TEST(Types, EmptyElementsTravel) {
  relay::communicator comm;
  const auto got = relay::sendrecv<std::vector<empty_serialized>>(
      comm, std::vector<empty_serialized>(1000 + static_cast<std::size_t>(comm.rank())),
      next_rank(comm), prev_rank(comm));
  EXPECT_EQ(got.size(), 1000u + static_cast<std::size_t>(prev_rank(comm)));
  const auto plain_empties = relay::sendrecv<std::vector<empty_plain>>(
      comm, std::vector<empty_plain>(10), next_rank(comm), prev_rank(comm));
  EXPECT_EQ(plain_empties.size(), 10u);
  const auto keyed = relay::sendrecv<std::map<int, empty_serialized>>(
      comm, std::map<int, empty_serialized>{{comm.rank(), {}}, {-1, {}}}, next_rank(comm),
      prev_rank(comm));
  EXPECT_EQ(keyed, (std::map<int, empty_serialized>{{prev_rank(comm), {}}, {-1, {}}}));
}

}  // namespace
