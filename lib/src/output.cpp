#include "relay/output.hpp"

#include <iostream>

#include "relay/detail/pieces.hpp"

namespace relay {

std::optional<std::vector<std::string>> gather_text(const communicator& comm,
                                                    std::string_view text) {
  // One gatherv of characters plus the lengths: no serialization needed for text.
  const std::vector<char> mine(text.begin(), text.end());
  std::vector<std::uint64_t> sizes;
  const auto all = detail::gatherv_blocks<char>(comm, 0, mine, sizes, "gather_text");
  if (comm.rank() != 0) return std::nullopt;
  std::vector<std::string> texts;
  texts.reserve(sizes.size());
  std::size_t offset = 0;
  for (auto n : sizes) {
    texts.emplace_back(all.data() + offset, n);
    offset += n;
  }
  return texts;
}

void print_ordered(const communicator& comm, std::string_view text, std::ostream& out) {
  const auto texts = gather_text(comm, text);
  if (!texts) return;
  for (const auto& t : *texts) {
    if (t.empty()) continue;
    out << t;
    if (t.back() != '\n') out << '\n';
  }
  out.flush();
}

void print_ordered(const communicator& comm, std::string_view text) {
  print_ordered(comm, text, std::cout);
}

}  // namespace relay
