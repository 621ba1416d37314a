#!/usr/bin/env bash
# expect_abort.sh <seconds> <line-regex> <command...>
# Runs an MPI job that must end itself by aborting: a non-zero exit code, within <seconds> (it is
# killed after that, so a hang fails instead of waiting for CTest's timeout), and exactly one line
# on standard error that matches the regex. Open MPI's MPI_ABORT banner may be there as well.
set -uo pipefail
limit=$1
pattern=$2
shift 2
err=$(mktemp)
trap 'rm -f "$err"' EXIT
start=$SECONDS
timeout --kill-after=5 "$limit" "$@" 2>"$err"
code=$?
elapsed=$((SECONDS - start))
cat "$err" >&2
fail=0
if [[ $code -eq 124 || $code -eq 137 ]]; then
  echo "expect_abort: the job did not end within ${limit}s (hung)" >&2
  fail=1
elif [[ $code -eq 0 ]]; then
  echo "expect_abort: exit code 0, expected non-zero" >&2
  fail=1
fi
matches=$(grep -Ec -- "$pattern" "$err")
if [[ $matches -ne 1 ]]; then
  echo "expect_abort: $matches lines on stderr match /$pattern/, expected exactly 1" >&2
  fail=1
fi
echo "expect_abort: exit code $code after ${elapsed}s" >&2
exit $fail
