#pragma once
// Maps a reduction operation to an MPI_Op: MPI's built-in one where there is one, else one made
// once per (operation, type) that calls the user's operation object.

#include <mpi.h>

#include <functional>
#include <type_traits>

#include "relay/datatype.hpp"
#include "relay/environment.hpp"
#include "relay/error.hpp"
#include "relay/ops.hpp"

namespace relay::detail {
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
  else if constexpr (real && std::is_same_v<Op, ops::min>)
    return MPI_MIN;
  else if constexpr (real && std::is_same_v<Op, ops::max>)
    return MPI_MAX;
  else if constexpr (logical && is_op<Op, T, std::logical_and>)
    return MPI_LAND;
  else if constexpr (logical && is_op<Op, T, std::logical_or>)
    return MPI_LOR;
  else if constexpr (logical && std::is_same_v<Op, ops::logical_xor>)
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
struct is_commutative_wrapper<ops::commutative<Op>> : std::true_type {};

/// Whether MPI may reorder operands: true for the standard operations and ops::commutative.
template <class Op, class T>
inline constexpr bool commutes =
    is_commutative_wrapper<Op>::value || is_op<Op, T, std::plus> || is_op<Op, T, std::multiplies> ||
    std::is_same_v<Op, ops::min> || std::is_same_v<Op, ops::max> ||
    is_op<Op, T, std::logical_and> || is_op<Op, T, std::logical_or> ||
    std::is_same_v<Op, ops::logical_xor> || is_op<Op, T, std::bit_and> ||
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

}  // namespace relay::detail
