#pragma once
// What task_farm prints (rank 0 only): the plan of a dry run, "nothing to do", the summary of a
// run as text or as one JSON object, and the one-line messages on stderr.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "rank_output.hpp"
#include "status.hpp"
#include "summary.hpp"

namespace task_farm {

/// A dry run's answer on stdout: the tasks that would run (`to_run` of `total`, `skipped` having
/// succeeded before), as a table or, with `json`, one object.
void print_plan(bool json, const std::vector<run_plan::entry>& to_run, std::size_t total,
                std::size_t skipped, const std::string& outdir);

/// "task_farm: nothing to do: <message>" on stdout, or with `json` an empty run's summary.
void print_nothing_to_do(bool json, const std::string& message, std::size_t total,
                         std::size_t skipped, const std::string& outdir);

/// A run's summary on stdout (text, or one JSON object with `json`). When the farm was stopped
/// by a signal or --fail-fast, or a task failed, one line on stderr then says so, where the log
/// is, and how to run the rest (`resume_command`).
void print_run(const run_summary& s, bool json, const std::string& outdir,
               const std::string& resume_command, output_mode output = output_mode::per_task);

/// "task_farm: <message>" on stderr.
void print_error(const std::string& message);

/// Writes whole lines to stdout or stderr with a single write(2) each (std::cout is flushed
/// first). Under mpirun a rank's stdout and stderr reach the job's output through separate pipes
/// that mpirun forwards as it reads them, so a line written in pieces (as `std::cerr << a << b`
/// does, one write per piece) can have other output land inside it; a line written at once
/// cannot be split (up to PIPE_BUF, 4096 bytes).
void write_stdout(std::string_view lines);
void write_stderr(std::string_view lines);

}  // namespace task_farm
