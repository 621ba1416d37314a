// The pool's construction, the end of a call (the outcome every rank throws alike), and
// task_error.

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <limits>

#include "pool_protocol.hpp"
#include "relay/detail/pool_engine.hpp"
#include "relay/environment.hpp"
#include "relay/gather.hpp"
#include "relay/isend.hpp"

namespace relay {

namespace {
std::string describe_failure(const std::vector<task_failure>& failures) {
  if (failures.empty()) return "relay::pool: a task failed";
  const auto& f = failures.front();
  std::string text = "task " + std::to_string(f.index) + " failed on rank " +
                     std::to_string(f.rank) + " (" + f.host + "): " + f.message;
  if (failures.size() > 1) text += " (and " + std::to_string(failures.size() - 1) + " more)";
  return text;
}
}  // namespace

task_error::task_error(std::vector<task_failure> failures)
    : error(describe_failure(failures)), failures_(std::move(failures)) {
  if (failures_.empty()) failures_.push_back({});
}

}  // namespace relay

namespace relay::detail::pool_impl {

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

namespace {
/// The options' first problem, or "" (checked on every rank before any message).
std::string check_options(const pool_options& o, int size) {
  // A chunk's count travels as 32 bits; a "negative" chunksize cast to size_t is far above.
  constexpr std::size_t chunksize_max = std::size_t{1} << 31;
  if (o.root < 0 || o.root >= size)
    return "relay::pool: root " + std::to_string(o.root) +
           " is not a rank of the communicator (size " + std::to_string(size) + ")";
  if (o.chunksize == 0) return "relay::pool: chunksize must be at least 1 (got 0)";
  if (o.chunksize > chunksize_max)
    return "relay::pool: chunksize " + std::to_string(o.chunksize) +
           " is too large (a negative number turned unsigned?); it must be in [1, 2^31]";
  if (!(o.idle_sleep_max > 0) || !std::isfinite(o.idle_sleep_max) || o.idle_sleep_max > 10)
    return "relay::pool: idle_sleep_max must be in (0, 10] seconds";
  if (!(o.flush_after >= 0) || !std::isfinite(o.flush_after))
    return "relay::pool: flush_after must be a finite number of seconds >= 0";
  if (o.group_size < 0) return "relay::pool: group_size must be >= 0";
  return {};
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}
}  // namespace

std::string check_chunksize(std::size_t chunksize) {
  pool_options o;
  o.chunksize = chunksize;
  return check_options(o, 1);
}

engine::engine(const communicator& comm, const pool_options& opts) : opts_(opts) {
  if (const std::string problem = check_options(opts, comm.size()); !problem.empty())
    throw usage_error(problem);
  comm_ = comm.dup();
  rank_ = comm_.rank();
  size_ = comm_.size();
  hosts_ = relay::allgather(comm_, host_name());
  workers_.assign(static_cast<std::size_t>(size_), worker_state{});
  lay_out_groups();
  // The root and each group's dispatcher run their own tasks in a thread that never calls MPI.
  threaded_ =
      !children_.empty() && opts_.root_works && environment::provided() >= thread_level::funneled;
}

engine::~engine() {
  if (thread_.joinable()) {
    {
      std::lock_guard lock(mutex_);
      quit_ = true;
    }
    work_cv_.notify_all();
    thread_.join();
  }
}

int engine::workers() const {
  if (size_ == 1) return 1;
  return size_ - 1 + (opts_.root_works ? 1 : 0);
}

void engine::close(const std::vector<task_failure>* failures) {
  while (!idle()) progress(true);
  outcome o = outcome::ok;
  std::string text;
  std::vector<task_failure> list;
  if (!mismatch_.empty()) {
    o = outcome::usage_error;
    text = mismatch_;
  } else if (failure_) {
    try {
      std::rethrow_exception(failure_);
    } catch (const task_error& e) {
      o = outcome::task_error;
      list = e.failures();
    } catch (const usage_error& e) {
      o = outcome::usage_error;
      text = e.what();
    } catch (const std::exception& e) {
      o = outcome::error;
      text = e.what();
    } catch (...) {
      o = outcome::error;
      text = "relay::pool: unknown exception on the root";
    }
  } else if (failures && !failures->empty()) {
    o = outcome::task_error;
    list = *failures;
    std::sort(list.begin(), list.end(),
              [](const task_failure& a, const task_failure& b) { return a.index < b.index; });
  }
  for (int w : children_) {
    std::vector<char> msg;
    writer wr(msg);
    wr.put<std::uint8_t>(down_end);
    wr.put<std::uint64_t>(seq_);
    wr.put<std::uint8_t>(static_cast<std::uint8_t>(o));
    wr.str(text);
    wr.put<std::uint32_t>(static_cast<std::uint32_t>(list.size()));
    for (const auto& f : list) {
      wr.put<std::uint64_t>(f.index);
      wr.put<std::int32_t>(f.rank);
      wr.str(f.message);
    }
    send_down(w, std::move(msg));
  }
  std::erase_if(sends_, [](request& r) { return r.test(); });
  stats_.wall_seconds = seconds_since(started_);
  stats_.dispatcher_cpu_seconds = thread_cpu_seconds() - cpu_started_;
  tick_ = nullptr;
  feeding_.clear();
  jobs_.clear();
  if (o == outcome::ok) return;
  // The root throws what the workers throw: the same kind and text on every rank.
  failure_ = nullptr;
  throw_outcome(o, text, std::move(list));
}

void engine::close_quietly() noexcept {
  try {
    stop();
    close(nullptr);
  } catch (...) {
  }
}

void engine::throw_outcome(outcome o, const std::string& text,
                           std::vector<task_failure> failures) const {
  switch (o) {
    case outcome::task_error:
      throw task_error(std::move(failures));
    case outcome::usage_error:
      throw usage_error(text);
    default:
      throw error(text);
  }
}

}  // namespace relay::detail::pool_impl

namespace relay::detail::pool_impl {
std::exception_ptr not_run_error(std::size_t index) {
  return std::make_exception_ptr(
      error("relay::pool: task " + std::to_string(index) + " did not run (the pool was stopped)"));
}
}  // namespace relay::detail::pool_impl
