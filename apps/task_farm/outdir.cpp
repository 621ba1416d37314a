#include "outdir.hpp"

#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "relay/error.hpp"

namespace task_farm {

std::string absolute(const std::string& path) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf)) return buf;
  if (!path.empty() && path.front() == '/') return path;
  if (::getcwd(buf, sizeof buf)) return std::string(buf) + "/" + path;
  return path;
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

void make_directories(const std::string& path) {
  std::string prefix;
  std::size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    prefix = path.substr(0, pos);
    if (prefix.empty() || is_directory(prefix)) continue;
    if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST)
      throw relay::usage_error("cannot create output directory '" + path +
                               "': " + std::strerror(errno));
  }
  if (!is_directory(path))
    throw relay::usage_error("cannot create output directory '" + path +
                             "': " + std::strerror(ENOTDIR));
  if (::access(path.c_str(), W_OK | X_OK) != 0)
    throw relay::usage_error("output directory '" + path +
                             "' cannot be written: " + std::strerror(errno));
}

std::string default_output_dir() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "farm-%Y%m%d-%H%M%S", &tm);
  std::string dir = buf;
  for (int n = 2; exists(dir); ++n) dir = std::string(buf) + "-" + std::to_string(n);
  return dir;
}

}  // namespace task_farm
