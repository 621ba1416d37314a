#pragma once
/// \file
/// Tuning constants and reserved tags, each with the reason for its value.

#include <cstddef>

namespace relay::config {

/// A broadcast of data whose size only the root knows (a vector, a string, a serialized value)
/// travels down a binomial tree of point-to-point messages, one per edge, each receiver learning
/// the size from the message itself: no size message, no padding. Above this many bytes, and
/// with more than two ranks, only the size goes down the tree and the data follows in one
/// MPI_Bcast, whose pipelined algorithms beat store-and-forward for large data. With two ranks
/// the tree is a single message, the best there is, at every size.
inline constexpr std::size_t bcast_tree_bytes = std::size_t{64} << 10;

/// Serialization buffers are kept per thread and reused, so that repeated sends do not allocate.
/// A buffer that grew beyond this many bytes is released after use, so that one huge message
/// does not pin its memory for the rest of the run.
inline constexpr std::size_t max_cached_buffer_bytes = std::size_t{64} << 20;

/// Tags on relay's private duplicate communicator (detail::internal_comm). They cannot collide
/// with user messages, which travel on the user's communicator.
inline constexpr int reduce_tag = 1;
inline constexpr int scan_tag = 2;
inline constexpr int output_tag = 3;
inline constexpr int bcast_data_tag = 4;  ///< bcast: the data itself, down the tree
inline constexpr int bcast_size_tag = 5;  ///< bcast: only the size (or the root's failure)
inline constexpr int scatter_tag = 6;     ///< scatter, scatterv: a rank's piece
inline constexpr int gather_tag = 7;      ///< gatherv: a rank's piece
inline constexpr int failed_tag = 8;      ///< scatter, scatterv: the root failed; no data

}  // namespace relay::config
