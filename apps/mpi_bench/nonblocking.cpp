// mpi_bench --ops nonblocking: relay's non-blocking collectives against raw MPI_I* calls. The
// relay side is what a user writes for a known size (ibcast_into, iallreduce_into, igather_into,
// iscatter_into over spans: the request is waited on), the raw side MPI_I* and MPI_Wait on the
// same buffers. Then the overlap, as osu_iallreduce measures it: t_comm is start + wait alone;
// t_total is start, a computation of about t_comm with no MPI call, wait; t_compute is the
// computation alone; overlap = 100 (1 - (t_total - t_compute) / t_comm), clamped to [0, 100].
// Serialized ibcast rows broadcast a vector of strings and a map with ibcast_into (which receives
// into the same value every time); their raw side is the program a user would write with MPI alone:
// the length in one MPI_Ibcast, then the same archive bytes in a second, waited in turn.

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "nonblocking_bench.hpp"
#include "relay/relay.hpp"

namespace mpi_bench {
namespace {

/// A started operation and the wait that completes it.
struct side {
  std::function<void()> start, wait;
};

/// Busy computation of `seconds`, with no MPI call.
void compute(double seconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  volatile double x = 1.0;
  while (std::chrono::steady_clock::now() < end) x = x * 1.0000001 + 1e-9;
}

/// The median overlap in percent of `op`, whose start + wait takes `t_comm_us`.
double overlap(const relay::communicator& comm, const settings& s, const side& op,
               double t_comm_us) {
  const double t = t_comm_us * 1e-6;
  const int iters = static_cast<int>(std::clamp(s.loop_ms * 1000.0 / std::max(2 * t_comm_us, 0.01),
                                                double(s.min_iters), double(s.max_iters)));
  std::vector<double> pct;
  for (int rep = 0; rep < s.reps; ++rep) {
    const double total = time_loop(comm, iters, [&] {
      op.start();
      compute(t);
      op.wait();
    });
    const double alone = time_loop(comm, iters, [&] { compute(t); });
    pct.push_back(std::clamp(100.0 * (1.0 - (total - alone) / t_comm_us), 0.0, 100.0));
  }
  return median(pct);
}

/// Checks both sides, times them against each other, then measures their overlap.
nb_row measure(const relay::communicator& comm, const settings& s, nb_row r, const side& lib,
               const side& raw, const std::function<bool(const side&, int)>& check) {
  const std::string what = r.op + " " + std::to_string(r.bytes) + " B";
  expect_everywhere(comm, check(lib, 1), what + " (relay)");
  expect_everywhere(comm, check(raw, 2), what + " (raw)");
  row t;
  compare(
      comm, s,
      [&] {
        lib.start();
        lib.wait();
      },
      [&] {
        raw.start();
        raw.wait();
      },
      t);
  r.lib_us = t.lib_us;
  r.raw_us = t.ref_us;
  r.ratio = t.ratio;
  r.overlap_pct = overlap(comm, s, lib, t.lib_us);
  r.raw_overlap_pct = overlap(comm, s, raw, t.ref_us);
  return r;
}

double value_at(int rank, std::size_t i, int salt) {
  return static_cast<double>((i * 7 + static_cast<std::size_t>(rank) * 13 + salt) % 101);
}

nb_row run_op(const relay::communicator& comm, const settings& s, const std::string& op,
              std::size_t bytes) {
  const std::size_t n = bytes / sizeof(double);
  const int me = comm.rank(), p = comm.size();
  const MPI_Comm raw = comm.native();
  const int count = static_cast<int>(n);
  const auto all_n = n * static_cast<std::size_t>(p);
  std::vector<double> a(n), b(n), all(all_n);
  relay::coll_request<> pending;
  MPI_Request handle = MPI_REQUEST_NULL;
  side lib, mpi;
  lib.wait = [&] { pending.wait(); };
  mpi.wait = [&] { MPI_Wait(&handle, MPI_STATUS_IGNORE); };
  std::function<void(int)> prepare;
  std::function<bool(int)> holds;
  if (op == "ibcast") {
    lib.start = [&] { pending = relay::ibcast_into(comm, std::span<double>(a), 0); };
    mpi.start = [&] { MPI_Ibcast(a.data(), count, MPI_DOUBLE, 0, raw, &handle); };
    prepare = [&](int salt) {
      for (std::size_t i = 0; i < n; ++i) a[i] = me == 0 ? value_at(0, i, salt) : -1;
    };
    holds = [&](int salt) {
      for (std::size_t i = 0; i < n; ++i)
        if (a[i] != value_at(0, i, salt)) return false;
      return true;
    };
  } else if (op == "iallreduce") {
    lib.start = [&] {
      pending = relay::iallreduce_into(comm, std::span<const double>(a), std::span<double>(b),
                                       relay::ops::plus{});
    };
    mpi.start = [&] {
      MPI_Iallreduce(a.data(), b.data(), count, MPI_DOUBLE, MPI_SUM, raw, &handle);
    };
    prepare = [&](int salt) {
      for (std::size_t i = 0; i < n; ++i) a[i] = value_at(me, i, salt);
    };
    holds = [&](int salt) {
      for (std::size_t i = 0; i < n; ++i) {
        double want = 0;
        for (int r = 0; r < p; ++r) want += value_at(r, i, salt);
        if (b[i] != want) return false;
      }
      return true;
    };
  } else if (op == "igather") {
    lib.start = [&] {
      pending = relay::igather_into(comm, std::span<const double>(a),
                                    me == 0 ? std::span<double>(all) : std::span<double>(), 0);
    };
    mpi.start = [&] {
      MPI_Igather(a.data(), count, MPI_DOUBLE, all.data(), count, MPI_DOUBLE, 0, raw, &handle);
    };
    prepare = [&](int salt) {
      for (std::size_t i = 0; i < n; ++i) a[i] = value_at(me, i, salt);
    };
    holds = [&](int salt) {
      if (me != 0) return true;
      for (std::size_t i = 0; i < all_n; ++i)
        if (all[i] != value_at(static_cast<int>(i / n), i % n, salt)) return false;
      return true;
    };
  } else {  // iscatter
    lib.start = [&] {
      pending = relay::iscatter_into(
          comm, me == 0 ? std::span<const double>(all) : std::span<const double>(),
          std::span<double>(a), 0);
    };
    mpi.start = [&] {
      MPI_Iscatter(all.data(), count, MPI_DOUBLE, a.data(), count, MPI_DOUBLE, 0, raw, &handle);
    };
    prepare = [&](int salt) {
      for (std::size_t i = 0; i < all_n; ++i)
        all[i] = value_at(static_cast<int>(i / n), i % n, salt);
    };
    holds = [&](int salt) {
      for (std::size_t i = 0; i < n; ++i)
        if (a[i] != value_at(me, i, salt)) return false;
      return true;
    };
  }
  const auto check = [&](const side& x, int salt) {
    prepare(salt);
    x.start();
    x.wait();
    return holds(salt);
  };
  nb_row r;
  r.op = op;
  r.type = "double";
  r.bytes = bytes;
  return measure(comm, s, r, lib, mpi, check);
}

std::string word(std::size_t i) {
  return "item-" + std::to_string(i) + std::string(i % 20, static_cast<char>('a' + i % 26));
}

/// The serialized ibcast of `value` from rank 0.
template <class T>
nb_row run_serialized_ibcast(const relay::communicator& comm, const settings& s, const T& value,
                             const char* type) {
  const bool root = comm.rank() == 0;
  T v = root ? value : T{};
  relay::coll_request<> pending;
  side lib;
  lib.start = [&] { pending = relay::ibcast_into(comm, v, 0); };
  lib.wait = [&] { pending.wait(); };
  // Raw MPI: the root archives the value; its length, then its bytes, each one MPI_Ibcast.
  relay::detail::byte_buffer bytes;
  std::uint64_t length = 0;
  MPI_Request handle = MPI_REQUEST_NULL;
  side mpi;
  mpi.start = [&] {
    if (root) {
      bytes.clear();
      relay::detail::save(bytes, v);
      length = bytes.size();
    }
    MPI_Ibcast(&length, 1, MPI_UINT64_T, 0, comm.native(), &handle);
  };
  mpi.wait = [&] {
    MPI_Wait(&handle, MPI_STATUS_IGNORE);
    bytes.resize(length);
    MPI_Ibcast(bytes.data(), static_cast<int>(length), MPI_BYTE, 0, comm.native(), &handle);
    MPI_Wait(&handle, MPI_STATUS_IGNORE);
    if (!root) relay::detail::load(std::span<const char>(bytes.data(), bytes.size()), v);
  };
  const auto check = [&](const side& x, int) {
    if (!root) v = T{};
    x.start();
    x.wait();
    return v == value;
  };
  relay::detail::byte_buffer archive;
  relay::detail::save(archive, value);
  nb_row r;
  r.op = "ser_ibcast";
  r.type = type;
  r.bytes = archive.size();
  return measure(comm, s, r, lib, mpi, check);
}

}  // namespace

std::vector<nb_row> run_nonblocking(const relay::communicator& comm, const settings& s,
                                    const std::vector<std::size_t>& sizes) {
  std::vector<nb_row> rows;
  for (const auto& op : nonblocking_ops())
    for (std::size_t bytes : sizes)
      if (bytes >= sizeof(double)) rows.push_back(run_op(comm, s, op, bytes / 8 * 8));
  std::vector<std::string> strings;
  std::map<std::string, int> map;
  for (std::size_t i = 0; i < s.elements; ++i) {
    strings.push_back(word(i));
    map.emplace(word(i), static_cast<int>(i));
  }
  rows.push_back(run_serialized_ibcast(comm, s, strings, "vector<string>"));
  rows.push_back(run_serialized_ibcast(comm, s, map, "map<string,int>"));
  return rows;
}

}  // namespace mpi_bench
