#!/usr/bin/env bash
# check_pool_sleep.sh <command...>
# Runs pool_sleep (text output) and checks its report: the header, a serial line and two
# pool.map lines whose tasks per rank add up to the tasks, one count per rank. At 2 or more ranks
# (RELAY_TEST_RANKS) each pool.map must also beat the serial loop by a wide margin: take less than
# 3/4 of the loop's time (a perfect pool takes 1/2 at 2 ranks, 1/3 at 3 and 4 ranks with the
# tests' sizes). The tasks sleep, but every hand-out of a chunk needs the ranks to wake up, and on
# a machine whose cores are all busy (ctest -j2 beside other jobs) a wake-up can wait tens of
# milliseconds; so a run that misses the time is run again, up to 3 runs in all. The report's
# shape must be right in every run; a pool that does not work in parallel misses every time.
set -uo pipefail
ranks=${RELAY_TEST_RANKS:?RELAY_TEST_RANKS is not set}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# check <file>: exit status 0 = right and fast enough, 1 = wrong report, 2 = right but slow.
check() {
  awk -v ranks="$ranks" '
    NR == 1 {
      if ($0 !~ /^# pool_sleep: [0-9]+ sleeps of [0-9.e-]+ s on [0-9]+ ranks?$/) fail("header: " $0)
      tasks = $3
      if ($(NF - 1) != ranks) fail("the header names " $(NF - 1) " ranks, expected " ranks)
      next
    }
    NR == 2 {
      if ($0 !~ /^serial loop +[0-9.]+ s$/) fail("serial line: " $0)
      serial = $3
      next
    }
    /^pool\.map, chunksize / {
      maps++
      if ($0 !~ /^pool\.map, chunksize [0-9]+ +[0-9.]+ s  \(ideal [0-9.]+ s\)  speedup [0-9.]+  tasks per rank:( [0-9]+)+$/)
        fail("map line: " $0)
      seconds = $4
      split($0, halves, "tasks per rank:")
      n = split(halves[2], counts, " ")
      if (n != ranks) fail(n " task counts for " ranks " ranks: " $0)
      total = 0
      for (i = 1; i <= n; i++) total += counts[i]
      if (total != tasks) fail("tasks per rank add up to " total ", not " tasks ": " $0)
      if (ranks >= 2 && seconds >= 0.75 * serial) {
        print "check_pool_sleep: pool.map took " seconds " s, not under 3/4 of the serial " serial " s" > "/dev/stderr"
        slow = 1
      }
      next
    }
    { fail("unexpected line: " $0) }
    function fail(why) { print "check_pool_sleep: " why > "/dev/stderr"; bad = 1; exit 1 }
    END {
      if (bad) exit 1
      if (maps != 2) { print "check_pool_sleep: " maps " pool.map lines, expected 2" > "/dev/stderr"; exit 1 }
      exit slow ? 2 : 0
    }
  ' "$1"
}

for run in 1 2 3; do
  "$@" >"$out" || { cat "$out"; echo "check_pool_sleep: the command failed" >&2; exit 1; }
  cat "$out"
  check "$out"
  status=$?
  if ((status == 0)); then
    echo "check_pool_sleep: ok (run $run)"
    exit 0
  fi
  ((status == 1)) && exit 1
done
echo "check_pool_sleep: pool.map was not fast enough in 3 runs" >&2
exit 1
