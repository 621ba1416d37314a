#!/usr/bin/env bash
# The ranks' journals (journal.hpp): a farm ended cleanly leaves none; after a farm killed with
# successes its ranks had reaped but rank 0 had not logged (simulated: their lines are taken out
# of status.tsv and left in a rank's journal, OUTDIR/.done-<rank>, as the rank wrote them),
# --resume logs them from the journal and does not run them again.
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
for i in $(seq 1 8); do echo "echo \$TASK_ID >> $work/side"; done >tasks.txt
"${farm[@]}" tasks.txt -o out >first.txt 2>&1
check "first run: exit 0" test $? -eq 0
check "first run: no journal left" test "$(ls -A out | grep -c '^\.done-')" -eq 0
# Tasks 3 and 5 "completed but unlogged": their lines go to rank 0's journal, without commands,
# with a torn line after them (the rank was killed while writing it) and a failure (ignored).
awk -F'\t' -v OFS='\t' 'NR > 1 && ($1 == 3 || $1 == 5) { $10 = ""; print }' out/status.tsv >out/.done-0
printf '7\t0\th\t1\tfailed\t2025-01-01T00:00:00.000Z\t2025-01-01T00:00:01.000Z\t1.000\t2\t\n' >>out/.done-0
printf '8\t0\th\t0\tok\t2025-01' >>out/.done-0
awk -F'\t' 'NR == 1 || ($1 != 3 && $1 != 5)' out/status.tsv >status.tmp && mv status.tmp out/status.tsv
"${farm[@]}" --resume out --dry-run >dry.txt 2>&1
check "dry run: nothing to run" grep -q "0 of 8 tasks would run" dry.txt
check "dry run: the journal stays" test -e out/.done-0
"${farm[@]}" --resume out >second.txt 2>second-err.txt
check "resume: exit 0" test $? -eq 0
check "resume: says so" grep -q "note: 2 attempt(s) that succeeded .* logged now from the ranks' journals" second-err.txt
check "resume: nothing ran twice" test "$(sort -n side | uniq -d | wc -l)" -eq 0
check "resume: every task once" test "$(sort -nu side | wc -l)" -eq 8
for i in $(seq 1 8); do
  [[ $(ok_count out "$i") == 1 ]] || fail "task $i logged as succeeded $(ok_count out "$i") times"
done
check "resume: the command is logged" test "$(awk -F'\t' '$1 == 3 { print $10 }' out/status.tsv)" = "echo \$TASK_ID >> $work/side"
check "resume: the journal is removed" test "$(ls -A out | grep -c '^\.done-')" -eq 0
finish
