#include "tag.hpp"

#include "relay/error.hpp"
#include "report.hpp"
#include "taskfile.hpp"

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

void print_tagged(const std::string& outdir, std::int64_t id) {
  for (const bool err : {false, true}) {
    const std::string path = outdir + "/task-" + std::to_string(id) + (err ? ".err" : ".out");
    std::string text;
    try {
      text = read_file(path, "output file");
    } catch (const relay::usage_error& e) {
      write_stderr("task_farm: --tag: " + std::string(e.what()) + "\n");
      continue;
    }
    if (text.empty()) continue;
    if (err)
      write_stderr(tag_lines(id, text));
    else
      write_stdout(tag_lines(id, text));
  }
}

}  // namespace task_farm
