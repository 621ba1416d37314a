#pragma once
// The messages between rank 0 (the dispatcher) and the other ranks, as flat byte buffers.
//
//   worker -> 0   request  {finished attempts, want K}   a free rank asks for K more task ids
//   worker -> 0   results  {finished attempts}           sent as soon as an attempt ends
//   worker -> 0   final    {finished attempts, cpu, signal}  the rank will run nothing more
//   0 -> worker   tasks    {assignments}                 up to K tasks; none: no more work
//   0 -> worker   stop     {mode, grace}                 fail-fast (drain) or a signal (interrupt)
//   0 -> worker   bye      {}                            the last message a worker gets

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "status.hpp"

namespace task_farm {

enum class msg_kind : std::int32_t {
  request = 1,
  results = 2,
  final = 3,
  tasks = 10,
  stop = 11,
  bye = 12
};

/// How a rank stops early.
enum class stop_mode : std::int32_t {
  none = 0,
  drain = 1,      ///< --fail-fast: finish the running attempt, start nothing more
  interrupt = 2,  ///< a signal: give the running attempt the grace period, then kill it
};

/// A task handed to a rank, with the attempt number its first run there gets.
struct assignment {
  std::int64_t id = 0;
  std::int32_t first_attempt = 1;
  std::string command;
  friend bool operator==(const assignment&, const assignment&) = default;
};

/// A message from a worker rank to rank 0.
struct worker_msg {
  msg_kind kind = msg_kind::results;
  std::int32_t want = 0;    ///< request: how many tasks
  std::int32_t signal = 0;  ///< final: the signal that stopped this rank (0: none)
  double cpu_seconds = 0;   ///< final: CPU time this rank used while farming
  std::vector<attempt_record> records;
  friend bool operator==(const worker_msg&, const worker_msg&) = default;
};

/// A message from rank 0 to a worker rank.
struct master_msg {
  msg_kind kind = msg_kind::tasks;
  stop_mode mode = stop_mode::none;  ///< stop
  double grace = 0;                  ///< stop: seconds before running tasks are killed
  std::vector<assignment> tasks;
  friend bool operator==(const master_msg&, const master_msg&) = default;
};

[[nodiscard]] std::vector<char> encode(const worker_msg& msg);
[[nodiscard]] std::vector<char> encode(const master_msg& msg);
/// Decoders; they throw std::runtime_error on a malformed buffer.
[[nodiscard]] worker_msg decode_worker_msg(std::span<const char> bytes);
[[nodiscard]] master_msg decode_master_msg(std::span<const char> bytes);

}  // namespace task_farm
