#!/usr/bin/env bash
# --output per-rank: two files per rank instead of two per task, one framed record per attempt,
# and task_farm extract DIR ID prints exactly what --output per-task would have kept (any bytes,
# a line that looks like a record's header, 300 KB, no final newline, retries: the latest
# attempt). --output none keeps nothing. The mode is saved for --resume. (--tag: tag.sh.)
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
tf=${farm[-1]}
{
  echo 'echo "id $TASK_ID attempt $TASK_ATTEMPT"; echo "to stderr" >&2'
  echo 'printf "#task_farm id=1 attempt=9 bytes=5\n"'
  echo 'head -c 300000 /dev/zero | tr "\0" y'
  echo 'printf "no final newline"'
  echo 'echo "try $TASK_ATTEMPT"; test "$TASK_ATTEMPT" -ge 2'
  for i in $(seq 6 20); do echo "echo task $i"; done
  echo 'test -e fixed || exit 3'
} >tasks.txt
"${farm[@]}" tasks.txt -o per-task --retries 1 >/dev/null 2>&1
check "per-task: exit 1 (task 21 fails)" test $? -eq 1
"${farm[@]}" tasks.txt -o per-rank --retries 1 --output per-rank >per-rank.txt 2>&1
check "per-rank: exit 1 (task 21 fails)" test $? -eq 1
check "per-rank: no task files" test "$(ls per-rank | grep -c '^task-')" -eq 0
check "per-rank: at most two files per rank" test "$(ls per-rank | grep -c '^rank-')" -le $((2 * ranks))
check "per-rank: no temporary files left" test "$(ls -A per-rank | grep -c '^\.')" -eq 0
check "per-rank: the summary names extract" grep -q "task_farm extract" per-rank.txt
# (Each extract starts an MPI singleton, about 0.3 s: a few tasks only.)
for id in 2 3 4 21; do
  cmp -s <("$tf" extract per-rank "$id") "per-task/task-$id.out" || fail "extract $id differs from task-$id.out"
done
cmp -s <("$tf" extract per-rank 1 --err) per-task/task-1.err || fail "extract 1 --err differs"
check "extract: the latest attempt" test "$("$tf" extract per-rank 5)" = "try 2"
check "per-rank: every attempt has a record" test "$(cat per-rank/rank-*.out | grep -c '^#task_farm id=5 attempt=')" -eq 2
# Resume keeps the mode: task 21's new attempt is appended as a record.
touch fixed
"${farm[@]}" --resume per-rank >/dev/null 2>&1
check "resume: exit 0" test $? -eq 0
check "resume: still per rank" test "$(ls per-rank | grep -c '^task-')" -eq 0
check "resume: task 21's records" test "$(cat per-rank/rank-*.out | grep -c '^#task_farm id=21 attempt=')" -eq 3
check "resume: extract gives the new attempt's" test "$("$tf" extract per-rank 21 --err)" = ""
"$tf" extract per-rank 99 >missing.txt 2>&1
check "extract of a task without output: exit 2" test $? -eq 2
check "extract of a task without output: says so" grep -q "^task_farm extract: task 99 has no output" missing.txt
check "extract per-task too" test "$("$tf" extract per-task 1)" = "id 1 attempt 1"
"${farm[@]}" tasks.txt -o none --output none --retries 1 >/dev/null 2>&1
check "none: exit 0 (fixed exists now)" test $? -eq 0
check "none: no output files" test "$(ls none | grep -c -E '^(task|rank)-')" -eq 0
"$tf" extract none 1 >none.txt 2>&1
check "extract from --output none: exit 2" test $? -eq 2
"${farm[@]}" tasks.txt -o bad --output files >bad.txt 2>&1
check "bad --output: exit 2" test $? -eq 2
check "bad --output: says why" grep -q '^task_farm: --output must be per-task, per-rank or none (got "files")' bad.txt
finish
