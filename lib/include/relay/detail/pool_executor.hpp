#pragma once
/// \file
/// The pool's executor (mpi4py.futures' MPICommExecutor): defined functions, submit, futures,
/// as_completed and wait. Everything here runs on the root, inside pool::run.

#include <algorithm>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <ranges>
#include <type_traits>
#include <utility>
#include <vector>

#include "relay/detail/pool_engine.hpp"
#include "relay/detail/pool_jobs.hpp"

namespace relay {

namespace detail::pool_impl {

template <class R>
struct future_state {
  engine* e = nullptr;
  std::size_t index = 0;
  bool done = false;
  std::exception_ptr error;
  std::conditional_t<std::is_void_v<R>, bool, std::optional<R>> value{};
};

std::exception_ptr not_run_error(std::size_t index);

struct future_access {
  template <class F>
  static engine* of(const F& f) {
    return f.s_->e;
  }
};

/// One submit: one input, one future.
template <class In, class R>
class submit_job final : public job {
 public:
  explicit submit_job(std::shared_ptr<future_state<R>> f) : f_(std::move(f)) {}
  bool next(chunk& c) override {
    if (given_) return false;
    given_ = true;
    c.first = f_->index;
    c.count = 1;
    c.inputs = std::move(inputs);
    return true;
  }
  [[nodiscard]] bool exhausted() const override { return given_; }
  void deliver(const piece& p) override {
    if (!failures.empty()) {
      f_->error = std::make_exception_ptr(task_error(failures));
      f_->done = true;
      return;
    }
    if constexpr (std::is_void_v<R>)
      unpack<R>(p, [&](std::size_t) { f_->done = true; });
    else
      unpack<R>(p, [&](std::size_t, R&& r) {
        f_->value.emplace(std::move(r));
        f_->done = true;
      });
  }
  void skipped(std::uint64_t, std::size_t) override {
    f_->error = not_run_error(f_->index);
    f_->done = true;
  }
  std::vector<char> inputs;

 private:
  std::shared_ptr<future_state<R>> f_;
  bool given_ = false;
};

/// What a callable takes and returns, for pool::define (a plain function or a class with one
/// non-template call operator).
template <class T>
struct call_traits : call_traits<decltype(&T::operator())> {};
template <class R, class A, class... Rest>
struct call_traits<R (*)(A, Rest...)> {
  using arg = A;
};
template <class R, class A, class... Rest>
struct call_traits<R(A, Rest...)> {
  using arg = A;
};
template <class R, class C, class A, class... Rest>
struct call_traits<R (C::*)(A, Rest...)> {
  using arg = A;
};
template <class R, class C, class A, class... Rest>
struct call_traits<R (C::*)(A, Rest...) const> {
  using arg = A;
};
template <class R, class C, class A, class... Rest>
struct call_traits<R (C::*)(A, Rest...) noexcept> {
  using arg = A;
};
template <class R, class C, class A, class... Rest>
struct call_traits<R (C::*)(A, Rest...) const noexcept> {
  using arg = A;
};
}  // namespace detail::pool_impl

template <class Sig>
class task;

/// A function defined on every rank with pool::define, to submit inside pool::run.
template <class R, class In>
class task<R(In)> {
 public:
  [[nodiscard]] std::uint32_t id() const { return id_; }

 private:
  friend class pool;
  explicit task(std::uint32_t id) : id_(id) {}
  std::uint32_t id_ = 0;
};

/// The result of a submit, on the root. Move-only.
template <class R>
class future {
 public:
  future() = default;
  future(future&&) noexcept = default;
  future& operator=(future&&) noexcept = default;
  future(const future&) = delete;
  future& operator=(const future&) = delete;

  /// True when the result (or failure) is there; never waits, but serves the pool once.
  [[nodiscard]] bool ready() const {
    if (!s_->done) s_->e->progress(false);
    return s_->done;
  }
  /// Waits for the task to end.
  void wait() {
    s_->e->run_until([s = s_.get()] { return s->done; });
    if (!s_->done) {  // the pool stopped before the task ran
      s_->error = detail::pool_impl::not_run_error(s_->index);
      s_->done = true;
    }
  }
  /// Waits and returns the result; rethrows the task's task_error (or relay::error when the pool
  /// was stopped before the task ran).
  R get() {
    wait();
    if (s_->error) std::rethrow_exception(s_->error);
    if constexpr (!std::is_void_v<R>) return std::move(*s_->value);
  }
  /// True when the task ended with an exception (or never ran).
  [[nodiscard]] bool failed() const { return s_->done && s_->error; }
  /// Its submit order in the run.
  [[nodiscard]] std::size_t index() const { return s_->index; }
  /// Whether the task has ended (as ready(), without serving the pool).
  [[nodiscard]] bool done() const { return s_->done; }

 private:
  friend class executor;
  friend struct detail::pool_impl::future_access;
  explicit future(std::shared_ptr<detail::pool_impl::future_state<R>> s) : s_(std::move(s)) {}
  std::shared_ptr<detail::pool_impl::future_state<R>> s_;
};

/// The root's handle inside pool::run: submit, map, stop, interrupt.
class executor {
 public:
  explicit executor(detail::pool_impl::engine& e) : e_(&e) {}

