// The agreement that checks a non-blocking collective's call on every rank (see
// relay/detail/coll_check.hpp), and the switch that extends it to MPI's own path.

#include <mpi.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

#include "relay/coll_request.hpp"
#include "relay/config.hpp"
#include "relay/detail/coll_check.hpp"
#include "relay/error.hpp"

namespace relay {

namespace {
/// RELAY_CHECK_COLLECTIVES from the environment, read once (the first time a collective asks).
std::atomic<bool>& checks_flag() {
  static std::atomic<bool> on = [] {
    const char* v = std::getenv("RELAY_CHECK_COLLECTIVES");
    return v != nullptr && *v != '\0' && std::strcmp(v, "0") != 0;
  }();
  return on;
}
}  // namespace

void check_collectives(bool on) noexcept {
  checks_flag().store(on, std::memory_order_relaxed);
}

bool checking_collectives() noexcept {
  return checks_flag().load(std::memory_order_relaxed);
}

namespace detail {

bool checks_on() noexcept {
  return checking_collectives();
}

void agreement::post(MPI_Comm comm, MPI_Request* request) {
  RELAY_MPI(MPI_Iallreduce, mine.data(), all.data(), fields, MPI_INT64_T, MPI_MIN, comm, request);
}

void agree_blocking(MPI_Comm comm, const call_signature& sig) {
  int size = 1;
  RELAY_MPI(MPI_Comm_size, comm, &size);
  if (size == 1) return;
  agreement a(sig);
  RELAY_MPI(MPI_Allreduce, a.mine.data(), a.all.data(), agreement::fields, MPI_INT64_T, MPI_MIN,
            comm);
  a.verify();
}

void agreement::verify() const {
  constexpr std::int64_t none = std::numeric_limits<std::int64_t>::max();
  const auto lo = [this](int field) { return all[static_cast<std::size_t>(2 * field)]; };
  const auto hi = [this](int field) { return -all[static_cast<std::size_t>(2 * field + 1)]; };
  const std::string call = kind_name(sig.kind);
  if (lo(0) != hi(0))
    throw usage_error(call + ": the ranks start different collectives (" +
                      kind_name(static_cast<coll_kind>(lo(0))) + " and " +
                      kind_name(static_cast<coll_kind>(hi(0))) + ") at the same point");
  if (lo(1) != hi(1))
    throw usage_error(call + ": the ranks pass different roots (" + std::to_string(lo(1)) + " to " +
                      std::to_string(hi(1)) + ")");
  if (lo(2) != hi(2))
    throw usage_error(
        call + ": the ranks pass different types (this rank: " + std::string(sig.type_name) + ")");
  if (all[6] != none && lo(3) != hi(3))
    throw usage_error(call + ": the ranks pass different element counts (" + std::to_string(lo(3)) +
                      " to " + std::to_string(hi(3)) + ")");
}

}  // namespace detail
}  // namespace relay
