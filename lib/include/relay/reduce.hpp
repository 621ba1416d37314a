#pragma once
/// \file
/// Reductions and prefix reductions: reduce, allreduce, scan, exscan.
///
/// The standard function objects map to MPI's built-in operations when the element type is one of
/// MPI's arithmetic types: std::plus -> MPI_SUM, std::multiplies -> MPI_PROD, relay::min/max ->
/// MPI_MIN/MPI_MAX, std::logical_and/or and relay::logical_xor -> MPI_LAND/LOR/LXOR,
/// std::bit_and/or/xor -> MPI_BAND/BOR/BXOR. Any other operation (a lambda, a functor, or a
/// standard one on a user type such as `unsigned __int128`) becomes an MPI_Op made once per
/// operation and type. User operations are taken as non-commutative, so MPI combines operands in
/// rank order; wrap one in relay::commutative to allow MPI to reorder.
///
/// Trivial values and vectors of them (reduced element by element; std::vector<bool> through a
/// buffer of bools) use MPI's reductions. Vectors must have the same length on every rank; a
/// mismatch raises usage_error on every rank (an allreduce checks inside its own first call; a
/// reduce, scan or exscan with one extra small MPI_Allreduce). A moved-in vector
/// (`v = relay::allreduce(world, std::move(v), op)`) is reduced in its own memory and returned.
/// Other types (big integers, strings) are serialized and combined along a binomial tree in rank
/// order, on relay's private duplicate of the communicator.

#include <mpi.h>

#include <algorithm>
#include <bit>
#include <climits>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "relay/collectives.hpp"
#include "relay/communicator.hpp"
#include "relay/config.hpp"
#include "relay/datatype.hpp"
#include "relay/environment.hpp"
#include "relay/p2p.hpp"

namespace relay {

/// The smaller of two values (maps to MPI_MIN).
struct min {
  template <class T>
  constexpr T operator()(const T& a, const T& b) const {
    return b < a ? b : a;
  }
};
/// The larger of two values (maps to MPI_MAX).
struct max {
  template <class T>
  constexpr T operator()(const T& a, const T& b) const {
    return a < b ? b : a;
  }
};
/// Logical exclusive or (maps to MPI_LXOR).
struct logical_xor {
  template <class T>
  constexpr bool operator()(const T& a, const T& b) const {
    return !a != !b;
  }
};

/// Marks a user operation as commutative, which lets MPI combine operands in any order.
template <class Op>
struct commutative {
  Op op;
  template <class T>
  constexpr T operator()(const T& a, const T& b) const {
    return op(a, b);
  }
};
template <class Op>
commutative(Op) -> commutative<Op>;

namespace detail {

template <class Op, template <class...> class Std>
inline constexpr bool is_std_op = std::is_same_v<Op, Std<>> || std::is_same_v<Op, Std<void>>;
template <class Op, class T, template <class...> class Std>
inline constexpr bool is_op = is_std_op<Op, Std> || std::is_same_v<Op, Std<T>>;

/// MPI's built-in operation for (Op, T), or MPI_OP_NULL.
template <class Op, class T>
MPI_Op builtin_op() {
  constexpr bool arithmetic = is_mpi_arithmetic_v<T>;
  constexpr bool real = arithmetic && std::is_arithmetic_v<T>;
  constexpr bool integral = arithmetic && std::is_integral_v<T>;
  constexpr bool logical = integral || std::is_same_v<std::remove_cv_t<T>, bool>;
  if constexpr (arithmetic && is_op<Op, T, std::plus>)
    return MPI_SUM;
  else if constexpr (arithmetic && is_op<Op, T, std::multiplies>)
    return MPI_PROD;
  else if constexpr (real && std::is_same_v<Op, relay::min>)
    return MPI_MIN;
  else if constexpr (real && std::is_same_v<Op, relay::max>)
    return MPI_MAX;
  else if constexpr (logical && is_op<Op, T, std::logical_and>)
    return MPI_LAND;
  else if constexpr (logical && is_op<Op, T, std::logical_or>)
    return MPI_LOR;
  else if constexpr (logical && std::is_same_v<Op, relay::logical_xor>)
    return MPI_LXOR;
  else if constexpr (integral && is_op<Op, T, std::bit_and>)
    return MPI_BAND;
  else if constexpr (integral && is_op<Op, T, std::bit_or>)
    return MPI_BOR;
  else if constexpr (integral && is_op<Op, T, std::bit_xor>)
    return MPI_BXOR;
  else
    return MPI_OP_NULL;
}

template <class Op>
struct is_commutative_wrapper : std::false_type {};
template <class Op>
struct is_commutative_wrapper<commutative<Op>> : std::true_type {};

/// Whether MPI may reorder operands: true for the standard operations and relay::commutative.
template <class Op, class T>
inline constexpr bool commutes =
    is_commutative_wrapper<Op>::value || is_op<Op, T, std::plus> || is_op<Op, T, std::multiplies> ||
    std::is_same_v<Op, relay::min> || std::is_same_v<Op, relay::max> ||
    is_op<Op, T, std::logical_and> || is_op<Op, T, std::logical_or> ||
    std::is_same_v<Op, relay::logical_xor> || is_op<Op, T, std::bit_and> ||
    is_op<Op, T, std::bit_or> || is_op<Op, T, std::bit_xor>;

/// The user operation in use by the reduction running on this thread. MPI calls the function
/// below from inside that reduction, on this thread, so a per-thread pointer reaches the
/// caller's (possibly stateful) operation object.
template <class Op, class T>
struct user_op {
  static inline thread_local const Op* current = nullptr;

