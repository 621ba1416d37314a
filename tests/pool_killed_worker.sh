#!/usr/bin/env bash
# pool_killed_worker.sh <seconds> <command...>
# Runs a pool job whose rank 1 kills itself during a map (tests/pool_kill.cpp). The job must end
# with a non-zero exit code within <seconds> (it is killed after that, so a hang fails instead of
# waiting for CTest's timeout), and the kill must have happened.
set -uo pipefail
limit=$1
shift
err=$(mktemp)
trap 'rm -f "$err"' EXIT
start=$SECONDS
timeout --kill-after=5 "$limit" "$@" 2>"$err"
code=$?
elapsed=$((SECONDS - start))
cat "$err" >&2
fail=0
# mpirun itself exits with 137 (128 + SIGKILL) when a rank was killed: the time tells a hang.
if [[ $code -eq 124 || $elapsed -ge $limit ]]; then
  echo "pool_killed_worker: the job did not end within ${limit}s (hung)" >&2
  fail=1
elif [[ $code -eq 0 ]]; then
  echo "pool_killed_worker: exit code 0, expected non-zero" >&2
  fail=1
fi
if ! grep -q "pool_kill: rank 1 kills itself" "$err"; then
  echo "pool_killed_worker: rank 1 never killed itself" >&2
  fail=1
fi
echo "pool_killed_worker: exit code $code after ${elapsed}s" >&2
exit $fail