  /// Starts running t(x) on some rank; returns its future.
  template <class R, class In>
  future<R> submit(const task<R(In)>& t, In x) {
    auto s = std::make_shared<detail::pool_impl::future_state<R>>();
    s->e = e_;
    s->index = submitted_++;
    if (e_->stopped()) {
      s->error = detail::pool_impl::not_run_error(s->index);
      s->done = true;
      return future<R>(std::move(s));
    }
    auto j = std::make_shared<detail::pool_impl::submit_job<In, R>>(s);
    detail::pool_impl::codec<In>::put(j->inputs, x);
    j->kind = t.id();
    e_->add(std::move(j));
    e_->progress(false);
    return future<R>(std::move(s));
  }

  /// Runs t over `inputs` across the pool and returns the results in input order; throws
  /// task_error if a task failed (on_error::stop: no new task of this map starts after one).
  template <class R, class In, class Range>
  std::vector<R> map(const task<R(In)>& t, const Range& inputs, std::size_t chunksize = 0) {
    if (chunksize == 0) chunksize = e_->options().chunksize;
    if (auto problem = detail::pool_impl::check_chunksize(chunksize); !problem.empty())
      throw usage_error(problem);
    std::vector<std::optional<R>> slots;
    auto to = [&slots](std::size_t i, R&& r) {
      if (slots.size() <= i) slots.resize(i + 1);
      slots[i].emplace(std::move(r));
    };
    auto j = std::make_shared<detail::pool_impl::range_job<Range, R, decltype(to)>>(inputs,
                                                                                    chunksize, to);
    j->kind = t.id();
    j->stop_after_failure = e_->options().errors == on_error::stop;
    e_->add(j);
    e_->run_until([&] { return j->exhausted() && j->chunks_out == 0; });
    if (!j->failures.empty()) {
      auto f = j->failures;
      std::sort(f.begin(), f.end(), [](auto& a, auto& b) { return a.index < b.index; });
      throw task_error(std::move(f));
    }
    if (!(j->exhausted() && j->chunks_out == 0) || slots.size() < j->handed_out())
      throw error("relay::pool: executor::map did not finish (the pool was stopped)");
    std::vector<R> out;
    out.reserve(slots.size());
    for (auto& s : slots) {
      if (!s) throw error("relay::pool: executor::map did not finish (the pool was stopped)");
      out.push_back(std::move(*s));
    }
    return out;
  }

  /// Starts nothing more; running tasks finish.
  void stop() { e_->stop(); }
  /// stop(), and tells running tasks (task_context::interrupted, interrupt_code).
  void interrupt(std::int64_t code) { e_->interrupt(code); }
  /// The number of ranks that run tasks, the root included when it works.
  [[nodiscard]] int size() const { return e_->workers(); }

 private:
  detail::pool_impl::engine* e_;
  std::size_t submitted_ = 0;
};

/// Iterating yields each future (by reference) as it completes, in completion order.
template <class R>
class as_completed_range {
 public:
  explicit as_completed_range(std::vector<future<R>>& fs) : fs_(fs), yielded_(fs.size(), false) {}
  class iterator {
   public:
    using value_type = future<R>;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(as_completed_range* r) : r_(r) { advance(); }
    future<R>& operator*() const { return r_->fs_[at_]; }
    iterator& operator++() {
      advance();
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& a, std::default_sentinel_t) { return a.r_ == nullptr; }

   private:
    void advance() {
      for (;;) {
        bool left = false;
        for (std::size_t i = 0; i < r_->fs_.size(); ++i) {
          if (r_->yielded_[i]) continue;
          left = true;
          if (r_->fs_[i].done()) {
            r_->yielded_[i] = true;
            at_ = i;
            return;
          }
        }
        if (!left) {
          r_ = nullptr;
          return;
        }
        auto* e = r_->engine();
        if (e->stopped() && e->idle()) {  // what is left will never run
          for (std::size_t i = 0; i < r_->fs_.size(); ++i)
            if (!r_->yielded_[i]) r_->fs_[i].wait();
          continue;
        }
        e->progress(true);
      }
    }
    as_completed_range* r_ = nullptr;
    std::size_t at_ = 0;
  };
  iterator begin() { return iterator(fs_.empty() ? nullptr : this); }
  std::default_sentinel_t end() const { return {}; }

 private:
  detail::pool_impl::engine* engine() { return detail::pool_impl::future_access::of(fs_.front()); }
  std::vector<future<R>>& fs_;
  std::vector<bool> yielded_;
};

/// The futures in completion order (concurrent.futures.as_completed).
template <class R>
as_completed_range<R> as_completed(std::vector<future<R>>& futures) {
  return as_completed_range<R>(futures);
}

enum class return_when { all_completed, first_completed, first_exception };

template <class R>
struct wait_result {
  std::vector<std::size_t> done, not_done;  // positions in the vector
};

/// Serves the pool until the condition holds (concurrent.futures.wait).
template <class R>
wait_result<R> wait(std::vector<future<R>>& futures,
                    return_when when = return_when::all_completed) {
  wait_result<R> out;
  if (futures.empty()) return out;
  auto check = [&] {
    std::size_t done = 0;
    bool failed = false;
    for (auto& f : futures) {
      done += f.done();
      failed |= f.failed();
    }
    if (done == futures.size()) return true;
    if (when == return_when::first_completed) return done > 0;
    if (when == return_when::first_exception) return failed;
    return false;
  };
  auto* e = detail::pool_impl::future_access::of(futures.front());
  e->run_until(check);
  if (!check())  // the pool stopped: what is left will never run
    for (auto& f : futures) f.wait();
  for (std::size_t i = 0; i < futures.size(); ++i)
    (futures[i].done() ? out.done : out.not_done).push_back(i);
  return out;
}

}  // namespace relay
