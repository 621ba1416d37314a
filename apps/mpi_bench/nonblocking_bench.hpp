#pragma once
// mpi_bench --ops nonblocking: relay's non-blocking collectives against raw MPI_I* calls, with an
// OSU-style overlap figure for each side.

#include <cstddef>
#include <string>
#include <vector>

#include "bench.hpp"
#include "relay/communicator.hpp"

namespace mpi_bench {

/// One measured line of --ops nonblocking.
struct nb_row {
  std::string op;              ///< ibcast, iallreduce, igather, iscatter, ser_ibcast
  std::string type;            ///< element or value type
  std::size_t bytes = 0;       ///< message size (per rank for igather and iscatter)
  double lib_us = 0;           ///< median time of start + wait, max over ranks
  double raw_us = 0;           ///< the same for raw MPI
  double ratio = 0;            ///< median of the per-repetition ratios lib/raw
  double overlap_pct = 0;      ///< relay's overlap: 100 (1 - (t_total - t_compute) / t_comm)
  double raw_overlap_pct = 0;  ///< the same for raw MPI
};

/// The operations of --ops nonblocking, in their order of appearance.
inline const std::vector<std::string>& nonblocking_ops() {
  static const std::vector<std::string> ops{"ibcast", "iallreduce", "igather", "iscatter"};
  return ops;
}

/// Runs every non-blocking operation at every size in `sizes` of at least 8 bytes (doubles), then
/// the serialized ibcast rows; checks the data each side moved before timing it. Throws
/// relay::error if any rank received wrong data.
std::vector<nb_row> run_nonblocking(const relay::communicator& comm, const settings& s,
                                    const std::vector<std::size_t>& sizes);

}  // namespace mpi_bench