  static void apply(void* in, void* inout, int* len, MPI_Datatype*) {
    const T* a = static_cast<const T*>(in);
    T* b = static_cast<T*>(inout);
    // Lower ranks on the left. The cast undoes integral promotion (std::plus<> on char gives int).
    for (int i = 0; i < *len; ++i) b[i] = static_cast<T>((*current)(a[i], b[i]));
  }

  /// The MPI_Op for this (Op, T), made on first use and freed at MPI_Finalize.
  static MPI_Op handle() {
    static MPI_Op op = [] {
      MPI_Op made = MPI_OP_NULL;
      RELAY_MPI(MPI_Op_create, &apply, commutes<Op, T> ? 1 : 0, &made);
      at_finalize([] { MPI_Op_free(&op); });
      return made;
    }();
    return op;
  }
};

/// Sets up the MPI operation for a reduction of T with `op` for the scope of one call.
template <class Op, class T>
class op_scope {
 public:
  explicit op_scope(const Op& op) : previous_(user_op<Op, T>::current) {
    user_op<Op, T>::current = &op;
  }
  ~op_scope() { user_op<Op, T>::current = previous_; }
  op_scope(const op_scope&) = delete;
  op_scope& operator=(const op_scope&) = delete;

  [[nodiscard]] MPI_Op handle() const {
    const MPI_Op builtin = builtin_op<Op, T>();
    return builtin != MPI_OP_NULL ? builtin : user_op<Op, T>::handle();
  }

