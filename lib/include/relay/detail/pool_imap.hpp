#pragma once
/// \file
/// The lazy range that pool::imap and pool::imap_unordered return on the root: iterating it
/// drives the pool.

#include <cstddef>
#include <deque>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <utility>

#include "relay/detail/pool_engine.hpp"

namespace relay::detail::pool_impl {

/// Results in input order (V = R), or in arrival order (V = std::pair<std::size_t, R>).
template <class V, bool Ordered>
class lazy_state {
 public:
  ~lazy_state() {
    if (open && e) e->close_quietly();
  }
  /// Moves the next result into `current`; false at the end. Throws the call's failure.
  bool advance() {
    for (;;) {
      if constexpr (Ordered) {
        auto it = ready.find(next);
        if (it != ready.end()) {
          current.emplace(std::move(it->second));
          ready.erase(it);
          ++next;
          return true;
        }
      } else if (!arrived.empty()) {
        current.emplace(std::move(arrived.front()));
        arrived.pop_front();
        return true;
      }
      if (!open) return false;
      if (e->idle()) {
        open = false;
        e->close(&j->failures);
        continue;
      }
      e->progress(true);
    }
  }

  engine* e = nullptr;
  std::shared_ptr<job> j;
  std::map<std::size_t, V> ready;  // ordered: results that came before their turn
  std::deque<V> arrived;           // unordered
  std::size_t next = 0;
  std::optional<V> current;
  bool open = false;
  bool started = false;
};

}  // namespace relay::detail::pool_impl

namespace relay {

/// A lazy range of results (pool::imap, pool::imap_unordered). On the root, iterating it runs
/// the call: each step serves the pool until the next result is there. Elsewhere it is empty.
/// Destroying it before the end stops the call (running tasks finish) on every rank. Move-only;
/// iterate it once.
template <class V, bool Ordered>
class lazy_results {
  using state = detail::pool_impl::lazy_state<V, Ordered>;

 public:
  class iterator {
   public:
    using value_type = V;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(state* s) : s_(s) {}
    V& operator*() const { return *s_->current; }
    V* operator->() const { return &*s_->current; }
    iterator& operator++() {
      if (!s_->advance()) s_ = nullptr;
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& a, std::default_sentinel_t) { return a.s_ == nullptr; }

   private:
    state* s_ = nullptr;
  };

  lazy_results() = default;
  explicit lazy_results(std::unique_ptr<state> s) : s_(std::move(s)) {}

  /// Serves the pool until the first result is there.
  iterator begin() {
    if (!s_) return iterator();
    if (!s_->started) {
      s_->started = true;
      if (!s_->advance()) return iterator();
    }
    return iterator(s_.get());
  }
  std::default_sentinel_t end() const { return {}; }

 private:
  std::unique_ptr<state> s_;
};

}  // namespace relay
