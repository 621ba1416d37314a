#pragma once
// Rank 0's writer of OUTDIR/status.tsv.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace task_farm {

/// Appends lines to the status log, each batch with one write(2), and gets them to stable
/// storage with fdatasync(2) in a thread of its own.
///
/// Why this way: a line is in the kernel the moment write(2) returns, so a job that is killed
/// (the walltime case: SIGKILL, even of every process) loses nothing that was logged. Only a
/// crash of the node itself could lose the lines written since the last fdatasync, and the sync
/// thread starts one at most 20 ms after the previous one ends. fdatasync costs milliseconds (3.6
/// ms on this project's machines); done by the dispatcher after every line it would cap the farm at
/// a few hundred tasks per second and stall the dispatching of work to other ranks. In the thread
/// the syncs are a group commit: all lines written while one sync runs are covered by the next,
/// so the throughput does not depend on the cost of a sync. The thread makes no MPI calls.
///
/// The log is locked (flock) while the farm runs, so two farms never write one directory.
class status_log {
 public:
  /// The shortest time between two syncs.
  static constexpr std::chrono::milliseconds sync_interval{20};

  /// Opens `path` for appending, creating it with its header line if it does not exist, and
  /// truncates it to `keep_bytes` if given (a torn last line from a killed job). Throws
  /// relay::usage_error if the file cannot be opened or another farm holds the lock.
  status_log(const std::string& path, std::uint64_t keep_bytes = UINT64_MAX);
  ~status_log();
  status_log(const status_log&) = delete;
  status_log& operator=(const status_log&) = delete;

  /// Appends complete lines (each ending in '\n') with one write(2).
  void append(std::string_view lines);
  /// 0, or ENOSPC or EDQUOT once the log's file system is (nearly) full: it has less than
  /// low_space_bytes free, or it refused to extend the log's reserve. The log keeps
  /// reserve_bytes of room allocated beyond its end (fallocate, FALLOC_FL_KEEP_SIZE; extended
  /// after each refill_bytes written), so that when the disk fills up, the attempts still
  /// running can be logged: the farm stops at once when it sees this (job.cpp).
  [[nodiscard]] int space_error() const { return space_error_; }
  static constexpr std::uint64_t reserve_bytes = 1 << 20;
  static constexpr std::uint64_t refill_bytes = 64 << 10;
  static constexpr std::uint64_t low_space_bytes = 64 << 10;

  /// Blocks until everything appended is on stable storage.
  void sync();

 private:
  void sync_loop();
  void reserve();

  int fd_ = -1;
  std::string path_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::uint64_t size_ = 0;          ///< bytes in the file
  std::uint64_t reserved_end_ = 0;  ///< allocated up to here
  int space_error_ = 0;
  std::uint64_t written_ = 0;  ///< batches written
  std::uint64_t synced_ = 0;   ///< batches known to be on stable storage
  bool stopping_ = false;
  int sync_waiters_ = 0;  ///< callers of sync(): they skip the interval
  std::thread syncer_;
};

}  // namespace task_farm
