#pragma once
/// \file
/// Reduction operations, in `relay::ops`.
///
/// Pass one to reduce, allreduce, scan or exscan. On MPI's arithmetic types the standard ones map
/// to MPI's built-in operations: ops::plus -> MPI_SUM, ops::multiplies -> MPI_PROD, ops::min and
/// ops::max -> MPI_MIN and MPI_MAX, ops::logical_and/or/xor -> MPI_LAND/LOR/LXOR, ops::bit_and/or/
/// xor -> MPI_BAND/BOR/BXOR (`std::plus<>` and the other standard function objects map the same
/// way). Any other operation (a lambda, a functor, or a standard one on a user type such as
/// `unsigned __int128`) becomes an MPI_Op made once per operation and type. User operations are
/// taken as non-commutative, so MPI combines operands in rank order; wrap one in
/// ops::commutative to let MPI reorder them.

#include <functional>

namespace relay::ops {

/// Sum (MPI_SUM on MPI's arithmetic types).
using plus = std::plus<>;
/// Product (MPI_PROD).
using multiplies = std::multiplies<>;
/// Logical and (MPI_LAND).
using logical_and = std::logical_and<>;
/// Logical or (MPI_LOR).
using logical_or = std::logical_or<>;
/// Bitwise and (MPI_BAND).
using bit_and = std::bit_and<>;
/// Bitwise or (MPI_BOR).
using bit_or = std::bit_or<>;
/// Bitwise exclusive or (MPI_BXOR).
using bit_xor = std::bit_xor<>;

/// The smaller of two values (MPI_MIN); the first one when they are equal.
struct min {
  /// Returns `b` if `b < a`, else `a`.
  template <class T>
  constexpr T operator()(const T& a, const T& b) const {
    return b < a ? b : a;
  }
};

/// The larger of two values (MPI_MAX); the first one when they are equal.
struct max {
  /// Returns `b` if `a < b`, else `a`.
  template <class T>
  constexpr T operator()(const T& a, const T& b) const {
    return a < b ? b : a;
  }
};

/// Logical exclusive or (MPI_LXOR).
struct logical_xor {
  /// True when exactly one of `a` and `b` is true.
  template <class T>
  constexpr bool operator()(const T& a, const T& b) const {
    return !a != !b;
  }
};

/// Marks a user operation as commutative, which lets MPI combine operands in any order:
/// `relay::allreduce(world, x, relay::ops::commutative{my_op})`.
template <class Op>
struct commutative {
  Op op;  ///< the operation
  /// Returns `op(a, b)`.
  template <class T>
  constexpr T operator()(const T& a, const T& b) const {
    return op(a, b);
  }
};
/// Deduces commutative<Op> from `commutative{op}`.
template <class Op>
commutative(Op) -> commutative<Op>;

}  // namespace relay::ops
