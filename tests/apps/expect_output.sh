#!/usr/bin/env bash
# expect_output.sh <expected-file-prefix> <command...>
# Runs the command and compares its standard output with <prefix>.<N>ranks.txt, where N comes
# from RELAY_TEST_RANKS (set by the CTest helper). Fails with a diff when they differ.
set -euo pipefail
prefix=$1
shift
expected="${prefix}.${RELAY_TEST_RANKS:?RELAY_TEST_RANKS is not set}ranks.txt"
actual=$(mktemp)
trap 'rm -f "$actual"' EXIT
"$@" >"$actual"
if ! diff -u "$expected" "$actual"; then
  echo "output differs from $expected" >&2
  exit 1
fi
echo "output matches $(basename "$expected")"
