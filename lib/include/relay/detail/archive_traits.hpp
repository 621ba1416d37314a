#pragma once
/// \file
/// What relay's archives know about a type at compile time: which standard containers they
/// handle themselves, which values they store as their bytes, which they hand to Boost's object
/// tracking, and why a type cannot be archived at all (check_archivable, whose static_assert names
/// the type and says what to add). Also the fewest bytes a value's archive takes, which bounds the
/// lengths read from received data (archive_reader.hpp).

#include <boost/serialization/serialization.hpp>

#include <array>
#include <cstddef>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "relay/detail/inspect.hpp"

namespace relay::detail {

/// Sequences: saved as their length and their elements (a vector of bytes-safe elements as its
/// length and one copy).
template <class T>
struct is_sequence : std::false_type {};
template <class E, class A>
struct is_sequence<std::vector<E, A>> : std::true_type {};
template <class E, class A>
struct is_sequence<std::deque<E, A>> : std::true_type {};
template <class E, class A>
struct is_sequence<std::list<E, A>> : std::true_type {};

/// Sets and maps: saved as their length and their elements, in their own order.
template <class T>
struct is_associative : std::false_type {};
template <class... A>
struct is_associative<std::set<A...>> : std::true_type {};
template <class... A>
struct is_associative<std::multiset<A...>> : std::true_type {};
template <class... A>
struct is_associative<std::map<A...>> : std::true_type {};
template <class... A>
struct is_associative<std::multimap<A...>> : std::true_type {};
template <class... A>
struct is_associative<std::unordered_set<A...>> : std::true_type {};
template <class... A>
struct is_associative<std::unordered_multiset<A...>> : std::true_type {};
template <class... A>
struct is_associative<std::unordered_map<A...>> : std::true_type {};
template <class... A>
struct is_associative<std::unordered_multimap<A...>> : std::true_type {};

/// Saved by Boost's binary archive, whose object tracking they need.
template <class T>
struct is_smart_pointer : std::false_type {};
template <class T, class D>
struct is_smart_pointer<std::unique_ptr<T, D>> : std::true_type {};
template <class T>
struct is_smart_pointer<std::shared_ptr<T>> : std::true_type {};
template <class T>
struct is_smart_pointer<std::weak_ptr<T>> : std::true_type {};

/// Saved as their parts, one after the other.
template <class T>
struct is_tuple_like : std::false_type {};
template <class A, class B>
struct is_tuple_like<std::pair<A, B>> : std::true_type {
  using tuple = std::tuple<A, B>;
};
template <class... A>
struct is_tuple_like<std::tuple<A...>> : std::true_type {
  using tuple = std::tuple<A...>;
};

/// Saved as a flag and, when it is set, the value.
template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

/// Saved as its elements (its length is in its type).
template <class T>
struct is_std_array : std::false_type {};
template <class E, std::size_t N>
struct is_std_array<std::array<E, N>> : std::true_type {};

/// Values stored as their own bytes: those whose bytes are safe to send (inspect.hpp).
template <class T>
inline constexpr bool raw_bytes_v = bytes_safe<T>();

/// Values whose serialization needs Boost's object tracking.
template <class T>
inline constexpr bool needs_boost_v =
    std::is_pointer_v<T> || is_smart_pointer<T>::value || std::is_polymorphic_v<T>;

/// Saved as its length and its characters in one step.
template <class T>
struct is_string : std::false_type {};
template <class C, class Tr, class A>
struct is_string<std::basic_string<C, Tr, A>> : std::true_type {};

/// Saved as the vector it views (loading into one does not compile).
template <class T>
struct is_std_span : std::false_type {};
template <class E, std::size_t N>
struct is_std_span<std::span<E, N>> : std::true_type {};

/// A user type (or a library type that Boost.Serialization supports): its serialize is a
/// member, a free function that argument-dependent lookup finds, or an overload in
/// boost::serialization (Boost's non-intrusive form, and Boost's support for library types).
namespace boost_probe {
/// An archive type one of whose associated namespaces is boost::serialization.
template <class Associated>
struct archive {};
/// As generic as Boost's own default serialize (which calls the member): a call that only the
/// two of them match is ambiguous, so the call compiles only for a more specialized overload.
template <class Archive, class T>
void serialize(Archive&, T&, const unsigned int);
}  // namespace boost_probe
template <class T>
concept has_boost_serialize = requires(T& t,
                                       boost_probe::archive<boost::serialization::access>& ar) {
  serialize(ar, t, 0u);
};
template <class T>
concept user_serializable = has_serialize<T> || has_boost_serialize<T>;

/// Why relay cannot archive a T, if it cannot.
enum class archive_problem {
  none,
  unsafe_bytes,  ///< trivially copyable, but holds a pointer or view, and has no serialize()
  no_serialize,  ///< not trivially copyable, not a known container, and has no serialize()
};

template <class... P>
constexpr archive_problem first_problem(P... problems) {
  archive_problem result = archive_problem::none;
  ((result = result == archive_problem::none ? problems : result), ...);
  return result;
}

/// The first problem met in T or its elements, in the order the archive meets them.
template <class T>
constexpr archive_problem find_archive_problem() {
  using U = std::remove_cv_t<T>;
  if constexpr (needs_boost_v<U> || raw_bytes_v<U> || is_string<U>::value) {
    return archive_problem::none;  // pointers: Boost's object tracking decides
  } else if constexpr (is_view<U>::value || is_sequence<U>::value || is_std_array<U>::value) {
    return find_archive_problem<typename U::value_type>();
  } else if constexpr (is_associative<U>::value) {
    if constexpr (requires { typename U::mapped_type; })
      return first_problem(find_archive_problem<typename U::key_type>(),
                           find_archive_problem<typename U::mapped_type>());
    else
      return find_archive_problem<typename U::value_type>();
  } else if constexpr (is_tuple_like<U>::value) {
    return []<class... P>(std::type_identity<std::tuple<P...>>) {
      return first_problem(find_archive_problem<P>()...);
    }(std::type_identity<typename is_tuple_like<U>::tuple>{});
  } else if constexpr (is_optional<U>::value) {
    return find_archive_problem<typename U::value_type>();
  } else if constexpr (user_serializable<U>) {
    return archive_problem::none;
  } else if constexpr (std::is_trivially_copyable_v<U>) {
    return archive_problem::unsafe_bytes;
  } else {
    return archive_problem::no_serialize;
  }
}

/// Instantiated only for a type T that relay can neither send as bytes nor archive: its
/// static_assert stops the compilation, and the compiler names T in the instantiation it reports
/// (GCC: "In instantiation of 'struct relay::detail::cannot_send<person>'" above the error;
/// Clang: "in instantiation of template class 'relay::detail::cannot_send<person>'" below it),
/// which a string literal message cannot do.
template <class T>
struct cannot_send {
  static constexpr archive_problem problem = find_archive_problem<T>();
  static_assert(problem != archive_problem::unsafe_bytes,
                "relay cannot send the type T of relay::detail::cannot_send<T> (the compiler "
                "prints T in that instantiation) as its bytes: T is trivially copyable, but holds "
                "a pointer, a reference, a view (std::span, std::string_view) or a type with a "
                "serialize() of its own, so its bytes mean nothing on another rank. Add to T a "
                "member `template <class Archive> void serialize(Archive& ar, unsigned) "
                "{ ar & ...; }`, or, if its bytes are safe after all, declare "
                "`template <> inline constexpr bool relay::send_as_bytes<T> = true;`");
  static_assert(problem != archive_problem::no_serialize,
                "relay cannot send the type T of relay::detail::cannot_send<T> (the compiler "
                "prints T in that instantiation): T is not trivially copyable, not a container "
                "that relay knows, and has no serialize(). Add to T a member "
                "`template <class Archive> void serialize(Archive& ar, unsigned) { ar & ...; }` "
                "(or a free serialize(Archive&, T&, unsigned) in T's namespace)");
};

/// Stops the compilation with cannot_send<U> when T cannot be archived, U being the innermost
/// type at fault (the element, not the vector of it). Every value that relay sends or receives
/// other than as bytes passes through here (check_sendable, and the archives themselves).
template <class T>
constexpr void check_archivable() {
  using U = std::remove_cv_t<T>;
  constexpr archive_problem problem = find_archive_problem<U>();
  if constexpr (problem == archive_problem::none) {
    return;
  } else if constexpr (is_view<U>::value || is_sequence<U>::value || is_std_array<U>::value ||
                       is_optional<U>::value) {
    check_archivable<typename U::value_type>();
  } else if constexpr (is_associative<U>::value) {
    if constexpr (requires { typename U::mapped_type; }) {
      check_archivable<typename U::key_type>();
      check_archivable<typename U::mapped_type>();
    } else {
      check_archivable<typename U::value_type>();
    }
  } else if constexpr (is_tuple_like<U>::value) {
    []<class... P>(std::type_identity<std::tuple<P...>>) {
      (check_archivable<P>(), ...);
    }(std::type_identity<typename is_tuple_like<U>::tuple>{});
  } else {
    static_cast<void>(sizeof(cannot_send<U>));  // instantiates it: its static_assert fires
  }
}

/// The fewest bytes that the archive of a T can take: what bounds a length read from a received
/// archive. 0 means unknown (a serialize() may write nothing).
template <class T>
constexpr std::size_t min_archived_size() {
  if constexpr (needs_boost_v<T>)
    return 0;
  else if constexpr (raw_bytes_v<T>)
    return sizeof(T);
  else if constexpr (is_string<T>::value || is_view<T>::value || is_sequence<T>::value ||
                     is_associative<T>::value || is_optional<T>::value)
    return 1;  // a length or a flag
  else if constexpr (is_std_array<T>::value)
    return std::tuple_size_v<T> * min_archived_size<typename T::value_type>();
  else if constexpr (is_tuple_like<T>::value)
    return []<class... P>(std::type_identity<std::tuple<P...>>) {
      return (std::size_t{0} + ... + min_archived_size<P>());
    }(std::type_identity<typename is_tuple_like<T>::tuple>{});
  else
    return 0;
}

}  // namespace relay::detail
