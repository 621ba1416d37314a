#pragma once
// The pool's messages and tuning constants, each with the reason for its value.
//
// Every message is one byte vector on the pool's own duplicate of the user's communicator: down
// (root to worker) on tag_down, up (worker to root) on tag_up. One tag each way keeps each
// direction in order (MPI does not overtake between one pair on one tag), so a stop can never
// pass the work it stops, and the end of a call can never pass anything of that call.
//
// down: u8 type, u64 call sequence number, then
//   work:      u32 chunks, each: u32 kind, u64 kind fingerprint, u64 job, u64 first index,
//              u32 count, u8 stop_on_failure, u64 bytes, the packed inputs
//   stop:      nothing (start no new task)
//   interrupt: i64 code (stop, and ctx.interrupted() turns true)
//   end:       u8 outcome, text, u32 failures, each: u64 index, i32 rank, message
// up:   u8 type, u64 call sequence number, then
//   hello:     the call's signature (every worker sends one as it enters a call)
//   results:   u32 window (chunks the worker wants to hold), u32 pieces, each: u64 job,
//              u64 first, u8 final, u8 mismatch, u32 count, count status bytes, u32 messages,
//              each a text, u64 bytes, the packed results

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <thread>

namespace relay::detail::pool_impl {

inline constexpr int tag_down = 1;
inline constexpr int tag_up = 2;

enum down_type : std::uint8_t { down_work = 1, down_stop = 2, down_interrupt = 3, down_end = 4 };
enum up_type : std::uint8_t { up_hello = 1, up_results = 2 };

/// The first sleep of a polling wait after a message: short, so that a reply that comes at once
/// (a worker asking for its next chunk) is seen within microseconds.
inline constexpr double sleep_min = 10e-6;
/// The root keeps at least this many inputs packed in its queue, so that its own thread and
/// the workers' windows never wait for the source while tasks are short (a few hundred tasks of
/// `x + 2` take its thread about 50 us).
inline constexpr std::size_t queue_min_tasks = 256;
/// A worker wants to hold enough chunks to cover this much work, so that the round trip to the
/// root is hidden behind tasks (prefetch), within [2, window_max] chunks: the root may be asleep
/// for up to idle_sleep_max (1 ms by default) when the request comes, so a few of those.
inline constexpr double window_cover_seconds = 5e-3;
/// A worker that ran out of chunks while work is flowing (it had some within the last
/// busy_seconds) looks for the next ones at least this often: they are due within one of the
/// root's sleeps. After that it backs off to idle_sleep_max.
inline constexpr double worker_wait_max = 100e-6;
inline constexpr double busy_seconds = 0.01;
inline constexpr std::size_t window_max = 64;
/// A worker whose chunks take longer than this holds only one: long tasks go to whichever rank is
/// free first instead of waiting behind another long task on a busy rank.
inline constexpr double prefetch_below = 0.05;
/// A worker running a task looks for the root's stop or interrupt this often (20 MPI_Iprobe
/// calls a second cost nothing).
inline constexpr double task_poll_interval = 0.05;
/// The root's thread wakes the dispatcher at once after a chunk that took at least this long
/// (short chunks are collected on the dispatcher's next round instead, to save wake-ups).
inline constexpr double root_wake_after = 100e-6;
/// At most this many messages are taken in one round, so that the root's own queue and the
/// workers that wait for chunks are served between them.
inline constexpr int messages_per_round = 64;

inline double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

inline void sleep_seconds(double s) {
  std::this_thread::sleep_for(std::chrono::duration<double>(s));
}

/// CPU time of the calling thread, in seconds.
double thread_cpu_seconds();

}  // namespace relay::detail::pool_impl
