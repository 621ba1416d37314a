#include "status_log.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "relay/error.hpp"
#include "status.hpp"
#include "taskfile.hpp"

namespace task_farm {

namespace {
void write_all(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("cannot write '" + path + "': " + std::strerror(errno));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}
}  // namespace

status_log::status_log(const std::string& path, std::uint64_t keep_bytes) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw relay::usage_error("cannot write '" + path + "': " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK)
      throw relay::usage_error("'" + path +
                               "' is in use by another task_farm that is still running");
    throw relay::usage_error("cannot lock '" + path + "': " + std::strerror(err));
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0) throw relay::usage_error("cannot stat '" + path + "'");
  if (keep_bytes < static_cast<std::uint64_t>(st.st_size)) {
    if (::ftruncate(fd_, static_cast<off_t>(keep_bytes)) != 0)
      throw relay::usage_error("cannot truncate '" + path + "': " + std::strerror(errno));
    st.st_size = static_cast<off_t>(keep_bytes);
  }
  size_ = static_cast<std::uint64_t>(st.st_size);
  if (st.st_size == 0) {
    const std::string header = std::string(status_header()) + "\n";
    write_all(fd_, header, path_);
    size_ = header.size();
  }
  reserve();
  if (::fdatasync(fd_) != 0)
    throw relay::usage_error("cannot sync '" + path + "': " + std::strerror(errno));
  syncer_ = std::thread([this] { sync_loop(); });
}

status_log::~status_log() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (syncer_.joinable()) syncer_.join();
  if (fd_ >= 0) {
    (void)::fdatasync(fd_);
    ::close(fd_);
  }
}

void status_log::reserve() {
  if (space_error_ != 0) return;
  struct statvfs fs {};
  if (::fstatvfs(fd_, &fs) == 0 && fs.f_bavail * fs.f_frsize < low_space_bytes) {
    space_error_ = ENOSPC;
    return;
  }
  if (size_ + reserve_bytes - refill_bytes <= reserved_end_) return;
  if (::fallocate(fd_, FALLOC_FL_KEEP_SIZE, static_cast<off_t>(size_),
                  static_cast<off_t>(reserve_bytes)) == 0) {
    reserved_end_ = size_ + reserve_bytes;
  } else if (errno == ENOSPC || errno == EDQUOT) {
    space_error_ = errno;
  } else {
    reserved_end_ = UINT64_MAX;  // a file system without fallocate: no reserve
  }
}

void status_log::append(std::string_view lines) {
  if (lines.empty()) return;
  write_all(fd_, lines, path_);
  size_ += lines.size();
  reserve();
  {
    std::lock_guard lock(mutex_);
    ++written_;
  }
  cv_.notify_all();
}

void status_log::sync() {
  std::unique_lock lock(mutex_);
  const auto target = written_;
  ++sync_waiters_;
  cv_.notify_all();
  cv_.wait(lock, [&] { return synced_ >= target || stopping_; });
  --sync_waiters_;
}

void status_log::sync_loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    cv_.wait(lock, [&] { return written_ > synced_ || stopping_; });
    if (written_ == synced_ && stopping_) return;
    const auto target = written_;
    lock.unlock();
    (void)::fdatasync(fd_);  // covers every batch written before it started
    lock.lock();
    synced_ = target;
    cv_.notify_all();
    // At most one sync per interval: each costs CPU time in the kernel (the journal), taken
    // from the tasks; lines written meanwhile are covered by the next one.
    cv_.wait_for(lock, sync_interval, [&] { return stopping_ || sync_waiters_ > 0; });
  }
}

}  // namespace task_farm
