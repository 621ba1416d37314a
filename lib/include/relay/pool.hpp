#pragma once
/// \file
/// relay::pool: a pool of ranks that run calls of a function, as Python's multiprocessing.Pool,
/// concurrent.futures and mpi4py.futures do, across the ranks of a communicator.
///
/// One rank, the root, hands out inputs in chunks and collects results; every rank runs tasks,
/// the root included (in a second thread that never calls MPI). Functions are never sent: `f` is
/// any callable every rank has. Two styles:
/// - collective calls (every rank calls them, in the same order, with the same f): map,
///   for_each, stream, imap, imap_unordered. Inputs, sources and sinks are read on the root only;
///   the other ranks serve until the root is done and get an empty value. A failure throws on
///   every rank.
/// - the executor: pool.define(f) on every rank, then pool.run(body): the root runs
///   body(executor&), which submits, maps, and waits on futures, while the other ranks serve.
///
/// Idle ranks never spin a core: they poll between sleeps that start at 10 us after a message and
/// double to options().idle_sleep_max (1 ms). See docs/library.md, "The pool".

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <ranges>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "relay/communicator.hpp"
#include "relay/detail/pool_engine.hpp"
#include "relay/detail/pool_executor.hpp"
#include "relay/detail/pool_imap.hpp"
#include "relay/detail/pool_jobs.hpp"
#include "relay/detail/pool_types.hpp"

namespace relay {

/// A pool of the ranks of a communicator that run tasks (see the top of this file).
class pool {
 public:
  /// Builds the pool on a duplicate of `comm`. Called by every rank of the communicator. Invalid
  /// options raise usage_error on every rank, before any message.
  explicit pool(const communicator& comm, pool_options opts = {}) : e_(comm, opts) {}
  pool(const pool&) = delete;
  pool& operator=(const pool&) = delete;

  /// True on the rank that hands out the work (options().root).
  [[nodiscard]] bool is_root() const { return e_.is_root(); }
  /// This rank in the pool's communicator.
  [[nodiscard]] int rank() const { return e_.rank(); }
  /// The number of ranks in the pool.
  [[nodiscard]] int size() const { return e_.size(); }
  /// The options the pool was built with.
  [[nodiscard]] const pool_options& options() const { return e_.options(); }

  /// f over every input; the results in input order on the root, an empty vector elsewhere.
  /// Called by every rank of the pool, with the same f; `inputs` (any range) and `chunksize` are
  /// read on the root only (0: options().chunksize). Throws task_error on every rank if a task
  /// threw.
  template <class F, class Range>
  auto map(F&& f, const Range& inputs, std::size_t chunksize = 0) {
    using In = std::ranges::range_value_t<const Range>;
    using R = detail::pool_impl::result_t<F, In>;
    static_assert(!std::is_void_v<R>, "relay::pool::map: f returns nothing; use for_each");
    detail::pool_impl::fn_kind<F&, In> k(f, detail::pool_impl::signature<In, R>("map"));
    std::vector<R> out;
    if (!is_root()) {
      e_.serve(k.signature(), {&k});
      return out;
    }
    if constexpr (std::is_default_constructible_v<R>) {
      auto to = [&out](std::size_t i, R&& r) { out[i] = std::move(r); };
      using job_t = detail::pool_impl::range_job<Range, R, decltype(to)>;
      run_call<job_t>(k, inputs, chunksize, to, [&](job_t& j) { out.resize(j.handed_out()); });
    } else {
      std::vector<std::optional<R>> slots;
      auto to = [&slots](std::size_t i, R&& r) { slots[i].emplace(std::move(r)); };
      using job_t = detail::pool_impl::range_job<Range, R, decltype(to)>;
      run_call<job_t>(k, inputs, chunksize, to, [&](job_t& j) { slots.resize(j.handed_out()); });
      out.reserve(slots.size());
      for (auto& s : slots) out.push_back(std::move(*s));
    }
    return out;
  }

  /// f over every input, results dropped. Called by every rank of the pool (see map).
  template <class F, class Range>
  void for_each(F&& f, const Range& inputs, std::size_t chunksize = 0) {
    using In = std::ranges::range_value_t<const Range>;
    detail::pool_impl::fn_kind<F&, In, true> k(f,
                                               detail::pool_impl::signature<In, void>("for_each"));
    if (!is_root()) return e_.serve(k.signature(), {&k});
    auto to = [](std::size_t) {};
    using job_t = detail::pool_impl::range_job<Range, void, decltype(to)>;
    run_call<job_t>(k, inputs, chunksize, to, [](job_t&) {});
  }

