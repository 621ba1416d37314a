#!/usr/bin/env bash
# run_wrapper.sh CASE BIN_DIR EXPECTED_DIR
# Tests of scripts/run, the launch wrapper, one CASE per CTest test: help, root_flags,
# oversubscribe, no_oversubscribe, hostfile, exit_code, exec_signal, bad_input. Each launch goes
# through the wrapper with --verbose, and the test checks both the command line it printed and
# what the app printed (scatter_gather's known output, tests/apps/expected/). Exits 77 (skipped)
# where a case cannot be made on this machine.
set -euo pipefail
case_name=$1
bin_dir=$2
expected=$3
here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
run="$here/../../scripts/run"
# shellcheck source=scripts/lib.sh
source "$here/../../scripts/lib.sh"

work="$(mktemp -d "${TMPDIR:-/tmp}/relay-run-test.XXXXXX")"
trap 'rm -rf "$work"' EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
openmpi=false
if relay_is_openmpi; then openmpi=true; fi
cores="$(relay_physical_cores)"

# launch ARGS...: runs the wrapper with --verbose; sets $code, $out, $err and $cmdline (the
# command line the wrapper printed).
launch() {
  code=0
  "$run" --verbose --bin-dir "$bin_dir" "$@" >"$work/out" 2>"$work/err" || code=$?
  out="$(cat "$work/out")"
  err="$(cat "$work/err")"
  cmdline="$(sed -n 's/^run: //p' "$work/err" | head -n 1)"
  echo "ran: $cmdline (exit $code)"
}
has_flag() { [[ " $cmdline " == *" $1 "* ]]; }
expect_flag() { has_flag "$1" || fail "'$1' missing from: $cmdline"; }
expect_no_flag() { ! has_flag "$1" || fail "'$1' should not be in: $cmdline"; }
# scatter_gather printed exactly the known output for $1 ranks and exited 0.
expect_scatter_gather() {
  ((code == 0)) || fail "exit code $code; stderr: $err"
  diff -u "$expected/scatter_gather.$1ranks.txt" "$work/out" || fail "scatter_gather output at $1 ranks differs"
}

