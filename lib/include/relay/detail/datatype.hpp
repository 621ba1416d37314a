#pragma once
/// \file
/// The internals of datatype.hpp: the traits behind its concepts, the table from C++ types to
/// MPI's predefined datatypes, and MPI counts beyond INT_MAX.

#include <mpi.h>

#include <climits>
#include <complex>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "relay/detail/inspect.hpp"

namespace relay::detail {

// ---- categories -------------------------------------------------------------------------------

/// What the concept relay::bytewise says (see datatype.hpp): a value sent as its own bytes.
template <class T>
concept bytewise_value =
    std::is_trivially_copyable_v<T> && !std::is_empty_v<T> && bytes_safe<std::remove_cv_t<T>>();

/// The containers sent straight from and into their buffer: their element type, and whether
/// they can be resized to receive.
template <class T>
struct contiguous_traits : std::false_type {};
template <class E, class A>
requires bytewise_value<E> &&
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
requires bytewise_value<std::remove_const_t<E>>
struct contiguous_traits<std::span<E, N>> : std::true_type {
  using element = std::remove_const_t<E>;
  static constexpr bool resizable = false;
};
template <class E, class Tr>
struct contiguous_traits<std::basic_string_view<E, Tr>> : std::true_type {
  using element = E;
  static constexpr bool resizable = false;
};

// ---- datatypes --------------------------------------------------------------------------------

/// A committed MPI datatype of `size` raw bytes, treated as one element (so that reductions never
/// split an element). Made once per size and freed at MPI_Finalize.
MPI_Datatype bytes_type(std::size_t size);

/// MPI's own datatype for an arithmetic or complex U (cv-unqualified), else bytes_type(sizeof(U)).
template <class U>
[[nodiscard]] MPI_Datatype builtin_or_bytes_type() {
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
    return bytes_type(sizeof(U));
}

__extension__ using int128 = __int128;
__extension__ using uint128 = unsigned __int128;

/// Arithmetic in C++ but not to MPI: MPI_CXX_BOOL takes only the logical operations, MPI_WCHAR
/// none, and the other character types have no MPI type (they travel as bytes).
template <class T>
inline constexpr bool not_mpi_arithmetic =
    std::is_same_v<T, bool> || std::is_same_v<T, wchar_t> || std::is_same_v<T, char8_t> ||
    std::is_same_v<T, char16_t> || std::is_same_v<T, char32_t> || std::is_same_v<T, int128> ||
    std::is_same_v<T, uint128>;

// ---- counts -----------------------------------------------------------------------------------

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

/// The number of bytes in a received message. Open MPI keeps it in the status (`_ucount`, which
/// MPI_Get_count divides by the type's size), so reading it takes no call and no division: on a
/// small broadcast or scatter, MPI_Get_count and the 64-bit divisions around it cost as much as
/// relay's whole overhead over the raw collective. Elsewhere, MPI_Get_count's answer.
inline std::size_t received_byte_count(const MPI_Status& status) {
#ifdef OPEN_MPI
  return status._ucount;
#else
  return element_count(status, 1);
#endif
}

/// Converts a size to an MPI `int` count, or throws usage_error naming `what`.
int to_int_count(std::size_t n, const char* what);

}  // namespace relay::detail
