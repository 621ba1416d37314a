#!/usr/bin/env bash
# Usage: scripts/bench_task_farm.sh [--tasks N] [--reps R] [--preset NAME] [-h|--help]
#
# Throughput of task_farm against GNU parallel on the same task file, side by side in one run:
# N tasks of `true` (default 2000), each tool with 2 workers, R repetitions each (default 5),
# interleaved; prints the median wall time, tasks/s and the ratio to GNU parallel -j2 (above 1:
# task_farm is faster). Also measured: xargs -P (a C program that forks /bin/sh -c per task and
# does nothing else: the floor for any launcher), and the per-task dispatch overhead of the farm,
# (its per-task time at 1 rank minus that of `xargs -P1`), which is what the farm adds to
# spawning a shell. task_farm's time includes mpirun's start-up and writing task-<id>.out/.err
# and status.tsv; GNU parallel's includes its Perl start-up. GNU parallel comes from the Debian
# package `parallel` (installed by this script through scripts/setup.sh if missing).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

tasks=2000
reps=5
preset=release
while (($#)); do
  case $1 in
    --tasks) tasks=${2:?--tasks needs a number}; shift ;;
    --reps) reps=${2:?--reps needs a number}; shift ;;
    --preset) preset=${2:?--preset needs a name}; shift ;;
    -h | --help) relay_usage; exit 0 ;;
    *) relay_die "unknown option '$1' (see --help)" ;;
  esac
  shift
done
[[ $tasks =~ ^[1-9][0-9]*$ ]] || relay_die "--tasks must be a positive integer (got '$tasks')"
[[ $reps =~ ^[1-9][0-9]*$ ]] || relay_die "--reps must be a positive integer (got '$reps')"

cd "$RELAY_ROOT"
RELAY_EXTRA_PACKAGES="parallel ${RELAY_EXTRA_PACKAGES:-}" relay_setup
bin="$(relay_binary_dir "$preset")/bin"
[[ -x $bin/task_farm ]] || bash scripts/build.sh --preset "$preset" >/dev/null
relay_export_mpi_env
export OMPI_MCA_btl_vader_single_copy_mechanism=${OMPI_MCA_btl_vader_single_copy_mechanism:-none}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for ((i = 0; i < tasks; i++)); do echo true; done >"$work/tasks.txt"

# Wall seconds of one command, its output discarded.
seconds() {
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >"$work/last.log" 2>&1 || { tail -n 20 "$work/last.log" >&2; relay_die "failed: $*"; }
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

declare -A times
names=("task_farm -n 2" "GNU parallel -j2" "xargs -P2" "task_farm -n 1" "xargs -P1")
run() {
  case $1 in
    "task_farm -n 2") rm -rf "$work/out"; mpirun -n 2 "$bin/task_farm" "$work/tasks.txt" -o "$work/out" ;;
    "task_farm -n 1") rm -rf "$work/out"; mpirun -n 1 "$bin/task_farm" "$work/tasks.txt" -o "$work/out" ;;
    "GNU parallel -j2") parallel --will-cite -j2 <"$work/tasks.txt" ;;
    "xargs -P2") xargs -d '\n' -n1 -P2 sh -c <"$work/tasks.txt" ;;
    "xargs -P1") xargs -d '\n' -n1 -P1 sh -c <"$work/tasks.txt" ;;
  esac
}
relay_log "$tasks tasks of 'true', $reps repetitions, interleaved ($(relay_cores) cores)"
for ((r = 1; r <= reps; r++)); do
  for name in "${names[@]}"; do times[$name]+="$(seconds run "$name") "; done
done

declare -A med
for name in "${names[@]}"; do med[$name]=$(tr ' ' '\n' <<<"${times[$name]}" | grep . | median); done
ref=${med["GNU parallel -j2"]}
printf '\n| %-18s | %10s | %9s | %17s |\n' "launcher" "median s" "tasks/s" "vs parallel -j2"
printf '| %-18s | %10s | %9s | %17s |\n' "---" "---:" "---:" "---:"
for name in "${names[@]}"; do
  m=${med[$name]}
  printf '| %-18s | %10.3f | %9.0f | %16.2fx |\n' "$name" "$m" "$(echo "$tasks / $m" | bc -l)" \
    "$(echo "$ref / $m" | bc -l)"
done
overhead=$(echo "(${med["task_farm -n 1"]} - ${med["xargs -P1"]}) / $tasks * 1000000" | bc -l)
spawn=$(echo "${med["xargs -P1"]} / $tasks * 1000000" | bc -l)
printf '\nper task: spawning /bin/sh -c true costs %.0f us (xargs -P1); task_farm at 1 rank adds %.0f us\n' \
  "$spawn" "$overhead"
printf '(dispatch, output files, status log, and mpirun start-up spread over %s tasks)\n' "$tasks"
