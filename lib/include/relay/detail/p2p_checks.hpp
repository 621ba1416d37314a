#pragma once
/// \file
/// The checks of point-to-point calls, blocking and non-blocking alike: ranks, tags, and what a
/// type can be received as.

#include <mpi.h>

#include <cstddef>
#include <string>

#include "relay/communicator.hpp"
#include "relay/datatype.hpp"
#include "relay/detail/checks.hpp"
#include "relay/detail/message.hpp"
#include "relay/error.hpp"
#include "relay/serialization.hpp"

namespace relay::detail {

inline void check_destination(const communicator& comm, int dest, int tag) {
  if (dest != MPI_PROC_NULL) detail::check_rank(comm, dest, "destination");
  detail::check_tag(comm, tag, /*allow_any=*/false);
}

inline void check_receive(const communicator& comm, int source, int tag) {
  detail::check_source(comm, source);
  detail::check_tag(comm, tag, /*allow_any=*/true);
}

/// A T can be received by value: sendable, and not a view (a span or string_view has no memory
/// of its own to receive into).
template <class T>
constexpr void check_receivable() {
  check_sendable<T>();
  static_assert(!contiguous<T> || resizable_contiguous<T>,
                "relay: views (std::span, std::string_view) cannot be received by value; receive "
                "a std::vector or std::string, or use recv_into with a span");
}

/// Throws usage_error unless a bytewise T's receive got exactly sizeof(T) bytes (or nothing, from
/// MPI_PROC_NULL): MPI does not see a smaller message of another type as an error.
template <class T>
void check_trivial_size(const MPI_Status& st) {
  if (st.MPI_SOURCE == MPI_PROC_NULL) return;
  const std::size_t n = received_bytes(st);
  if (n != sizeof(T)) [[unlikely]]
    throw usage_error("received a message of " + std::to_string(n) + " bytes where a " +
                      std::to_string(sizeof(T)) +
                      "-byte value was expected: the sender sent another type");
}

}  // namespace relay::detail
