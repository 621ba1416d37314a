#include "runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "clock.hpp"
#include "guard.hpp"
#include "tag.hpp"

extern char** environ;

namespace task_farm {

namespace {

constexpr std::array stop_signals = {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2};

sigset_t stop_signal_set() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : stop_signals) sigaddset(&set, s);
  return set;
}

/// A descriptor that becomes readable when child `pid` exits; -1 where the kernel has none.
int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));  // close-on-exec by default
#else
  (void)pid;
  return -1;
#endif
}

std::string task_path(const std::string& outdir, std::int64_t id, const char* ext) {
  return outdir + "/task-" + std::to_string(id) + ext;
}

/// Writes `text` to a new file `path` (0644), or throws std::system_error.
void write_whole_file(const std::string& path, std::string_view text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::system_error(errno, std::generic_category());
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      ::close(fd);
      throw std::system_error(e, std::generic_category());
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) throw std::system_error(errno, std::generic_category());
}

/// Starts /bin/sh for a task: its own process group (so a kill reaches everything it started,
/// and the signals sent to the rank's group do not reach it), PR_SET_PDEATHSIG so that it dies
/// with the thread that started it (kill -9 of the rank included; guard.hpp kills the rest of its
/// group), no blocked signals, default handlers, /dev/null and the two files as its standard
/// descriptors and no other descriptor of the rank (MPI's sockets, the status log). vfork: the
/// child shares the rank's memory until execve, so starting a task costs no copy of the rank's
/// (MPI-sized) address space; the child makes system calls only. Returns the pid, or -errno.
pid_t spawn_task(char* const* argv, char* const* envp, int in, int out, int err) {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigset_t none;
  sigemptyset(&none);
  const pid_t parent = ::getpid();
  volatile int child_errno = 0;  // shared with the child until it execs
  const pid_t pid = ::vfork();
  if (pid == 0) {
    (void)::setpgid(0, 0);
    (void)::prctl(PR_SET_PDEATHSIG, SIGKILL);
    // The rank may have died between vfork and prctl: then nobody would send the signal.
    if (::getppid() != parent) ::_exit(127);
    for (int s = 1; s < 32; ++s)
      if (s != SIGKILL && s != SIGSTOP) (void)::sigaction(s, &dfl, nullptr);
    (void)::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (in >= 0) (void)::dup2(in, 0);
    (void)::dup2(out, 1);
    (void)::dup2(err, 2);
    long closed = -1;
#ifdef SYS_close_range
    closed = ::syscall(SYS_close_range, 3U, ~0U, 0U);
#endif
    if (closed != 0)  // before Linux 5.9
      for (int fd = 3; fd < 4096; ++fd) (void)::close(fd);
    ::execve("/bin/sh", argv, envp);
    child_errno = errno;
    ::_exit(127);
  }
  if (pid < 0) return -errno;
  if (child_errno != 0) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return -child_errno;
  }
  return pid;
}

}  // namespace

void block_signals() {
  sigset_t set = stop_signal_set();
  sigaddset(&set, SIGCHLD);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

signal_source::signal_source() {
  const sigset_t set = stop_signal_set();
  fd_ = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd_ < 0) throw std::runtime_error(std::string("signalfd: ") + std::strerror(errno));
}

signal_source::~signal_source() {
  if (fd_ >= 0) ::close(fd_);
}

void signal_source::wait(double seconds) const {
  pollfd p{fd_, POLLIN, 0};
  if (seconds == never) {
    (void)::ppoll(&p, 1, nullptr, nullptr);
    return;
  }
  if (seconds < 0) seconds = 0;
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(seconds);
  ts.tv_nsec = static_cast<long>((seconds - static_cast<double>(ts.tv_sec)) * 1e9);
  (void)::ppoll(&p, 1, &ts, nullptr);
}

