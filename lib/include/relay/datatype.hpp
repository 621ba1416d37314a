#pragma once
/// \file
/// How C++ types travel: the three transport categories and the MPI datatype of an element.
///
/// - **bytewise**: a trivially copyable value whose bytes mean the same on every rank: scalars,
///   std::array of them, plain structs of them. It is sent from its own bytes, with its fixed size
///   known to both sides. A type with its own `serialize()` (a member, or a free function in its
///   namespace) is not bytewise: its serialize() decides what travels. Neither is a value that
///   holds a pointer, reference or view (std::span, std::string_view) in itself, its C arrays,
///   std::array, pair, tuple, optional or variant parts, or an aggregate's fields and bases at any
///   depth: such bytes mean nothing on another rank, and sending one is a compile error that asks
///   for a serialize(). A trivially copyable class that is not an aggregate (it has constructors
///   or private fields) cannot be looked into and travels as its bytes. `send_as_bytes<T>`
///   (detail/inspect.hpp) declares any trivially copyable T bytewise.
/// - **contiguous**: a std::vector, std::basic_string, std::span or std::basic_string_view of
///   bytewise elements. Sent straight from and into the container's buffer: no copy, no
///   serialization; a view sends what it views. The receiver learns the length from the message
///   itself (a string_view is received as a std::string).
/// - **serialized**: anything else that Boost.Serialization can save and load (maps, nested
///   vectors, strings in containers, user types with `serialize`). Saved with a binary archive into
///   one buffer and sent as one message. A type that is none of the three (a struct holding a
///   std::string, with no serialize) is a compile error (`sendable`, serialization.hpp).

#include <mpi.h>

#include <complex>
#include <type_traits>

#include "relay/detail/datatype.hpp"
#include "relay/detail/inspect.hpp"  // relay::send_as_bytes

namespace relay {

/// A value that can be sent as its own bytes (see the top of this file): trivially copyable, not
/// empty, and holding no pointer, reference or view and no type with a serialize(), unless
/// send_as_bytes<T> says its bytes are safe.
template <class T>
concept bytewise = detail::bytewise_value<T>;

/// A container whose elements are bytewise and stored contiguously, with a length that the
/// receiver learns from the message (vector, string, span, string_view).
template <class T>
concept contiguous = detail::contiguous_traits<std::remove_cvref_t<T>>::value;

/// A contiguous container that can be resized to receive (vector, string; not a view).
template <class T>
concept resizable_contiguous =
    contiguous<T> && detail::contiguous_traits<std::remove_cvref_t<T>>::resizable;

/// Everything that is neither bytewise nor contiguous travels serialized (whether it can is
/// `sendable`, serialization.hpp).
template <class T>
concept serialized = !bytewise<T> && !contiguous<T>;

/// The element type of a contiguous container.
template <contiguous T>
using element_t = typename detail::contiguous_traits<std::remove_cvref_t<T>>::element;

/// The MPI datatype of one element of type T: MPI's own type for arithmetic and complex types
/// (so that MPI's built-in reductions apply), else a contiguous block of sizeof(T) bytes.
template <bytewise T>
[[nodiscard]] MPI_Datatype datatype() {
  return detail::builtin_or_bytes_type<std::remove_cv_t<T>>();
}

/// True when T maps to one of MPI's predefined arithmetic types, so that MPI_SUM, MPI_MIN, ...
/// apply.
template <class T>
inline constexpr bool is_mpi_arithmetic_v =
    (std::is_arithmetic_v<T> && !detail::not_mpi_arithmetic<std::remove_cv_t<T>>) ||
    std::is_same_v<std::remove_cv_t<T>, std::complex<float>> ||
    std::is_same_v<std::remove_cv_t<T>, std::complex<double>> ||
    std::is_same_v<std::remove_cv_t<T>, std::complex<long double>>;

}  // namespace relay
