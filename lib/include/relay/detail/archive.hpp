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
/// trivially copyable values are their bytes. Pointers, smart pointers and polymorphic classes,
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

#include "relay/error.hpp"

namespace relay::detail {

/// Flags that leave out the archive header (both sides run the same build) and the locale
/// machinery (raw bytes only).
inline constexpr unsigned archive_flags = boost::archive::no_header | boost::archive::no_codecvt;

/// A streambuf that appends to a byte vector.
class vector_sink : public std::streambuf {
 public:
  explicit vector_sink(std::vector<char>& out) : out_(out) {}

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    out_.insert(out_.end(), s, s + n);
    return n;
  }
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) out_.push_back(static_cast<char>(c));
    return traits_type::not_eof(c);
  }

 private:
  std::vector<char>& out_;
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
struct is_tuple_like<std::pair<A, B>> : std::true_type {};
template <class... A>
struct is_tuple_like<std::tuple<A...>> : std::true_type {};

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

template <class T>
struct is_std_array : std::false_type {};
template <class E, std::size_t N>
struct is_std_array<std::array<E, N>> : std::true_type {};

/// Values stored as their own bytes.
template <class T>
inline constexpr bool raw_bytes_v =
    std::is_trivially_copyable_v<T> && !std::is_pointer_v<T> && !std::is_member_pointer_v<T>;

/// Values whose serialization needs Boost's object tracking.
template <class T>
inline constexpr bool needs_boost_v =
    std::is_pointer_v<T> || is_smart_pointer<T>::value || std::is_polymorphic_v<T>;

template <class T>
struct is_string : std::false_type {};
template <class C, class Tr, class A>
struct is_string<std::basic_string<C, Tr, A>> : std::true_type {};

// ---- saving -----------------------------------------------------------------------------------

class oarchive {
 public:
  using is_saving = boost::mpl::true_;
  using is_loading = boost::mpl::false_;

  explicit oarchive(std::vector<char>& out) : out_(out) {}

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
    const char* p = static_cast<const char*>(data);
    out_.insert(out_.end(), p, p + n);
  }
  [[nodiscard]] boost::archive::library_version_type get_library_version() const {
    return boost::archive::BOOST_ARCHIVE_VERSION();
  }
  template <class T>
  void register_type(const T* = nullptr) {}

 private:
  template <class T>
  void save_size(const T& n) {
    const auto v = static_cast<std::uint64_t>(n);
    save_binary(&v, sizeof v);
  }

  template <class T>
  void save(const T& value) {
    if constexpr (needs_boost_v<T>) {
      boost_archive() << value;
    } else if constexpr (raw_bytes_v<T>) {
      save_binary(&value, sizeof(T));
    } else if constexpr (is_string<T>::value) {
      save_size(value.size());
      save_binary(value.data(), value.size() * sizeof(typename T::value_type));
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
    } else if constexpr (is_std_array<T>::value) {
      for (const auto& e : value) save(e);
    } else if constexpr (is_tuple_like<T>::value) {
      std::apply([this](const auto&... parts) { (save(parts), ...); }, value);
    } else if constexpr (is_optional<T>::value) {
      save(value.has_value());
      if (value) save(*value);
    } else {
      // A user type (or a Boost-supported library type): its own serialize, as Boost calls it.
      T& v = const_cast<T&>(value);  // Boost's serialize takes T&; saving does not modify it
      boost::serialization::serialize_adl(*this, v, boost::serialization::version<T>::value);
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
    explicit fallback(std::vector<char>& out) : sink(out), archive(sink, archive_flags) {}
    vector_sink sink;
    boost::archive::binary_oarchive archive;
  };

  std::vector<char>& out_;
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
    if (n > in_.size() - pos_) throw error("serialized data ended early: the archive is corrupt");
    if (n == 0) return;  // an empty container's data() may be null
    std::memcpy(data, in_.data() + pos_, n);
    pos_ += n;
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
  std::size_t load_size(std::size_t element_bytes) {
    std::uint64_t n = 0;
    load_binary(&n, sizeof n);
    // Every element takes at least one byte (or element_bytes), so a larger count is corrupt.
    if (n > remaining() / std::max<std::size_t>(element_bytes, 1) && element_bytes > 0)
      throw error("serialized data holds an impossible length: the archive is corrupt");
    return static_cast<std::size_t>(n);
  }

  template <class T>
  void load(T& value) {
    if constexpr (needs_boost_v<T>) {
      auto& f = boost_archive();
      f.source.seek(pos_);
      f.archive >> value;
      pos_ = f.source.position();
    } else if constexpr (raw_bytes_v<T>) {
      load_binary(&value, sizeof(T));
    } else if constexpr (is_string<T>::value) {
      using C = typename T::value_type;
      const std::size_t n = load_size(sizeof(C));
      value.resize(n);
      load_binary(value.data(), n * sizeof(C));
    } else if constexpr (is_sequence<T>::value) {
      using E = typename T::value_type;
      if constexpr (std::is_same_v<T, std::vector<E, typename T::allocator_type>> &&
                    raw_bytes_v<E> && !std::is_same_v<E, bool>) {
        const std::size_t n = load_size(sizeof(E));
        value.resize(n);
        load_binary(value.data(), n * sizeof(E));
      } else {
        // Elements already there are loaded in place, so that loading into a value received
        // before reuses its strings' and vectors' memory.
        const std::size_t n = load_size(1);
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
      }
    } else if constexpr (is_associative<T>::value) {
      const std::size_t n = load_size(0);
      value.clear();
      for (std::size_t i = 0; i < n; ++i) {
        if constexpr (requires { typename T::mapped_type; }) {
          std::pair<typename T::key_type, typename T::mapped_type> item;
          load(item.first);
          load(item.second);
          value.insert(value.end(), std::move(item));
        } else {
          typename T::value_type item;
          load(item);
          value.insert(value.end(), std::move(item));
        }
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
