#include "journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <utility>

namespace task_farm {

namespace {

constexpr std::string_view journal_prefix = ".done-";

}  // namespace

done_journal::done_journal(const std::string& outdir, int rank, std::string host)
    : path_(outdir + "/" + std::string(journal_prefix) + std::to_string(rank)),
      host_(std::move(host)) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0)
    std::fprintf(stderr, "task_farm: rank %d: cannot write the journal %s: %s\n", rank,
                 path_.c_str(), std::strerror(errno));
}

done_journal::~done_journal() {
  if (fd_ >= 0) ::close(fd_);
}

void done_journal::record(const attempt_record& r) {
  if (fd_ < 0) return;
  const std::string line = format_status_line({r, host_, ""});
  // One write: a line is whole or (killed in between) torn at the end, and then skipped.
  (void)!::write(fd_, line.data(), line.size());
}

void done_journal::remove() {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  (void)::unlink(path_.c_str());
}

std::vector<status_line> unlogged_successes(const std::string& outdir,
                                            const std::vector<status_line>& history) {
  std::set<std::pair<std::int64_t, std::int32_t>> logged;
  for (const auto& l : history) logged.emplace(l.rec.id, l.rec.attempt);
  std::vector<status_line> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(outdir, ec)) {
    if (!entry.path().filename().string().starts_with(journal_prefix)) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string text{std::istreambuf_iterator<char>(in), {}};
    std::size_t pos = 0;
    for (auto end = text.find('\n'); end != std::string::npos; end = text.find('\n', pos)) {
      auto line = parse_status_line(std::string_view(text).substr(pos, end - pos));
      pos = end + 1;
      if (!line || line->rec.result != outcome::ok) continue;
      if (logged.emplace(line->rec.id, line->rec.attempt).second) found.push_back(*line);
    }
  }
  return found;
}

void remove_journals(const std::string& outdir) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(outdir, ec))
    if (entry.path().filename().string().starts_with(journal_prefix))
      std::filesystem::remove(entry.path(), ec);
}

}  // namespace task_farm
