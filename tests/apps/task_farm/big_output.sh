#!/usr/bin/env bash
# Tasks that write megabytes to stdout and stderr do not block the farm: output goes straight to
# files. Also: --chunksize K hands out K ids per request, and every task runs once.
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
{
  for i in 1 2 3 4; do
    echo "head -c 8000000 /dev/zero; head -c 3000000 /dev/zero >&2"
  done
  for i in $(seq 1 40); do echo "echo \$TASK_ID"; done
} >tasks.txt
"${farm[@]}" tasks.txt -o out --chunksize 3 --json >summary.json 2>stderr.txt
check "exit 0 ($?)" test $? -eq 0
for id in 1 2 3 4; do
  check "task $id stdout size" test "$(stat -c %s out/task-$id.out)" -eq 8000000
  check "task $id stderr size" test "$(stat -c %s out/task-$id.err)" -eq 3000000
done
for id in $(seq 5 44); do
  [[ $(cat out/task-$id.out) == "$id" ]] || fail "task $id output"
done
check "44 ok lines" test "$(awk -F'\t' '$5 == "ok"' out/status.tsv | wc -l)" -eq 44
check "each id once" test "$(cut -f1 out/status.tsv | sort | uniq -d | wc -l)" -eq 0
finish
