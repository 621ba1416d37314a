#pragma once
/// \file
/// Output from many ranks, printed by rank 0 in rank order, never interleaved.

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "relay/communicator.hpp"

namespace relay {

/// Gathers each rank's `text` to rank 0, which writes them to `out` in rank order (rank 0's
/// first). A newline is added after any text that does not end in one; empty texts print
/// nothing. Called by every rank of the communicator.
void print_ordered(const communicator& comm, std::string_view text, std::ostream& out);
/// As above, to std::cout.
void print_ordered(const communicator& comm, std::string_view text);

/// Gathers each rank's `text` to rank 0 and returns them there in rank order; the other ranks get
/// std::nullopt. Called by every rank of the communicator.
[[nodiscard]] std::optional<std::vector<std::string>> gather_text(const communicator& comm,
                                                                  std::string_view text);

}  // namespace relay
