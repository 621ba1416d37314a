#include "relay/output.hpp"

#include <iostream>

#include "relay/collectives.hpp"

namespace relay {

std::vector<std::string> gather_text(const communicator& comm, std::string_view text) {
  // One gatherv of characters plus the lengths: no serialization needed for text.
  const std::vector<char> mine(text.begin(), text.end());
  std::vector<std::uint64_t> sizes;
  const auto all = detail::gatherv_blocks<char>(comm, 0, mine, sizes, "gather_text");
  std::vector<std::string> texts;
  if (comm.rank() != 0) return texts;
  texts.reserve(sizes.size());
  std::size_t offset = 0;
  for (auto n : sizes) {
    texts.emplace_back(all.data() + offset, n);
    offset += n;
  }
  return texts;
}

void print_ordered(const communicator& comm, std::string_view text, std::ostream& out) {
  for (const auto& t : gather_text(comm, text)) {
    if (t.empty()) continue;
    out << t;
    if (t.back() != '\n') out << '\n';
  }
  if (comm.rank() == 0) out.flush();
}

void print_ordered(const communicator& comm, std::string_view text) {
  print_ordered(comm, text, std::cout);
}

}  // namespace relay
