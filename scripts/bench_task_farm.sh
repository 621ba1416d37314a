#!/usr/bin/env bash
# Usage: scripts/bench_task_farm.sh [--tasks N] [--reps R] [--big M] [--preset NAME] [-h|--help]
#
# Throughput of task_farm against GNU parallel on the same task file, side by side in one run:
# N tasks of `true` (default 2000), each tool with 2 workers, R repetitions each (default 5),
# interleaved; prints the median wall time, tasks/s and the ratio to GNU parallel -j2 (above 1:
# task_farm is faster). Also measured: xargs -P (a C program that forks /bin/sh -c per task and
# does nothing else), and the per-task dispatch overhead of the farm
# (its per-task time at 1 rank, start-up excluded, minus that of `xargs -P1`): what it adds to
# spawning a shell. task_farm's time includes mpirun's start-up and writing task-<id>.out/.err
# and status.tsv; GNU parallel's includes its Perl start-up. GNU parallel comes from the Debian
# package `parallel` (installed by this script through scripts/setup.sh if missing).
# Then, unless --big 0: M tasks of `true` (default 100000) at 2 ranks with --chunksize 1, 10 and
# 100, interleaved, (R+1)/2 repetitions (odd): a larger chunksize must never be slower; and rank
# 0's maximum resident set size (GNU time's %M, Debian package `time`) at M tasks.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

tasks=2000
reps=5
big=100000
preset=release
while (($#)); do
  case $1 in
    --tasks) tasks=${2:?--tasks needs a number}; shift ;;
    --reps) reps=${2:?--reps needs a number}; shift ;;
    --preset) preset=${2:?--preset needs a name}; shift ;;
    --big) big=${2:?--big needs a number}; shift ;;
    -h | --help) relay_usage; exit 0 ;;
    *) relay_die "unknown option '$1' (see --help)" ;;
  esac
  shift
done
[[ $tasks =~ ^[1-9][0-9]*$ ]] || relay_die "--tasks must be a positive integer (got '$tasks')"
[[ $reps =~ ^[1-9][0-9]*$ ]] || relay_die "--reps must be a positive integer (got '$reps')"
[[ $big =~ ^[0-9]+$ ]] || relay_die "--big must be a number (got '$big')"

cd "$RELAY_ROOT"
RELAY_EXTRA_PACKAGES="parallel time ${RELAY_EXTRA_PACKAGES:-}" relay_setup
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

echo true >"$work/one.txt"
declare -A times
names=("task_farm -n 2" "GNU parallel -j2" "xargs -P2" "task_farm -n 1" "xargs -P1" "start-up")
runs=0
# Each farm writes a new directory: deleting thousands of files just before creating as many
# again makes ext4 search past the recently deleted inodes, which no real farm meets.
run() {
  case $1 in
    "task_farm -n 2") mpirun -n 2 "$bin/task_farm" "$work/tasks.txt" -o "$work/out.$runs" ;;
    "task_farm -n 1") mpirun -n 1 "$bin/task_farm" "$work/tasks.txt" -o "$work/out.$runs" ;;
    "start-up") mpirun -n 1 "$bin/task_farm" "$work/one.txt" -o "$work/out.$runs" ;;
    "GNU parallel -j2") parallel --will-cite -j2 <"$work/tasks.txt" ;;
    "xargs -P2") xargs -d '\n' -n1 -P2 sh -c <"$work/tasks.txt" ;;
    "xargs -P1") xargs -d '\n' -n1 -P1 sh -c <"$work/tasks.txt" ;;
  esac
}
relay_log "$tasks tasks of 'true', $reps repetitions, interleaved ($(relay_cores) cores)"
for ((r = 1; r <= reps; r++)); do
  for name in "${names[@]}"; do
    runs=$((runs + 1))
    times[$name]+="$(seconds run "$name") "
  done
done

declare -A med
for name in "${names[@]}"; do med[$name]=$(tr ' ' '\n' <<<"${times[$name]}" | grep . | median); done
ref=${med["GNU parallel -j2"]}
printf '\n| %-18s | %10s | %9s | %17s |\n' "launcher" "median s" "tasks/s" "vs parallel -j2"
printf '| %-18s | %10s | %9s | %17s |\n' "---" "---:" "---:" "---:"
for name in "${names[@]::5}"; do
  m=${med[$name]}
  printf '| %-18s | %10.3f | %9.0f | %16.2fx |\n' "$name" "$m" "$(echo "$tasks / $m" | bc -l)" \
    "$(echo "$ref / $m" | bc -l)"
done
startup=${med["start-up"]}
spawn=$(echo "${med["xargs -P1"]} / $tasks * 1000000" | bc -l)
farm1=$(echo "(${med["task_farm -n 1"]} - $startup) / $tasks * 1000000" | bc -l)
farm2=$(echo "(${med["task_farm -n 2"]} - $startup) / $tasks * 1000000" | bc -l)
printf '\nstart-up: mpirun -n 1 task_farm on a one-task file: %.3f s (excluded below)\n' "$startup"
printf 'per task, one at a time: xargs -P1 (fork, exec /bin/sh -c true, wait) %.0f us;\n' "$spawn"
printf '  task_farm at 1 rank %.0f us: dispatch overhead %+.0f us per task\n' "$farm1" \
  "$(echo "$farm1 - $spawn" | bc -l)"
printf '  (the farm starts tasks with vfork, creates task-<id>.out/.err, logs to status.tsv)\n'
printf 'per task at 2 ranks: task_farm %.0f us of wall time\n' "$farm2"

((big > 0)) || exit 0
# Chunksizes at M tasks: each run in a new directory, deleted after it (outside the timing).
for ((i = 0; i < big; i++)); do echo true; done >"$work/big.txt"
big_reps=$(((reps + 1) / 2 | 1))
relay_log "$big tasks of 'true' at 2 ranks, --chunksize 1, 10, 100; $big_reps repetitions"
declare -A btimes brss
for ((r = 1; r <= big_reps; r++)); do
  for k in 1 10 100; do
    runs=$((runs + 1))
    # GNU time around each rank writes its maximum RSS (KiB) to rss.<rank>.
    btimes[$k]+="$(seconds mpirun -n 2 sh -c "exec /usr/bin/time -o '$work/rss.'\$OMPI_COMM_WORLD_RANK \
      -f %M '$bin/task_farm' '$work/big.txt' -o '$work/out.$runs' --chunksize $k") "
    brss[$k]+="$(cat "$work/rss.0") "
    rm -rf "$work/out.$runs"
  done
done
printf '\n| %-32s | %10s | %9s | %16s |\n' "$big tasks, 2 ranks" "median s" "tasks/s" "rank 0 max RSS"
printf '| %-32s | %10s | %9s | %16s |\n' "---" "---:" "---:" "---:"
for k in 1 10 100; do
  m=$(tr ' ' '\n' <<<"${btimes[$k]}" | grep . | median)
  rss=$(tr ' ' '\n' <<<"${brss[$k]}" | grep . | sort -n | tail -1)
  printf '| %-32s | %10.3f | %9.0f | %12.1f MiB |\n' "task_farm -n 2 --chunksize $k" "$m" \
    "$(echo "$big / $m" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
done
