#!/usr/bin/env bash
# Task files and output directories as users bring them: a UTF-8 byte-order mark, standard input
# ('-', resumable without it), a 200 KiB line (longer than one argument may be), an output
# directory with a foreign status.tsv, the printed resume command on a path with a space and a
# quote, and a disk that fills up under the status log (where this test may mount a tmpfs).
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
export OMPI_MCA_rmaps_base_oversubscribe=1  # for the resume command that the farm prints

printf '\xef\xbb\xbfecho bom\necho two\n' >bom.txt
"${farm[@]}" bom.txt -o bom >/dev/null 2>bom-err.txt
check "BOM: exit 0" test $? -eq 0
check "BOM: line 1 runs without it" test "$(cat bom/task-1.out)" = bom

printf 'echo a\ntest -e %s/flag\n' "$work" | "${farm[@]}" - -o stdin >/dev/null 2>stdin-err.txt
check "stdin: exit 1 (line 2 fails)" test $? -eq 1
check "stdin: line 1 ran" test "$(cat stdin/task-1.out)" = a
touch flag
"${farm[@]}" --resume stdin </dev/null >/dev/null 2>&1
check "stdin: resumed from the saved copy" test $? -eq 0
check "stdin: line 2 succeeded" test "$(ok_count stdin 2)" -eq 1
rm flag

long=$(head -c 204800 /dev/zero | tr '\0' x)
printf ': %s; echo long\n' "$long" >long.txt
"${farm[@]}" long.txt -o long >/dev/null 2>long-err.txt
check "200 KiB line: exit 0" test $? -eq 0
check "200 KiB line: ran" test "$(cat long/task-1.out)" = long

mkdir foreign
printf 'not a farm\n' >foreign/status.tsv
"${farm[@]}" bom.txt -o foreign >/dev/null 2>foreign-err.txt
check "foreign status.tsv: exit 2" test $? -eq 2
check "foreign status.tsv: one clear line" grep -q "^task_farm: .*holds a status.tsv that is not a farm's" foreign-err.txt
check "foreign status.tsv: untouched" test "$(cat foreign/status.tsv)" = "not a farm"

odd="$work/a b'c"
printf 'echo one\ntest -e %s/flag\n' "$work" >quote.txt
"${farm[@]}" quote.txt -o "$odd" >/dev/null 2>quote-err.txt
check "quoted resume: exit 1" test $? -eq 1
cmd=$(sed -n 's/.*To run the rest: //p' quote-err.txt)
touch flag
eval "$cmd" >/dev/null 2>&1
check "quoted resume: the printed command resumes ($cmd)" test $? -eq 0
check "quoted resume: line 2 succeeded" test "$(ok_count "$odd" 2)" -eq 1

# A full disk: status.tsv on a 2 MiB tmpfs that a file fills up while tasks run. The farm stops
# at once with one line, every attempt that ended is logged, and after --resume (with room again)
# every task has completed exactly once.
if unshare -m true 2>/dev/null; then
  n=$((10 * ranks + 10))
  for i in $(seq 1 $n); do echo "sleep 0.2; echo \$TASK_ID >> $work/completed"; done >full.txt
  mkdir mnt
  unshare -m bash -c '
    mount -t tmpfs -o size=2m tmpfs mnt || exit 3
    "$@" full.txt -o mnt/out >full.out 2>full-err.txt &
    pid=$!
    for _ in $(seq 1 400); do (($(wc -l <mnt/out/status.tsv 2>/dev/null || echo 0) > 2)) && break; sleep 0.025; done
    ranks=$(pgrep -P $pid)
    dd if=/dev/zero of=mnt/fill bs=4k 2>/dev/null
    start=$(date +%s.%N)
    for _ in $(seq 1 400); do  # the ranks (mpirun takes a while longer to tear down)
      alive=0
      for r in $ranks; do [[ -e /proc/$r && $(cut -d" " -f3 /proc/$r/stat) != Z ]] && alive=1; done
      ((alive)) || break
      sleep 0.025
    done
    awk -v s="$start" -v e="$(date +%s.%N)" "BEGIN { print e - s }" >full.seconds
    wait $pid
    echo "$?" >full.code
    cp -a mnt/out full-out
  ' _ "${farm[@]}"
  code=$(cat full.code)
  check "disk full: non-zero exit ($code)" test "$code" -ne 0 -a "$code" -ne 3
  # At once: the issue saw the error 10 s late; 2.2 s was seen here once under load 15.
  check "disk full: stopped at once ($(cat full.seconds) s)" awk -v t="$(cat full.seconds)" 'BEGIN { exit !(t < 5) }'
  check "disk full: one clear line" test "$(grep -c "^task_farm: no room left for .*status.tsv' (No space left on device): stopping at once" full-err.txt)" -eq 1
  check "disk full: stopped before the end" test "$(($(wc -l <full-out/status.tsv) - 1))" -lt $n
  touch completed
  for id in $(sort -nu completed); do
    [[ $(ok_count full-out "$id") == 1 ]] || fail "disk full: task $id completed but is not logged"
  done
  "${farm[@]}" --resume full-out >/dev/null 2>&1
  check "disk full: resumed" test $? -eq 0
  check "disk full: every task completed once" test "$(sort -n completed | uniq -c | awk '$1 == 1' | wc -l)" -eq $n
else
  echo "disk full: skipped (cannot mount a tmpfs here)"
fi
finish
