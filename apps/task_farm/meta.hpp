#pragma once
// OUTDIR/farm.json: what makes a directory a farm's, and the options that --resume reuses.

#include <cstdint>
#include <string>
#include <string_view>

namespace task_farm {

/// The options that shape a run. --resume reuses the saved ones unless given again.
struct farm_options {
  std::uint64_t chunksize = 1;  ///< task ids handed out per request
  std::uint64_t retries = 0;    ///< extra attempts for a failed task, per run
  double timeout = 0;           ///< seconds per attempt; 0: no limit
  double grace = 5;             ///< seconds running tasks get to finish when the farm is stopped
  bool fail_fast = false;       ///< stop handing out tasks after the first task that fails
  std::uint64_t cores_per_task = 1;  ///< cores of its node a task needs, unless #FARM cores=N
  std::int32_t output = 0;           ///< where task output goes: an output_mode (rank_output.hpp)
  bool halt_now = false;             ///< with fail_fast: kill the running tasks too (--halt now)
  friend bool operator==(const farm_options&, const farm_options&) = default;

  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& chunksize& retries& timeout& grace& fail_fast& cores_per_task& output& halt_now;
  }
};

/// The contents of farm.json.
struct farm_meta {
  std::string task_file;   ///< the task file's path as the farm was started with, made absolute
  std::string created;     ///< when the farm was started (UTC, ISO 8601)
  std::uint64_t runs = 1;  ///< how many times the farm was started (1 + the number of resumes)
  farm_options options;
  friend bool operator==(const farm_meta&, const farm_meta&) = default;
};

/// The file names inside an output directory.
inline constexpr std::string_view meta_file_name = "farm.json";
inline constexpr std::string_view status_file_name = "status.tsv";
inline constexpr std::string_view tasks_copy_name = "tasks.txt";

/// farm.json's text for `meta`.
[[nodiscard]] std::string to_json(const farm_meta& meta);
/// Parses farm.json; throws relay::usage_error if it is not a task_farm's.
[[nodiscard]] farm_meta meta_from_json(std::string_view text);

}  // namespace task_farm
