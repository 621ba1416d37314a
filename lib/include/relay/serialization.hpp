#pragma once
/// \file
/// The serialized path: values with a Boost.Serialization `serialize` are archived (relay's own
/// binary archive, detail/archive.hpp) into one reusable byte buffer. The standard containers
/// need no includes; Boost.Serialization's headers for the other common library types are
/// included here, so that they travel too.
///
/// Binary archives assume that every rank has the same byte order and type sizes, as is the case
/// on the homogeneous clusters MPI programs run on.

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/array.hpp>
#include <boost/serialization/complex.hpp>
#include <boost/serialization/deque.hpp>
#include <boost/serialization/list.hpp>
#include <boost/serialization/map.hpp>
#include <boost/serialization/optional.hpp>
#include <boost/serialization/set.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/unordered_map.hpp>
#include <boost/serialization/unordered_set.hpp>
#include <boost/serialization/utility.hpp>
#include <boost/serialization/variant.hpp>
#include <boost/serialization/vector.hpp>

#include <span>
#include <vector>

#include "relay/detail/archive.hpp"

namespace relay::detail {

/// Appends the archive of `value` to `out` (relay's archive; see archive.hpp).
template <class T>
void save(byte_buffer& out, const T& value) {
  oarchive archive(out);
  archive << value;
}

/// Loads a value from the archive bytes `in`.
template <class T>
void load(std::span<const char> in, T& value) {
  iarchive archive(in);
  archive >> value;
}

template <class T>
[[nodiscard]] T load(std::span<const char> in) {
  T value{};
  load(in, value);
  return value;
}

}  // namespace relay::detail
