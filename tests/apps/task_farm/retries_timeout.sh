#!/usr/bin/env bash
# --retries runs a failed task again (each attempt logged, attempt numbers counting up), and
# --timeout kills a task with its whole process group, grandchildren included.
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
cat >tasks.txt <<EOT
test \$TASK_ATTEMPT -ge 2
exit 7
true
sleep 60 & echo \$! > $work/grandchild.\$TASK_ID; wait
sh -c 'trap "" TERM; sleep 60' & echo \$! > $work/grandchild.\$TASK_ID; wait
EOT
start=$SECONDS
"${farm[@]}" tasks.txt -o out --retries 2 --timeout 1 --json >summary.json 2>stderr.txt
code=$?
check "exit 1 (got $code)" test $code -eq 1
check "timeouts do not wait for the tasks ($((SECONDS - start)) s)" test $((SECONDS - start)) -lt 40
results() { awk -F'\t' -v id="$1" 'NR > 1 && $1 == id { printf "%s:%s:%s ", $9, $4, $5 }' out/status.tsv; }
check "task 1 succeeds on its second attempt: $(results 1)" test "$(results 1)" = "1:1:failed 2:0:ok "
check "task 2 fails three times: $(results 2)" test "$(results 2)" = "1:7:failed 2:7:failed 3:7:failed "
check "task 3 once: $(results 3)" test "$(results 3)" = "1:0:ok "
check "task 4 timed out three times: $(results 4)" test "$(awk -F'\t' '$1 == 4 && $5 == "timeout"' out/status.tsv | wc -l)" -eq 3
check "task 5 (ignores SIGTERM) timed out: $(results 5)" test "$(awk -F'\t' '$1 == 5 && $5 == "timeout"' out/status.tsv | wc -l)" -eq 3
sleep 0.5
for id in 4 5; do
  pid=$(cat "grandchild.$id")
  check "the grandchild of task $id ($pid) is gone" test ! -e "/proc/$pid" -o "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z
done
check "counts" test "$(json_field summary.json '["succeeded"], d["failed"], d["retried"], d["attempts"]')" = "(2, 3, 4, 12)"
finish
