#pragma once
/// \file
/// relay's own Boost.Serialization archives: the binary format of the serialized path.
///
/// Boost's binary archives go through a virtual streambuf call for every primitive and through the
/// generic collection machinery (object-address bookkeeping per element), and Boost.MPI's packed
/// archives call MPI_Pack for every primitive. These archives implement the same archive concept
/// (`ar & x`, `ar << x`, `ar >> x`, make_nvp, base_object, split save/load members, versions), so
/// every type with a Boost.Serialization `serialize` works unchanged, but they write straight
/// into a byte vector and know the standard containers: a vector of trivial elements or a string
/// is its length and one memcpy, other containers are their length and their elements, and
/// trivially copyable values whose bytes are safe to send (detail/inspect.hpp: no pointer or view
/// in them, no serialize() of their own) are their bytes. A std::string_view or std::span is saved
/// as the string or vector it views, and is loaded as one; loading into a view does not compile.
/// Pointers, smart pointers and polymorphic classes,
/// which need Boost's object tracking, are handed to a Boost binary archive that reads and writes
/// the same bytes in the same order.

#include <boost/archive/basic_archive.hpp>
#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/mpl/bool.hpp>
#include <boost/serialization/nvp.hpp>
#include <boost/serialization/serialization.hpp>
#include <boost/serialization/version.hpp>

#include <array>
#include <cstdint>
#include <cstring>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <streambuf>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "relay/detail/buffer.hpp"
#include "relay/detail/inspect.hpp"
#include "relay/error.hpp"

namespace relay::detail {

/// Flags that leave out the archive header (both sides run the same build) and the locale
/// machinery (raw bytes only).
inline constexpr unsigned archive_flags = boost::archive::no_header | boost::archive::no_codecvt;

/// A streambuf that appends to a byte buffer.
class vector_sink : public std::streambuf {
 public:
  explicit vector_sink(byte_buffer& out) : out_(out) {}

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    out_.append(s, static_cast<std::size_t>(n));
    return n;
  }
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) out_.push_back(static_cast<char>(c));
    return traits_type::not_eof(c);
  }

 private:
  byte_buffer& out_;
};

/// A read-only streambuf over received bytes, whose read position can be moved.
class span_source : public std::streambuf {
 public:
  explicit span_source(std::span<const char> in) {
    char* begin = const_cast<char*>(in.data());  // never written: this buffer is read-only
    setg(begin, begin, begin + in.size());
  }
  [[nodiscard]] std::size_t position() const { return static_cast<std::size_t>(gptr() - eback()); }
  void seek(std::size_t pos) { setg(eback(), eback() + pos, egptr()); }
};

// ---- what the archives know -------------------------------------------------------------------

template <class T>
struct is_sequence : std::false_type {};
template <class E, class A>
struct is_sequence<std::vector<E, A>> : std::true_type {};
template <class E, class A>
struct is_sequence<std::deque<E, A>> : std::true_type {};
template <class E, class A>
struct is_sequence<std::list<E, A>> : std::true_type {};

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

template <class T>
struct is_smart_pointer : std::false_type {};
template <class T, class D>
struct is_smart_pointer<std::unique_ptr<T, D>> : std::true_type {};
template <class T>
struct is_smart_pointer<std::shared_ptr<T>> : std::true_type {};
template <class T>
struct is_smart_pointer<std::weak_ptr<T>> : std::true_type {};

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

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

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

template <class T>
struct is_string : std::false_type {};
template <class C, class Tr, class A>
struct is_string<std::basic_string<C, Tr, A>> : std::true_type {};

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

/// Stops the compilation, with a message that says what to add, when T cannot be archived. The
/// message is raised for the innermost type at fault (the element, not the vector of it), which
/// the compiler names in the line above it ("with T = ...").
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
    static_assert(
        problem != archive_problem::unsafe_bytes,
        "relay cannot send this type (T above) as its bytes: it is trivially copyable, "
        "but holds a pointer, a reference, a view (std::span, std::string_view) or a type "
        "with a serialize() of its own, so its bytes mean nothing on another rank. Give "
        "it a serialize() member, or, if its bytes are safe after all, declare "
        "`template <> inline constexpr bool relay::send_as_bytes<T> = true;`");
    static_assert(problem != archive_problem::no_serialize,
                  "relay cannot send this type (T above): it is not trivially copyable, not a "
                  "container that relay knows, and has no serialize(). Give it a serialize() "
                  "member (or a free serialize(Archive&, T&, unsigned) in its namespace)");
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

