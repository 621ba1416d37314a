#include "taskfile.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "directives.hpp"
#include "relay/error.hpp"

namespace task_farm {

std::vector<task> parse_tasks(std::string_view text) {
  std::vector<task> tasks;
  std::int64_t line_no = 0;
  std::int32_t phase = 0;
  std::int32_t cores = 0;
  std::size_t pos = 0;
  // A UTF-8 byte-order mark (editors on Windows write one) is not part of the first command.
  if (text.starts_with("\xEF\xBB\xBF")) pos = 3;
  while (pos < text.size()) {
    ++line_no;
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.size() > max_line_bytes)
      throw relay::usage_error("line " + std::to_string(line_no) + " is " +
                               std::to_string(line.size()) +
                               " bytes long; a task may be at most 1 MiB (" +
                               std::to_string(max_line_bytes) + " bytes)");
    if (line.find('\0') != std::string_view::npos)
      throw relay::usage_error("line " + std::to_string(line_no) +
                               " holds a NUL byte (is this a binary file?)");
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto first = line.find_first_not_of(" \t\r\f\v");
    if (first == std::string_view::npos) continue;
    if (line[first] == '#') {
      if (const auto d = parse_directive(line, line_no)) {
        if (d->what == directive::kind::barrier) ++phase;
        if (d->what == directive::kind::cores) cores = d->cores;
      }
      continue;
    }
    tasks.push_back({line_no, std::string(line), phase, cores});
  }
  return tasks;
}

std::string read_task_file(const std::string& path) {
  if (path == stdin_name) {
    try {
      return read_file("/dev/stdin", "task file");
    } catch (const relay::usage_error&) {
      throw relay::usage_error("cannot read the task file from standard input");
    }
  }
  return read_file(path, "task file");
}

std::string read_file(const std::string& path, std::string_view what) {
  const auto fail = [&](int err) {
    return relay::usage_error("cannot read " + std::string(what) + " '" + path +
                              "': " + std::strerror(err));
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw fail(errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    throw fail(err);
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    throw fail(EISDIR);
  }
  std::string text;
  if (S_ISREG(st.st_mode)) text.reserve(static_cast<std::size_t>(st.st_size));
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      throw fail(err);
    }
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

void write_file_atomic(const std::string& path, std::string_view text) {
  const std::string tmp = path + ".tmp";
  const auto fail = [&](const std::string& file) {
    return relay::usage_error("cannot write '" + file + "': " + std::strerror(errno));
  };
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw fail(tmp);
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const auto e = fail(tmp);
      ::close(fd);
      throw e;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fdatasync(fd) != 0 || ::close(fd) != 0) throw fail(tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) throw fail(path);
}

}  // namespace task_farm
