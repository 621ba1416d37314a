#!/usr/bin/env bash
# The progress line: with --progress on a pipe, whole lines; on a terminal (script(1) gives the
# run one), rewritten in place by default and cleared before the summary.
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
for _ in $(seq 1 $((ranks * 12))); do echo "sleep 0.25"; done >tasks.txt
total=$((ranks * 12))
"${farm[@]}" tasks.txt -o out --progress >summary.txt 2>progress.txt
check "--progress: exit 0" test $? -eq 0
check "--progress: lines" grep -Eq "^task_farm: [0-9]+/$total done, 0 failed, [0-9]+ running, [0-9.]+ tasks/s, ETA" progress.txt
check "--progress: running at most the ranks" test "$(grep -Eo '[0-9]+ running' progress.txt | awk -v r="$ranks" '$1 > r' | wc -l)" -eq 0
"${farm[@]}" tasks.txt -o quiet >/dev/null 2>quiet.txt
check "no terminal, no --progress: no line" test "$(grep -c 'tasks/s' quiet.txt)" -eq 0
if command -v script >/dev/null; then
  printf -v cmd '%q ' "${farm[@]}" tasks.txt -o tty
  script -qec "$cmd" /dev/null >tty.txt 2>&1
  check "terminal: exit 0" test $? -eq 0
  check "terminal: rewritten in place" grep -q $'\rtask_farm: [0-9]*/'"$total"' done' tty.txt
  check "terminal: the summary follows" grep -q "^task_farm: $total tasks: $total succeeded" <(tr '\r' '\n' <tty.txt | sed 's/\x1b\[K//g')
else
  echo "terminal: skipped (no script(1))"
fi
finish