std::vector<int> signal_source::take() {
  std::vector<int> got;
  signalfd_siginfo info{};
  while (::read(fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    const auto sender = static_cast<pid_t>(info.ssi_pid);
    if (info.ssi_code == SI_USER && sent_by_task(sender)) {
      std::fprintf(stderr,
                   "task_farm: ignored %s sent by process %d of a running task (tasks cannot stop "
                   "their farm)\n",
                   ::strsignal(static_cast<int>(info.ssi_signo)), static_cast<int>(sender));
      continue;
    }
    got.push_back(static_cast<int>(info.ssi_signo));
  }
  return got;
}

bool is_launcher_variable(std::string_view entry) {
  static constexpr std::array<std::string_view, 14> prefixes = {
      "PMIX_",
      "OMPI_COMM_WORLD_",
      "OMPI_MCA_orte_",
      "OMPI_MCA_ess",
      "OMPI_MCA_pmix",
      "OMPI_FILE_LOCATION=",
      "OMPI_UNIVERSE_SIZE=",
      "OMPI_APP_CTX_NUM_PROCS=",
      "OMPI_NUM_APP_CTX=",
      "OMPI_FIRST_RANKS=",
      "OMPI_COMMAND=",
      "OMPI_ARGV=",
      "OMPI_MCA_initial_wdir=",
      "OMPI_MCA_shmem_RUNTIME_QUERY_hint="};
  for (auto p : prefixes)
    if (entry.starts_with(p)) return true;
  return false;
}

task_environment::task_environment(std::int32_t rank, const std::string& host) {
  for (char** e = environ; e && *e; ++e) {
    const std::string_view entry(*e);
    if (is_launcher_variable(entry) || entry.starts_with("TASK_ID=") ||
        entry.starts_with("TASK_RANK=") || entry.starts_with("TASK_HOST=") ||
        entry.starts_with("TASK_ATTEMPT="))
      continue;
    base_.emplace_back(entry);
  }
  base_.push_back("TASK_RANK=" + std::to_string(rank));
  base_.push_back("TASK_HOST=" + host);
}

char* const* task_environment::make(std::int64_t id, std::int32_t attempt) {
  id_ = "TASK_ID=" + std::to_string(id);
  attempt_ = "TASK_ATTEMPT=" + std::to_string(attempt);
  envp_.clear();
  envp_.reserve(base_.size() + 3);
  for (auto& s : base_) envp_.push_back(s.data());
  envp_.push_back(id_.data());
  envp_.push_back(attempt_.data());
  envp_.push_back(nullptr);
  return envp_.data();
}

process_runner::process_runner(exec_settings settings)
    : settings_(std::move(settings)),
      env_(settings_.rank, settings_.host),
      output_(settings_.output, settings_.outdir, settings_.rank, settings_.tag) {
  devnull_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

process_runner::~process_runner() {
  if (busy()) kill_now();
  if (devnull_ >= 0) ::close(devnull_);
}

std::optional<attempt_record> process_runner::start(const assignment& a) {
  const std::int32_t attempt = a.attempt;
  current_ = {};
  current_.id = a.id;
  current_.rank = settings_.rank;
  current_.attempt = attempt;
  current_.start = relay::app::wall_seconds();
  start_mono_ = relay::app::monotonic_seconds();
  const auto fail = [&](int code, const std::string& what) {
    std::fprintf(stderr, "task_farm: rank %d: task %lld could not start: %s: %s\n",
                 static_cast<int>(settings_.rank), static_cast<long long>(a.id), what.c_str(),
                 std::strerror(code));
    current_.result = outcome::error;
    current_.exit_code = 127;
    current_.end = relay::app::wall_seconds();
    current_.elapsed = relay::app::monotonic_seconds() - start_mono_;
    return current_;
  };
  // The files are opened here, not in the child: the task writes straight into them, so no
  // amount of output can block the farm, and a failure to create them is reported plainly.
  // (--output per-rank: temporary files, filed by finish; rank_output.hpp.)
  int out = -1, err = -1;
  if (auto f = output_.open(a.id, attempt, out, err)) return fail(f->code, f->what);

  // A command longer than one argument may be (MAX_ARG_STRLEN, 128 KiB) is run from a file.
  std::string command = a.command;
  std::string script;
  if (command.size() > max_argument_bytes) {
    script = task_path(settings_.outdir, a.id, ".sh");
    try {
      write_whole_file(script, command);
    } catch (const std::system_error& e) {
      ::close(out);
      ::close(err);
      return fail(e.code().value(), "cannot write " + script);
    }
  }
  char sh[] = "/bin/sh";
  char dash_c[] = "-c";
  char* argv_c[] = {sh, dash_c, command.data(), nullptr};
  char* argv_file[] = {sh, script.data(), nullptr};
  char* const* argv = script.empty() ? argv_c : argv_file;
  char* const* envp = env_.make(a.id, attempt);
  const int rc = spawn_task(argv, envp, devnull_, out, err);
  ::close(out);
  ::close(err);
  if (rc < 0) return fail(-rc, "cannot run /bin/sh");
  const pid_t pid = rc;
  register_task_group(pid);
  pid_ = pid;
  pidfd_ = open_pidfd(pid);
  term_sent_ = false;
  kill_at_ = never;
  interrupt_at_ = never;
  kill_reason_ = outcome::ok;
  timeout_at_ = settings_.timeout > 0 ? start_mono_ + settings_.timeout : never;
  return std::nullopt;
}

attempt_record process_runner::finish(int wait_status, double now) {
  current_.end = relay::app::wall_seconds();
  current_.elapsed = now - start_mono_;
  if (current_.elapsed < 0) current_.elapsed = 0;
  if (WIFEXITED(wait_status)) {
    current_.exit_code = WEXITSTATUS(wait_status);
    current_.result = current_.exit_code == 0 ? outcome::ok : outcome::failed;
  } else if (WIFSIGNALED(wait_status)) {
    current_.exit_code = 128 + WTERMSIG(wait_status);
    current_.result = outcome::signal;
  } else {
    current_.exit_code = 255;
    current_.result = outcome::failed;
  }
  // Killed by us: a timeout or an interruption, whatever the exit status says.
  if (term_sent_ && current_.result != outcome::ok) current_.result = kill_reason_;
  // Anything the task left running in its process group goes with it.
  (void)::kill(-pid_, SIGKILL);
  if (!output_.commit()) {  // --output per-rank: its output is lost, so it did not succeed
    current_.result = outcome::error;
    if (current_.exit_code == 0) current_.exit_code = 127;
  }
  if (settings_.tag) {
    tagged_[0] = tag_lines(current_.id, output_.captured(false));
    tagged_[1] = tag_lines(current_.id, output_.captured(true));
  }
  release();
  return current_;
}

std::optional<attempt_record> process_runner::poll(double now) {
  if (!busy()) return std::nullopt;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) return finish(status, relay::app::monotonic_seconds());
  if (r < 0) {  // cannot happen for our own child; treat it as gone
    return finish(255 << 8, now);
  }
  if (!term_sent_) {
    const double due = std::min(timeout_at_, interrupt_at_);
    if (now >= due) {
      kill_reason_ = interrupt_at_ <= timeout_at_ ? outcome::interrupted : outcome::timeout;
      (void)::kill(-pid_, SIGTERM);
      // A stopped process only sees SIGTERM once it runs again.
      (void)::kill(-pid_, SIGCONT);
      term_sent_ = true;
      kill_at_ = now + (kill_reason_ == outcome::interrupted ? settings_.interrupt_kill_delay
                                                             : settings_.timeout_kill_delay);
    }
  } else if (now >= kill_at_) {
    (void)::kill(-pid_, SIGKILL);
    kill_at_ = never;
  }
  return std::nullopt;
}

double process_runner::next_deadline() const {
  if (!busy()) return never;
  if (!term_sent_) return std::min(timeout_at_, interrupt_at_);
  return kill_at_;
}

void process_runner::interrupt_at(double deadline) {
  if (!busy()) return;
  if (!term_sent_) {
    interrupt_at_ = std::min(interrupt_at_, deadline);
  } else {
    // Already on its way out (a timeout): make sure it is gone by then as well.
    kill_reason_ = outcome::interrupted;
    kill_at_ = std::min(kill_at_, deadline + settings_.interrupt_kill_delay);
  }
}

void process_runner::kill_now() {
  if (!busy()) return;
  (void)::kill(-pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  release();
}

void process_runner::take_tagged(std::string& out, std::string& err) {
  out = std::exchange(tagged_[0], {});
  err = std::exchange(tagged_[1], {});
}

void process_runner::release() {
  if (pid_ > 0) unregister_task_group(pid_);
  if (pidfd_ >= 0) ::close(pidfd_);
  pidfd_ = -1;
  pid_ = -1;
}

void process_runner::wait(double seconds, int also) const {
  std::array<pollfd, 2> fds{};
  nfds_t n = 0;
  if (pidfd_ >= 0) fds[n++] = {pidfd_, POLLIN, 0};
  if (also >= 0) fds[n++] = {also, POLLIN, 0};
  if (busy() && pidfd_ < 0) seconds = std::min(seconds, 1e-3);  // no pidfd: look again soon
  if (seconds == never) {
    (void)::ppoll(fds.data(), n, nullptr, nullptr);
    return;
  }
  if (seconds < 0) seconds = 0;
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(seconds);
  ts.tv_nsec = static_cast<long>((seconds - static_cast<double>(ts.tv_sec)) * 1e9);
  (void)::ppoll(fds.data(), n, &ts, nullptr);
}

}  // namespace task_farm
