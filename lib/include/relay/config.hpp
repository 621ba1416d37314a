#pragma once
/// \file
/// Tuning constants and reserved tags, each with the reason for its value.

#include <cstddef>

namespace relay::config {

/// A broadcast of data whose size only the root knows (a vector, a string, a serialized value)
/// travels down a binomial tree of point-to-point messages on relay's private communicator. Up to
/// eager_bytes it is one message per edge, which the receiver takes whatever its length.
/// Larger data is preceded by an 8-byte size message per edge; then, up to this many bytes or
/// with two ranks, the data follows down the same tree (with two ranks the tree is a single
/// message, the best there is at every size), and above it in one MPI_Bcast, whose pipelined
/// algorithms beat store-and-forward for large data over many ranks.
inline constexpr std::size_t bcast_tree_bytes = std::size_t{64} << 10;

/// Data whose size the receiver does not know (a broadcast's payload, a scatterv or gatherv
/// piece) is received first into a buffer of this many bytes with a plain MPI_Recv (a matched
/// probe costs more than the whole of a small broadcast on shared memory). Payloads that fit
/// travel as that one message; larger ones are announced by an 8-byte size message, and the data
/// follows straight into its destination. 4 KiB is Open MPI's eager limit on shared memory.
inline constexpr std::size_t eager_bytes = 4096;

/// A point-to-point value whose size the receiver does not know (a vector, a string, a serialized
/// value) travels as one message when it is shorter than this many bytes. A longer one travels as
/// a first piece of exactly this many bytes (its first bytes and a 16-byte trailer that gives the
/// length) and then the rest on relay's private channel. So every receive, blocking or not, can be
/// a real posted MPI receive of a known size: a non-blocking receive posts this many bytes at
/// once, and a matching send completes without the receiver having to probe first. 4032 bytes
/// keeps the first piece under Open MPI's 4 KiB shared-memory eager limit, headers included.
inline constexpr std::size_t first_piece_bytes = 4032;

/// Serialization buffers are kept per thread and reused, so that repeated sends do not allocate.
/// A buffer that grew beyond this many bytes is released after use, so that one huge message
/// does not pin its memory for the rest of the run.
inline constexpr std::size_t max_cached_buffer_bytes = std::size_t{64} << 20;

}  // namespace relay::config

namespace relay::detail {

// Tags on relay's private duplicate communicator (detail::internal_comm). They cannot collide
// with user messages, which travel on the user's communicator.
inline constexpr int reduce_tag = 1;      // reduce, allreduce: a partial result up the tree
inline constexpr int scan_tag = 2;        // scan, exscan: a partial result between partners
inline constexpr int bcast_data_tag = 4;  // bcast: the data itself, down the tree
inline constexpr int bcast_size_tag = 5;  // bcast: only the size (or the root's failure)
inline constexpr int scatter_tag = 6;     // scatter, scatterv: a rank's piece
inline constexpr int gather_tag = 7;      // gatherv: a rank's piece
inline constexpr int failed_tag = 8;      // scatter, scatterv: the root failed; no data
inline constexpr int piece_size_tag = 9;  // scatter(v), gatherv: the size of a large piece

}  // namespace relay::detail
