#!/usr/bin/env bash
# fixtures.sh <command...>: makes the bad inputs of the task_farm tests in a fresh directory,
# runs the command there (with @DIR@ in its arguments replaced by that directory), and passes on
# its exit code.
set -uo pipefail
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf 'echo a\necho b\0c\n' >"$dir/nul.txt"
{ echo "echo short"; head -c 1048577 /dev/zero | tr '\0' x; echo; } >"$dir/long.txt"
echo "true" >"$dir/tasks.txt"
mkdir "$dir/notfarm" "$dir/adir"
: >"$dir/regular"
args=()
for a in "$@"; do args+=("${a//@DIR@/$dir}"); done
cd "$dir" && "${args[@]}"
