#pragma once
// The clocks the apps read besides MPI_Wtime.

namespace relay::app {

/// CPU seconds this process has used so far, all its threads together (user and system). With
/// other jobs on the machine a rank's wall time includes waiting for a core; its CPU time does
/// not.
[[nodiscard]] double cpu_seconds();

/// Seconds on the monotonic clock (unaffected by changes of the wall clock).
[[nodiscard]] double monotonic_seconds();

/// Seconds since the Unix epoch, on the wall clock.
[[nodiscard]] double wall_seconds();

}  // namespace relay::app
