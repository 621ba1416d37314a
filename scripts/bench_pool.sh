#!/usr/bin/env bash
# Usage: scripts/bench_pool.sh [--tasks N] [--tasks-cs1 M] [--reps R] [--ranks P] [--preset NAME]
#                              [-h|--help]
#
# relay::pool's map against mpi4py.futures' MPIPoolExecutor.map, side by side in one run: the
# same map of x + 2 over N integers (default 1,000,000) at chunksizes 1, 100 and 10000, at P
# ranks (default 2), R rounds (default 5), the two sides interleaved and their order alternating.
# Each round runs `mpi_bench --ops pool --json --reps 3` (the median of 3 maps per row, pools
# whose root works and whose root only hands out work, and 100 us tasks of real work against a
# serial loop) and scripts/bench_pool_mpi4py.py under `mpirun -n P /usr/bin/python3 -m
# mpi4py.futures` (one map per chunksize after a warm-up). Prints one table of medians over the
# rounds: tasks/s of each side and the median of the per-round ratios relay / mpi4py.
#
# mpi4py.futures' root does not run tasks: at P ranks it has P - 1 workers. The fair comparison
# is relay's pool with root_works=false; the pool's default (root_works=true) is shown beside it.
# At chunksize 1 mpi4py maps M tasks (default 20,000) instead of N: it runs about 3,000 tasks/s
# there, and its rate does not depend on the count (measured: 2,866/s at 20,000, 3,329/s at
# 100,000), so a million would take five minutes a round.
#
# python3-mpi4py (Debian 12: mpi4py 3.1.4) is a benchmark-only dependency, installed by this
# script through scripts/setup.sh if missing, and run with /usr/bin/python3 (not the python3
# first on PATH, which may be a virtual environment without it). Builds mpi_bench if needed.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

tasks=1000000
tasks_cs1=20000
reps=5
ranks=2
preset=release
while (($#)); do
  case $1 in
    --tasks) tasks=${2:?--tasks needs a number}; shift ;;
    --tasks-cs1) tasks_cs1=${2:?--tasks-cs1 needs a number}; shift ;;
    --reps) reps=${2:?--reps needs a number}; shift ;;
    --ranks) ranks=${2:?--ranks needs a number}; shift ;;
    --preset) preset=${2:?--preset needs a name}; shift ;;
    -h | --help) relay_usage; exit 0 ;;
    *) relay_die "unknown option '$1' (see --help)" ;;
  esac
  shift
done
for name in tasks tasks_cs1 reps ranks; do
  [[ ${!name} =~ ^[1-9][0-9]*$ ]] || relay_die "--${name//_/-} must be a positive integer (got '${!name}')"
done
((ranks >= 2)) || relay_die "--ranks must be at least 2 (mpi4py.futures needs a worker rank)"

cd "$RELAY_ROOT"
RELAY_EXTRA_PACKAGES="python3-mpi4py ${RELAY_EXTRA_PACKAGES:-}" relay_setup
python=/usr/bin/python3
"$python" -c 'import mpi4py.futures' 2>/dev/null ||
  relay_die "$python cannot import mpi4py.futures (install the Debian package python3-mpi4py)"
build="$(relay_binary_dir "$preset")"
if [[ -f $build/CMakeCache.txt ]]; then
  cmake --build "$build" --target mpi_bench --parallel "$(relay_cores)" >/dev/null
else
  bash scripts/build.sh --preset "$preset" >/dev/null
fi
bin=$build/bin
relay_export_mpi_env
relay_mpiexec_flags "$ranks"
export OMPI_MCA_btl_vader_single_copy_mechanism=${OMPI_MCA_btl_vader_single_copy_mechanism:-none}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run_relay() {
  mpiexec -n "$ranks" "${RELAY_MPIEXEC_FLAGS[@]}" "$bin/mpi_bench" --ops pool --json --reps 3 \
    --tasks "$tasks" >>"$work/relay.jsonl" 2>"$work/last.err" ||
    { tail -n 20 "$work/last.err" >&2; relay_die "mpi_bench --ops pool failed"; }
}
run_mpi4py() {
  mpiexec -n "$ranks" "${RELAY_MPIEXEC_FLAGS[@]}" "$python" -m mpi4py.futures \
    scripts/bench_pool_mpi4py.py --tasks "$tasks" --tasks-cs1 "$tasks_cs1" |
    sed "s/^/$1 /" >>"$work/mpi4py.txt" ||
    { relay_die "mpi4py.futures failed"; }
}

