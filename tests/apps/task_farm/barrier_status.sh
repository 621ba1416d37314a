#!/usr/bin/env bash
# #FARM barrier: no task after a barrier starts before every task before it has ended (the
# status log's start and end times); an unknown directive is an error naming its line.
# task_farm status DIR [--json], from another shell while the farm runs and after it: counts,
# failures with their exit codes, and a shell-quoted resume command that works when pasted.
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
tf=${farm[-1]}  # the status command needs no mpiexec
{
  echo "sleep 0.3"
  echo "sleep 0.5"
  echo "sleep 0.2"
  echo "#FARM barrier"
  for _ in 1 2 3 4; do echo "sleep 0.1"; done
  echo "  #FARM BARRIER"
  echo "true"
  echo "true"
} >barrier.txt
"${farm[@]}" barrier.txt -o barrier >/dev/null 2>&1
check "barrier: exit 0" test $? -eq 0
# Phase of each id: ids 1-3, 5-8, 10-11. Times are ISO 8601 with milliseconds, compared as text.
awk -F'\t' 'NR > 1 { p = ($1 < 4) ? 0 : ($1 < 9) ? 1 : 2; print p "\t" $6 "\t" $7 }' \
  barrier/status.tsv >phases.txt
check "barrier: 9 tasks logged" test "$(wc -l <phases.txt)" -eq 9
for p in 0 1; do
  last_end=$(awk -F'\t' -v p=$p '$1 == p { print $3 }' phases.txt | sort | tail -1)
  first_start=$(awk -F'\t' -v p=$((p + 1)) '$1 == p { print $2 }' phases.txt | sort | head -1)
  check "barrier $((p + 1)): phase $((p + 1)) starts ($first_start) after phase $p ends ($last_end)" \
    test ! "$first_start" \< "$last_end"
done
printf 'true\n#FARM wait\ntrue\n' >unknown.txt
"${farm[@]}" unknown.txt -o unknown >unknown-out.txt 2>&1
check "unknown directive: exit 2" test $? -eq 2
check "unknown directive: names the line" \
  grep -q "^task_farm: task file 'unknown.txt': line 2: unknown directive '#FARM wait'" unknown-out.txt
check "unknown directive: no directory" test ! -e unknown

# Status while the farm runs: task 1 fails (until fixed), task 2 succeeds, the sleeps hold the
# farm for a while (a ~0.3 s task at the end releases it once we have looked). Then heartbeats
# (running.json) written by hand: a stale one (stopped), a fresh one from another host (running).
dir="$work/stat dir"
{
  echo "test -e $work/fixed || exit 3"
  echo "true"
  for _ in $(seq 1 "$ranks"); do echo "while test ! -e $work/release; do sleep 0.05; done"; done
} >stat.txt
"${farm[@]}" stat.txt -o "$dir" >stat-run.txt 2>&1 &
pid=$!
seen=0
for _ in $(seq 1 300); do
  if "$tf" status "$dir" --json >running.json 2>/dev/null &&
    [[ $(json_field running.json '["failed"], d["succeeded"]') == "(1, 1)" ]]; then
    seen=1
    break
  fi
  sleep 0.05
done
check "status while running: saw the failure" test $seen -eq 1
check "status while running: state" test "$(json_field running.json '["state"]')" = running
check "status while running: counts" test "$(json_field running.json '["tasks"], d["not_run"]')" = "($((ranks + 2)), $ranks)"
check "status while running: exit code" test "$(json_field running.json '["failures"][0]["id"], d["failures"][0]["exit"]')" = "(1, 3)"
"$tf" status "$dir" >running.txt 2>&1
check "status text while running" grep -q "^farm $dir: running on $(hostname) " running.txt
check "status while running: the heartbeat's host" test "$(json_field running.json '["host"]')" = "$(hostname)"
check "status while running: a fresh heartbeat" python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))["heartbeat_age_s"]; sys.exit(not 0 <= a < 10)' running.json
touch release
wait $pid
check "farm: exit 1 (a task failed)" test $? -eq 1
"$tf" status "$dir" --json >after.json 2>&1
check "status after: state" test "$(json_field after.json '["state"]')" = incomplete
check "status after: counts" test "$(json_field after.json '["succeeded"], d["failed"], d["not_run"]')" = "($((ranks + 1)), 1, 0)"
"$tf" status "$dir" >after.txt 2>&1
check "status text: the failure" grep -q "id 1	exit 3	failed" after.txt
check "status after: the heartbeat is removed" test ! -e "$dir/running.json"
check "status after: no host, no heartbeat" test "$(json_field after.json '["host"], d["heartbeat_age_s"]')" = "(None, None)"
# A heartbeat that stopped (its farm killed with -9, its node lost): stopped, and since when.
echo '{"host":"node17","pid":4242,"started":"2026-01-01T00:00:00.000Z","refresh_s":2.0}' >"$dir/running.json"
touch -d '-1 minute' "$dir/running.json"
"$tf" status "$dir" --json >stale.json 2>&1
check "stale heartbeat: incomplete" test "$(json_field stale.json '["state"], d["host"]')" = "('incomplete', None)"
check "stale heartbeat: its age" python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))["heartbeat_age_s"]; sys.exit(not 55 <= a < 120)' stale.json
"$tf" status "$dir" >stale.txt 2>&1
check "stale heartbeat: says stopped" grep -q "^farm $dir: incomplete, stopped (heartbeat stale since 20[0-9-]*T[0-9:.]*Z, on node17" stale.txt
# A farm running on another host (no lock here, a fresh heartbeat): running there.
touch "$dir/running.json"
"$tf" status "$dir" --json >remote.json 2>&1
check "heartbeat from another host: running there" test "$(json_field remote.json '["state"], d["host"], d["pid"]')" = "('running', 'node17', 4242)"
"$tf" status "$dir" >remote.txt 2>&1
check "heartbeat from another host: text" grep -q "^farm $dir: running on node17 (pid 4242, heartbeat" remote.txt
rm "$dir/running.json"
resume=$(sed -n 's/^resume: //p' after.txt)
eval "set -- $resume"  # the pasted command's words: the directory with its space is one
check "status: resume command quoted" test "${*: -2:1}|${*: -1}" = "--resume|$dir"
touch fixed
"${farm[@]}" "${@: -2}" >resumed.txt 2>&1
check "the printed resume command works" test $? -eq 0
check "status: finished" test "$("$tf" status "$dir" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["state"], d["resume_command"])')" = "finished None"
"$tf" status "$work" >notfarm.txt 2>&1
check "status of a non-farm: exit 2" test $? -eq 2
check "status of a non-farm: says why" grep -q "^task_farm status: .*has no farm.json" notfarm.txt
finish