/// Copies n bytes. Lengths up to 32 (most strings, most small members) are copied inline with
/// two possibly overlapping loads and stores, which beats a call to memcpy; longer ones by memcpy.
inline void copy_bytes(char* to, const char* from, std::size_t n) {
  if (n > 32) {
    std::memcpy(to, from, n);
  } else if (n >= 16) {
    char head[16], tail[16];
    std::memcpy(head, from, 16);
    std::memcpy(tail, from + n - 16, 16);
    std::memcpy(to, head, 16);
    std::memcpy(to + n - 16, tail, 16);
  } else if (n >= 8) {
    std::uint64_t head, tail;
    std::memcpy(&head, from, 8);
    std::memcpy(&tail, from + n - 8, 8);
    std::memcpy(to, &head, 8);
    std::memcpy(to + n - 8, &tail, 8);
  } else if (n >= 4) {
    std::uint32_t head, tail;
    std::memcpy(&head, from, 4);
    std::memcpy(&tail, from + n - 4, 4);
    std::memcpy(to, &head, 4);
    std::memcpy(to + n - 4, &tail, 4);
  } else {
    for (std::size_t i = 0; i < n; ++i) to[i] = from[i];
  }
}

/// Lengths travel as LEB128 varints: seven bits per byte, low bits first, the high bit set on
/// every byte but the last. A string's length is then usually one byte instead of eight.
inline constexpr std::size_t max_varint_bytes = 10;
inline std::size_t varint_bytes(std::uint64_t n) {
  std::size_t bytes = 1;
  while (n >= 0x80) {
    n >>= 7;
    ++bytes;
  }
  return bytes;
}
inline char* write_varint(char* at, std::uint64_t n) {
  while (n >= 0x80) {
    *at++ = static_cast<char>(static_cast<unsigned char>(n) | 0x80);
    n >>= 7;
  }
  *at++ = static_cast<char>(n);
  return at;
}

// ---- saving -----------------------------------------------------------------------------------

class oarchive {
 public:
  using is_saving = boost::mpl::true_;
  using is_loading = boost::mpl::false_;

  /// Appends to `out`. The buffer is complete once the archive is destroyed or finish() is called.
  explicit oarchive(byte_buffer& out) : out_(out), used_(out.size()) {
    out_.resize(out_.capacity());  // room that is already allocated (not cleared: no cost)
  }
  ~oarchive() { finish(); }
  oarchive(const oarchive&) = delete;
  oarchive& operator=(const oarchive&) = delete;

  /// Trims the buffer to the bytes written.
  void finish() { out_.resize(used_); }

  template <class T>
  oarchive& operator<<(const T& value) {
    save(value);
    return *this;
  }
  template <class T>
  oarchive& operator&(const T& value) {
    save(value);
    return *this;
  }

  void save_binary(const void* data, std::size_t n) {
    if (n == 0) return;  // an empty container's data() may be null
    copy_bytes(claim(n), static_cast<const char*>(data), n);
  }
  [[nodiscard]] boost::archive::library_version_type get_library_version() const {
    return boost::archive::BOOST_ARCHIVE_VERSION();
  }
  template <class T>
  void register_type(const T* = nullptr) {}

 private:
  /// Room for n more bytes at the end of what was written; returns where they go. The buffer
  /// grows geometrically and is not cleared, so appending costs a comparison and a copy.
  char* claim(std::size_t n) {
    if (n > out_.size() - used_) out_.resize(std::max(used_ + n, 2 * out_.size() + 256));
    char* at = out_.data() + used_;
    used_ += n;
    return at;
  }

  template <class T>
  void save_size(const T& n) {
    const auto v = static_cast<std::uint64_t>(n);
    write_varint(claim(varint_bytes(v)), v);
  }

