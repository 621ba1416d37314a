#!/usr/bin/env bash
# Stopping kills running tasks' process groups after the grace period: they are logged as
# interrupted and run again on --resume. SIGUSR1 (passed on by mpirun without killing anything)
# gets the whole --grace, so a task that ends within it is logged as succeeded.
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
# Room after mpirun passes SIGTERM on, so that a loaded test machine still logs in time.
export OMPI_MCA_odls_base_sigkill_timeout=3
for i in $(seq 1 $((ranks * 2))); do
  echo "if [ -e $work/fast ]; then echo quick; else sleep 60 & echo \$! > $work/gc.\$TASK_ID; wait; fi"
done >tasks.txt
"${farm[@]}" tasks.txt -o out --grace 0.3 >first.txt 2>first-err.txt &
pid=$!
for _ in $(seq 1 600); do
  (($(ls gc.* 2>/dev/null | wc -l) >= ranks)) && break
  sleep 0.05
done
start=$SECONDS
kill -TERM $pid
wait $pid
code=$?
check "non-zero exit ($code)" test $code -ne 0
check "stopped quickly ($((SECONDS - start)) s)" test $((SECONDS - start)) -lt 10
check "each rank's task logged as interrupted" test "$(awk -F'\t' '$5 == "interrupted"' out/status.tsv | wc -l)" -eq "$ranks"
sleep 0.3
for f in gc.*; do
  p=$(cat "$f")
  check "grandchild $p killed" test ! -e "/proc/$p" -o "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" = Z
done
touch fast
"${farm[@]}" --resume out >second.txt 2>&1
check "resume runs the interrupted and the unstarted tasks" test $? -eq 0
check "all succeeded once" test "$(awk -F'\t' '$5 == "ok"' out/status.tsv | wc -l)" -eq $((ranks * 2))
# SIGUSR1: the grace period is kept whole. The tasks end at different times, so that the other
# ranks' reports of the signal reach rank 0 while its own task still runs: the same signal, seen
# by every rank, is not a second one (which would kill at once).
rm -f fast gc.*
for i in $(seq 1 $((ranks * 3))); do echo "sleep $((i % 3 + 1)).$((i % 2 * 5)); echo done"; done >slow.txt
"${farm[@]}" slow.txt -o usr1 --grace 20 >usr1.txt 2>usr1-err.txt &
pid=$!
for _ in $(seq 1 600); do
  [[ -f usr1/status.tsv ]] && break
  sleep 0.05
done
sleep 0.5
kill -USR1 $pid
wait $pid
code=$?
check "SIGUSR1: non-zero exit ($code)" test $code -ne 0
check "SIGUSR1: the running tasks finished within the grace period" test "$(awk -F'\t' '$5 == "ok"' usr1/status.tsv | wc -l)" -ge 1
check "SIGUSR1: none interrupted" test "$(awk -F'\t' '$5 == "interrupted"' usr1/status.tsv | wc -l)" -eq 0
check "SIGUSR1: the rest was not started" test "$(($(wc -l <usr1/status.tsv) - 1))" -lt $((ranks * 3))
check "SIGUSR1: named" grep -q "SIGUSR1" usr1-err.txt
finish
