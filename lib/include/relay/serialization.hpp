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
#include <type_traits>
#include <vector>

#include "relay/datatype.hpp"
#include "relay/detail/archive.hpp"

namespace relay {

/// A type that relay can send: bytewise, contiguous, or serialized with a serialize() that relay
/// or Boost.Serialization provides or the type brings (see datatype.hpp).
template <class T>
concept sendable = bytewise<std::remove_cvref_t<T>> || contiguous<T> ||
    detail::find_archive_problem<std::remove_cvref_t<T>>()
== detail::archive_problem::none;

}  // namespace relay

namespace relay::detail {

/// Stops the compilation unless T is sendable, in relay::detail::cannot_send<U>
/// (archive_traits.hpp), whose instantiation names the type U at fault and whose message says what
/// to add. Called where the public API takes a value of type T (send, recv, sendrecv, isend,
/// irecv), and by save and load, which every collective's serialized path calls, so that this
/// message comes first instead of an error from inside the archive or Boost.Serialization.
template <class T>
constexpr void check_sendable() {
  using U = std::remove_cvref_t<T>;
  if constexpr (!bytewise<U> && !contiguous<U>) check_archivable<U>();
}

/// Appends the archive of `value` to `out` (relay's archive; see archive.hpp).
template <class T>
void save(byte_buffer& out, const T& value) {
  check_sendable<T>();
  if constexpr (sendable<T>) {  // else one message above, not more from inside the archive
    oarchive archive(out);
    archive << value;
  }
}

/// Loads a value from the archive bytes `in`.
template <class T>
void load(std::span<const char> in, T& value) {
  check_sendable<T>();
  if constexpr (sendable<T>) {
    iarchive archive(in);
    archive >> value;
  }
}

/// Loads a value of type T from the archive bytes `in`.
template <class T>
[[nodiscard]] T load(std::span<const char> in) {
  T value{};
  load(in, value);
  return value;
}

}  // namespace relay::detail
