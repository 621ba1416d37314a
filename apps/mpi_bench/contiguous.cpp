// The contiguous-data operations. Each has a raw MPI side, written as the OSU micro-benchmarks
// write it (buffers allocated once, MPI called directly), and a library side written as a user of
// relay would write the same hot loop: bcast by value (recycling the vector moved through it),
// scatterv_into, gatherv_into, reduce_into and allreduce_into (which reuse the result vector;
// scatterv and gatherv still learn every length from the messages), and spans where the size is
// known on both sides (recv_into, isend of a span, irecv_into).

#include <mpi.h>

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "bench.hpp"
#include "relay/relay.hpp"

namespace mpi_bench {
namespace {

constexpr int tag = 11;
constexpr int ack_tag = 12;

/// A value that depends on the rank, the element index and a salt, exact in every element type.
template <class E>
E pattern(int rank, std::size_t i, int salt) {
  return static_cast<E>(
      (i * 7 + static_cast<std::size_t>(rank) * 13 + static_cast<std::size_t>(salt)) % 101);
}

template <class E>
void fill(std::vector<E>& v, int rank, int salt, std::size_t offset = 0) {
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = pattern<E>(rank, offset + i, salt);
}

template <class E>
bool holds(const std::vector<E>& v, std::size_t n, int rank, int salt) {
  if (v.size() != n) return false;
  for (std::size_t i = 0; i < n; ++i)
    if (v[i] != pattern<E>(rank, i, salt)) return false;
  return true;
}

/// The buffers and the two sides of one operation at one size.
template <class E>
struct op_case {
  std::function<void()> lib, raw;
  /// Runs `side` once on fresh data and tells whether this rank got what it should.
  std::function<bool(const std::function<void()>& side, int salt)> check;
  double bytes_per_iteration = 0;  // for MB/s; 0 where a rate does not apply
  double time_divisor = 1;         // iterations hold this many operations
};

template <class E>
void run_case(const relay::communicator& comm, const settings& s, op_case<E>& c,
              const std::string& op, row& out) {
  expect_everywhere(comm, c.check(c.lib, 1), op + " " + std::to_string(out.bytes) + " B (relay)");
  expect_everywhere(comm, c.check(c.raw, 2), op + " " + std::to_string(out.bytes) + " B (raw)");
  compare(comm, s, c.lib, c.raw, out);
  out.lib_us /= c.time_divisor;
  out.ref_us /= c.time_divisor;
  if (c.bytes_per_iteration > 0) {
    out.lib_mbps = c.bytes_per_iteration / (out.lib_us * c.time_divisor);
    out.ref_mbps = c.bytes_per_iteration / (out.ref_us * c.time_divisor);
  }
}

template <class E>
row run_typed(const relay::communicator& comm, const settings& s, const std::string& op,
              std::size_t bytes, const char* type_name) {
  const std::size_t n = bytes / sizeof(E);
  const int me = comm.rank();
  const int p = comm.size();
  const MPI_Comm raw = comm.native();
  const MPI_Datatype type = relay::datatype<E>();
  const int count = static_cast<int>(n);
  const auto all_n = n * static_cast<std::size_t>(p);

  std::vector<E> a(n), b(n), all(me == 0 ? all_n : 0);
  std::vector<relay::request> requests;
  std::vector<MPI_Request> raw_requests(static_cast<std::size_t>(s.window));
  op_case<E> c;
  row out{op, type_name, bytes};

  if (op == "pingpong") {
    c.time_divisor = 2;  // one-way latency, as osu_latency reports it
    c.bytes_per_iteration = 2.0 * static_cast<double>(bytes);
    c.raw = [&] {
      if (me == 0) {
        MPI_Send(a.data(), count, type, 1, tag, raw);
        MPI_Recv(b.data(), count, type, 1, tag, raw, MPI_STATUS_IGNORE);
      } else if (me == 1) {
        MPI_Recv(b.data(), count, type, 0, tag, raw, MPI_STATUS_IGNORE);
        MPI_Send(b.data(), count, type, 0, tag, raw);
      }
    };
    c.lib = [&] {
      if (me == 0) {
        relay::send(comm, std::span<const E>(a), 1, tag);
        relay::recv_into(comm, std::span<E>(b), 1, tag);
      } else if (me == 1) {
        relay::recv_into(comm, std::span<E>(b), 0, tag);
        relay::send(comm, std::span<const E>(b), 0, tag);
      }
    };
    c.check = [&](const std::function<void()>& side, int salt) {
      fill(a, 0, salt);
      std::fill(b.begin(), b.end(), E{});
      side();
      return me > 1 || holds(b, n, 0, salt);
    };
  } else if (op == "bw") {
    // osu_bw: a window of non-blocking sends of one buffer, then an acknowledgement.
    const int w = s.window;
    c.time_divisor = w;
    c.bytes_per_iteration = static_cast<double>(bytes) * w;
    c.raw = [&, w] {  // w by value: it ends with this block
      if (me == 0) {
        for (int i = 0; i < w; ++i) MPI_Isend(a.data(), count, type, 1, tag, raw, &raw_requests[i]);
        MPI_Waitall(w, raw_requests.data(), MPI_STATUSES_IGNORE);
        char ack = 0;
        MPI_Recv(&ack, 1, MPI_CHAR, 1, ack_tag, raw, MPI_STATUS_IGNORE);
      } else if (me == 1) {
        for (int i = 0; i < w; ++i) MPI_Irecv(b.data(), count, type, 0, tag, raw, &raw_requests[i]);
        MPI_Waitall(w, raw_requests.data(), MPI_STATUSES_IGNORE);
        char ack = 1;
        MPI_Send(&ack, 1, MPI_CHAR, 0, ack_tag, raw);
      }
    };
    c.lib = [&, w] {
      requests.clear();
      if (me == 0) {
        for (int i = 0; i < w; ++i)
          requests.push_back(relay::isend(comm, std::span<const E>(a), 1, tag));
        relay::wait_all(requests);
        (void)relay::recv<char>(comm, 1, ack_tag);
      } else if (me == 1) {
        for (int i = 0; i < w; ++i)
          requests.push_back(relay::irecv_into(comm, std::span<E>(b), 0, tag));
        relay::wait_all(requests);
        relay::send(comm, char{1}, 0, ack_tag);
      }
    };
    c.check = [&](const std::function<void()>& side, int salt) {
      fill(a, 0, salt);
      std::fill(b.begin(), b.end(), E{});
      side();
      return me != 1 || holds(b, n, 0, salt);
    };
  } else if (op == "bcast") {
    c.raw = [&] { MPI_Bcast(a.data(), count, type, 0, raw); };
    // The value goes in and comes back out, so its storage is reused: no allocation.
    c.lib = [&] { a = relay::bcast(comm, std::move(a), 0); };
    c.check = [&](const std::function<void()>& side, int salt) {
      fill(a, me, salt);
      if (me != 0) std::fill(a.begin(), a.end(), E{});
      side();
      return holds(a, n, 0, salt);
    };
  } else if (op == "scatter") {
    c.raw = [&] { MPI_Scatter(all.data(), count, type, b.data(), count, type, 0, raw); };
    c.lib = [&] { relay::scatter_balanced_into(comm, all, b, 0); };
    c.check = [&](const std::function<void()>& side, int salt) {
      if (me == 0) fill(all, 0, salt);
      std::fill(b.begin(), b.end(), E{});
      side();
      if (b.size() != n) return false;
      for (std::size_t i = 0; i < n; ++i)
        if (b[i] != pattern<E>(0, static_cast<std::size_t>(me) * n + i, salt)) return false;
      return true;
    };
  } else if (op == "gather") {
    c.raw = [&] { MPI_Gather(a.data(), count, type, all.data(), count, type, 0, raw); };
    c.lib = [&] { relay::gatherv_into(comm, a, all, 0); };
    c.check = [&](const std::function<void()>& side, int salt) {
      fill(a, me, salt);
      if (me == 0) {
        all.assign(all_n, E{});
      }
      side();
      if (me != 0) return true;
      if (all.size() != all_n) return false;
      for (int r = 0; r < p; ++r)
        for (std::size_t i = 0; i < n; ++i)
          if (all[static_cast<std::size_t>(r) * n + i] != pattern<E>(r, i, salt)) return false;
      return true;
    };
  } else if (op == "reduce" || op == "allreduce") {
    const bool everywhere = op == "allreduce";
    if (everywhere) {
      c.raw = [&] { MPI_Allreduce(a.data(), b.data(), count, type, MPI_SUM, raw); };
      c.lib = [&] { relay::allreduce_into(comm, a, b, std::plus<>{}); };
    } else {
      c.raw = [&] { MPI_Reduce(a.data(), b.data(), count, type, MPI_SUM, 0, raw); };
      c.lib = [&] { relay::reduce_into(comm, a, b, std::plus<>{}, 0); };
    }
    c.check = [&, everywhere](const std::function<void()>& side, int salt) {
      fill(a, me, salt);
      b.assign(n, E{});
      side();
      if (!everywhere && me != 0) return true;
      if (b.size() != n) return false;
      for (std::size_t i = 0; i < n; ++i) {
        E sum{};
        for (int r = 0; r < p; ++r) sum += pattern<E>(r, i, salt);
        if (b[i] != sum) return false;
      }
      return true;
    };
    b.assign(n, E{});
  } else {
    throw relay::usage_error("unknown operation '" + op + "'");
  }
  run_case(comm, s, c, op, out);
  return out;
}

}  // namespace

row run_contiguous(const relay::communicator& comm, const settings& s, const std::string& op,
                   std::size_t bytes) {
  // Whole doubles where the size allows (as the reductions need), single chars below.
  if (bytes % sizeof(double) == 0) return run_typed<double>(comm, s, op, bytes, "double");
  return run_typed<char>(comm, s, op, bytes, "char");
}

}  // namespace mpi_bench
