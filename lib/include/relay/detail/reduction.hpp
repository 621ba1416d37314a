#pragma once
// The MPI path of the reductions: bytewise values and vectors of them, reduced element by element
// by MPI_Reduce/Allreduce/Scan/Exscan, with the vectors' lengths checked on every rank.

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "relay/communicator.hpp"
#include "relay/datatype.hpp"
#include "relay/detail/reduce_op.hpp"
#include "relay/error.hpp"

namespace relay::detail {

/// The element type and count that MPI reduces for a bytewise value or a vector of them.
template <class T>
struct reduce_view {
  using element = T;
  static T* data(T& v) { return &v; }
  static const T* data(const T& v) { return &v; }
  static std::size_t size(const T&) { return 1; }
  static void resize(T&, std::size_t) {}
};
template <class E, class A>
struct reduce_view<std::vector<E, A>> {
  using element = E;
  static E* data(std::vector<E, A>& v) { return v.data(); }
  static const E* data(const std::vector<E, A>& v) { return v.data(); }
  static std::size_t size(const std::vector<E, A>& v) { return v.size(); }
  static void resize(std::vector<E, A>& v, std::size_t n) { v.resize(n); }
};

template <class T>
concept mpi_reducible = bytewise<T> ||(resizable_contiguous<T>&& requires {
  typename T::allocator_type;
} && std::is_same_v<T, std::vector<element_t<T>, typename T::allocator_type>>);

enum class reduce_kind { reduce, allreduce, scan, exscan };

/// One MPI reduction of n elements from `src` into `dst` (null where nothing is received), split
/// into pieces of at most INT_MAX elements (element-wise reductions can be cut anywhere between
/// elements). In place (MPI_IN_PLACE) only when `src` is `dst`: Open MPI's reductions with
/// MPI_IN_PLACE allocate and copy a temporary buffer on every call.
template <class E, class Op>
void mpi_reduce_elements(const communicator& comm, const E* src, E* dst, std::size_t n,
                         const Op& op, int root, reduce_kind kind) {
  op_scope<Op, E> scope(op);
  const MPI_Op mpi_op = scope.handle();
  const MPI_Datatype type = datatype<E>();
  const MPI_Comm native = comm.native();
  const bool in_place = dst != nullptr && src == dst;  // MPI forbids the same buffer twice
  for (std::size_t done = 0; done < n || (n == 0 && done == 0); done += INT_MAX) {
    const int count = static_cast<int>(std::min<std::size_t>(n - done, INT_MAX));
    const void* s = in_place ? MPI_IN_PLACE : src + (n == 0 ? 0 : done);
    E* d = dst ? dst + done : nullptr;
    switch (kind) {
      case reduce_kind::reduce:
        RELAY_MPI(MPI_Reduce, s, d, count, type, mpi_op, root, native);
        break;
      case reduce_kind::allreduce:
        RELAY_MPI(MPI_Allreduce, s, d, count, type, mpi_op, native);
        break;
      case reduce_kind::scan:
        RELAY_MPI(MPI_Scan, s, d, count, type, mpi_op, native);
        break;
      case reduce_kind::exscan:
        RELAY_MPI(MPI_Exscan, s, d, count, type, mpi_op, native);
        break;
    }
    if (n == 0) break;
  }
}

/// An allreduce of a vector carries its length check in the reduction itself, at no extra call:
/// its first MPI call reduces one block of this many bytes, holding {n, -n} (combined with min,
/// so every rank learns the smallest and the largest length) and the first elements (combined
/// with the operation); the elements that do not fit follow in a second call, once the lengths
/// are known to agree. 256 bytes costs no more than 8 on shared memory.
inline constexpr std::size_t checked_block_bytes = 256;

/// The layout of such a block for elements of type E: the header, then up to `capacity` elements.
template <class E>
struct checked_block {
  static constexpr std::size_t header = 2 * sizeof(std::int64_t);
  static constexpr std::size_t capacity = (checked_block_bytes - header) / sizeof(E);
  /// Element types too large or too aligned for the block take the separate check instead.
  static constexpr bool fits = capacity > 0 && alignof(E) <= header;
};

/// The MPI operation on such blocks: min on the headers, and `Op` (MPI's own where there is one,
/// through MPI_Reduce_local) on the elements present in both operands, so that an operation
/// never sees padding. Commutes when Op does.
template <class Op, class E>
struct checked_block_op {
  static void apply(void* in, void* inout, int* len, MPI_Datatype*) {
    using B = checked_block<E>;
    for (int i = 0; i < *len; ++i) {
      char* a = static_cast<char*>(in) + static_cast<std::size_t>(i) * checked_block_bytes;
      char* b = static_cast<char*>(inout) + static_cast<std::size_t>(i) * checked_block_bytes;
      std::int64_t ha[2], hb[2];
      std::memcpy(ha, a, sizeof ha);
      std::memcpy(hb, b, sizeof hb);
      int count = static_cast<int>(
          std::max<std::int64_t>(0, std::min({ha[0], hb[0], std::int64_t{B::capacity}})));
      hb[0] = std::min(ha[0], hb[0]);
      hb[1] = std::min(ha[1], hb[1]);
      std::memcpy(b, hb, sizeof hb);
      if (count == 0) continue;
      const MPI_Op builtin = builtin_op<Op, E>();
      if (builtin != MPI_OP_NULL)
        MPI_Reduce_local(a + B::header, b + B::header, count, datatype<E>(), builtin);
      else
        user_op<Op, E>::apply(a + B::header, b + B::header, &count, nullptr);
    }
  }

