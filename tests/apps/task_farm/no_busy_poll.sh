#!/usr/bin/env bash
# While tasks run, the farm sleeps: the CPU time each rank's farm uses (the summary's cpu_seconds,
# tasks excluded) stays a small fraction of the run time. A blocking MPI receive would spin.
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
for i in $(seq 1 $((ranks * 2))); do echo "sleep 1"; done >tasks.txt
"${farm[@]}" tasks.txt -o out --json >summary.json 2>stderr.txt
check "exit 0" test $? -eq 0
python3 - <<'PY' || fail "a rank used too much CPU"
import json
d = json.load(open("summary.json"))
for r in d["per_rank"]:
    share = r["cpu_seconds"] / d["seconds"]
    print(f"rank {r['rank']}: {r['cpu_seconds']:.3f} s of CPU in {d['seconds']:.2f} s ({100 * share:.1f}%)")
    assert share < 0.10, "polling"
PY
finish
