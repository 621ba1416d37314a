#pragma once
// Types and helpers shared by the test files. Every test runs on every rank of MPI_COMM_WORLD,
// at 1, 2, 3 and 4 ranks.

#include <gtest/gtest.h>

#include <array>
#include <map>
#include <string>
#include <vector>

#include "relay/relay.hpp"

/// Skips the test on every rank when fewer than `n` ranks run it. The condition is the same on
/// all ranks, so they all skip together and no collective is left waiting.
#define RELAY_REQUIRE_RANKS(comm, n)                                        \
  do {                                                                      \
    if ((comm).size() < (n)) GTEST_SKIP() << "needs at least " #n " ranks"; \
  } while (0)

namespace relay_test {

/// A user type that travels through Boost.Serialization (it is not trivially copyable).
struct particle {
  std::string name;
  std::vector<double> position;
  int id = 0;

  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& name& position& id;
  }
  friend bool operator==(const particle&, const particle&) = default;
};

inline particle make_particle(int r) {
  return {"p" + std::to_string(r), std::vector<double>(static_cast<std::size_t>(r) + 1, r + 0.5),
          r};
}

/// A value of each kind that depends on `r`, so that a mix-up of ranks shows.
inline std::string make_string(int r) {
  return "rank " + std::to_string(r) + std::string(r, '*');
}

inline std::map<std::string, int> make_map(int r) {
  std::map<std::string, int> m;
  for (int i = 0; i <= r; ++i) m["k" + std::to_string(i)] = r * 100 + i;
  return m;
}

inline std::vector<std::vector<int>> make_nested(int r) {
  std::vector<std::vector<int>> v(static_cast<std::size_t>(r) + 1);
  for (int i = 0; i <= r; ++i)
    v[static_cast<std::size_t>(i)].assign(static_cast<std::size_t>(i), r);
  v.emplace_back();  // an empty inner vector as well
  return v;
}

/// A trivially copyable struct with no MPI type of its own. It has a `serialize` member, for
/// archives of other libraries, and is declared safe to travel as bytes (send_as_bytes below), so
/// it and vectors of it go as their bytes.
struct point {
  int x = 0;
  double y = 0;
  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& x& y;
  }
  friend bool operator==(const point&, const point&) = default;
};

__extension__ using u128 = unsigned __int128;

/// Calls `f(make)` for one maker of each transport kind and edge case, where `make(r)` builds the
/// value that belongs to rank r: bytewise values (scalar, array, byte-copied struct), contiguous
/// containers (including empty and single-element ones) and serialized types.
template <class F>
void for_each_kind(F&& f) {
  f([](int r) { return r * 7 - 3; });
  f([](int r) { return r + 0.25; });
  f([](int r) { return point{r, r * 1.5}; });
  f([](int r) { return std::array<int, 3>{r, r + 1, r + 2}; });
  f([](int r) { return std::vector<int>(static_cast<std::size_t>(r) + 2, r); });
  f([](int) { return std::vector<int>{}; });
  f([](int r) { return std::vector<double>{r * 1.0}; });
  f([](int r) { return std::vector<point>{{r, 0.5}, {-r, 1.5}}; });
  f([](int r) { return make_string(r); });
  f([](int) { return std::string{}; });
  f([](int r) { return make_map(r); });
  f([](int) { return std::map<std::string, int>{}; });
  f([](int r) { return make_nested(r); });
  f([](int r) { return make_particle(r); });
  f([](int r) { return std::vector<std::string>{make_string(r), "", "x"}; });
}

inline int next_rank(const relay::communicator& comm) {
  return (comm.rank() + 1) % comm.size();
}
inline int prev_rank(const relay::communicator& comm) {
  return (comm.rank() + comm.size() - 1) % comm.size();
}

}  // namespace relay_test

template <>
inline constexpr bool relay::send_as_bytes<relay_test::point> = true;
