// Serialized types: relay against Boost.MPI's default path for the same values. Boost.MPI sends
// a serialized value as a packed archive in two messages (its size, then the data) and archives
// element by element; relay writes a binary archive into a reused buffer and sends one message.
// A plain struct that has a serialize() for other archives can be declared safe to send as its
// bytes (relay::send_as_bytes), and then relay sends a vector of it as one block.

#include <mpi.h>

#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/serialization/map.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bench.hpp"
#include "relay/relay.hpp"

namespace mpi_bench {
namespace {

constexpr int tag = 21;

/// A plain struct with a serialize(), which Boost.MPI uses. Its bytes are safe to send (no
/// pointers), and it says so below (relay::send_as_bytes), so relay sends them instead.
struct particle {
  double x = 0, y = 0, z = 0;
  std::int64_t id = 0;
  bool operator==(const particle&) const = default;
  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& x& y& z& id;
  }
};

}  // namespace
}  // namespace mpi_bench

template <>
inline constexpr bool relay::send_as_bytes<mpi_bench::particle> = true;

namespace mpi_bench {
namespace {

/// A struct that owns heap data, so both libraries must serialize it.
struct record {
  std::string name;
  std::vector<double> values;
  std::int32_t id = 0;
  bool operator==(const record&) const = default;
  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& name& values& id;
  }
};

std::string word(std::size_t i) {
  // Lengths vary from 6 to 29 characters, like identifiers and file names.
  return "item-" + std::to_string(i) + std::string(i % 20, static_cast<char>('a' + i % 26));
}

std::vector<std::string> make_strings(std::size_t n) {
  std::vector<std::string> v;
  v.reserve(n);
  for (std::size_t i = 0; i < n; ++i) v.push_back(word(i));
  return v;
}

std::map<std::string, int> make_map(std::size_t n) {
  std::map<std::string, int> m;
  for (std::size_t i = 0; i < n; ++i) m.emplace(word(i), static_cast<int>(i));
  return m;
}

std::vector<particle> make_particles(std::size_t n) {
  std::vector<particle> v(n);
  for (std::size_t i = 0; i < n; ++i)
    v[i] = {0.5 * double(i), 1.5 * double(i), -double(i), static_cast<std::int64_t>(i)};
  return v;
}

std::vector<record> make_records(std::size_t n) {
  std::vector<record> v(n);
  for (std::size_t i = 0; i < n; ++i)
    v[i] = {word(i), {double(i), double(i) + 0.25, double(i) * 2}, static_cast<std::int32_t>(i)};
  return v;
}

template <class T>
std::size_t wire_bytes(const T& value) {
  if constexpr (relay::serialized<T>) {
    relay::detail::byte_buffer bytes;
    relay::detail::save(bytes, value);
    return bytes.size();
  } else {
    return value.size() * sizeof(value[0]);
  }
}

template <class T>
row measure(const relay::communicator& comm, const settings& s, const std::string& op,
            const char* type_name, const T& expected) {
  const int me = comm.rank();
  const boost::mpi::communicator& world = comm.boost();
  T value = me == 0 ? expected : T{};
  std::function<void()> lib, ref;
  if (op == "ser_p2p") {
    // A round trip; the time reported is one way. Both receive into the existing value.
    lib = [&] {
      if (me == 0) {
        relay::send(comm, value, 1, tag);
        relay::recv_into(comm, value, 1, tag);
      } else if (me == 1) {
        relay::recv_into(comm, value, 0, tag);
        relay::send(comm, value, 0, tag);
      }
    };
    ref = [&] {
      if (me == 0) {
        world.send(1, tag, value);
        world.recv(1, tag, value);
      } else if (me == 1) {
        world.recv(0, tag, value);
        world.send(0, tag, value);
      }
    };
  } else {
    lib = [&] { relay::bcast_into(comm, value, 0); };
    ref = [&] { boost::mpi::broadcast(world, value, 0); };
  }
  // Both sides must deliver the value intact.
  for (auto* side : {&lib, &ref}) {
    value = me == 0 ? expected : T{};
    (*side)();
    const bool reached = op == "ser_bcast" || me <= 1;
    expect_everywhere(comm, !reached || value == expected,
                      op + " " + type_name + (side == &lib ? " (relay)" : " (Boost.MPI)"));
  }
  row out{op, type_name, wire_bytes(expected)};
  compare(comm, s, lib, ref, out);
  if (op == "ser_p2p") {
    out.lib_us /= 2;
    out.ref_us /= 2;
  }
  return out;
}

}  // namespace

std::vector<row> run_serialized(const relay::communicator& comm, const settings& s,
                                const std::string& op) {
  const std::size_t n = s.elements;
  std::vector<row> rows;
  rows.push_back(measure(comm, s, op, "vector<string>", make_strings(n)));
  rows.push_back(measure(comm, s, op, "map<string,int>", make_map(n)));
  rows.push_back(measure(comm, s, op, "vector<particle>", make_particles(n)));
  rows.push_back(measure(comm, s, op, "vector<record>", make_records(n)));
  return rows;
}

}  // namespace mpi_bench
