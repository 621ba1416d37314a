#include "rank_output.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "relay/error.hpp"

namespace task_farm {

namespace {

constexpr std::string_view header_start = "#task_farm id=";

bool write_all(int fd, const char* data, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

/// Appends one record: the header, the temporary file's bytes, a newline.
bool append_record(int to, int from, std::int64_t id, std::int32_t attempt) {
  const off_t size = ::lseek(from, 0, SEEK_END);
  if (size < 0) return false;
  const std::string header = std::string(header_start) + std::to_string(id) +
                             " attempt=" + std::to_string(attempt) +
                             " bytes=" + std::to_string(size) + "\n";
  if (!write_all(to, header.data(), header.size())) return false;
  char buffer[1 << 16];
  off_t at = 0;
  while (at < size) {
    const ssize_t r = ::pread(from, buffer, sizeof buffer, at);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    if (!write_all(to, buffer, static_cast<std::size_t>(r))) return false;
    at += r;
  }
  return write_all(to, "\n", 1);
}

template <class T>
bool parse_number(std::string_view s, T& value) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  return ec == std::errc{} && p == s.data() + s.size() && !s.empty();
}

}  // namespace

std::string_view to_string(output_mode m) {
  switch (m) {
    case output_mode::per_rank:
      return "per-rank";
    case output_mode::none:
      return "none";
    default:
      return "per-task";
  }
}

std::optional<output_mode> output_mode_from(std::string_view word) {
  for (auto m : {output_mode::per_task, output_mode::per_rank, output_mode::none})
    if (to_string(m) == word) return m;
  return std::nullopt;
}

task_output::task_output(output_mode mode, std::string outdir, std::int32_t rank, bool capture)
    : mode_(mode), outdir_(std::move(outdir)), rank_(rank), capture_(capture) {}

task_output::~task_output() {
  for (int fd : {tmp_[0], tmp_[1], files_[0], files_[1], keep_[0], keep_[1]})
    if (fd >= 0) ::close(fd);
}

std::optional<task_output::failure> task_output::open_temporary(int i, int& fd) {
  const char* ext[2] = {".out", ".err"};
  if (tmp_[i] < 0) {  // unlinked at once: it holds one attempt's output, and no name
    std::string path = outdir_ + "/.rank-" + std::to_string(rank_) + ext[i] + ".XXXXXX";
    tmp_[i] = ::mkostemp(path.data(), O_CLOEXEC);
    if (tmp_[i] < 0) return failure{errno, "cannot create a temporary file in " + outdir_};
    ::unlink(path.c_str());
  }
  if (::ftruncate(tmp_[i], 0) != 0 || ::lseek(tmp_[i], 0, SEEK_SET) != 0)
    return failure{errno, "cannot reuse a temporary file in " + outdir_};
  fd = ::fcntl(tmp_[i], F_DUPFD_CLOEXEC, 0);  // shares the offset the task writes at
  if (fd < 0) return failure{errno, "cannot duplicate a descriptor"};
  return std::nullopt;
}

std::string task_output::captured(bool err) const {
  const int i = err ? 1 : 0;
  const int fd = mode_ == output_mode::per_task ? keep_[i] : tmp_[i];
  std::string text;
  if (!capture_ || fd < 0) return text;
  char buffer[1 << 16];
  off_t at = 0;
  for (;;) {
    const ssize_t r = ::pread(fd, buffer, sizeof buffer, at);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    text.append(buffer, static_cast<std::size_t>(r));
    at += r;
  }
  return text;
}

std::optional<task_output::failure> task_output::open(std::int64_t id, std::int32_t attempt,
                                                      int& out, int& err) {
  id_ = id;
  attempt_ = attempt;
  const char* ext[2] = {".out", ".err"};
  int fds[2] = {-1, -1};
  const auto undo = [&](int code, std::string what) {
    for (int fd : fds)
      if (fd >= 0) ::close(fd);
    return failure{code, std::move(what)};
  };
  for (int i = 0; i < 2; ++i) {
    if (mode_ == output_mode::none && capture_) {
      if (auto f = open_temporary(i, fds[i])) return undo(f->code, f->what);
    } else if (mode_ == output_mode::none) {
      fds[i] = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
      if (fds[i] < 0) return undo(errno, "cannot open /dev/null");
    } else if (mode_ == output_mode::per_task) {
      const std::string path = outdir_ + "/task-" + std::to_string(id) + ext[i];
      fds[i] = ::open(path.c_str(), (capture_ ? O_RDWR : O_WRONLY) | O_CREAT | O_TRUNC | O_CLOEXEC,
                      0644);
      if (fds[i] < 0) return undo(errno, "cannot create " + path);
      if (capture_) {  // read back through this descriptor once the attempt ended
        if (keep_[i] >= 0) ::close(keep_[i]);
        keep_[i] = ::fcntl(fds[i], F_DUPFD_CLOEXEC, 0);
        if (keep_[i] < 0) return undo(errno, "cannot duplicate a descriptor");
      }
    } else {
      if (files_[i] < 0) {
        const std::string path = outdir_ + "/rank-" + std::to_string(rank_) + ext[i];
        files_[i] = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (files_[i] < 0) return undo(errno, "cannot open " + path);
      }
      if (auto f = open_temporary(i, fds[i])) return undo(f->code, f->what);
    }
  }
  out = fds[0];
  err = fds[1];
  return std::nullopt;
}

bool task_output::commit() {
  if (mode_ != output_mode::per_rank) return true;
  for (int i = 0; i < 2; ++i) {
    if (!append_record(files_[i], tmp_[i], id_, attempt_)) {
      std::fprintf(stderr,
                   "task_farm: rank %d: cannot write task %lld's output to %s/rank-%d%s: %s\n",
                   static_cast<int>(rank_), static_cast<long long>(id_), outdir_.c_str(),
                   static_cast<int>(rank_), i == 0 ? ".out" : ".err", std::strerror(errno));
      return false;
    }
  }
  return true;
}

std::vector<output_record> records_of(std::string_view text, std::int64_t id,
                                      const std::string& name) {
  std::vector<output_record> found;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto bad = [&] {
      return relay::usage_error(name + ": malformed record at byte " + std::to_string(pos));
    };
    const auto eol = text.find('\n', pos);
    if (eol == std::string_view::npos) break;  // torn: the rank died writing it
    std::string_view header = text.substr(pos, eol - pos);
    if (!header.starts_with(header_start)) throw bad();
    header.remove_prefix(header_start.size());
    const auto a = header.find(" attempt=");
    const auto b = header.find(" bytes=");
    output_record r;
    std::size_t bytes = 0;
    if (a == std::string_view::npos || b == std::string_view::npos || b < a ||
        !parse_number(header.substr(0, a), r.id) ||
        !parse_number(header.substr(a + 9, b - a - 9), r.attempt) ||
        !parse_number(header.substr(b + 7), bytes))
      throw bad();
    if (bytes >= text.size() - eol - 1) break;  // torn, as above (its newline is missing)
    if (r.id == id) {
      r.text = std::string(text.substr(eol + 1, bytes));
      found.push_back(std::move(r));
    }
    pos = eol + 1 + bytes + 1;  // the record's bytes and its newline
  }
  return found;
}

}  // namespace task_farm
