#!/usr/bin/env bash
# Usage: stop.sh MODE mpiexec -n P ... task_farm
# One way of stopping a farm mid-run, MODE: term (one SIGTERM to mpirun), int2 (two SIGINTs, as
# an impatient Ctrl-C: mpirun then exits at once and the ranks stop on their own), timeout
# (timeout(1), which signals mpirun twice: directly and through its process group), usr1
# (SIGUSR1), kill9 (kill -9 of one rank), task_signal (a task sends SIGUSR1 to its rank: ignored).
# Every way ends alike: within the grace period plus 2 s no rank and no task process is left; every
# task whose side effect happened is logged as succeeded (nothing completes unlogged); and after
# --resume every task has completed exactly once.
mode=$1
shift
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
export OMPI_MCA_odls_base_sigkill_timeout=2
grace=0.5
cp /bin/sleep nap  # tasks sleep in a binary of their own, so that leftovers are easy to find
n=$((12 * ranks + 12))
[[ $mode == timeout ]] && n=$((16 * ranks + 16))  # longer: mpirun may start a second later
for i in $(seq 1 $n); do
  if [[ $mode == task_signal && $i == 2 ]]; then
    echo "kill -USR1 \$PPID; $work/nap 0.2; echo \$TASK_ID >> $work/completed"
  else
    echo "$work/nap 0.$((i % 4 + 2)); echo \$TASK_ID >> $work/completed"
  fi
done >tasks.txt
leftovers() { pgrep -f "^$work/nap" | wc -l; }
# The farm's processes: mpirun's children (the ranks).
ranks_of() { pgrep -P "$1" | tr '\n' ' '; }
now() { date +%s.%N; }
wait_logged() {  # until status.tsv has more than $1 lines (start-up under load: up to 60 s)
  for _ in $(seq 1 2400); do
    (($(wc -l <out/status.tsv 2>/dev/null || echo 0) > $1)) && return
    sleep 0.025
  done
}
if [[ $mode == timeout ]]; then
  timeout 3 "${farm[@]}" tasks.txt -o out --grace $grace >first.txt 2>first-err.txt &
  pid=$!
  start=$(awk -v s="$(now)" 'BEGIN { printf "%.3f", s + 3 }')
  wait_logged 2
  rank_pids=""
  launcher=$(pgrep -P $pid)  # empty if timeout(1) has already ended
  [[ -n $launcher ]] && rank_pids=$(ranks_of "$launcher")
else
  "${farm[@]}" tasks.txt -o out --grace $grace >first.txt 2>first-err.txt &
  pid=$!
  wait_logged 2
  rank_pids=$(ranks_of $pid)
  start=$(now)
  case $mode in
    term) kill -TERM $pid ;;
    usr1) kill -USR1 $pid ;;
    int2) kill -INT $pid; sleep 0.1; kill -INT $pid ;;
    kill9) kill -9 "$(awk '{ print $NF }' <<<"$rank_pids")" ;;
    task_signal) ;;
  esac
fi
# The farm has stopped when its ranks are gone (mpirun takes a while longer to tear down, and
# after two signals it is gone first).
for _ in $(seq 1 600); do
  alive=0
  for r in $rank_pids; do [[ -e /proc/$r && $(awk '{print $3}' /proc/$r/stat 2>/dev/null) != Z ]] && alive=1; done
  ((alive)) || break
  sleep 0.025
done
stopped=$(awk -v s="$start" -v e="$(now)" 'BEGIN { print e - s }')
wait $pid
code=$?
# mpirun passes SIGTERM on only after odls_base_sigkill_timeout seconds (SIGCONT first); after
# kill -9 of one rank it stops the others the same way, and SIGKILLs them after twice that.
# timeout(1) signals mpirun twice (directly and through its process group): mpirun then exits
# at once and the ranks stop on their own, or, when it takes the two as one, as after SIGTERM.
case $mode in
  term | timeout) limit=$(awk -v g=$grace -v t=$OMPI_MCA_odls_base_sigkill_timeout 'BEGIN { print t + g + 2 }') ;;
  kill9) limit=$(awk -v t=$OMPI_MCA_odls_base_sigkill_timeout 'BEGIN { print 2 * t + 1 }') ;;
  *) limit=$(awk -v g=$grace 'BEGIN { print g + 2 }') ;;
esac
if [[ $mode == task_signal ]]; then
  check "a task's signal is ignored: exit 0 ($code)" test $code -eq 0
  check "a task's signal is ignored: noted" grep -q "ignored SIGUSR1\|ignored User defined signal 1" first-err.txt
  check "a task's signal is ignored: all $n succeeded" test "$(awk -F'\t' '$5 == "ok"' out/status.tsv | wc -l)" -eq $n
  finish
fi
echo "$mode: stopped in $stopped s (grace $grace), exit $code"
check "$mode: non-zero exit" test $code -ne 0
[[ $mode == timeout ]] && check "timeout: exit 124 ($code)" test $code -eq 124
check "$mode: stopped within $limit s ($stopped s)" awk -v t="$stopped" -v l="$limit" 'BEGIN { exit !(t <= l) }'
check "$mode: no task left running ($(leftovers))" test "$(leftovers)" -eq 0
sleep 0.6  # the longest task: one left running would complete now
check "$mode: still no task running" test "$(leftovers)" -eq 0
if [[ $mode == term || $mode == usr1 ]]; then
  check "$mode: the summary is printed" grep -q "^task_farm: $n tasks:" first.txt
  check "$mode: it says how to resume" grep -q -- "--resume" first-err.txt
fi
touch completed
for id in $(sort -nu completed); do
  c=$(ok_count out "$id")
  [[ $c == 1 ]] || fail "$mode: task $id completed but is logged as succeeded $c times"
done
check "$mode: stopped before the end" test "$(sort -nu completed | wc -l)" -lt $n
"${farm[@]}" --resume out >second.txt 2>second-err.txt
check "$mode: the resumed farm succeeds" test $? -eq 0
check "$mode: every task completed" test "$(sort -nu completed | wc -l)" -eq $n
check "$mode: none twice ($(sort -n completed | uniq -d | tr '\n' ' '))" test -z "$(sort -n completed | uniq -d)"
for i in $(seq 1 $n); do
  c=$(ok_count out "$i")
  [[ $c == 1 ]] || fail "$mode: task $i logged as succeeded $c times"
done
finish
