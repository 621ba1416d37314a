#!/usr/bin/env bash
# --dry-run runs nothing; --fail-fast stops after the first failure; an empty task file is a
# success; resume with a changed task file is refused, with an appended one accepted.
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
printf 'touch %s/ran.1\n# skip\n\ntouch %s/ran.4\n' "$work" "$work" >tasks.txt
"${farm[@]}" tasks.txt --dry-run >dry.txt 2>&1
check "dry run: exit 0" test $? -eq 0
check "dry run: lists the tasks" test "$(grep -c "^[14]	1	touch" dry.txt)" -eq 2
check "dry run: runs nothing" test ! -e ran.1 -a ! -e ran.4
check "dry run: creates no directory" test "$(ls -d farm-* 2>/dev/null | wc -l)" -eq 0
"${farm[@]}" tasks.txt --dry-run --json >dry.json 2>&1
check "dry run --json" test "$(json_field dry.json '["ids"]')" = "[1, 4]"

# --fail-fast, at one rank so that the order is fixed: task 2 fails, 3 and 4 never start.
printf 'true\nexit 4\ntouch %s/ff.3\ntouch %s/ff.4\n' "$work" "$work" >ff.txt
if [[ $ranks == 1 ]]; then
  "${farm[@]}" ff.txt -o ff --fail-fast --json >ff.json 2>ff-err.txt
  check "fail-fast: exit 1" test $? -eq 1
  check "fail-fast: later tasks not started" test ! -e ff.3 -a ! -e ff.4
  check "fail-fast: counts" test "$(json_field ff.json '["succeeded"], d["failed"], d["not_run"], d["failed_fast"]')" = "(1, 1, 2, True)"
  check "fail-fast: says so" grep -q -- "--fail-fast" ff-err.txt
else
  # More ranks: the failure stops the farm before all of many slow tasks have started.
  { echo "exit 4"; for i in $(seq 1 40); do echo "sleep 0.2"; done; } >ff.txt
  "${farm[@]}" ff.txt -o ff --fail-fast --json >ff.json 2>ff-err.txt
  check "fail-fast: exit 1" test $? -eq 1
  check "fail-fast: not everything ran" test "$(json_field ff.json '["not_run"]')" -gt 0
fi

: >empty.txt
"${farm[@]}" empty.txt -o empty >empty-out.txt 2>&1
check "empty task file: exit 0" test $? -eq 0
check "empty task file: says nothing to do" grep -q "nothing to do" empty-out.txt

# Resume with an edited task file: a logged line changed is refused; lines added are run.
printf 'echo a\necho b\n' >edit.txt
"${farm[@]}" edit.txt -o edit >/dev/null 2>&1
printf 'echo A\necho b\n' >changed.txt
"${farm[@]}" --resume edit changed.txt >changed-out.txt 2>&1
check "changed line: exit 2" test $? -eq 2
check "changed line: explained" grep -q "line 1 of the task file is now 'echo A'" changed-out.txt
printf 'echo a\necho b\necho c\n' >grown.txt
"${farm[@]}" --resume edit grown.txt --json >grown.json 2>&1
check "added line: runs it" test "$(json_field grown.json '["succeeded"], d["skipped"]')" = "(1, 2)"
check "added line: output" test "$(cat edit/task-3.out)" = c
# Tasks do not inherit the variables with which mpirun makes a process an MPI rank (so a task
# can start an MPI program of its own), but do see the rest of the environment.
printf 'env\n' >env.txt
FARM_TEST_VARIABLE=kept "${farm[@]}" env.txt -o env >/dev/null 2>&1
check "env: exit 0" test $? -eq 0
check "env: no launcher variables" test "$(grep -c -E '^(PMIX_|OMPI_COMM_WORLD_|OMPI_MCA_orte_)' env/task-1.out)" -eq 0
check "env: TASK_ID" grep -q '^TASK_ID=1$' env/task-1.out
check "env: the job's variables" grep -q '^FARM_TEST_VARIABLE=kept$' env/task-1.out

# A running farm's directory is locked: a second farm on it is refused.
echo "sleep 3" >slow.txt
"${farm[@]}" slow.txt -o busy >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 200); do
  [[ -f busy/farm.json ]] && break
  sleep 0.05
done
"${farm[@]}" --resume busy >locked.txt 2>&1
check "locked: exit 2" test $? -eq 2
check "locked: says so" grep -q "in use by another task_farm" locked.txt
wait $pid
check "the first farm was not disturbed" test $? -eq 0
finish
