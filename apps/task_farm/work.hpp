#pragma once
// What travels through relay::pool between rank 0 and the ranks that run tasks: one pool task is
// one attempt of one task line. Rank 0's queue hands out assignments; each rank sends back an
// attempt_report as soon as the attempt ends.

#include <cstdint>
#include <string>

#include "status.hpp"

namespace task_farm {

/// One attempt to run: a task line and the attempt number it gets (1 for its first run; counts
/// on across retries and --resume).
struct assignment {
  std::int64_t id = 0;
  std::int32_t attempt = 1;
  std::string command;
  std::int32_t phase = 0;  ///< its task's barriers passed (rank 0 starts no later phase early)
  std::int32_t cores = 1;  ///< the cores of its node its rank must hold to run it (slots.hpp)
  friend bool operator==(const assignment&, const assignment&) = default;

  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& id& attempt& command& phase& cores;
  }
};

/// How an attempt went, as the rank that ran it reports it.
struct attempt_report {
  attempt_record rec;
  /// The first stop signal that this rank received itself (0: none); rank 0 stops the farm on it,
  /// since a signal may reach one rank only.
  std::int32_t signal = 0;
  /// 0 when the attempt was not started (the farm was being stopped): it is not logged.
  std::int32_t ran = 1;
  /// --tag: the attempt's output and error output, each line prefixed with "<id>\t" (tag.hpp);
  /// empty without --tag. Rank 0 prints them, so that lines from different ranks never mix.
  std::string out, err;
  friend bool operator==(const attempt_report&, const attempt_report&) = default;

  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& rec& signal& ran& out& err;
  }
};

}  // namespace task_farm
