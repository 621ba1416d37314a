#pragma once
/// \file
/// relay's input archive: loads a value from received bytes in relay's format (archive.hpp
/// describes it). Every read is checked against the bytes left, and every length against the
/// fewest bytes its elements take, so truncated or corrupt input throws relay::error instead of
/// reading past the end or allocating what a corrupt length claims.

#include <boost/archive/archive_exception.hpp>
#include <boost/archive/binary_iarchive.hpp>
#include <boost/mpl/bool.hpp>
#include <boost/serialization/nvp.hpp>
#include <boost/serialization/serialization.hpp>
#include <boost/serialization/version.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <streambuf>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "relay/detail/archive_format.hpp"
#include "relay/detail/archive_traits.hpp"
#include "relay/error.hpp"

namespace relay::detail {

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

/// Boost.Serialization's loading archive concept (`ar >> x`, `ar & x`, load_binary, versions),
/// reading relay's format from a span of bytes that it does not own.
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
      try {
        f.archive >> value;
      } catch (const boost::archive::archive_exception& e) {
        // Boost's own word for bytes that ran out or make no sense; relay's callers catch
        // relay::error. (Lengths inside Boost's part are Boost's to check, and it does not
        // bound them by the bytes left.)
        throw error(std::string("serialized data could not be read (") + e.what() +
                    "): the archive is corrupt");
      }
      pos_ = f.source.position();
    } else if constexpr (std::is_same_v<T, bool>) {
      // Flags (an optional's presence, a vector<bool>'s elements) are one byte, 0 or 1; any
      // other byte would make a bool that is neither true nor false.
      const auto byte = static_cast<unsigned char>(*take(1));
      if (byte > 1)
        throw error("serialized data holds a flag that is not 0 or 1: the archive is corrupt");
      value = byte == 1;
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
