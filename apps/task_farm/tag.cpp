#include "tag.hpp"

#include <unistd.h>

#include <cerrno>

namespace task_farm {

std::string tag_lines(std::int64_t id, std::string_view text) {
  const std::string prefix = std::to_string(id) + "\t";
  std::string out;
  out.reserve(text.size() + text.size() / 16 + prefix.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    out += prefix;
    out.append(text.substr(pos, end - pos));
    out += '\n';
    pos = end + 1;
  }
  return out;
}

namespace {

void write_whole(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a closed stdout loses the copy, not the farm
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

void print_tagged(std::string_view out, std::string_view err) {
  write_whole(STDOUT_FILENO, out);
  write_whole(STDERR_FILENO, err);
}

}  // namespace task_farm