  /// Producer and consumer. On the root, `source()` (std::optional<In>) is called as workers
  /// need input; nullopt means "nothing now" and it is asked again later (after a sink call, say,
  /// which may queue more). The stream ends when the source gives nullopt while no task is queued
  /// or running. `sink(index, R&&)` gets each result as it arrives (index: the source's order).
  /// Called by every rank of the pool; source and sink are used on the root only.
  template <class In, class F, class Source, class Sink>
  void stream(F&& f, Source&& source, Sink&& sink, std::size_t chunksize = 0) {
    stream<In>(
        std::forward<F>(f), source, sink, chunksize, [] {}, 0.0);
  }
  /// As stream, and calls `tick()` on the root at least every `tick_interval` seconds while the
  /// stream runs (to look at signals, and call stop() or interrupt()).
  template <class In, class F, class Source, class Sink, class Tick>
  void stream(F&& f, Source&& source, Sink&& sink, std::size_t chunksize, Tick&& tick,
              double tick_interval) {
    using R = detail::pool_impl::result_t<F, In>;
    detail::pool_impl::fn_kind<F&, In> k(f, detail::pool_impl::signature<In, R>("stream"));
    if (!is_root()) return e_.serve(k.signature(), {&k});
    e_.open(k.signature(), {&k}, false);
    using S = std::remove_reference_t<Source>;
    using K = std::remove_reference_t<Sink>;
    auto j = std::make_shared<detail::pool_impl::stream_job<In, R, S, K>>(
        source, sink, resolve_chunksize(chunksize));
    j->stop_on_failure = options().errors == on_error::stop;
    if (tick_interval > 0) e_.set_tick([&tick] { tick(); }, tick_interval);
    e_.add(j);
    e_.run_until_idle();
    e_.close(&j->failures);
  }

  /// Results in input order, lazily (Pool.imap): on the root a range whose iteration runs the
  /// call; elsewhere the call serves until the root's range ends or is destroyed, and returns an
  /// empty range. The range keeps a copy of f, and of `inputs` when they are a temporary (as in
  /// `for (auto r : pool.imap(f, make_inputs()))`); inputs passed by name must outlive it.
  /// Called by every rank of the pool.
  template <class F, class Range>
  auto imap(F&& f, Range&& inputs, std::size_t chunksize = 0) {
    return lazy<true>(std::forward<F>(f), std::forward<Range>(inputs), chunksize, "imap");
  }
  /// As imap, in arrival order: the elements are std::pair<std::size_t, R> (index, result).
  template <class F, class Range>
  auto imap_unordered(F&& f, Range&& inputs, std::size_t chunksize = 0) {
    return lazy<false>(std::forward<F>(f), std::forward<Range>(inputs), chunksize,
                       "imap_unordered");
  }

  /// On the root while a call runs (from a sink, a tick, an imap loop): start no new task;
  /// running tasks finish and the call ends normally. Elsewhere nothing.
  void stop() {
    if (is_root()) e_.stop();
  }
  /// As stop(), and running tasks see task_context::interrupted() and `code`.
  void interrupt(std::int64_t code) {
    if (is_root()) e_.interrupt(code);
  }

  /// Makes f a task to submit inside run(). Called on every rank, in the same order, with no
  /// communication. f takes one input (and may take a task_context& after it).
  template <class F>
  auto define(F f) {
    using In = std::remove_cvref_t<typename detail::pool_impl::call_traits<F>::arg>;
    using R = detail::pool_impl::result_t<F, In>;
    auto k = std::make_unique<detail::pool_impl::fn_kind<F, In>>(
        std::move(f), detail::pool_impl::signature<In, R>("task"));
    defined_.push_back(std::move(k));
    return task<R(In)>(static_cast<std::uint32_t>(defined_.size() - 1));
  }

