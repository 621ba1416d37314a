#pragma once
/// \file
/// relay's output archive: saves a value into a byte buffer in relay's format (archive.hpp
/// describes it), handing pointers, smart pointers and polymorphic classes to a Boost binary
/// archive that appends to the same buffer.

#include <boost/archive/binary_oarchive.hpp>
#include <boost/mpl/bool.hpp>
#include <boost/serialization/nvp.hpp>
#include <boost/serialization/serialization.hpp>
#include <boost/serialization/version.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <streambuf>
#include <tuple>
#include <type_traits>
#include <vector>

#include "relay/detail/archive_format.hpp"
#include "relay/detail/archive_traits.hpp"
#include "relay/detail/buffer.hpp"

namespace relay::detail {

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

/// Boost.Serialization's saving archive concept (`ar << x`, `ar & x`, save_binary, versions),
/// writing relay's format into a byte_buffer.
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

}  // namespace relay::detail
