#pragma once
/// \file
/// How the pool packs inputs and results into its messages: a chunk of values is one contiguous
/// byte buffer. A bytewise value is its bytes, a contiguous container its length and bytes, and
/// anything else its length and relay's archive. Also the type names that fingerprint a call.

#include <boost/core/demangle.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <vector>

#include "relay/datatype.hpp"
#include "relay/detail/buffer.hpp"
#include "relay/error.hpp"
#include "relay/serialization.hpp"

namespace relay::detail::pool_impl {

/// Appends plain values and byte runs to a message.
class writer {
 public:
  explicit writer(std::vector<char>& out) : out_(out) {}
  void bytes(const void* p, std::size_t n) {
    const std::size_t at = out_.size();
    out_.resize(at + n);
    if (n) std::memcpy(out_.data() + at, p, n);
  }
  template <class T>
  void put(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    bytes(&v, sizeof v);
  }
  void str(std::string_view s) {
    put<std::uint64_t>(s.size());
    bytes(s.data(), s.size());
  }
  std::vector<char>& buffer() { return out_; }

 private:
  std::vector<char>& out_;
};

/// Reads what a writer wrote; every read is checked against the end.
class reader {
 public:
  reader() = default;
  explicit reader(std::span<const char> in) : p_(in.data()), end_(in.data() + in.size()) {}
  const char* take(std::size_t n) {
    if (static_cast<std::size_t>(end_ - p_) < n)
      throw error("relay::pool: a message ended early (corrupt or of another type)");
    const char* at = p_;
    p_ += n;
    return at;
  }
  template <class T>
  T get() {
    T v;
    std::memcpy(&v, take(sizeof v), sizeof v);
    return v;
  }
  std::string str() {
    const auto n = get<std::uint64_t>();
    const char* p = take(n);
    return std::string(p, n);
  }
  std::string_view view() {
    const auto n = get<std::uint64_t>();
    return {take(n), n};
  }
  [[nodiscard]] bool done() const { return p_ == end_; }

 private:
  const char* p_ = nullptr;
  const char* end_ = nullptr;
};

template <class T>
struct wire_type {
  using type = T;
};
template <class T>
requires contiguous<T> &&(!resizable_contiguous<T>)struct wire_type<T> {
  using E = element_t<T>;
  using type = std::conditional_t<std::is_same_v<std::remove_cvref_t<T>, std::basic_string_view<E>>,
                                  std::basic_string<E>, std::vector<std::remove_cv_t<E>>>;
};
/// The type a value of type T arrives as: a view arrives as the container it views.
template <class T>
using wire_t = typename wire_type<std::remove_cvref_t<T>>::type;

/// Packs and unpacks one value of type T (see the top of the file).
template <class T>
struct codec {
  using U = std::remove_cvref_t<T>;
  static void put(std::vector<char>& out, const U& v) {
    writer w(out);
    if constexpr (bytewise<U>) {
      w.put(v);
    } else if constexpr (contiguous<U>) {
      w.put<std::uint64_t>(std::size(v));
      w.bytes(std::data(v), std::size(v) * sizeof(element_t<U>));
    } else {
      scratch_buffer scratch;
      save(scratch.get(), v);
      w.put<std::uint64_t>(scratch.get().size());
      w.bytes(scratch.get().data(), scratch.get().size());
    }
  }
  static wire_t<U> get(reader& in) {
    using W = wire_t<U>;
    if constexpr (bytewise<U>) {
      return in.get<U>();
    } else if constexpr (contiguous<U>) {
      const auto n = in.get<std::uint64_t>();
      using E = element_t<W>;
      if (n > (std::size_t{1} << 60) / sizeof(E))
        throw error("relay::pool: a message ended early (corrupt or of another type)");
      const char* p = in.take(n * sizeof(E));
      W v;
      v.resize(n);
      if (n) std::memcpy(v.data(), p, n * sizeof(E));
      return v;
    } else {
      const auto n = in.get<std::uint64_t>();
      return load<W>(std::span<const char>(in.take(n), n));
    }
  }
};

/// The readable name of T, the same on every rank of one program.
template <class T>
std::string type_name() {
  if constexpr (std::is_void_v<T>)
    return "void";
  else
    return boost::core::demangle(typeid(T).name());
}

/// FNV-1a of a text: the fingerprint of a call's signature.
inline std::uint64_t fingerprint(std::string_view text) {
  std::uint64_t h = 1469598103934665603ull;
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace relay::detail::pool_impl
