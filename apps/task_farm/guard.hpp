#pragma once
// Keeping tasks tied to their rank, and the rank safe from its tasks.
//
// - A task never outlives its rank. The task's shell gets PR_SET_PDEATHSIG (SIGKILL) in the child
//   (runner.cpp), so it dies with the thread that started it; what the shell started lives in
//   the task's process group, which a reaper kills: a small process that each rank forks first
//   thing in main (before MPI starts), that holds the read end of a pipe and learns from the rank
//   the process group of each task that starts and ends. When the rank dies, kill -9 included,
//   the pipe reaches end-of-file and the reaper kills the groups still registered, then exits.
// - A task cannot stop its farm by accident: a stop signal whose sender (signalfd's ssi_pid) is
//   the running task or one of its processes (its process group, or a descendant of its shell)
//   is ignored, with a note on stderr. A task that sends the signal and exits before the rank
//   reads it is still recognised: until the rank reaps it, the task's shell is a zombie that
//   keeps its process group.

#include <sys/types.h>

namespace task_farm {

/// Forks the reaper (call once, first thing in main, before any thread starts). Where the fork
/// fails the farm runs without one (PR_SET_PDEATHSIG still ends each task's shell).
void start_reaper();

/// Under a launcher (Open MPI's mpirun or orted), asks for SIGKILL when it dies: mpirun exits
/// at once, without stopping the ranks, on a second SIGINT or SIGTERM (which timeout(1) sends:
/// once to mpirun, once to its process group), and a rank left behind would run on. SIGKILL, not
/// a stop with a grace period: with mpirun gone, MPI calls may block (a run under load once kept
/// rank 0's dispatcher from logging while its tasks completed), and no one would see a summary.
/// The rank's tasks die with it (see above); every attempt logged before stays logged.
/// Also ignores SIGPIPE, so that writing to the gone launcher's pipes cannot kill the rank.
void watch_launcher();

/// Tells the reaper (if any) that process group `pgid` holds a running task, or no longer does.
void register_task_group(pid_t pgid);
void unregister_task_group(pid_t pgid);

/// True if process `sender` belongs to the task running on this rank (see above).
[[nodiscard]] bool sent_by_task(pid_t sender);

}  // namespace task_farm
