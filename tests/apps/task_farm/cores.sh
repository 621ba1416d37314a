#!/usr/bin/env bash
# Cores per task: a task that needs N cores runs only while its rank holds N of its node's slots
# (one per rank on the node; the test's ranks share one node). From the status log's start and
# end times: two tasks of more than half the node's cores never overlap, and the cores of the
# tasks running at any moment never exceed the node's. Too many cores: one clear error.
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
big=$((ranks / 2 + 1))  # two of these cannot fit at once
{
  echo "#FARM cores=$big"
  echo "sleep 0.3"
  echo "sleep 0.3"
  echo "#FARM cores=1"
  for _ in 1 2 3; do echo "sleep 0.1"; done
  echo "#FARM cores=$ranks"
  echo "sleep 0.1"
  echo "#FARM cores=1"
  for _ in 1 2 3; do echo "sleep 0.1"; done
} >cores.txt
# The cores of each id, as the file sets them.
awk '/^#FARM cores=/ { split($2, kv, "="); c = kv[2]; next } { print NR "\t" c }' cores.txt >cores-of.txt
# The overlap check: the most cores in use at once, and whether the two big tasks overlapped.
cat >overlap.py <<'PY'
import sys
cores = dict(line.split() for line in open(sys.argv[2]))
events, big = [], []
for line in list(open(sys.argv[1]))[1:]:
    f = line.rstrip("\n").split("\t")
    c = int(cores[f[0]])
    events += [(f[6], 0, -c), (f[5], 1, c)]  # at the same time, an end comes before a start
    if c == int(sys.argv[3]): big.append((f[5], f[6]))
use = most = 0
for _, _, d in sorted(events):
    use += d
    most = max(most, use)
(s1, e1), (s2, e2) = big[:2] if int(sys.argv[3]) > 0 else (("", ""), ("", ""))
print(most, "overlap" if s1 < e2 and s2 < e1 else "apart")
PY
for run in 1 2 3; do
  "${farm[@]}" cores.txt -o "cores$run" >/dev/null 2>&1
  check "run $run: exit 0" test $? -eq 0
  check "run $run: all 9 tasks logged" test "$(($(wc -l <"cores$run/status.tsv") - 1))" -eq 9
  read -r most apart < <(python3 overlap.py "cores$run/status.tsv" cores-of.txt "$big")
  check "run $run: at most $ranks cores in use at once (saw $most)" test "$most" -le "$ranks"
  if ((ranks > 1)); then
    check "run $run: the two tasks of $big cores did not overlap" test "$apart" = apart
  fi
done
# --cores-per-task: saved for --resume; with every task needing all cores, one runs at a time.
printf 'sleep 0.1\nsleep 0.1\nsleep 0.1\n' >all.txt
"${farm[@]}" all.txt -o all --cores-per-task "$ranks" >/dev/null 2>&1
check "--cores-per-task: exit 0" test $? -eq 0
check "--cores-per-task: saved" grep -q "\"cores_per_task\": $ranks" all/farm.json
awk 'BEGIN { for (i = 1; i <= 3; i++) print i "\t" '"$ranks"' }' >all-cores.txt
read -r most _ < <(python3 overlap.py all/status.tsv all-cores.txt 0)
check "--cores-per-task: one task at a time (saw $most cores)" test "$most" -eq "$ranks"
# Too many cores for any node: one line, exit 2, nothing created.
printf '#FARM cores=%d\ntrue\n' $((ranks + 1)) >toomany.txt
"${farm[@]}" toomany.txt -o toomany >toomany-out.txt 2>&1
check "too many cores: exit 2" test $? -eq 2
check "too many cores: says why" grep -q "^task_farm: task 2 needs $((ranks + 1)) cores, but a node of this job runs only $ranks rank" toomany-out.txt
check "too many cores: one line" test "$(grep -c task_farm toomany-out.txt)" -eq 1
check "too many cores: no directory" test ! -e toomany
finish