  /// The MPI_Op, made on first use and freed at MPI_Finalize.
  static MPI_Op handle() {
    static MPI_Op op = [] {
      MPI_Op made = MPI_OP_NULL;
      RELAY_MPI(MPI_Op_create, &apply, commutes<Op, E> ? 1 : 0, &made);
      at_finalize([] { MPI_Op_free(&op); });
      return made;
    }();
    return op;
  }
};

inline const char* name(reduce_kind kind) {
  switch (kind) {
    case reduce_kind::reduce:
      return "reduce";
    case reduce_kind::allreduce:
      return "allreduce";
    case reduce_kind::scan:
      return "scan";
    case reduce_kind::exscan:
      return "exscan";
  }
  return "reduction";
}

[[noreturn]] inline void throw_length_mismatch(reduce_kind kind, std::int64_t shortest,
                                               std::int64_t longest) {
  throw usage_error(std::string(name(kind)) + ": the ranks pass vectors of " +
                    std::to_string(shortest) + " to " + std::to_string(longest) +
                    " elements; an element-wise reduction needs the same length on every rank");
}

/// Element-wise reductions need the same length on every rank, and MPI cannot tell: with
/// different counts it returns a wrong result on one rank and MPI_ERR_TRUNCATE (or hangs) on
/// others. So the lengths are compared first, and a mismatch throws usage_error on every rank:
/// one MPI_Allreduce of {n, -n} with MPI_MIN gives the smallest and the largest length at once
/// (a fixed count, so it cannot mismatch itself). A reduce, scan or exscan has to pay this extra
/// call: some ranks receive nothing from the reduction itself (the non-roots of a reduce, rank 0
/// of a scan), yet they must raise too. Nothing to compare at one rank.
inline void check_same_length(const communicator& comm, std::size_t n, reduce_kind kind) {
  if (comm.size() == 1) return;
  const long long mine[2] = {static_cast<long long>(n), -static_cast<long long>(n)};
  long long ends[2];
  RELAY_MPI(MPI_Allreduce, mine, ends, 2, MPI_LONG_LONG, MPI_MIN, comm.native());
  if (ends[0] != -ends[1]) throw_length_mismatch(kind, ends[0], -ends[1]);
}

/// Allreduce of n elements whose length the ranks may not agree on: the length check travels in
/// the first block (see checked_block_bytes), then the rest, if any, with `op` itself. `src` may
/// be `dst` (in place).
template <class E, class Op>
void checked_allreduce(const communicator& comm, const E* src, E* dst, std::size_t n,
                       const Op& op) {
  using B = checked_block<E>;
  const std::size_t head = std::min(n, B::capacity);
  {
    op_scope<Op, E> scope(op);  // for a user operation inside the block operation
    alignas(std::max_align_t) char in[checked_block_bytes];
    alignas(std::max_align_t) char out[checked_block_bytes];
    const std::int64_t ends[2] = {static_cast<std::int64_t>(n), -static_cast<std::int64_t>(n)};
    std::memcpy(in, ends, sizeof ends);
    const std::size_t used = B::header + head * sizeof(E);
    if (head > 0) std::memcpy(in + B::header, src, head * sizeof(E));
    std::memset(in + used, 0, checked_block_bytes - used);
    static const MPI_Datatype block = bytes_type(checked_block_bytes);
    RELAY_MPI(MPI_Allreduce, in, out, 1, block, checked_block_op<Op, E>::handle(), comm.native());
    std::int64_t got[2];
    std::memcpy(got, out, sizeof got);
    if (got[0] != -got[1]) throw_length_mismatch(reduce_kind::allreduce, got[0], -got[1]);
    if (head > 0) std::memcpy(dst, out + B::header, head * sizeof(E));
  }
  if (n > head)
    mpi_reduce_elements(comm, src + head, dst + head, n - head, op, 0, reduce_kind::allreduce);
}

/// One reduction of n elements from `src` into `dst` (null where nothing is received; `src` may
/// be `dst`), every rank's n checked against the others' first (see check_same_length).
template <class E, class Op>
void checked_reduce(const communicator& comm, const E* src, E* dst, std::size_t n, const Op& op,
                    int root, reduce_kind kind) {
  if (kind == reduce_kind::allreduce && comm.size() > 1 && checked_block<E>::fits) {
    checked_allreduce(comm, src, dst, n, op);
    return;
  }
  check_same_length(comm, n, kind);
  mpi_reduce_elements(comm, src, dst, n, op, root, kind);
}

/// Whether this rank receives a result in a reduction of this kind.
inline bool receives_result(const communicator& comm, int root, reduce_kind kind) {
  return kind != reduce_kind::reduce || comm.rank() == root;
}

/// One MPI reduction of `value` into `out` (sized here where it is read), in place when they are
/// the same object. `out` is not touched on non-roots of a reduce.
template <class T, class Op>
void mpi_reduce(const communicator& comm, const T& value, T& out, const Op& op, int root,
                reduce_kind kind) {
  using V = reduce_view<T>;
  const bool receives = receives_result(comm, root, kind);
  const std::size_t n = V::size(value);
  if (receives) V::resize(out, n);
  const auto* src = V::data(value);
  auto* dst = receives ? V::data(out) : nullptr;
  if constexpr (bytewise<T>)
    mpi_reduce_elements(comm, src, dst, n, op, root, kind);
  else
    checked_reduce(comm, src, dst, n, op, root, kind);
}

template <class T, class Op>
T mpi_reduce(const communicator& comm, const T& value, const Op& op, int root, reduce_kind kind) {
  T out{};
  mpi_reduce(comm, value, out, op, root, kind);
  return out;
}

template <class T>
inline constexpr bool is_bool_vector = std::is_same_v<T, std::vector<bool>>;

/// Element-wise reduction of a std::vector<bool>, which packs its bits and has no data(): through
/// a buffer of bools (MPI_CXX_BOOL, whose logical operations are MPI's own). Returns the result
/// where one is received, else an empty vector.
template <class Op>
std::vector<bool> mpi_reduce_bools(const communicator& comm, const std::vector<bool>& value,
                                   const Op& op, int root, reduce_kind kind) {
  const std::size_t n = value.size();
  const auto buffer = std::make_unique<bool[]>(2 * n + 1);
  bool* in = buffer.get();
  bool* out = in + n;
  std::copy(value.begin(), value.end(), in);
  const bool receives = receives_result(comm, root, kind);
  checked_reduce(comm, static_cast<const bool*>(in), receives ? out : nullptr, n, op, root, kind);
  return receives ? std::vector<bool>(out, out + n) : std::vector<bool>{};
}

/// A moved-in (non-const rvalue) argument: the reductions reduce in its own memory.
template <class T>
concept moved_in = !std::is_reference_v<T> && !std::is_const_v<T>;

/// Reduced in place in a moved-in value: vectors on MPI's path (a bytewise value gains nothing).
template <class T>
concept reducible_in_place = mpi_reducible<T> && !bytewise<T>;

}  // namespace relay::detail
