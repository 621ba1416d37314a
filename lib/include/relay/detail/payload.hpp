#pragma once
/// \file
/// A value as bytes on the wire, and back: the memory a send reads from and a receive writes to,
/// for point-to-point messages and collectives alike.

#include <mpi.h>

#include <cstddef>
#include <cstring>
#include <iterator>
#include <string>

#include "relay/datatype.hpp"
#include "relay/detail/buffer.hpp"
#include "relay/error.hpp"
#include "relay/serialization.hpp"

namespace relay::detail {

/// What goes on the wire for a value in relay's collectives: its own memory with its MPI element
/// type, or, for serialized types, the archive bytes written into `scratch`.
struct wire {
  const void* data;
  MPI_Datatype type;
  std::size_t count;
};

template <class T>
wire to_wire(const T& value, byte_buffer& scratch) {
  if constexpr (bytewise<T>) {
    return {&value, datatype<T>(), 1};
  } else if constexpr (contiguous<T>) {
    return {std::data(value), datatype<element_t<T>>(), std::size(value)};
  } else {
    save(scratch, value);
    return {scratch.data(), MPI_BYTE, scratch.size()};
  }
}

/// The payload of a value of unknown size on the wire: its own memory for contiguous values, or,
/// for serialized types, the archive bytes written into `scratch`.
struct payload {
  const char* data;
  std::size_t bytes;
};

template <class T>
payload to_payload(const T& value, byte_buffer& scratch) {
  if constexpr (contiguous<T>) {
    return {reinterpret_cast<const char*>(std::data(value)),
            std::size(value) * sizeof(element_t<T>)};
  } else {
    save(scratch, value);
    return {scratch.data(), scratch.size()};
  }
}

/// Room for an `n`-byte payload that is about to be received into `value`: the value's own memory
/// for vectors and strings (resized), or `bytes` for serialized values. Throws usage_error if `n`
/// is not a whole number of elements (the sender sent another type).
template <class T>
char* payload_room(T& value, byte_buffer& bytes, std::size_t n) {
  if constexpr (resizable_contiguous<T>) {
    using E = element_t<T>;
    if (n % sizeof(E) != 0) [[unlikely]]
      throw usage_error("received " + std::to_string(n) + " bytes, not a whole number of " +
                        std::to_string(sizeof(E)) + "-byte elements: the sender sent another type");
    value.resize(n / sizeof(E));
    return reinterpret_cast<char*>(value.data());
  } else {
    static_assert(serialized<T>, "spans cannot be received by value; use recv_into");
    bytes.resize(n);
    return bytes.data();
  }
}

/// Copies a whole `n`-byte payload at `data` into `value` (or into `bytes` for a serialized
/// value, which finish_payload then loads).
template <class T>
void store_payload(T& value, byte_buffer& bytes, const char* data, std::size_t n) {
  char* to = payload_room(value, bytes, n);
  if (n > 0) std::memcpy(to, data, n);
}

/// Completes a value whose payload is in place (loads a serialized one from `bytes`).
template <class T>
void finish_payload(T& value, const byte_buffer& bytes) {
  if constexpr (serialized<T>) {
    if (bytes.empty())
      value = T{};  // from MPI_PROC_NULL
    else
      load(bytes, value);
  }
}

}  // namespace relay::detail
