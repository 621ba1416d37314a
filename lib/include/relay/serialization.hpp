#pragma once
/// \file
/// The serialized path: Boost.Serialization binary archives written into one reusable byte
/// buffer. Includes Boost.Serialization support for the common standard containers, so that
/// `std::map<std::string, int>`, nested vectors and the like travel without further includes.
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

#include <cstring>
#include <span>
#include <streambuf>
#include <vector>

namespace relay::detail {

/// Flags that leave out the archive header (both sides run the same build) and the locale
/// machinery (raw bytes only).
inline constexpr unsigned archive_flags = boost::archive::no_header | boost::archive::no_codecvt;

/// A streambuf that appends to a byte vector, so that an archive writes straight into the buffer
/// that MPI will send.
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

/// A read-only streambuf over received bytes.
class span_source : public std::streambuf {
 public:
  explicit span_source(std::span<const char> in) {
    char* begin = const_cast<char*>(in.data());  // never written: this buffer is read-only
    setg(begin, begin, begin + in.size());
  }
};

/// Appends the archive of `value` to `out`.
template <class T>
void save(std::vector<char>& out, const T& value) {
  vector_sink sink(out);
  boost::archive::binary_oarchive archive(sink, archive_flags);
  archive << value;
}

/// Loads a value from the archive bytes `in`.
template <class T>
void load(std::span<const char> in, T& value) {
  span_source source(in);
  boost::archive::binary_iarchive archive(source, archive_flags);
  archive >> value;
}

template <class T>
[[nodiscard]] T load(std::span<const char> in) {
  T value{};
  load(in, value);
  return value;
}

}  // namespace relay::detail
