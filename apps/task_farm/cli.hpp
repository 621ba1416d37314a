#pragma once
// task_farm's command line: the options, their --help text, and the checks every rank makes.

#include <string>

#include "meta.hpp"
#include "relay/communicator.hpp"
#include "template.hpp"

namespace task_farm {

/// The command line, as every rank parsed it. The farm's numbers stay text until merged over the
/// defaults or a resumed farm's options (merge_options), so that "not given" differs from 0.
struct cli_args {
  std::string task_file;
  std::string output_dir;
  std::string resume;
  std::string chunksize, retries, timeout, grace;
  std::string cores_per_task;  ///< --cores-per-task (slots.hpp)
  std::string output;          ///< --output (rank_output.hpp)
  std::string halt;            ///< --halt: "now" or "soon"
  std::string joblog;          ///< --joblog FILE
  bool skip_failed = false;    ///< --resume-unfinished: failed tasks are not run again
  bool fail_fast = false;
  bool tag = false;  ///< --tag (tag.hpp)
  bool progress = false;
  bool dry_run = false;
  bool json = false;
  std::string templ;                ///< --template: the tasks are a sweep over `sources`
  std::vector<arg_source> sources;  ///< after ::: and :::: (template.hpp)
};

/// Parses argv on every rank of `world` and checks it (the numbers too): a usage error is raised
/// on every rank alike, before any communication. --help prints on rank 0 and ends the app.
[[nodiscard]] cli_args parse_cli(int argc, char** argv, const relay::communicator& world);

/// The options given on the command line, over `base` (the defaults, or a resumed farm's).
/// Throws a usage error for a malformed or out-of-range number.
[[nodiscard]] farm_options merge_options(const cli_args& a, farm_options base);

}  // namespace task_farm
