#!/usr/bin/env bash
# The job is killed mid-run (SIGTERM to mpirun, as a scheduler does at the walltime): the farm
# exits non-zero and says how to resume; --resume then completes the rest, and in the end every
# task has run to completion exactly once, with none lost. A second --resume has nothing to do.
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
# mpirun passes SIGTERM on and SIGKILLs the ranks this many seconds later (default 1): room for a
# loaded test machine. The farm fits its grace period into it.
export OMPI_MCA_odls_base_sigkill_timeout=2
n=$((20 * ranks + 20))  # seconds of work, so that the stop comes mid-run
for i in $(seq 1 $n); do echo "sleep 0.1; echo \$TASK_ID >> $work/completed"; done >tasks.txt
"${farm[@]}" tasks.txt -o out >first.txt 2>first-err.txt &
pid=$!
# Wait until a few tasks have been logged, then stop the job.
for _ in $(seq 1 600); do
  (($(wc -l <out/status.tsv 2>/dev/null || echo 0) > 4)) && break
  sleep 0.05
done
kill -TERM $pid
wait $pid
code=$?
check "the stopped job exits non-zero" test $code -ne 0
check "it says how to resume" grep -q -- "--resume $work/out" first-err.txt
done_first=$(($(wc -l <out/status.tsv) - 1))
check "it was stopped before the end ($done_first logged)" test "$done_first" -lt $n
check "what was logged finished" test "$(awk -F'\t' 'NR > 1 && $5 != "ok" && $5 != "interrupted"' out/status.tsv | wc -l)" -eq 0
"${farm[@]}" --resume out --json >second.json 2>second-err.txt
check "the resumed job succeeds" test $? -eq 0
for i in $(seq 1 $n); do
  c=$(ok_count out "$i")
  [[ $c == 1 ]] || fail "task $i logged as succeeded $c times"
  [[ -f out/task-$i.out ]] || fail "no output of task $i"
done
check "every task completed exactly once" test "$(sort -n completed | uniq -c | awk '$1 != 1' | wc -l)" -eq 0
check "no task is lost" test "$(sort -nu completed | wc -l)" -eq $n
check "skipped counts the first run's successes" test "$(json_field second.json '["skipped"] + d["succeeded"]')" -eq $n
"${farm[@]}" --resume out >third.txt 2>&1
check "nothing left: exit 0" test $? -eq 0
check "nothing left: says so" grep -q "nothing to do: all $n tasks" third.txt
check "nothing left: no new lines" test "$(($(wc -l <out/status.tsv) - 1))" -eq "$(awk -F'\t' 'NR > 1' out/status.tsv | wc -l)"
finish