 private:
  const Op* previous_;
};

/// The element type and count that MPI reduces for a trivial value or a vector of them.
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
concept mpi_reducible = trivial<T> ||(resizable_contiguous<T>&& requires {
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
  if constexpr (trivial<T>)
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

/// Binomial-tree reduction of serialized values to rank 0 of `comm`, combining in rank order:
/// each rank holds the combination of a contiguous run of ranks starting at itself and appends
/// the run that follows. Returns the result on rank 0 (other ranks: their partial value).
template <class T, class Op>
T tree_reduce(const communicator& comm, T value, const Op& op) {
  const communicator internal(internal_comm(comm));
  const int rank = comm.rank(), size = comm.size();
  for (int mask = 1; mask < size; mask <<= 1) {
    if (rank & mask) {
      send(internal, value, rank - mask, config::reduce_tag);
      break;
    }
    if (rank + mask < size)
      value = op(std::move(value), recv<T>(internal, rank + mask, config::reduce_tag));
  }
  return value;
}

/// tree_reduce, with the result moved to `root` (rank 0 holds it after the tree); T{} elsewhere.
template <class T, class Op>
T tree_reduce_to(const communicator& comm, T value, Op op, int root) {
  T out = tree_reduce(comm, std::move(value), op);
  if (root != 0) {
    const communicator internal(internal_comm(comm));
    if (comm.rank() == 0) send(internal, out, root, config::reduce_tag);
    if (comm.rank() == root) out = recv<T>(internal, 0, config::reduce_tag);
  }
  return comm.rank() == root ? std::move(out) : T{};
}

/// Inclusive scan of serialized values by recursive doubling, in rank order. With `exclusive`,
/// returns the combination of the lower ranks' values instead (nullopt on rank 0).
template <class T, class Op>
std::optional<T> doubling_scan(const communicator& comm, const T& value, const Op& op,
                               bool exclusive) {
  const communicator internal(internal_comm(comm));
  const int rank = comm.rank(), size = comm.size();
  T partial = value;       // combination of the ranks in my current subcube
  std::optional<T> lower;  // combination of all lower ranks seen so far
  for (int mask = 1; mask < size; mask <<= 1) {
    const int partner = rank ^ mask;
    if (partner >= size) continue;
    T theirs = sendrecv<T>(internal, partial, partner, partner, config::scan_tag, config::scan_tag);
    if (partner < rank) {
      lower = lower ? op(theirs, *lower) : theirs;
      partial = op(std::move(theirs), partial);
    } else {
      partial = op(partial, std::move(theirs));
    }
  }
  if (exclusive) return lower;
  return lower ? op(*lower, value) : value;
}

}  // namespace detail

/// Combines every rank's `value` with `op` in rank order and returns the result at `root`; the
/// other ranks get a value-initialized T. For vectors the combination is element-wise and every
/// rank must pass the same length (else every rank raises usage_error). Called by every rank of
/// the communicator.
template <class T, class Op>
[[nodiscard]] T reduce(const communicator& comm, const T& value, Op op, int root) {
  comm.check_rank(root, "root");
  if constexpr (detail::mpi_reducible<T>) {
    T out = detail::mpi_reduce(comm, value, op, root, detail::reduce_kind::reduce);
    return comm.rank() == root ? std::move(out) : T{};
  } else if constexpr (detail::is_bool_vector<T>) {
    return detail::mpi_reduce_bools(comm, value, op, root, detail::reduce_kind::reduce);
  } else {
    return detail::tree_reduce_to(comm, T(value), op, root);
  }
}

/// As reduce, into `result` at the root, reusing its memory (a loop that reduces into one vector
/// allocates nothing once warm); other ranks' `result` is left alone. `value` and `result` may be
/// the same object (then the reduction runs in place). For trivial values and
/// vectors of them. Called by every rank of the communicator.
template <class T, class Op>
requires detail::mpi_reducible<T>
void reduce_into(const communicator& comm, const T& value, T& result, Op op, int root) {
  comm.check_rank(root, "root");
  detail::mpi_reduce(comm, value, result, op, root, detail::reduce_kind::reduce);
}

/// As allreduce, into `result`, reusing its memory (in place when `value` is `result`). For
/// trivial values and vectors of them.
/// Called by every rank of the communicator.
template <class T, class Op>
requires detail::mpi_reducible<T>
void allreduce_into(const communicator& comm, const T& value, T& result, Op op) {
  detail::mpi_reduce(comm, value, result, op, 0, detail::reduce_kind::allreduce);
}

/// As reduce, with the result on every rank. Called by every rank of the communicator.
template <class T, class Op>
[[nodiscard]] T allreduce(const communicator& comm, const T& value, Op op) {
  if constexpr (detail::mpi_reducible<T>) {
    return detail::mpi_reduce(comm, value, op, 0, detail::reduce_kind::allreduce);
  } else if constexpr (detail::is_bool_vector<T>) {
    return detail::mpi_reduce_bools(comm, value, op, 0, detail::reduce_kind::allreduce);
  } else {
    return bcast(comm, detail::tree_reduce(comm, T(value), op), 0);
  }
}

/// Inclusive prefix reduction: rank r gets op(v0, v1, ..., vr), combined in rank order (so
/// non-commutative operations are safe). Called by every rank of the communicator.
template <class T, class Op>
[[nodiscard]] T scan(const communicator& comm, const T& value, Op op) {
  if constexpr (detail::mpi_reducible<T>)
    return detail::mpi_reduce(comm, value, op, 0, detail::reduce_kind::scan);
  else if constexpr (detail::is_bool_vector<T>)
    return detail::mpi_reduce_bools(comm, value, op, 0, detail::reduce_kind::scan);
  else
    return *detail::doubling_scan(comm, value, op, /*exclusive=*/false);
}

/// Exclusive prefix reduction: rank r > 0 gets op(v0, ..., v(r-1)); rank 0 gets nullopt, since
/// nothing precedes it. Called by every rank of the communicator.
template <class T, class Op>
[[nodiscard]] std::optional<T> exscan(const communicator& comm, const T& value, Op op) {
  if constexpr (detail::mpi_reducible<T>) {
    T out = detail::mpi_reduce(comm, value, op, 0, detail::reduce_kind::exscan);
    if (comm.rank() == 0) return std::nullopt;
    return out;
  } else if constexpr (detail::is_bool_vector<T>) {
    auto out = detail::mpi_reduce_bools(comm, value, op, 0, detail::reduce_kind::exscan);
    if (comm.rank() == 0) return std::nullopt;
    return out;
  } else {
    return detail::doubling_scan(comm, value, op, /*exclusive=*/true);
  }
}

/// Exclusive prefix reduction with an identity: rank 0 gets `identity` (e.g. 0 for a sum, which
/// gives each rank its offset). Called by every rank of the communicator.
template <class T, class Op>
[[nodiscard]] T exscan(const communicator& comm, const T& value, Op op, const T& identity) {
  auto out = exscan(comm, value, op);
  return out ? std::move(*out) : identity;
}

// ---- moved-in values: reduced in their own memory ----------------------------------------------

namespace detail {
/// A moved-in (non-const rvalue) argument: the reductions below reduce in its own memory.
template <class T>
concept moved_in = !std::is_reference_v<T> && !std::is_const_v<T>;

/// Reduced in place in a moved-in value: vectors on MPI's path (a trivial value gains nothing).
template <class T>
concept reducible_in_place = mpi_reducible<T> && !trivial<T>;
}  // namespace detail

/// As reduce, in the memory of the moved-in `value`: `v = relay::reduce(world, std::move(v), op,
/// root)` reduces a vector with MPI_IN_PLACE at the root, which gets back the same buffer (relay
/// allocates and copies nothing; Open MPI itself copies the root's operand for an in-place
/// reduce). The other ranks get their buffer back emptied (equal to T{}, its memory kept for the
/// next call). Serialized values are moved into the tree instead of copied. Called by every rank
/// of the communicator.
template <class T, class Op>
requires detail::moved_in<T>
[[nodiscard]] T reduce(const communicator& comm, T&& value, Op op, int root) {
  if constexpr (detail::reducible_in_place<T>) {
    comm.check_rank(root, "root");
    detail::mpi_reduce(comm, value, value, op, root, detail::reduce_kind::reduce);
    if (comm.rank() != root) value.clear();  // equal to T{}, with its memory kept for the next call
    return std::move(value);
  } else if constexpr (detail::mpi_reducible<T> || detail::is_bool_vector<T>) {
    return reduce(comm, std::as_const(value), op, root);
  } else {
    comm.check_rank(root, "root");
    return detail::tree_reduce_to(comm, std::move(value), op, root);
  }
}

/// As allreduce, in the memory of the moved-in `value`: `v = relay::allreduce(world, std::move(v),
/// op)` reduces a vector with MPI_IN_PLACE and returns the same buffer, so nothing is allocated or
/// copied. Serialized values are moved into the tree instead of copied. Called by every rank of
/// the communicator.
template <class T, class Op>
requires detail::moved_in<T>
[[nodiscard]] T allreduce(const communicator& comm, T&& value, Op op) {
  if constexpr (detail::reducible_in_place<T>) {
    detail::mpi_reduce(comm, value, value, op, 0, detail::reduce_kind::allreduce);
    return std::move(value);
  } else if constexpr (detail::mpi_reducible<T> || detail::is_bool_vector<T>) {
    return allreduce(comm, std::as_const(value), op);
  } else {
    return bcast(comm, detail::tree_reduce(comm, std::move(value), op), 0);
  }
}

/// As scan, in the memory of the moved-in `value` (MPI_IN_PLACE for vectors on MPI's path).
/// Called by every rank of the communicator.
template <class T, class Op>
requires detail::moved_in<T>
[[nodiscard]] T scan(const communicator& comm, T&& value, Op op) {
  if constexpr (detail::reducible_in_place<T>) {
    detail::mpi_reduce(comm, value, value, op, 0, detail::reduce_kind::scan);
    return std::move(value);
  } else {
    return scan(comm, std::as_const(value), op);
  }
}

/// As exscan, in the memory of the moved-in `value` (MPI_IN_PLACE for vectors on MPI's path);
/// rank 0 gets nullopt. Called by every rank of the communicator.
template <class T, class Op>
requires detail::moved_in<T>
[[nodiscard]] std::optional<T> exscan(const communicator& comm, T&& value, Op op) {
  if constexpr (detail::reducible_in_place<T>) {
    detail::mpi_reduce(comm, value, value, op, 0, detail::reduce_kind::exscan);
    if (comm.rank() == 0) return std::nullopt;
    return std::optional<T>(std::move(value));
  } else {
    return exscan(comm, std::as_const(value), op);
  }
}

/// As exscan with an identity, in the memory of the moved-in `value` (rank 0 gets `identity`).
/// Called by every rank of the communicator.
template <class T, class Op>
requires detail::moved_in<T>
[[nodiscard]] T exscan(const communicator& comm, T&& value, Op op, const T& identity) {
  auto out = exscan(comm, std::move(value), op);
  return out ? std::move(*out) : identity;
}

}  // namespace relay
