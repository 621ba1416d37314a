#include "heartbeat.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "clock.hpp"
#include "status.hpp"

namespace task_farm {

heartbeat::heartbeat(std::string outdir, std::string host)
    : path_(std::move(outdir) + "/" + std::string(heartbeat_file_name)) {
  nlohmann::ordered_json j;
  j["host"] = std::move(host);
  j["pid"] = static_cast<long>(::getpid());
  j["started"] = format_time(relay::app::wall_seconds());
  j["refresh_s"] = heartbeat_period;
  text_ = j.dump() + "\n";
  write();
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, std::chrono::duration<double>(heartbeat_period),
                           [this] { return stop_; }))
      write();
  });
}

heartbeat::~heartbeat() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
  (void)::unlink(path_.c_str());
}

void heartbeat::write() {
  // A new file renamed over the old one: a reader sees the old or the new, never a torn one, and
  // the open of the new name refreshes a shared file system's cached attributes.
  const std::string tmp = path_ + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  bool ok = fd >= 0;
  if (ok) {
    ok = ::write(fd, text_.data(), text_.size()) == static_cast<ssize_t>(text_.size());
    ok = ::close(fd) == 0 && ok;
    ok = ok && ::rename(tmp.c_str(), path_.c_str()) == 0;
  }
  if (!ok && !warned_) {
    std::fprintf(stderr, "task_farm: cannot write the heartbeat %s: %s\n", path_.c_str(),
                 std::strerror(errno));
    warned_ = true;
  }
}

std::optional<heartbeat_info> read_heartbeat(const std::string& outdir) {
  const std::string path = outdir + "/" + std::string(heartbeat_file_name);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  std::string text;
  if (::fstat(fd, &st) == 0) {
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  try {
    const auto j = nlohmann::json::parse(text);
    heartbeat_info info;
    info.host = j.at("host").get<std::string>();
    info.pid = j.at("pid").get<long>();
    info.started = j.at("started").get<std::string>();
    info.written =
        static_cast<double>(st.st_mtim.tv_sec) + static_cast<double>(st.st_mtim.tv_nsec) * 1e-9;
    return info;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

}  // namespace task_farm
