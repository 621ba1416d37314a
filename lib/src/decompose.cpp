#include "relay/decompose.hpp"

namespace relay {

std::vector<std::uint64_t> block_sizes(std::uint64_t n, std::uint64_t parts) {
  std::vector<std::uint64_t> sizes(parts);
  for (std::uint64_t i = 0; i < parts; ++i) sizes[i] = block_range(n, parts, i).size();
  return sizes;
}

}  // namespace relay
