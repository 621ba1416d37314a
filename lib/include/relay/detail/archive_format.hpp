#pragma once
/// \file
/// The bytes of relay's archive format below the types: the flags of the Boost archive it falls
/// back to, how lengths are written (LEB128 varints) and a copy tuned for the short runs of bytes
/// (strings, small members) that most archives are made of.

#include <boost/archive/basic_archive.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace relay::detail {

/// Flags that leave out the archive header (both sides run the same build) and the locale
/// machinery (raw bytes only).
inline constexpr unsigned archive_flags = boost::archive::no_header | boost::archive::no_codecvt;

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

/// The bytes that write_varint takes for n.
inline std::size_t varint_bytes(std::uint64_t n) {
  std::size_t bytes = 1;
  while (n >= 0x80) {
    n >>= 7;
    ++bytes;
  }
  return bytes;
}

/// Writes n at `at` (varint_bytes(n) bytes); returns the end of what it wrote.
inline char* write_varint(char* at, std::uint64_t n) {
  while (n >= 0x80) {
    *at++ = static_cast<char>(static_cast<unsigned char>(n) | 0x80);
    n >>= 7;
  }
  *at++ = static_cast<char>(n);
  return at;
}

}  // namespace relay::detail