case $case_name in
  help)
    "$run" --help >"$work/out"
    grep -q '^Usage: scripts/run' "$work/out" || fail "--help does not start with the usage line"
    grep -q -- '--hostfile' "$work/out" || fail "--help does not document --hostfile"
    ;;

  root_flags)
    # Without the environment variables, so the flag alone must let root run the job.
    unset OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM
    launch -n 1 scatter_gather
    if $openmpi && relay_is_root; then
      expect_flag --allow-run-as-root
    else
      expect_no_flag --allow-run-as-root  # not root, or not Open MPI: nothing to allow
    fi
    expect_scatter_gather 1
    ;;

  oversubscribe)
    # One rank more than the physical cores, where that stays within 4 ranks ...
    checked=0
    if ((cores + 1 <= 4)); then
      launch -n $((cores + 1)) scatter_gather
      if $openmpi; then expect_flag --oversubscribe; else expect_no_flag --oversubscribe; fi
      expect_scatter_gather $((cores + 1))
      checked=1
    fi
    # ... and, on any machine, 2 ranks confined to one CPU (the wrapper counts the cores this
    # process may use, and so does Open MPI).
    if command -v taskset >/dev/null; then
      cpu="$(relay_allowed_cpus | head -n 1)"
      code=0
      taskset -c "${cpu:-0}" "$run" --verbose --bin-dir "$bin_dir" -n 2 scatter_gather \
        >"$work/out" 2>"$work/err" || code=$?
      err="$(cat "$work/err")"
      cmdline="$(sed -n 's/^run: //p' "$work/err" | head -n 1)"
      echo "ran on CPU ${cpu:-0} only: $cmdline (exit $code)"
      if $openmpi; then expect_flag --oversubscribe; else expect_no_flag --oversubscribe; fi
      expect_scatter_gather 2
      checked=1
    fi
    ((checked)) || { echo "SKIP: more than 3 cores and no taskset"; exit 77; }
    ;;

  no_oversubscribe)
    # As many ranks as physical cores (at most 4): Open MPI must accept them without the flag,
    # which checks that the wrapper counts cores as Open MPI does.
    n=$((cores < 4 ? cores : 4))
    launch -n "$n" scatter_gather
    expect_no_flag --oversubscribe
    expect_scatter_gather "$n"
    launch -n 1 scatter_gather
    expect_no_flag --oversubscribe
    expect_scatter_gather 1
    ;;

  hostfile)
    if $openmpi; then hostfile_flag=--hostfile; else hostfile_flag=-f; fi
    printf '# four slots on this machine\nlocalhost slots=4\n' >"$work/hosts4"
    printf 'localhost slots=1\n' >"$work/hosts1"
    # The hostfile's slots, not this machine's cores, decide: 3 ranks on 4 slots need no flag.
    launch --hostfile "$work/hosts4" -n 3 scatter_gather
    [[ $cmdline == *" $hostfile_flag $work/hosts4 "* ]] || fail "hostfile not passed on: $cmdline"
    expect_no_flag --oversubscribe
    expect_scatter_gather 3
    # 2 ranks on 1 slot do.
    launch --hostfile "$work/hosts1" -n 2 scatter_gather
    [[ $cmdline == *" $hostfile_flag $work/hosts1 "* ]] || fail "hostfile not passed on: $cmdline"
    if $openmpi; then expect_flag --oversubscribe; fi
    expect_scatter_gather 2
    # Without -n: one rank per slot.
    "$run" --dry-run --bin-dir "$bin_dir" --hostfile "$work/hosts4" scatter_gather >"$work/out"
    grep -q -- ' -n 4 ' "$work/out" || fail "default ranks with a 4-slot hostfile: $(cat "$work/out")"
    ;;

  exit_code)
    launch -n 1 -- /bin/sh -c 'exit 3'
    ((code == 3)) || fail "the program exited 3, the wrapper $code"
    launch -n 2 mc_pi --samples 1e5 --json
    ((code == 0)) || fail "mc_pi exited $code: $err"
    [[ $out == '{"samples":100000,"hits":'* ]] || fail "mc_pi printed: $out"
    launch -n 1 mc_pi --samples 0  # the app's own usage error, passed through
    ((code == 2)) || fail "mc_pi --samples 0 exited $code, not 2"
    ;;

  exec_signal)
    # The wrapper must become the launcher (exec), so that a SIGTERM sent to it reaches mpiexec,
    # which stops the ranks (task_farm's resume relies on it).
    "$run" --bin-dir "$bin_dir" -n 1 -- /bin/sleep 60 >"$work/out" 2>"$work/err" &
    pid=$!
    comm=""
    for ((i = 0; i < 100; i++)); do  # at most 10 s
      comm="$(cat "/proc/$pid/comm" 2>/dev/null)" || comm=""
      [[ $comm == run || $comm == bash || -z $comm ]] || break
      sleep 0.1
    done
    [[ $comm == mpiexec* || $comm == mpirun* || $comm == orterun || $comm == mpiexec.* ]] ||
      { kill -KILL "$pid" 2>/dev/null; fail "process $pid is '$comm', not the launcher"; }
    # Once mpiexec has started sleep (within 10 s), terminate it.
    child=""
    for ((i = 0; i < 100; i++)); do
      child="$(pgrep -P "$pid" -x sleep)" && break
      sleep 0.1
    done
    [[ -n $child ]] || { kill -KILL "$pid"; fail "mpiexec started no rank within 10 s"; }
    kill -TERM "$pid"
    code=0
    for ((i = 0; i < 100; i++)); do  # mpiexec stops its ranks within about 2 s
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid"
      fail "the launcher did not stop within 10 s of SIGTERM"
    fi
    wait "$pid" || code=$?
    ((code != 0)) || fail "a job stopped by SIGTERM exited 0"
    # The rank is gone, or a zombie about to be reaped by its new parent.
    state="$(awk '{ print $3 }' "/proc/$child/stat" 2>/dev/null)" || state=""
    [[ -z $state || $state == Z ]] || { kill -KILL "$child"; fail "the rank (sleep, pid $child) outlived mpiexec"; }
    echo "stopped by SIGTERM, exit $code"
    ;;

  bad_input)
    # Bad usage: exit code 2, one line on stderr, nothing on stdout, no launch.
    mkdir "$work/empty"
    printf '\n# no host\n' >"$work/nohosts"
    bad=(
      "-n 0 scatter_gather|-n must be a positive integer (got '0')"
      "-n -1 scatter_gather|-n must be a positive integer (got '-1')"
      "-n abc scatter_gather|-n must be a positive integer (got 'abc')"
      "--ranks=2.5 scatter_gather|-n must be a positive integer (got '2.5')"
      "-n 99999999999999999999 scatter_gather|-n is too large"
      "-n|-n needs a value"
      "|no app given"
      "bogus_app|unknown app 'bogus_app'"
      "--bin-dir $work/empty mc_pi|$work/empty/mc_pi is not built"
      "$work/nohosts|is not an executable file"
      "--hostfile $work/missing scatter_gather|hostfile '$work/missing' does not exist"
      "--hostfile $work/nohosts scatter_gather|names no host"
      "--bogus scatter_gather|unknown option '--bogus'"
    )
    for entry in "${bad[@]}"; do
      read -r -a args <<<"${entry%%|*}"
      message=${entry#*|}
      code=0
      "$run" --bin-dir "$bin_dir" "${args[@]}" >"$work/out" 2>"$work/err" || code=$?
      echo "run ${entry%%|*} -> exit $code: $(cat "$work/err")"
      ((code == 2)) || fail "exit code $code, not 2"
      (($(wc -l <"$work/err") == 1)) || fail "expected one line on stderr, got: $(cat "$work/err")"
      grep -qF -- "$message" "$work/err" || fail "stderr does not say '$message'"
      [[ ! -s $work/out ]] || fail "unexpected stdout: $(cat "$work/out")"
    done
    ;;

  *) fail "unknown case '$case_name'" ;;
esac
echo "PASS: $case_name"
