#pragma once
/// \file
/// How C++ types travel: the three transport categories and the MPI datatype of an element.
///
/// - **trivial**: a trivially copyable value whose bytes mean the same on every rank: scalars,
///   std::array of them, plain structs of them. It is sent from its own bytes, with its fixed size
///   known to both sides. A type with its own `serialize()` (a member, or a free function in its
///   namespace) is not trivial: its serialize() decides what travels. Neither is a value that
///   holds a pointer, reference or view (std::span, std::string_view) in itself, its C arrays,
///   std::array, pair, tuple, optional or variant parts, or an aggregate's fields and bases at any
///   depth: such bytes mean nothing on another rank, and sending one is a compile error that asks
///   for a serialize(). A trivially copyable class that is not an aggregate (it has constructors
///   or private fields) cannot be looked into and travels as its bytes. `send_as_bytes<T>`
///   (detail/inspect.hpp) declares any trivially copyable T trivial.
/// - **contiguous**: a std::vector, std::basic_string, std::span or std::basic_string_view of
///   trivial elements. Sent straight from and into the container's buffer: no copy, no
///   serialization; a view sends what it views. The receiver learns the length from the message
///   itself (a string_view is received as a std::string).
/// - **serialized**: anything else that Boost.Serialization can save and load (maps, nested
///   vectors, strings in containers, user types with `serialize`). Saved with a binary archive into
///   one buffer and sent as one message. A type that is none of the three (a struct holding a
///   std::string, with no serialize) is a compile error (`sendable`, serialization.hpp).

#include <mpi.h>

#include <array>
#include <climits>
#include <complex>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "relay/detail/inspect.hpp"

