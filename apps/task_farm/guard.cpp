#include "guard.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace task_farm {

namespace {

int reaper_fd = -1;                   ///< the rank's write end of the reaper's pipe
std::atomic<pid_t> running_group{0};  ///< the process group of this rank's running task

void write_message(std::int32_t message) {
  if (reaper_fd < 0) return;
  ssize_t n;
  do {
    n = ::write(reaper_fd, &message, sizeof message);  // 4 bytes: atomic
  } while (n < 0 && errno == EINTR);
}

[[noreturn]] void reaper_loop(int fd) {
  std::vector<pid_t> groups;
  for (;;) {
    std::int32_t m = 0;
    const ssize_t n = ::read(fd, &m, sizeof m);
    if (n < 0 && errno == EINTR) continue;
    if (n != static_cast<ssize_t>(sizeof m)) break;  // end of file: the rank is gone
    if (m > 0) {
      groups.push_back(m);
    } else {
      std::erase(groups, -m);
    }
  }
  for (pid_t g : groups) (void)::kill(-g, SIGKILL);
  ::_exit(0);
}

/// Field 4 (parent) and 5 (process group) of /proc/<pid>/stat.
bool parent_and_group(pid_t pid, pid_t& parent, pid_t& group) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  FILE* f = std::fopen(path, "re");
  if (!f) return false;
  char buf[1024];
  const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  // The command name may hold spaces and parentheses: the fields follow the last ')'.
  char* close = nullptr;
  for (char* p = buf; *p; ++p)
    if (*p == ')') close = p;
  if (!close) return false;
  char state = 0;
  int ppid = 0, pgrp = 0;
  if (std::sscanf(close + 1, " %c %d %d", &state, &ppid, &pgrp) != 3) return false;
  parent = ppid;
  group = pgrp;
  return true;
}

}  // namespace

void start_reaper() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return;
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return;
  }
  if (pid == 0) {
    // Deaf to every signal but SIGKILL, in a process group of its own, holding no descriptor of
    // the rank (mpirun's output pipes must reach end-of-file when the rank exits).
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, nullptr);
    (void)::setpgid(0, 0);
    const int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
      ::dup2(null, 0);
      ::dup2(null, 1);
      ::dup2(null, 2);
    }
    const int keep = fds[0] == 3 ? 3 : ::dup2(fds[0], 3);
    if (keep == 3) {
#ifdef SYS_close_range
      (void)::syscall(SYS_close_range, 4U, ~0U, 0U);
#endif
      reaper_loop(3);
    }
    reaper_loop(fds[0]);
  }
  ::close(fds[0]);
  reaper_fd = fds[1];
}

void watch_launcher() {
  (void)::signal(SIGPIPE, SIG_IGN);
  if (std::getenv("OMPI_COMM_WORLD_SIZE") == nullptr) return;  // not started by mpirun
  const pid_t launcher = ::getppid();
  (void)::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != launcher) ::_exit(128 + SIGKILL);  // it died already
}

void register_task_group(pid_t pgid) {
  running_group.store(pgid);
  write_message(static_cast<std::int32_t>(pgid));
}

void unregister_task_group(pid_t pgid) {
  pid_t expected = pgid;
  running_group.compare_exchange_strong(expected, 0);
  write_message(-static_cast<std::int32_t>(pgid));
}

bool sent_by_task(pid_t sender) {
  const pid_t group = running_group.load();
  if (group <= 0 || sender <= 0) return false;
  if (sender == group) return true;
  const pid_t self = ::getpid();
  pid_t pid = sender;
  for (int depth = 0; depth < 32; ++depth) {
    pid_t parent = 0, pgrp = 0;
    if (!parent_and_group(pid, parent, pgrp)) return false;
    if (pgrp == group || parent == group) return true;
    if (parent <= 1 || parent == self) return false;
    pid = parent;
  }
  return false;
}

}  // namespace task_farm
