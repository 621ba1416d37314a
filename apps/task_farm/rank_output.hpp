#pragma once
// Where a task's output goes (--output): per task (OUTDIR/task-<id>.out and .err, the default),
// per rank (OUTDIR/rank-<r>.out and .err: two files per rank instead of two per task, for
// parallel file systems), or nowhere. A per-rank file is a sequence of records, one per attempt:
//   #task_farm id=<id> attempt=<attempt> bytes=<n>\n<n bytes of output>\n
// written once the attempt has ended (the task writes to an unlinked temporary file meanwhile),
// so records never mix; `task_farm extract DIR ID` prints one task's.
// With capture on (--tag), the rank reads each attempt's output back through its own descriptors
// once the attempt has ended: per task, the descriptors of the task's files (opened for reading
// too); per rank, the temporary files; with --output none, temporary files that are not kept.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace task_farm {

enum class output_mode : std::int32_t { per_task = 0, per_rank = 1, none = 2 };

/// "per-task", "per-rank" or "none".
[[nodiscard]] std::string_view to_string(output_mode m);
/// The mode for one of those words.
[[nodiscard]] std::optional<output_mode> output_mode_from(std::string_view word);

/// One rank's outputs: opens the descriptors an attempt writes to, and files them when it ends.
class task_output {
 public:
  /// `capture`: keep each attempt's output readable for captured() (--tag).
  task_output(output_mode mode, std::string outdir, std::int32_t rank, bool capture = false);
  ~task_output();
  task_output(const task_output&) = delete;
  task_output& operator=(const task_output&) = delete;

  /// Why the descriptors could not be opened: errno, and what was being done.
  struct failure {
    int code = 0;
    std::string what;
  };
  /// Opens the stdout and stderr of attempt `attempt` of task `id` into `out` and `err` (the
  /// caller closes them once the task is started). Nothing on success.
  std::optional<failure> open(std::int64_t id, std::int32_t attempt, int& out, int& err);
  /// After the attempt ended: per rank, appends its output and error output to the rank's files
  /// as one record each. False (with a line on stderr) when they could not be written.
  bool commit();
  /// With capture on, after the attempt ended: its output (`err`: error output), all of it; ""
  /// when capture is off. Call before the next open.
  [[nodiscard]] std::string captured(bool err) const;

 private:
  /// Opens (once) and empties temporary file `i`, and returns a duplicate for the task.
  std::optional<failure> open_temporary(int i, int& fd);

  output_mode mode_;
  std::string outdir_;
  std::int32_t rank_;
  bool capture_ = false;
  int keep_[2] = {-1, -1};  ///< per task with capture: the attempt's files, open for reading
  std::int64_t id_ = 0;
  std::int32_t attempt_ = 0;
  int tmp_[2] = {-1, -1};    ///< per rank: the attempt's unlinked temporary files
  int files_[2] = {-1, -1};  ///< per rank: rank-<r>.out and .err, opened for appending
};

/// One record of a per-rank file.
struct output_record {
  std::int64_t id = 0;
  std::int32_t attempt = 0;
  std::string text;
};

/// The records of a per-rank file's text for task `id`, in order (a torn last record, cut off
/// when its rank was killed, is left out). Throws relay::usage_error for a malformed file
/// (`name` names it).
[[nodiscard]] std::vector<output_record> records_of(std::string_view text, std::int64_t id,
                                                    const std::string& name);

}  // namespace task_farm