namespace relay {

// ---- categories -------------------------------------------------------------------------------

/// A value that can be sent as its own bytes (see the top of this file).
template <class T>
concept trivial = std::is_trivially_copyable_v<T> && !std::is_empty_v<T> &&
                  detail::bytes_safe<std::remove_cv_t<T>>();

namespace detail {
template <class T>
struct contiguous_traits : std::false_type {};
template <class E, class A>
requires trivial<E> &&
    (!std::is_same_v<E, bool>)struct contiguous_traits<std::vector<E, A>> : std::true_type {
  using element = E;
  static constexpr bool resizable = true;
};
template <class E, class Tr, class A>
struct contiguous_traits<std::basic_string<E, Tr, A>> : std::true_type {
  using element = E;
  static constexpr bool resizable = true;
};
template <class E, std::size_t N>
requires trivial<std::remove_const_t<E>>
struct contiguous_traits<std::span<E, N>> : std::true_type {
  using element = std::remove_const_t<E>;
  static constexpr bool resizable = false;
};
template <class E, class Tr>
struct contiguous_traits<std::basic_string_view<E, Tr>> : std::true_type {
  using element = E;
  static constexpr bool resizable = false;
};
}  // namespace detail

/// A container whose elements are trivial and stored contiguously, with a length that the
/// receiver learns from the message (vector, string, span, string_view).
template <class T>
concept contiguous = detail::contiguous_traits<std::remove_cvref_t<T>>::value;

/// A contiguous container that can be resized to receive (vector, string; not a view).
template <class T>
concept resizable_contiguous =
    contiguous<T> && detail::contiguous_traits<std::remove_cvref_t<T>>::resizable;

/// Everything that is neither trivial nor contiguous travels serialized.
template <class T>
concept serialized = !trivial<T> && !contiguous<T>;

/// The element type of a contiguous container.
template <contiguous T>
using element_t = typename detail::contiguous_traits<std::remove_cvref_t<T>>::element;

// ---- datatypes --------------------------------------------------------------------------------

namespace detail {
/// A committed MPI datatype of `size` raw bytes, treated as one element (so that reductions never
/// split an element). Made once per size and freed at MPI_Finalize.
MPI_Datatype bytes_type(std::size_t size);

template <class>
inline constexpr bool always_false = false;
}  // namespace detail

/// The MPI datatype of one element of type T: MPI's own type for arithmetic and complex types
/// (so that MPI's built-in reductions apply), else a contiguous block of sizeof(T) bytes.
template <trivial T>
[[nodiscard]] MPI_Datatype datatype() {
  using U = std::remove_cv_t<T>;
  if constexpr (std::is_same_v<U, bool>)
    return MPI_CXX_BOOL;
  else if constexpr (std::is_same_v<U, char>)
    return MPI_CHAR;
  else if constexpr (std::is_same_v<U, signed char>)
    return MPI_SIGNED_CHAR;
  else if constexpr (std::is_same_v<U, unsigned char>)
    return MPI_UNSIGNED_CHAR;
  else if constexpr (std::is_same_v<U, std::byte>)
    return MPI_BYTE;
  else if constexpr (std::is_same_v<U, wchar_t>)
    return MPI_WCHAR;
  else if constexpr (std::is_same_v<U, short>)
    return MPI_SHORT;
  else if constexpr (std::is_same_v<U, unsigned short>)
    return MPI_UNSIGNED_SHORT;
  else if constexpr (std::is_same_v<U, int>)
    return MPI_INT;
  else if constexpr (std::is_same_v<U, unsigned>)
    return MPI_UNSIGNED;
  else if constexpr (std::is_same_v<U, long>)
    return MPI_LONG;
  else if constexpr (std::is_same_v<U, unsigned long>)
    return MPI_UNSIGNED_LONG;
  else if constexpr (std::is_same_v<U, long long>)
    return MPI_LONG_LONG;
  else if constexpr (std::is_same_v<U, unsigned long long>)
    return MPI_UNSIGNED_LONG_LONG;
  else if constexpr (std::is_same_v<U, float>)
    return MPI_FLOAT;
  else if constexpr (std::is_same_v<U, double>)
    return MPI_DOUBLE;
  else if constexpr (std::is_same_v<U, long double>)
    return MPI_LONG_DOUBLE;
  else if constexpr (std::is_same_v<U, std::complex<float>>)
    return MPI_CXX_FLOAT_COMPLEX;
  else if constexpr (std::is_same_v<U, std::complex<double>>)
    return MPI_CXX_DOUBLE_COMPLEX;
  else if constexpr (std::is_same_v<U, std::complex<long double>>)
    return MPI_CXX_LONG_DOUBLE_COMPLEX;
  else
    return detail::bytes_type(sizeof(U));
}

namespace detail {
__extension__ using int128 = __int128;
__extension__ using uint128 = unsigned __int128;
}  // namespace detail

namespace detail {
/// Arithmetic in C++ but not to MPI: MPI_CXX_BOOL takes only the logical operations, MPI_WCHAR
/// none, and the other character types have no MPI type (they travel as bytes).
template <class T>
inline constexpr bool not_mpi_arithmetic =
    std::is_same_v<T, bool> || std::is_same_v<T, wchar_t> || std::is_same_v<T, char8_t> ||
    std::is_same_v<T, char16_t> || std::is_same_v<T, char32_t> || std::is_same_v<T, int128> ||
    std::is_same_v<T, uint128>;
}  // namespace detail

/// True when T maps to one of MPI's predefined arithmetic types, so that MPI_SUM, MPI_MIN, ...
/// apply.
template <class T>
inline constexpr bool is_mpi_arithmetic_v =
    (std::is_arithmetic_v<T> && !detail::not_mpi_arithmetic<std::remove_cv_t<T>>) ||
    std::is_same_v<std::remove_cv_t<T>, std::complex<float>> ||
    std::is_same_v<std::remove_cv_t<T>, std::complex<double>> ||
    std::is_same_v<std::remove_cv_t<T>, std::complex<long double>>;

namespace detail {

/// A (datatype, count) pair fit for an MPI call whose count is an `int`. For counts beyond
/// INT_MAX it builds a derived type covering all elements as one (as BigMPI does), and frees it
/// on destruction.
class counted_type {
 public:
  counted_type(MPI_Datatype element, std::size_t count) : type_(element) {
    if (count <= static_cast<std::size_t>(INT_MAX)) [[likely]]
      count_ = static_cast<int>(count);
    else
      make_large(count);
  }
  ~counted_type() {
    if (owned_) [[unlikely]]
      free_large();
  }
  counted_type(const counted_type&) = delete;
  counted_type& operator=(const counted_type&) = delete;

  [[nodiscard]] MPI_Datatype type() const noexcept { return type_; }
  [[nodiscard]] int count() const noexcept { return count_; }

 private:
  void make_large(std::size_t count);
  void free_large();

  MPI_Datatype type_;
  int count_;
  bool owned_ = false;
};

/// The number of elements of `element_size` bytes in a probed or received message, from its byte
/// count (MPI_Get_elements_x, which does not overflow past 2^31). Throws if the byte count is not
/// a whole number of elements.
std::size_t element_count(const MPI_Status& status, std::size_t element_size);

/// Converts a size to an MPI `int` count, or throws usage_error naming `what`.
int to_int_count(std::size_t n, const char* what);

}  // namespace detail
}  // namespace relay
