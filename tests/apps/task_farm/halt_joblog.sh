#!/usr/bin/env bash
# --halt now kills the running tasks at the first failure; --joblog writes GNU parallel's joblog;
# --resume-unfinished runs the interrupted and unstarted tasks but not the failed one.
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
{
  echo "sleep 0.3; exit 3"
  for _ in $(seq 1 $((ranks * 2))); do echo "test -e $work/quick || sleep 30"; done
} >tasks.txt
n=$((ranks * 2 + 1))
start=$SECONDS
"${farm[@]}" tasks.txt -o out --halt now --joblog jobs.log >first.txt 2>first-err.txt
code=$?
check "halt now: exit 1 ($code)" test $code -eq 1
check "halt now: the running tasks were killed at once ($((SECONDS - start)) s)" test $((SECONDS - start)) -lt 15
check "halt now: task 1 failed" test "$(awk -F'\t' '$1 == 1 { print $5 }' out/status.tsv)" = failed
check "halt now: nothing else ended" test "$(awk -F'\t' 'NR > 1 && $1 != 1 && $5 != "interrupted"' out/status.tsv | wc -l)" -eq 0
check "halt now: the resume command is printed" grep -q -- "--resume" first-err.txt
check "joblog: parallel's header" test "$(head -1 jobs.log)" = "$(printf 'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand')"
check "joblog: a line per attempt" test "$(wc -l <jobs.log)" -eq "$(wc -l <out/status.tsv)"
check "joblog: 9 columns" test "$(awk -F'\t' 'NF != 9' jobs.log | wc -l)" -eq 0
check "joblog: task 1 exit 3, no signal" test "$(awk -F'\t' '$1 == 1 { print $7 "/" $8 }' jobs.log)" = 3/0
check "joblog: interrupted ones by a signal" test "$(awk -F'\t' 'NR > 1 && $1 != 1 && $8 == 0' jobs.log | wc -l)" -eq 0
"${farm[@]}" --resume-unfinished out --dry-run >dry.txt 2>&1
check "resume-unfinished: dry run lists all but task 1" test "$(awk 'NR > 2' dry.txt | cut -f1 | tr '\n' ' ')" = "$(seq 2 $n | tr '\n' ' ')"
touch quick
"${farm[@]}" --resume-unfinished out --joblog jobs.log >second.txt 2>&1
check "resume-unfinished: exit 0" test $? -eq 0
check "resume-unfinished: task 1 not run again" test "$(awk -F'\t' '$1 == 1' out/status.tsv | wc -l)" -eq 1
for i in $(seq 2 $n); do
  [[ $(ok_count out "$i") == 1 ]] || fail "resume-unfinished: task $i did not succeed once"
done
check "joblog: appended, no second header" test "$(grep -c '^Seq' jobs.log)" -eq 1
"${farm[@]}" --resume-unfinished out >third.txt 2>&1
check "resume-unfinished: then nothing to do" grep -q "nothing to do: all $n tasks .* have ended (1 failed" third.txt
"${farm[@]}" --resume out >fourth.txt 2>&1
check "resume: runs the failed one again" test "$(awk -F'\t' '$1 == 1' out/status.tsv | wc -l)" -eq 2
finish