  template <class T>
  void save(const T& value) {
    if constexpr (needs_boost_v<T>) {
      finish();  // Boost's archive appends to the buffer itself
      boost_archive() << value;
      used_ = out_.size();
    } else if constexpr (raw_bytes_v<T>) {
      std::memcpy(claim(sizeof(T)), &value, sizeof(T));
    } else if constexpr (is_string<T>::value || (is_view<T>::value && !is_std_span<T>::value)) {
      // The length and the characters in one step: strings are most of many archives. A
      // string_view is saved as the string it views.
      const std::uint64_t n = value.size();
      const std::size_t bytes = n * sizeof(typename T::value_type);
      char* at = write_varint(claim(varint_bytes(n) + bytes), n);
      copy_bytes(at, reinterpret_cast<const char*>(value.data()), bytes);
    } else if constexpr (is_sequence<T>::value || is_associative<T>::value) {
      using E = typename T::value_type;
      save_size(value.size());
      if constexpr (std::is_same_v<T, std::vector<E, typename T::allocator_type>> &&
                    raw_bytes_v<E> && !std::is_same_v<E, bool>) {
        save_binary(value.data(), value.size() * sizeof(E));
      } else {
        for (const auto& e : value) {
          if constexpr (std::is_same_v<E, bool>)
            save(static_cast<bool>(e));
          else
            save(e);
        }
      }
    } else if constexpr (is_std_span<T>::value) {
      // Saved as the vector it views.
      using E = std::remove_const_t<typename T::element_type>;
      save_size(value.size());
      if constexpr (raw_bytes_v<E> && !std::is_same_v<E, bool>)
        save_binary(value.data(), value.size() * sizeof(E));
      else
        for (const auto& e : value) save(e);
    } else if constexpr (is_std_array<T>::value) {
      for (const auto& e : value) save(e);
    } else if constexpr (is_tuple_like<T>::value) {
      std::apply([this](const auto&... parts) { (save(parts), ...); }, value);
    } else if constexpr (is_optional<T>::value) {
      save(value.has_value());
      if (value) save(*value);
    } else {
      // A user type (or a Boost-supported library type): its own serialize, as Boost calls it.
      check_archivable<T>();
      if constexpr (find_archive_problem<T>() == archive_problem::none) {
        T& v = const_cast<T&>(value);  // Boost's serialize takes T&; saving does not modify it
        boost::serialization::serialize_adl(*this, v, boost::serialization::version<T>::value);
      }
    }
  }
  template <class T>
  void save(const boost::serialization::nvp<T>& named) {
    save(named.const_value());
  }

  boost::archive::binary_oarchive& boost_archive() {
    if (!fallback_) fallback_.emplace(out_);
    return fallback_->archive;
  }
  struct fallback {
    explicit fallback(byte_buffer& out) : sink(out), archive(sink, archive_flags) {}
    vector_sink sink;
    boost::archive::binary_oarchive archive;
  };

  byte_buffer& out_;
  std::size_t used_;  // bytes of out_ written; out_.size() is the room
  std::optional<fallback> fallback_;
};

// ---- loading ----------------------------------------------------------------------------------

class iarchive {
 public:
  using is_saving = boost::mpl::false_;
  using is_loading = boost::mpl::true_;

  explicit iarchive(std::span<const char> in) : in_(in) {}

  template <class T>
  iarchive& operator>>(T& value) {
    load(value);
    return *this;
  }
  template <class T>
  iarchive& operator&(T& value) {
    load(value);
    return *this;
  }
  template <class T>
  iarchive& operator>>(const boost::serialization::nvp<T>& named) {
    load(named.value());
    return *this;
  }
  template <class T>
  iarchive& operator&(const boost::serialization::nvp<T>& named) {
    load(named.value());
    return *this;
  }

  void load_binary(void* data, std::size_t n) {
    const char* from = take(n);
    if (n > 0) copy_bytes(static_cast<char*>(data), from, n);  // an empty one's data() may be null
  }
  [[nodiscard]] boost::archive::library_version_type get_library_version() const {
    return boost::archive::BOOST_ARCHIVE_VERSION();
  }
  template <class T>
  void register_type(const T* = nullptr) {}
  template <class T>
  void reset_object_address(const T*, const T*) {}

  /// Bytes not yet read.
  [[nodiscard]] std::size_t remaining() const { return in_.size() - pos_; }

 private:
  /// Reads a length. `element_bytes` is the fewest bytes an element takes (min_archived_size):
  /// a length that the bytes left cannot hold is corrupt. 0 (unknown) checks nothing; such
  /// elements are then loaded one by one, never allocated all at once.
  std::size_t load_size(std::size_t element_bytes) {
    std::uint64_t n = 0;
    for (unsigned shift = 0;; shift += 7) {
      if (pos_ == in_.size() || shift >= 7 * max_varint_bytes)
        throw error("serialized data ended early: the archive is corrupt");
      const auto byte = static_cast<unsigned char>(in_[pos_++]);
      n |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if (byte < 0x80) break;
    }
    if (element_bytes > 0 && n > remaining() / element_bytes)
      throw error("serialized data holds an impossible length: the archive is corrupt");
    return static_cast<std::size_t>(n);
  }

  /// The next n bytes of the archive (checked), which the caller copies out.
  const char* take(std::size_t n) {
    if (n > in_.size() - pos_) throw error("serialized data ended early: the archive is corrupt");
    const char* at = in_.data() + pos_;
    pos_ += n;
    return at;
  }

  /// Loads one element of an associative container and inserts it at the end (elements arrive
  /// in the container's own order, so the hint is right for ordered containers).
  template <class T>
  void load_element(T& container) {
    if constexpr (requires { typename T::mapped_type; }) {
      std::pair<typename T::key_type, typename T::mapped_type> item;
      load(item.first);
      load(item.second);
      container.insert(container.end(), std::move(item));
    } else {
      typename T::value_type item;
      load(item);
      container.insert(container.end(), std::move(item));
    }
  }

