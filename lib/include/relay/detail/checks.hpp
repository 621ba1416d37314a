#pragma once
// Argument checks made before MPI is called: a bad rank or tag raises usage_error on the rank
// that passed it (and on every rank when every rank passes the same value, as a root).

#include "relay/communicator.hpp"

namespace relay::detail {

[[noreturn]] void bad_rank(const communicator& comm, int rank, const char* what);
[[noreturn]] void bad_tag(const communicator& comm, int tag);

/// Throws usage_error unless `rank` is a rank of `comm`. `what` names the argument ("root",
/// "destination") in the message.
inline void check_rank(const communicator& comm, int rank, const char* what) {
  if (rank < 0 || rank >= comm.size()) [[unlikely]]
    bad_rank(comm, rank, what);
}

/// As check_rank, but also accepts any_source and MPI_PROC_NULL.
inline void check_source(const communicator& comm, int source) {
  if (source != any_source && source != MPI_PROC_NULL) check_rank(comm, source, "source");
}

/// Throws usage_error unless `tag` is in [0, max_tag()] (or any_tag when `allow_any`).
inline void check_tag(const communicator& comm, int tag, bool allow_any) {
  if ((tag < 0 || tag > comm.max_tag()) && !(allow_any && tag == any_tag)) [[unlikely]]
    bad_tag(comm, tag);
}

}  // namespace relay::detail
