// The states behind relay::request (see relay/detail/requests.hpp): settling a step that MPI
// finished, and the steps of a receive of unknown size.

#include "relay/detail/requests.hpp"

#include "relay/detail/matching.hpp"
#include "relay/detail/message.hpp"
#include "relay/detail/request_pool.hpp"

namespace relay::detail {

bool settle(request_state& s, const MPI_Status& st, int code) noexcept {
  if (code != MPI_SUCCESS) {
    s.mpi_status = st;
    try {
      throw_mpi_error("MPI_Wait", code);
    } catch (...) {
      s.failure = std::current_exception();
    }
    s.complete = true;
    s.unreported = true;
    return true;
  }
  try {
    if (!s.advance(st)) return false;
  } catch (...) {
    s.failure = std::current_exception();
  }
  s.complete = true;
  s.unreported = true;
  return true;
}

dynamic_receive::dynamic_receive(MPI_Comm comm, int source, int tag)
    : comm_(comm), first_(take_head_buffer()) {
  wants_status = true;
  const int code =
      MPI_Irecv(first_, static_cast<int>(piece_bytes), MPI_BYTE, source, tag, comm, &handle);
  if (code != MPI_SUCCESS) {
    release_first();
    throw_mpi_error("MPI_Irecv", code);
  }
}

dynamic_receive::~dynamic_receive() {
  delist(this);
  release_first();
}

void dynamic_receive::release_first() noexcept {
  give_head_buffer(first_);
  first_ = nullptr;
}

bool dynamic_receive::advance(const MPI_Status& st) {
  if (first_taken_) {  // the rest has arrived
    set_received_bytes(mpi_status, total_);
    finish();
    return true;
  }
  first_taken_ = true;
  mpi_status = st;
  const std::size_t n = st.MPI_SOURCE == MPI_PROC_NULL ? 0 : received_bytes(st);
  std::optional<incoming_rest> rest;
  try {
    rest = take_first(comm_, st.MPI_SOURCE, first_, n, *this);
  } catch (...) {
    release_first();
    throw;
  }
  release_first();
  if (!rest) {
    finish();
    return true;
  }
  total_ = rest->total;
  post_rest(*rest, &handle);
  return false;
}

}  // namespace relay::detail
