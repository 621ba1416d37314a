#pragma once
// mpi_bench's output: the tables and their summary as text, or one JSON object.

#include <string>
#include <vector>

#include "bench.hpp"
#include "nonblocking_bench.hpp"
#include "pool_bench.hpp"

namespace mpi_bench {

/// The version line of the MPI library, up to its first comma or newline.
[[nodiscard]] std::string mpi_version();

/// Prints the text header line on stdout (rank 0, before the measurements).
void print_header(int ranks, int reps);

/// Prints the measured rows on stdout: as text tables with the lib/raw summary, or with `json`
/// as one JSON object.
void print_results(const std::vector<row>& contiguous, const std::vector<row>& serialized,
                   const std::vector<pool_row>& pool, const std::vector<nb_row>& nonblocking,
                   const settings& s, int ranks, bool json);

}  // namespace mpi_bench
