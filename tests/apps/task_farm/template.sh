#!/usr/bin/env bash
# template.sh [--parallel] <mpiexec ... task_farm>: --template with ::: and :::: expands to the
# task file that template_expected.txt holds (GNU parallel 20221122's --dry-run output for the
# same arguments), saved in the farm's directory and run; --resume needs nothing else. With
# --parallel, the expansion is also compared with the installed parallel's --dry-run, and the
# test is skipped (exit 77) when parallel is absent.
with_parallel=0
if [[ ${1:-} == --parallel ]]; then
  with_parallel=1
  shift
fi
expected=$(dirname -- "$(realpath -- "${BASH_SOURCE[0]}")")/template_expected.txt
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
if ((with_parallel)) && ! command -v parallel >/dev/null; then
  echo "GNU parallel is not installed: skipped"
  exit 77
fi
printf 'dir/f.txt\n-n\n$HOME x\n' >args.txt
template='printf "%s|" {1} {2} {1.} {2/} {2//} {2/.} {#} {}; echo'
sources=(::: 'a b' "it's" x/y.tar.gz :::: args.txt)
"${farm[@]}" -o "sweep dir" --template "$template" "${sources[@]}" >run.txt 2>&1
check "sweep: exit 0" test $? -eq 0
check "sweep: the saved task file is parallel's expansion" diff "$expected" "sweep dir/tasks.txt"
check "sweep: 9 tasks ran" test "$(($(wc -l <"sweep dir/status.tsv") - 1))" -eq 9
check "sweep: task 1's output" test "$(cat "sweep dir/task-1.out")" = "a b|dir/f.txt|a b|f.txt|dir|f|1|a b|dir/f.txt|"
check "sweep: task 6's output (quotes)" test "$(cat "sweep dir/task-6.out")" = "it's|\$HOME x|it's|\$HOME x|.|\$HOME x|6|it's|\$HOME x|"
check "sweep: farm.json names the saved copy" grep -q "\"task_file\": \"$work/sweep dir/tasks.txt\"" "sweep dir/farm.json"
# --resume needs nothing else: the arguments file may be gone.
rm args.txt
"${farm[@]}" --resume "sweep dir" >resume.txt 2>&1
check "resume: exit 0" test $? -eq 0
check "resume: nothing to do" grep -q "all 9 tasks" resume.txt
# The dry run lists the expansion and creates nothing.
printf 'dir/f.txt\n-n\n$HOME x\n' >args.txt
"${farm[@]}" --dry-run --template "$template" "${sources[@]}" >dry.txt 2>&1
check "dry run: the same commands" diff "$expected" <(tail -n +3 dry.txt | cut -f3-)
if ((with_parallel)); then
  parallel --dry-run -k "$template" "${sources[@]}" >parallel.txt
  check "parallel --dry-run gives the same commands" diff parallel.txt "sweep dir/tasks.txt"
fi
# Bad sweeps: one line, exit 2.
"${farm[@]}" --template 'echo {3}' ::: a ::: b >bad.txt 2>&1
check "bad {3}: exit 2" test $? -eq 2
check "bad {3}: says why" grep -q "^task_farm: --template uses {3}, but there are 2 input sources" bad.txt
"${farm[@]}" --template 'echo {}' :::: nope.txt >bad.txt 2>&1
check "missing :::: file: exit 2" test $? -eq 2
check "missing :::: file: says why" grep -q "^task_farm: cannot read argument file 'nope.txt'" bad.txt
"${farm[@]}" tasks.txt ::: a >bad.txt 2>&1
check "::: without --template: exit 2" test $? -eq 2
finish