  template <class T>
  void load(T& value) {
    if constexpr (is_view<T>::value) {
      static_assert(!is_view<T>::value,
                    "relay cannot load into a view (std::string_view, std::span): it has no memory "
                    "of its own to receive into. Receive a std::string or std::vector instead");
    } else if constexpr (needs_boost_v<T>) {
      auto& f = boost_archive();
      f.source.seek(pos_);
      f.archive >> value;
      pos_ = f.source.position();
    } else if constexpr (raw_bytes_v<T>) {
      load_binary(&value, sizeof(T));
    } else if constexpr (is_string<T>::value) {
      using C = typename T::value_type;
      const std::size_t n = load_size(sizeof(C));
      const char* chars = take(n * sizeof(C));
      if constexpr (sizeof(C) == 1) {
        if (value.size() == n) {  // reloading a value of the same length: overwrite it
          copy_bytes(reinterpret_cast<char*>(value.data()), chars, n);
        } else {
          value.clear();  // keeps the capacity; append is the cheapest copy into it
          value.append(reinterpret_cast<const C*>(chars), n);
        }
      } else {
        value.resize(n);
        if (n > 0) std::memcpy(value.data(), chars, n * sizeof(C));
      }
    } else if constexpr (is_sequence<T>::value) {
      using E = typename T::value_type;
      if constexpr (std::is_same_v<T, std::vector<E, typename T::allocator_type>> &&
                    raw_bytes_v<E> && !std::is_same_v<E, bool>) {
        const std::size_t n = load_size(sizeof(E));
        value.resize(n);
        load_binary(value.data(), n * sizeof(E));
      } else if constexpr (constexpr std::size_t least = min_archived_size<E>(); least > 0) {
        // Elements already there are loaded in place, so that loading into a value received
        // before reuses its strings' and vectors' memory.
        const std::size_t n = load_size(least);
        value.resize(n);
        for (auto&& e : value) {
          if constexpr (std::is_same_v<E, bool>) {
            bool b = false;
            load(b);
            e = b;
          } else {
            load(e);
          }
        }
      } else {
        // Elements that may take no bytes: the length cannot be checked, so they are added one
        // by one (a corrupt length fails when the bytes run out, or as an allocation would).
        const std::size_t n = load_size(0);
        if (value.size() > n) value.resize(n);
        for (auto& e : value) load(e);
        while (value.size() < n) load(value.emplace_back());
      }
    } else if constexpr (is_associative<T>::value) {
      // Elements are inserted one by one, so a length is only checked against the bytes left.
      std::size_t least = 0;
      if constexpr (requires { typename T::mapped_type; })
        least = min_archived_size<typename T::key_type>() +
                min_archived_size<typename T::mapped_type>();
      else
        least = min_archived_size<typename T::value_type>();
      const std::size_t n = load_size(least);
      if constexpr (requires { typename T::node_type; }) {
        // The nodes already there are reloaded and reinserted, so that loading into a value
        // received before allocates nothing for the nodes or for strings that fit their memory.
        T old = std::move(value);
        value.clear();
        for (std::size_t i = 0; i < n; ++i) {
          if (old.empty()) {
            load_element(value);
            continue;
          }
          auto node = old.extract(old.begin());
          if constexpr (requires { typename T::mapped_type; }) {
            load(node.key());
            load(node.mapped());
          } else {
            load(node.value());
          }
          value.insert(value.end(), std::move(node));
        }
      } else {
        value.clear();
        for (std::size_t i = 0; i < n; ++i) load_element(value);
      }
    } else if constexpr (is_std_array<T>::value) {
      for (auto& e : value) load(e);
    } else if constexpr (is_tuple_like<T>::value) {
      std::apply([this](auto&... parts) { (load(parts), ...); }, value);
    } else if constexpr (is_optional<T>::value) {
      bool present = false;
      load(present);
      if (!present) {
        value.reset();
      } else {
        load(value.emplace());
      }
    } else {
      check_archivable<T>();
      if constexpr (find_archive_problem<T>() == archive_problem::none)
        boost::serialization::serialize_adl(*this, value, boost::serialization::version<T>::value);
    }
  }

  struct fallback {
    explicit fallback(std::span<const char> in) : source(in), archive(source, archive_flags) {}
    span_source source;
    boost::archive::binary_iarchive archive;
  };
  fallback& boost_archive() {
    if (!fallback_) fallback_.emplace(in_);
    return *fallback_;
  }

  std::span<const char> in_;
  std::size_t pos_ = 0;
  std::optional<fallback> fallback_;
};

}  // namespace relay::detail
