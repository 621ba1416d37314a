#pragma once
/// \file
/// What relay can tell about a type at compile time: whether it has a serialize(), and whether its
/// bytes mean the same on another rank (no pointer, reference or view in it, at any depth that
/// C++20 can see). datatype.hpp turns this into the transport categories; the archive uses it to
/// decide which values are copied as bytes.

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

namespace relay {

/// Opt-in: declares that the bytes of a trivially copyable T may be sent as they are, although
/// relay would otherwise refuse to (T has a serialize(), or a field that relay takes for a pointer
/// or a view). For example, a plain struct of numbers that also has a serialize() for other
/// archives:
///
///     template <> inline constexpr bool relay::send_as_bytes<particle> = true;
///
/// Such a T is `bytewise`: it travels as its own bytes and its serialize() is not called.
template <class T>
inline constexpr bool send_as_bytes = false;

namespace detail {

// ---- serialize() --------------------------------------------------------------------------------

/// An archive type for asking whether a serialize(Archive&, ...) can be called. Only declarations
/// are looked at, never a serialize's body.
struct probe_archive {};

/// Something named `serialize`, to make `serialize` ambiguous in a class derived from T and it
/// when T has a member of that name too, private (Boost's `friend access` idiom) or not.
struct serialize_name {
  void serialize();
};
template <class T>
struct serialize_probe : T, serialize_name {};

/// T declares (or inherits) a member named serialize. A final class is asked for a public one.
template <class T>
concept has_member_serialize = std::is_class_v<T> &&
    ((!std::is_final_v<T> && !requires { &serialize_probe<T>::serialize; }) ||
     requires(T & t, probe_archive& ar) { t.serialize(ar, 0u); });

/// A free serialize(Archive&, T&, unsigned) that argument-dependent lookup finds, that is, in T's
/// own namespace.
template <class T>
concept has_free_serialize = requires(T& t, probe_archive& ar) {
  serialize(ar, t, 0u);
};

/// T brings its own serialize(), which then decides what travels.
template <class T>
concept has_serialize = has_member_serialize<T> || has_free_serialize<T>;

// ---- bytes that mean the same on another rank --------------------------------------------------

template <class T>
struct is_view : std::false_type {};
template <class E, std::size_t N>
struct is_view<std::span<E, N>> : std::true_type {};
template <class E, class Tr>
struct is_view<std::basic_string_view<E, Tr>> : std::true_type {};

template <class T>
constexpr bool bytes_safe();

/// Converts to any field type, for counting an aggregate's fields: T{any_field x n} compiles for
/// n up to the number of fields (a C array field takes one per element, by brace elision).
struct any_field {
  template <class U>
  operator U&() const;
  template <class U>
  operator U&&() const;
};

/// Converts only to field types whose bytes are safe. The conversion to the others is deleted,
/// not missing: a deleted conversion still takes part in overload resolution, so the initializer
/// is not elided into the field's own fields but makes the whole initialization ill-formed.
/// safe_value also rejects non-const lvalue reference fields (a prvalue cannot bind to them).
struct safe_value {
  template <class U>
  requires(bytes_safe<U>()) operator U() const;
  template <class U>
  requires(!bytes_safe<U>()) operator U() const = delete;
};
/// As safe_value, yielding an lvalue: U is then deduced const for a const reference field and
/// that conversion is deleted, and an rvalue reference field cannot bind to it.
struct safe_lvalue {
  template <class U>
  requires(!std::is_const_v<U> && bytes_safe<U>()) operator U&() const;
  template <class U>
  requires(std::is_const_v<U> || !bytes_safe<U>()) operator U&() const = delete;
};

template <class T, class F, std::size_t... I>
auto try_init(std::index_sequence<I...>) -> decltype(T{(void(I), F{})...}, std::true_type{});
template <class T, class F>
std::false_type try_init(...);
/// T{F{}, ... n times} is well-formed.
template <class T, class F, std::size_t N>
inline constexpr bool inits_with = decltype(try_init<T, F>(std::make_index_sequence<N>{}))::value;

/// Aggregates with more initializers than this (fields plus C array elements) are looked into up
/// to it only: each count tried is a brace-initialization of that many elements to compile.
inline constexpr std::size_t max_inspected_fields = 4096;

/// The largest n in [Lo, Hi) with T{any_field x n} well-formed, given that it is for Lo and not
/// for Hi.
template <class T, std::size_t Lo, std::size_t Hi>
constexpr std::size_t bisect_fields() {
  if constexpr (Hi - Lo <= 1) {
    return Lo;
  } else {
    constexpr std::size_t mid = Lo + (Hi - Lo) / 2;
    if constexpr (inits_with<T, any_field, mid>)
      return bisect_fields<T, mid, Hi>();
    else
      return bisect_fields<T, Lo, mid>();
  }
}

/// Doubles N (for which T{any_field x N} is well-formed) until the initialization fails.
template <class T, std::size_t N>
constexpr std::size_t gallop_fields() {
  constexpr std::size_t limit = max_inspected_fields;
  if constexpr (2 * N > limit) {
    if constexpr (inits_with<T, any_field, limit>)
      return limit;
    else
      return bisect_fields<T, N, limit>();
  } else if constexpr (inits_with<T, any_field, 2 * N>) {
    return gallop_fields<T, 2 * N>();
  } else {
    return bisect_fields<T, N, 2 * N>();
  }
}

/// One by one from N: the first count that initializes T, then the last one in a row that does.
template <class T, std::size_t N, bool Found>
constexpr std::size_t scan_fields() {
  if constexpr (N >= max_inspected_fields)
    return N;
  else if constexpr (inits_with<T, any_field, N + 1>)
    return scan_fields<T, N + 1, true>();
  else if constexpr (Found)
    return N;
  else
    return scan_fields<T, N + 1, false>();
}

/// The number of initializers an aggregate takes. When T{} is well-formed, every count up to the
/// number of fields is too, so doubling then bisecting finds it. When not (a reference field, or
/// a field with no default constructor), counts are tried one by one.
template <class T>
constexpr std::size_t field_count() {
  if constexpr (!inits_with<T, any_field, 0>)
    return scan_fields<T, 0, false>();
  else if constexpr (!inits_with<T, any_field, 1>)
    return 0;
  else
    return gallop_fields<T, 1>();
}

/// The parts of a standard class template whose own bytes are its parts' bytes.
template <class T>
struct parts {
  static constexpr bool known = false;
};
template <class E, std::size_t N>
struct parts<std::array<E, N>> {
  static constexpr bool known = true;
  static constexpr bool safe = bytes_safe<E>();
};
template <class A, class B>
struct parts<std::pair<A, B>> {
  static constexpr bool known = true;
  static constexpr bool safe = bytes_safe<A>() && bytes_safe<B>();
};
template <class... A>
struct parts<std::tuple<A...>> {
  static constexpr bool known = true;
  static constexpr bool safe = (bytes_safe<A>() && ...);
};
template <class E>
struct parts<std::optional<E>> {
  static constexpr bool known = true;
  static constexpr bool safe = bytes_safe<E>();
};
template <class... A>
struct parts<std::variant<A...>> {
  static constexpr bool known = true;
  static constexpr bool safe = (bytes_safe<A>() && ...);
};

/// T's bytes mean the same on another rank: T is trivially copyable, has no serialize() of its
/// own, and holds no pointer, member pointer, nullptr_t, reference or view (std::span,
/// std::string_view), nor a type with a serialize(), in itself, its C array elements, the parts
/// of a std::array, pair, tuple, optional or variant, or an aggregate's fields and bases, at any
/// depth. A class that is not an aggregate (it has constructors or private fields) cannot be
/// looked into and counts as safe when trivially copyable; so does a union; an aggregate is
/// looked into up to its max_inspected_fields-th initializer. send_as_bytes overrides all of
/// this. (Clang, unlike GCC, elides braces into a field whose conversion is deleted, so there a
/// field that is unsafe only because it has a serialize() goes unseen.)
template <class T>
constexpr bool bytes_safe() {
  using U = std::remove_cv_t<T>;
  if constexpr (std::is_reference_v<T>)
    return false;
  else if constexpr (send_as_bytes<U>)
    return std::is_trivially_copyable_v<U>;
  else if constexpr (!std::is_trivially_copyable_v<U> || std::is_pointer_v<U> ||
                     std::is_member_pointer_v<U> || std::is_null_pointer_v<U> || is_view<U>::value)
    return false;
  else if constexpr (std::is_array_v<U>)
    return bytes_safe<std::remove_all_extents_t<U>>();
  else if constexpr (std::is_scalar_v<U>)
    return true;
  else if constexpr (has_serialize<U>)
    return false;
  else if constexpr (parts<U>::known)
    return parts<U>::safe;
  else if constexpr (std::is_aggregate_v<U> && !std::is_union_v<U>) {
    constexpr std::size_t n = field_count<U>();
    return inits_with<U, safe_value, n> && inits_with<U, safe_lvalue, n>;
  } else
    return true;
}

}  // namespace detail
}  // namespace relay
