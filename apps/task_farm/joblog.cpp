#include "joblog.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "relay/error.hpp"

namespace task_farm {

namespace {

constexpr const char* header =
    "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n";

bool write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

joblog::joblog(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw relay::usage_error("cannot write --joblog '" + path + "': " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd_, &st) == 0 && st.st_size == 0 && !write_all(fd_, header))
    throw relay::usage_error("cannot write --joblog '" + path + "': " + std::strerror(errno));
}

joblog::~joblog() {
  if (fd_ >= 0) ::close(fd_);
}

std::string joblog::format(const attempt_record& r, const std::string& host,
                           const std::string& command) {
  int exitval = r.exit_code;
  int signal = 0;
  const bool killed = r.result == outcome::signal || r.result == outcome::timeout ||
                      r.result == outcome::interrupted;
  if (killed && r.exit_code > 128) {
    signal = r.exit_code - 128;
    exitval = 0;
  }
  char buf[128];
  std::snprintf(buf, sizeof buf, "\t%.3f\t%.3f\t0\t0\t%d\t%d\t", r.start, r.elapsed, exitval,
                signal);
  return std::to_string(r.id) + "\t" + host + buf + command + "\n";
}

bool joblog::append(const attempt_record& r, const std::string& host, const std::string& command) {
  if (write_all(fd_, format(r, host, command))) return true;
  if (!told_)
    std::fprintf(stderr,
                 "task_farm: cannot write --joblog '%s': %s (status.tsv is still written)\n",
                 path_.c_str(), std::strerror(errno));
  told_ = true;
  return false;
}

}  // namespace task_farm
