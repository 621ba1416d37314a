#pragma once
// Before the farm runs: rank 0 reads and checks the input, creates a farm's output directory or
// reopens one to resume, and tells every rank what it needs.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "cli.hpp"
#include "joblog.hpp"
#include "meta.hpp"
#include "relay/communicator.hpp"
#include "status_log.hpp"
#include "work.hpp"

namespace task_farm {

/// What rank 0 decides and every rank needs: rank 0 broadcasts it (relay serializes it).
struct farm_setup {
  std::string error;  ///< the input was bad: rank 0 prints this and every rank exits with `code`
  bool finished = false;  ///< nothing more to do (a dry run, no tasks): exit with `code`
  int code = 0;
  std::string outdir;
  farm_options options;
  int max_cores = 1;  ///< the most cores a queued task needs: above 1, ranks share slots.hpp's
  bool tag = false;   ///< --tag: each rank sends its attempts' output, tagged, to rank 0 (tag.hpp)

  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& error& finished& code& outdir& options& max_cores& tag;
  }
};

/// What rank 0 prepared: the shared setup, and what only rank 0 holds.
struct prepared : farm_setup {
  std::vector<assignment> queue;
  std::size_t total_tasks = 0;
  std::size_t skipped = 0;
  std::unordered_map<std::int64_t, std::string> commands;
  std::unique_ptr<status_log> log;
  std::unique_ptr<joblog> jobs;  ///< --joblog, if given
  bool progress = false;         ///< --progress, or stderr is a terminal
  bool terminal = false;
};

/// Prepares the farm on every rank of `world` (collective). Rank 0 reads the task file (or the
/// farm to resume), plans the run, creates or reopens the output directory and locks its status
/// log; a dry run, or a farm with nothing to do, prints its answer there and is `finished`. Bad
/// input becomes `error` on every rank, with code 2 (1 for any other failure). Every rank gets
/// the shared part; only rank 0's holds the queue, the commands and the log.
[[nodiscard]] prepared prepare(const relay::communicator& world, const cli_args& a);

}  // namespace task_farm