  /// The executor: body(executor&) runs on the root while the other ranks serve; returns when
  /// the body has returned and every submitted task has ended. Called by every rank of the pool.
  /// An exception from the body ends the call on every rank: each throws a relay error of its
  /// kind (usage_error, task_error, else relay::error) with its text.
  template <class Body>
  void run(Body&& body) {
    std::string sig = "run[";
    std::vector<detail::pool_impl::kind*> kinds;
    for (auto& k : defined_) {
      sig += k->signature() + ";";
      kinds.push_back(k.get());
    }
    sig += "]";
    if (!is_root()) return e_.serve(sig, kinds);
    e_.open(sig, kinds, true);
    if (!e_.stopped()) {
      executor ex(e_);
      try {
        body(ex);
      } catch (...) {
        e_.fail(std::current_exception());
      }
    }
    e_.close(nullptr);
  }

  /// Statistics of the last call, on the root.
  [[nodiscard]] const pool_stats& last_stats() const { return e_.stats(); }

 private:
  std::size_t resolve_chunksize(std::size_t chunksize) {
    if (chunksize == 0) return options().chunksize;
    if (auto problem = detail::pool_impl::check_chunksize(chunksize); !problem.empty())
      e_.fail(std::make_exception_ptr(usage_error(problem)));
    return chunksize;
  }

  template <class Job, class Kind, class Range, class To, class Grow>
  void run_call(Kind& k, const Range& inputs, std::size_t chunksize, To& to, Grow&& grow) {
    e_.open(k.signature(), {&k}, false);
    auto j = std::make_shared<Job>(inputs, resolve_chunksize(chunksize), to);
    j->stop_on_failure = options().errors == on_error::stop;
    if (!e_.stopped()) {
      // Results land at their index: the storage grows as chunks are packed.
      struct growing final : detail::pool_impl::job {
        std::shared_ptr<Job> inner;
        Grow* grow;
        bool next(detail::pool_impl::chunk& c) override {
          const bool got = inner->next(c);
          if (got) (*grow)(*inner);
          return got;
        }
        bool exhausted() const override { return inner->exhausted(); }
        void deliver(const detail::pool_impl::piece& p) override { inner->deliver(p); }
      };
      auto g = std::make_shared<growing>();
      g->inner = j;
      g->grow = &grow;
      g->stop_on_failure = j->stop_on_failure;
      e_.add(g);
      e_.run_until_idle();
      e_.close(&g->failures);
      return;
    }
    e_.close(nullptr);
  }

  template <bool Ordered, class F, class RangeArg>
  auto lazy(F&& f, RangeArg&& inputs, std::size_t chunksize, const char* name) {
    using Range = std::remove_cvref_t<RangeArg>;
    using In = std::ranges::range_value_t<const Range>;
    using Fn = std::decay_t<F>;
    using R = detail::pool_impl::result_t<Fn, In>;
    using V = std::conditional_t<Ordered, R, std::pair<std::size_t, R>>;
    using state = detail::pool_impl::lazy_state<V, Ordered>;
    // The kind (with its copy of f) lives as long as the call: in the range on the root, here
    // elsewhere.
    auto k = std::make_shared<detail::pool_impl::fn_kind<Fn, In>>(
        std::forward<F>(f), detail::pool_impl::signature<In, R>(name));
    if (!is_root()) {
      e_.serve(k->signature(), {k.get()});
      return lazy_results<V, Ordered>();
    }
    auto s = std::make_unique<state>();
    s->e = &e_;
    e_.open(k->signature(), {k.get()}, false);
    s->open = true;
    // Temporary inputs move into the range; named ones are read where they are.
    std::shared_ptr<const Range> owned;
    if constexpr (!std::is_lvalue_reference_v<RangeArg>)
      owned = std::make_shared<const Range>(std::forward<RangeArg>(inputs));
    const Range& source = owned ? *owned : inputs;
    auto to = [st = s.get(), k, owned](std::size_t i, R&& r) {
      if constexpr (Ordered)
        st->ready.emplace(i, std::move(r));
      else
        st->arrived.emplace_back(i, std::move(r));
    };
    auto j = std::make_shared<detail::pool_impl::range_job<Range, R, decltype(to)>>(
        source, resolve_chunksize(chunksize), to);
    j->stop_on_failure = options().errors == on_error::stop;
    s->j = j;
    e_.add(j);
    return lazy_results<V, Ordered>(std::move(s));
  }

  detail::pool_impl::engine e_;
  std::vector<std::unique_ptr<detail::pool_impl::kind>> defined_;
};

}  // namespace relay
