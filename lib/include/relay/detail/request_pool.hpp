#pragma once
/// \file
/// Per-thread free lists of fixed-size blocks (src/request_pool.cpp), so that posting a request
/// does not call malloc once a loop has warmed up.

#include <cstddef>

namespace relay::detail {

/// Memory for request states: blocks of a fixed size serve every state that fits.
void* allocate_request(std::size_t bytes);
void free_request(void* block, std::size_t bytes) noexcept;

/// A buffer of piece_bytes for a first piece.
char* take_head_buffer();
void give_head_buffer(char* buffer) noexcept;

}  // namespace relay::detail