relay_log "x + 2 over $tasks tasks (mpi4py at chunksize 1: $tasks_cs1), $ranks ranks," \
  "$reps rounds, interleaved ($(relay_cores) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
for ((r = 1; r <= reps; r++)); do
  if ((r % 2)); then
    run_relay
    run_mpi4py "$r"
  else
    run_mpi4py "$r"
    run_relay
  fi
  relay_log "round $r/$reps done"
done

"$python" - "$work/relay.jsonl" "$work/mpi4py.txt" "$ranks" <<'EOF'
import json, statistics, sys

relay_runs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
py = {}
for line in open(sys.argv[2]):
    rnd, _, text = line.partition(" ")
    row = json.loads(text)
    py.setdefault(row["chunksize"], []).append(row["tasks_per_second"])
ranks = int(sys.argv[3])

def series(task, chunksize, root_works, key="tasks_per_second"):
    return [row[key] for run in relay_runs for row in run["pool"]
            if row["task"] == task and row["chunksize"] == chunksize
            and row["root_works"] == root_works]

med = statistics.median
print(f"\n| chunksize | relay, root idle (tasks/s) | relay, root works (tasks/s) "
      f"| mpi4py.futures (tasks/s) | relay root idle / mpi4py | relay root works / mpi4py |")
print("| ---: | ---: | ---: | ---: | ---: | ---: |")
checks = []
rounds = []
for cs in sorted(py):
    idle, busy, ref = series("x+2", cs, False), series("x+2", cs, True), py[cs]
    r_idle = med(a / b for a, b in zip(idle, ref))
    r_busy = med(a / b for a, b in zip(busy, ref))
    print(f"| {cs} | {med(idle):,.0f} | {med(busy):,.0f} | {med(ref):,.0f} "
          f"| {r_idle:,.1f}x | {r_busy:,.1f}x |")
    rounds.append(f"  chunksize {cs}: root idle " + " ".join(f"{a / b:,.1f}" for a, b in zip(idle, ref))
                  + "; root works " + " ".join(f"{a / b:,.1f}" for a, b in zip(busy, ref)))
    checks.append((f"chunksize {cs}: relay >= mpi4py.futures (root idle / root works)",
                   min(r_idle, r_busy) >= 1, f"{r_idle:.1f}x / {r_busy:.1f}x"))
    if cs == 1:
        best = max(med(idle), med(busy))
        checks.append(("chunksize 1: >= 500,000 tasks/s", best >= 5e5, f"{best:,.0f}/s"))
        checks.append(("chunksize 1: >= 200x mpi4py.futures", max(r_idle, r_busy) >= 200,
                       f"{max(r_idle, r_busy):,.0f}x"))
print("\nratios relay / mpi4py.futures per round:")
print("\n".join(rounds))
for root_works in (True, False):
    eff = series("work_100us", 1, root_works, "efficiency")
    if eff:
        us = med(series("work_100us", 1, root_works, "task_us"))
        name = "root works" if root_works else "root idle"
        print(f"\n100 us tasks ({name}, chunksize 1): measured {us:.1f} us each, parallel "
              f"efficiency {100 * med(eff):.1f}% (rounds: "
              + " ".join(f"{100 * e:.1f}" for e in eff) + ")")
        if root_works:
            checks.append(("100 us tasks: >= 95% efficiency", med(eff) >= 0.95,
                           f"{100 * med(eff):.1f}%"))
print(f"\nmedians over {len(relay_runs)} rounds (relay: each round's median of 3 maps); "
      f"ratios: the median of the per-round ratios; {ranks} ranks; mpi4py.futures has "
      f"{ranks - 1} worker(s)")
for text, ok, value in checks:
    print(f"  {'met   ' if ok else 'MISSED'} {text}: {value}")
EOF
