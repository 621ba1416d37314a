#pragma once
/// \file
/// Tuning constants and reserved tags, each with the reason for its value.

#include <cstddef>

namespace relay::config {

/// A broadcast of data whose size only the root knows first sends a fixed header of this many
/// bytes holding the size and the start of the payload. Payloads that fit arrive in that one
/// broadcast; larger ones need a second broadcast of the rest. 1 KiB costs about the same as an
/// 8-byte broadcast on shared memory and TCP, and holds most small dictionaries and strings.
inline constexpr std::size_t eager_bytes = 1024;

/// Serialization buffers are kept per thread and reused, so that repeated sends do not allocate.
/// A buffer that grew beyond this many bytes is released after use, so that one huge message
/// does not pin its memory for the rest of the run.
inline constexpr std::size_t max_cached_buffer_bytes = std::size_t{64} << 20;

/// Tags on relay's private duplicate communicator (detail::internal_comm). They cannot collide
/// with user messages, which travel on the user's communicator.
inline constexpr int reduce_tag = 1;
inline constexpr int scan_tag = 2;
inline constexpr int output_tag = 3;

}  // namespace relay::config
