#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "bench.hpp"
#include "relay/error.hpp"

namespace mpi_bench {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double time_loop(const relay::communicator& comm, int iters, const std::function<void()>& body) {
  // Raw MPI for the instrument itself, so that its cost is the same for both sides.
  MPI_Barrier(comm.native());
  const double start = MPI_Wtime();
  for (int i = 0; i < iters; ++i) body();
  const double mine = (MPI_Wtime() - start) / iters * 1e6;
  double slowest = 0;
  MPI_Allreduce(&mine, &slowest, 1, MPI_DOUBLE, MPI_MAX, comm.native());
  return slowest;
}

void compare(const relay::communicator& comm, const settings& s, const std::function<void()>& lib,
             const std::function<void()>& ref, row& out) {
  // Warm-up (first-touch of buffers, connection set-up, cached datatypes and ops), then a short
  // timed run of each side to choose an iteration count that fills about s.loop_ms.
  time_loop(comm, 1, lib);
  time_loop(comm, 1, ref);
  const double probe = std::max(time_loop(comm, 2, lib), time_loop(comm, 2, ref));
  const double wanted = s.loop_ms * 1000.0 / std::max(probe, 0.01);
  const int iters = static_cast<int>(std::clamp(wanted, double(s.min_iters), double(s.max_iters)));

  std::vector<double> lib_us, ref_us, ratios;
  for (int rep = 0; rep < s.reps; ++rep) {
    double l = 0, r = 0;
    if (rep % 2 == 0) {
      l = time_loop(comm, iters, lib);
      r = time_loop(comm, iters, ref);
    } else {
      r = time_loop(comm, iters, ref);
      l = time_loop(comm, iters, lib);
    }
    lib_us.push_back(l);
    ref_us.push_back(r);
    ratios.push_back(l / r);
  }
  out.lib_us = median(lib_us);
  out.ref_us = median(ref_us);
  out.ratio = median(ratios);
}

void expect_everywhere(const relay::communicator& comm, bool ok, const std::string& what) {
  // The lowest failing rank, or size() if none failed.
  int mine = ok ? comm.size() : comm.rank();
  int first = comm.size();
  MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm.native());
  if (first < comm.size())
    throw relay::error(what + ": wrong data on rank " + std::to_string(first));
}

}  // namespace mpi_bench
