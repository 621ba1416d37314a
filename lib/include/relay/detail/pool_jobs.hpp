#pragma once
/// \file
/// The pool's typed layer: a function as a `kind` (it runs packed tasks), and a range or a source
/// as a `job` (it packs chunks and unpacks results), for map, for_each, stream and imap.

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ranges>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "relay/detail/pool_codec.hpp"
#include "relay/detail/pool_engine.hpp"
#include "relay/detail/pool_types.hpp"

namespace relay::detail::pool_impl {

/// True when f takes a task_context after its input.
template <class F, class In>
inline constexpr bool takes_context = std::is_invocable_v<F&, wire_t<In>&, task_context&>;

template <class F, class In>
auto result_probe() {
  if constexpr (takes_context<F, In>)
    return std::type_identity<std::invoke_result_t<F&, wire_t<In>&, task_context&>>{};
  else if constexpr (std::is_invocable_v<F&, wire_t<In>&>)
    return std::type_identity<std::invoke_result_t<F&, wire_t<In>&>>{};
  else
    static_assert(std::is_invocable_v<F&, wire_t<In>&>,
                  "relay::pool: f cannot be called with the input type (nor with it and a "
                  "relay::task_context&)");
}
/// What f returns for an input of type In (decayed; void for none).
template <class F, class In>
using result_t =
    std::decay_t<typename decltype(result_probe<std::remove_reference_t<F>, In>())::type>;

template <class F, class X>
decltype(auto) call_task(F& f, X& x, task_context& ctx) {
  if constexpr (std::is_invocable_v<F&, X&, task_context&>)
    return std::invoke(f, x, ctx);
  else
    return std::invoke(f, x);
}

/// "map(int) -> double": what every rank must agree on for one call.
template <class In, class R>
std::string signature(const char* call) {
  return std::string(call) + "(" + type_name<In>() + ") -> " + type_name<R>();
}

/// A function as a kind. `Fn` is a reference for a collective call's f (which outlives the
/// call), a value for a defined one.
template <class Fn, class In, bool Discard = false>
class fn_kind final : public kind {
 public:
  using F = std::remove_reference_t<Fn>;
  using R = result_t<F, In>;
  fn_kind(Fn f, std::string sig) : kind(std::move(sig)), f_(std::forward<Fn>(f)) {}
  void run_one(reader& in, std::vector<char>& out, task_context& ctx) override {
    auto x = codec<In>::get(in);
    if constexpr (std::is_void_v<R> || Discard)
      call_task(f_, x, ctx);
    else
      codec<R>::put(out, call_task(f_, x, ctx));
  }

 private:
  Fn f_;
};

/// Unpacks the results of a piece and hands each to `to(index, R&&)`.
template <class R, class To>
void unpack(const piece& p, To&& to) {
  if constexpr (!std::is_void_v<R>) {
    reader rd(p.results);
    for (std::size_t i = 0; i < p.status.size(); ++i)
      if (p.status[i] == static_cast<std::uint8_t>(task_status::ok))
        to(p.first + i, codec<R>::get(rd));
  } else {
    for (std::size_t i = 0; i < p.status.size(); ++i)
      if (p.status[i] == static_cast<std::uint8_t>(task_status::ok)) to(p.first + i);
  }
}

/// The inputs of a range, `chunksize` at a time; results go to `to(index, R&&)`.
template <class Range, class R, class To>
class range_job final : public job {
 public:
  using In = std::ranges::range_value_t<const Range>;
  range_job(const Range& inputs, std::size_t chunksize, To to)
      : it_(std::ranges::begin(inputs)),
        end_(std::ranges::end(inputs)),
        chunksize_(chunksize),
        to_(std::move(to)) {}
  bool next(chunk& c) override {
    if (it_ == end_ || (stop_after_failure && !failures.empty())) return false;
    c.first = index_;
    c.count = 0;
    while (c.count < chunksize_ && it_ != end_) {
      codec<In>::put(c.inputs, *it_);
      ++it_;
      ++c.count;
    }
    index_ += c.count;
    return true;
  }
  [[nodiscard]] bool exhausted() const override {
    return it_ == end_ || (stop_after_failure && !failures.empty());
  }
  void deliver(const piece& p) override { unpack<R>(p, to_); }
  [[nodiscard]] std::size_t handed_out() const { return index_; }

  bool stop_after_failure = false;  // executor::map with on_error::stop

 private:
  std::ranges::iterator_t<const Range> it_;
  std::ranges::sentinel_t<const Range> end_;
  std::size_t chunksize_;
  std::size_t index_ = 0;
  To to_;
};

/// A source's inputs (`source()` gives std::optional<In>; nullopt: nothing now), results to a
/// sink.
template <class In, class R, class Source, class Sink>
class stream_job final : public job {
 public:
  stream_job(Source& source, Sink& sink, std::size_t chunksize)
      : source_(source), sink_(sink), chunksize_(chunksize) {}
  bool next(chunk& c) override {
    c.first = index_;
    c.count = 0;
    while (c.count < chunksize_) {
      std::optional<In> x = source_();
      if (!x) break;
      codec<In>::put(c.inputs, *x);
      ++c.count;
      ++index_;  // the source gave it: its index is taken even if packing fails
    }
    return c.count > 0;
  }
  [[nodiscard]] bool exhausted() const override { return false; }
  void deliver(const piece& p) override {
    if constexpr (std::is_void_v<R>)
      unpack<R>(p, [&](std::size_t i) { sink_(i); });
    else
      unpack<R>(p, [&](std::size_t i, R&& r) { sink_(i, std::move(r)); });
  }

 private:
  Source& source_;
  Sink& sink_;
  std::size_t chunksize_;
  std::size_t index_ = 0;
};

/// The chunksize of a call: 0 means the pool's; a bad one is a usage_error on every rank.
std::string check_chunksize(std::size_t chunksize);

}  // namespace relay::detail::pool_impl
