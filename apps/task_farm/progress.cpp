#include "progress.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace task_farm {

bool stderr_is_terminal() {
  if (::isatty(STDERR_FILENO)) return true;
  if (std::getenv("OMPI_COMM_WORLD_SIZE") == nullptr) return false;  // not a rank of mpirun
  const std::string link = "/proc/" + std::to_string(::getppid()) + "/fd/2";
  char target[256];
  const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
  if (n <= 0) return false;
  const std::string t(target, static_cast<std::size_t>(n));
  return t.starts_with("/dev/pts/") || t.starts_with("/dev/tty");
}

std::string progress_text(std::size_t done, std::size_t failed, std::size_t running,
                          std::size_t total, double seconds) {
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  char buf[256];
  std::string eta = "?";
  if (rate > 0 && total >= done) {
    const auto left = static_cast<long long>(static_cast<double>(total - done) / rate + 0.5);
    std::snprintf(buf, sizeof buf, "%lld:%02lld", left / 60, left % 60);
    eta = buf;
  }
  std::snprintf(buf, sizeof buf,
                "task_farm: %zu/%zu done, %zu failed, %zu running, %.1f tasks/s, ETA %s", done,
                total, failed, running, rate, eta.c_str());
  return buf;
}

void progress_line::update(std::size_t done, std::size_t failed, std::size_t running,
                           std::size_t total, double now) {
  if (!enabled_ || now < next_) return;
  next_ = now + (terminal_ ? 0.25 : 2.0);
  const std::string text = progress_text(done, failed, running, total, now);
  const std::string out = terminal_ ? "\r" + text + "\x1b[K" : text + "\n";
  (void)!::write(STDERR_FILENO, out.data(), out.size());
  shown_ = true;
}

void progress_line::clear() {
  if (!enabled_ || !terminal_ || !shown_) return;
  (void)!::write(STDERR_FILENO, "\r\x1b[K", 4);
  shown_ = false;
  next_ = 0;
}

void progress_line::finish() {
  if (!enabled_ || !terminal_ || !shown_) return;
  (void)!::write(STDERR_FILENO, "\r\x1b[K", 4);
}

}  // namespace task_farm
