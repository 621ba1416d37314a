#pragma once
// The heartbeat: while a farm runs, rank 0 keeps OUTDIR/running.json (its host, pid and start
// time), rewritten every heartbeat_period seconds through a rename, so that its modification time
// says the farm is alive, and removes it when the farm ends. `task_farm status` reads it where it
// cannot see the lock of status.tsv: on a login node, with the farm's directory on a shared file
// system. A farm killed with -9 (or its node lost) leaves the file behind, and its age tells.

#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace task_farm {

inline constexpr std::string_view heartbeat_file_name = "running.json";
/// Seconds between two rewrites of the file.
inline constexpr double heartbeat_period = 2.0;
/// A heartbeat older than this means the farm is gone: five periods, for a loaded node and a
/// shared file system's delays.
inline constexpr double heartbeat_stale_after = 5 * heartbeat_period;

/// Rank 0's heartbeat for the farm in `outdir`: written at once, then by a thread of its own
/// every heartbeat_period seconds, and removed by the destructor.
class heartbeat {
 public:
  heartbeat(std::string outdir, std::string host);
  ~heartbeat();
  heartbeat(const heartbeat&) = delete;
  heartbeat& operator=(const heartbeat&) = delete;

 private:
  void write();
  std::string path_;
  std::string text_;
  bool warned_ = false;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

/// What a heartbeat file says, and when it was last written (its mtime, seconds since the epoch).
struct heartbeat_info {
  std::string host;
  long pid = 0;
  std::string started;
  double written = 0;
};

/// The heartbeat of the farm in `outdir`, if it has one (a malformed file counts as none).
[[nodiscard]] std::optional<heartbeat_info> read_heartbeat(const std::string& outdir);

}  // namespace task_farm
