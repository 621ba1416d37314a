#!/usr/bin/env bash
# --tag under every --output mode: each task's output lines reach the farm's stdout (error output
# its stderr) exactly once, whole, prefixed with the task's id, however many ranks write at once;
# a line longer than 64 KiB and output without a final newline come out whole and tagged too; the
# files of --output per-task and per-rank are what they are without --tag.
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
tf=${farm[-1]}
tasks=40
lines=250
{
  # Many tasks that end together, each writing many lines (one write(2) per line) to both streams.
  for i in $(seq 1 $tasks); do
    echo "for i in \$(seq 1 $lines); do echo \"L$i-\$i-abcdefghijklmnopqrstuvwxyz\"; echo \"E$i-\$i\" >&2; done"
  done
  echo "head -c 100000 /dev/zero | tr '\\0' w; echo; printf 'no final newline'"  # task 41
} >tasks.txt
expect_out=$((tasks * lines))
for mode in per-task per-rank none; do
  "${farm[@]}" tasks.txt -o "$mode" --output "$mode" --tag >"$mode-out.txt" 2>"$mode-err.txt"
  check "$mode: exit 0" test $? -eq 0
  # Every line once, whole, with its own task's id: sort -u removes nothing, and no line of a task
  # carries another task's id or a piece of another line.
  check "$mode: every stdout line, tagged with its id" \
    test "$(grep -c -P '^(\d+)\tL\1-\d+-abcdefghijklmnopqrstuvwxyz$' "$mode-out.txt")" -eq $expect_out
  check "$mode: each stdout line once" \
    test "$(grep -P '^\d+\tL' "$mode-out.txt" | sort -u | wc -l)" -eq $expect_out
  check "$mode: no torn stdout line" test "$(grep -c 'L[0-9][0-9]*-' "$mode-out.txt")" -eq $expect_out
  check "$mode: every stderr line, tagged with its id" \
    test "$(grep -c -P '^(\d+)\tE\1-\d+$' "$mode-err.txt")" -eq $expect_out
  check "$mode: each stderr line once" \
    test "$(grep -P '^\d+\tE' "$mode-err.txt" | sort -u | wc -l)" -eq $expect_out
  check "$mode: no torn stderr line" test "$(grep -c 'E[0-9][0-9]*-' "$mode-err.txt")" -eq $expect_out
  check "$mode: one block per task" \
    test "$(grep -P '^\d+\tL' "$mode-out.txt" | cut -f1 | uniq | wc -l)" -eq $tasks
  check "$mode: the 100000-byte line, whole and tagged" \
    test "$(awk -F'\t' '$1 == "41" && length($2) == 100000 && $2 !~ /[^w]/' "$mode-out.txt" | wc -l)" -eq 1
  check "$mode: output without a final newline, tagged" \
    test "$(grep -c -P '^41\tno final newline$' "$mode-out.txt")" -eq 1
done
# The files are kept as without --tag.
check "per-task: task 3's file" test "$(grep -c '^L3-' per-task/task-3.out)" -eq $lines
check "per-task: task 41's file ends without a newline" test "$(tail -c 16 per-task/task-41.out)" = "no final newline"
check "per-rank: task 41's record" test "$("$tf" extract per-rank 41 | tail -c 16)" = "no final newline"
check "per-rank: no task files" test "$(ls per-rank | grep -c '^task-')" -eq 0
check "none: no output files, no temporary files" test "$(ls -A none | grep -c -E '^(task|rank)-|^\.')" -eq 0
finish
