#!/usr/bin/env bash
# The status log is complete and correct, exit codes are recorded, outputs land in their files,
# and the summary (text and --json) counts right.
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
{
  echo "# a comment, then a blank line"
  echo
  for i in $(seq 1 24); do
    case $((i % 6)) in
      0) echo "exit $((i % 5 + 1))" ;;
      1) echo "echo id=\$TASK_ID rank=\$TASK_RANK attempt=\$TASK_ATTEMPT host=\$TASK_HOST" ;;
      2) echo "echo to-stderr >&2; printf 'tab\there'" ;;
      3) echo "kill -TERM \$\$" ;;
      *) echo "sleep 0.0\$((TASK_ID % 7)); echo \$TASK_ID" ;;
    esac
  done
} >tasks.txt
"${farm[@]}" tasks.txt --output-dir out --json >summary.json 2>stderr.txt
code=$?
check "exit code 1 when tasks fail (got $code)" test "$code" -eq 1
check "one JSON object" python3 -c 'import json,sys; json.load(open("summary.json"))'
check "header" test "$(head -1 out/status.tsv)" = "$(printf 'id\trank\thost\texit\tresult\tstart\tend\telapsed\tattempt\tcommand')"
check "one line per task" test "$(($(wc -l <out/status.tsv) - 1))" -eq 24
for i in $(seq 1 24); do
  id=$((i + 2))
  line=$(awk -F'\t' -v id="$id" 'NR > 1 && $1 == id' out/status.tsv)
  IFS=$'\t' read -r lid rank host exit result start end elapsed attempt command <<<"$line"
  check "task $id logged" test "$lid" = "$id"
  check "task $id rank in range ($rank)" test "$rank" -ge 0 -a "$rank" -lt "$ranks"
  check "task $id host" test "$host" = "$(hostname)" -o -n "$host"
  check "task $id attempt" test "$attempt" = 1
  check "task $id command" test "$command" = "$(sed -n "${id}p" tasks.txt | sed 's/\\/\\\\/g; s/\t/\\t/g')"
  case $((i % 6)) in
    0) check "task $id exit code" test "$exit/$result" = "$((i % 5 + 1))/failed" ;;
    1) check "task $id env" test "$(cat out/task-$id.out)" = "id=$id rank=$rank attempt=1 host=$host"
       check "task $id ok" test "$exit/$result" = "0/ok" ;;
    2) check "task $id stderr" test "$(cat out/task-$id.err)" = "to-stderr"
       check "task $id stdout" test "$(cat out/task-$id.out)" = "$(printf 'tab\there')" ;;
    3) check "task $id killed by SIGTERM" test "$exit/$result" = "143/signal" ;;
    *) check "task $id output" test "$(cat out/task-$id.out)" = "$id" ;;
  esac
done
check "start + elapsed = end, every line" python3 - <<'PY'
import csv, datetime, sys
f = lambda t: datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ")
rows = list(csv.reader(open("out/status.tsv"), delimiter="\t", quoting=csv.QUOTE_NONE))[1:]
for r in rows:
    d = (f(r[6]) - f(r[5])).total_seconds()
    assert 0 <= float(r[7]) and abs(d - float(r[7])) < 0.05, r
PY
check "counts" test "$(json_field summary.json '["tasks"], d["succeeded"], d["failed"], d["skipped"], d["attempts"]')" = "(24, 16, 8, 0, 24)"
check "per_rank" test "$(json_field summary.json '["per_rank"].__len__()')" = "$ranks"
check "busy time adds up" python3 - <<'PY'
import json
d = json.load(open("summary.json"))
assert sum(r["attempts"] for r in d["per_rank"]) == 24
assert all(0 <= r["utilization"] <= 1 for r in d["per_rank"])
assert len(d["slowest"]) == 5 and d["slowest"][0]["seconds"] >= d["slowest"][-1]["seconds"]
assert sorted(f["id"] for f in d["failures"]) == [i + 2 for i in range(1, 25) if i % 6 in (0, 3)]
PY
check "the stderr line says how to run the rest" grep -q -- "--resume $work/out" stderr.txt
# Text summary of a run that succeeds.
grep -v -e exit -e kill tasks.txt >good.txt
"${farm[@]}" good.txt -o good >text.txt 2>&1
check "exit 0 when all succeed" test $? -eq 0
check "text summary" grep -q "task_farm: 16 tasks: 16 succeeded, 0 failed, 0 skipped" text.txt
check "per-rank table" test "$(grep -c -E '^ +[0-9]+  ' text.txt)" -eq "$ranks"
finish
