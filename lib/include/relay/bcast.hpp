#pragma once
/// \file
/// Broadcast: bcast and bcast_into.
///
/// Bytewise values take one MPI_Bcast; vectors and strings travel from and into their own buffers,
/// with their length in the same message when they are small (see config::eager_bytes); other
/// types are serialized. A failure at the root (a value that cannot be serialized) reaches every
/// rank as the same kind of exception, so none is left waiting.

#include <mpi.h>

#include <cstddef>
#include <span>
#include <type_traits>

#include "relay/communicator.hpp"
#include "relay/datatype.hpp"
#include "relay/detail/bcast_tree.hpp"
#include "relay/detail/buffer.hpp"
#include "relay/detail/checks.hpp"
#include "relay/detail/coll_check.hpp"
#include "relay/error.hpp"
#include "relay/serialization.hpp"

namespace relay {

/// Broadcasts in place: on the root `value` is sent, on the other ranks it is replaced. A
/// `std::span` of the same length on every rank is broadcast as it is, with no length header
/// (the fastest path, as MPI_Bcast itself). Called by every rank of the communicator.
template <class T>
void bcast_into(const communicator& comm, T& value, int root) {
  detail::check_sendable<T>();
  detail::check_rank(comm, root, "root");
  const bool is_root = comm.rank() == root;
  if constexpr (bytewise<T>) {
    if (detail::checks_on())
      detail::agree_blocking(comm.native(),
                             detail::signature_of<T>(detail::coll_kind::bcast, root, 1));
    RELAY_MPI(MPI_Bcast, &value, 1, datatype<T>(), root, comm.native());
  } else if constexpr (contiguous<T> && !resizable_contiguous<T>) {
    static_assert(!std::is_const_v<std::remove_pointer_t<decltype(value.data())>>,
                  "bcast_into: a view of const elements cannot receive; pass a std::span<T> "
                  "over writable memory, or use bcast with a std::vector or std::string");
    if (detail::checks_on())
      detail::agree_blocking(comm.native(), detail::signature_of<element_t<T>>(
                                                detail::coll_kind::bcast, root,
                                                static_cast<std::int64_t>(value.size())));
    detail::counted_type ct(datatype<element_t<T>>(), value.size());
    RELAY_MPI(MPI_Bcast, value.data(), ct.count(), ct.type(), root, comm.native());
  } else if constexpr (resizable_contiguous<T>) {
    using E = element_t<T>;
    std::span<const char> bytes;
    if (is_root) bytes = {reinterpret_cast<const char*>(value.data()), value.size() * sizeof(E)};
    detail::bcast_sized(comm, root, bytes, detail::root_failure::none, [&](std::size_t n) {
      value.resize(n / sizeof(E));
      return reinterpret_cast<char*>(value.data());
    });
  } else {
    detail::scratch_buffer scratch;
    auto& bytes = scratch.get();
    if (is_root) {
      try {
        detail::save(bytes, value);
      } catch (...) {
        detail::bcast_sized(comm, root, {}, detail::current_failure(),
                            detail::root_allocates_nothing);
        throw;
      }
      detail::bcast_sized(comm, root, bytes, detail::root_failure::none,
                          detail::root_allocates_nothing);
    } else {
      detail::bcast_sized(comm, root, {}, detail::root_failure::none, [&](std::size_t n) {
        bytes.resize(n);
        return bytes.data();
      });
      detail::load(std::span<const char>(bytes), value);  // reuses the memory value holds
    }
  }
}

/// Broadcasts the root's `value` to every rank and returns it. Called by every rank of the
/// communicator with the same root; `value` is ignored on the other ranks (pass `{}`), and the
/// root may move its value in.
template <class T>
[[nodiscard]] T bcast(const communicator& comm, T value, int root) {
  detail::check_sendable<T>();
  bcast_into(comm, value, root);
  return value;
}

}  // namespace relay
