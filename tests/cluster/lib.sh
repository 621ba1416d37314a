# shellcheck shell=bash
# Shared by the cluster tests (tests/cluster/*.sh). Source this file; do not run it.
#
# A test builds a small private cluster on this one machine and tears it down on every exit path:
#   - "hosts" h1, h2, ...: network namespaces (one veth pair joins h1 and h2), with addresses in
#     198.18.0.0/15 (RFC 2544's benchmarking range: reserved for tests, routed nowhere) that exist
#     only inside those namespaces; a daemon or job started on a host also gets its own UTS
#     namespace with the host's name, so MPI_Get_processor_name tells the hosts apart;
#   - munged on a private socket and key, slurmctld on h1 and one slurmd per host, all configured
#     by a private SLURM_CONF in the test's work directory (/etc/slurm is never read or written).
# Every daemon writes a pid file and is stopped by that pid; whatever is still running inside a
# test's namespaces is killed by pid (`ip netns pids`) before the namespaces are deleted.
#
# The namespaces' names carry the test's pid, so two runs never collide. Tests that cannot run
# here (not root, no network namespaces, Slurm not installable) exit 77, which CTest reports as
# skipped, with the reason on stderr.

set -euo pipefail

CL_SKIP=77
CL_NAME=${0##*/}
CL_NET=198.18.$(($$ % 250)).  # one /24 per test run
CL_PREFIX=rc$$                # namespace and veth names: rc<pid>h1, ...
CL_HOSTS=()                   # h1 h2 ... once cl_hosts_up has run
CL_DAEMON_PIDS=()             # pid files of the daemons started
CL_FAILURES=0
CL_WORK=""
CL_SOURCE_DIR=""
CL_BIN_DIR=""
CL_START=$SECONDS
CL_WATCHDOG=""

cl_log() { printf '[%s %3ds] %s\n' "$CL_NAME" $((SECONDS - CL_START)) "$*"; }
cl_skip() {
  printf '%s: SKIPPED: %s\n' "$CL_NAME" "$*" >&2
  exit "$CL_SKIP"
}
cl_die() {
  printf '%s: ERROR: %s\n' "$CL_NAME" "$*" >&2
  exit 1
}
cl_fail() {
  printf '%s: FAIL: %s\n' "$CL_NAME" "$*" >&2
  CL_FAILURES=$((CL_FAILURES + 1))
}
cl_pass() { printf '%s: ok: %s\n' "$CL_NAME" "$*"; }
# cl_check <description> <command...>: records a failure unless the command succeeds.
cl_check() {
  local what=$1
  shift
  if "$@"; then cl_pass "$what"; else cl_fail "$what"; fi
}
cl_finish() {
  if ((CL_FAILURES)); then
    cl_log "$CL_FAILURES check(s) failed"
    exit 1
  fi
  cl_log "all checks passed"
  exit 0
}

# cl_init <source-dir> <bin-dir>: checks what the tests need, makes the work directory and
# arms the cleanup. Skips (exit 77) where the machine cannot host the cluster.
cl_init() {
  CL_SOURCE_DIR=$(cd -- "$1" && pwd)
  CL_BIN_DIR=$(cd -- "$2" && pwd)
  [[ $(id -u) -eq 0 ]] || cl_skip "needs root (network namespaces, daemons, package installs)"
  PATH=$PATH:/usr/sbin:/sbin  # the daemons, for a root whose PATH lacks them
  local tool
  for tool in nsenter unshare runuser timeout; do
    command -v "$tool" >/dev/null || cl_skip "needs '$tool' (util-linux, coreutils)"
  done
  unshare --net --uts true 2>/dev/null ||
    cl_skip "cannot create network/UTS namespaces here (a container without CAP_SYS_ADMIN?)"
  # Root runs everything here, the jobs' mpirun included.
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  local app
  for app in scatter_gather prime_sums mc_pi task_farm mpi_bench; do
    [[ -x $CL_BIN_DIR/$app ]] || cl_die "$CL_BIN_DIR/$app is not built"
  done
  # 0755: munged runs as user munge and must reach its socket and key below this directory.
  CL_WORK=$(mktemp -d "${TMPDIR:-/tmp}/relay-cluster.XXXXXX")
  chmod 0755 "$CL_WORK"
  trap cl_cleanup EXIT
  trap 'cl_log "stopped by SIGTERM"; exit 143' TERM
  trap 'exit 130' INT
  # CTest kills a test that runs past its TIMEOUT outright, which would leave the daemons
  # running: the test stops itself first, RELAY_TEST_SECONDS after it started (the CMake
  # registration sets it below the TIMEOUT), and cleans up.
  if [[ ${RELAY_TEST_SECONDS:-} =~ ^[0-9]+$ ]]; then
    {
      sleep "$RELAY_TEST_SECONDS"
      echo "$CL_NAME: ran past $RELAY_TEST_SECONDS s: stopping" >&2
      kill -TERM $$
    } &
    CL_WATCHDOG=$!
    disown "$CL_WATCHDOG"  # no "Terminated" when the cleanup stops it
  fi
  # Jobs are submitted from here, a stand-in for a user's checkout: the job scripts find
  # build/bin and apps/ relative to it, as they would in the repository root, and their
  # output stays out of the source tree.
  mkdir -p "$CL_WORK/submit/build"
  ln -s "$CL_BIN_DIR" "$CL_WORK/submit/build/bin"
  ln -s "$CL_SOURCE_DIR/apps" "$CL_WORK/submit/apps"
  ln -s "$CL_SOURCE_DIR/pbs" "$CL_WORK/submit/pbs"
  cl_install iproute2 procps  # ip; pkill (minimal images lack both)
  # Named namespaces need mounts under /run/netns (a user namespace's "root" cannot make them).
  local probe_error
  if probe_error=$(ip netns add "${CL_PREFIX}probe" 2>&1); then
    ip netns del "${CL_PREFIX}probe"
  else
    cl_skip "cannot create named network namespaces here (ip netns add: $probe_error)"
  fi
}

# cl_install <package...>: installs what is missing; skips when it cannot be installed.
cl_install() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0
  command -v apt-get >/dev/null || cl_skip "needs the packages ${missing[*]} (no apt-get here)"
  cl_log "installing ${missing[*]}"
  # Others may be installing at the same time: wait for apt's lock rather than fail.
  local apt=(timeout 180 apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=120)
  if ! DEBIAN_FRONTEND=noninteractive "${apt[@]}" "${missing[@]}" >"$CL_WORK/apt.log" 2>&1; then
    timeout 120 apt-get update -q -o DPkg::Lock::Timeout=60 >>"$CL_WORK/apt.log" 2>&1 || true
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" "${missing[@]}" >>"$CL_WORK/apt.log" 2>&1 || {
      tail -n 5 "$CL_WORK/apt.log" >&2
      cl_skip "could not install ${missing[*]} (no package mirror reachable?)"
    }
  fi
}

# cl_ns <host>: the network namespace of a host.
cl_ns() { echo "${CL_PREFIX}$1"; }

# cl_hosts_up <count>: hosts h1..h<count>, joined by a veth pair; h<k> has the address
# ${CL_NET}<k>. (A lone h1 keeps both ends: Open MPI's mpirun wants an interface besides
# loopback, and this kernel may have no dummy devices.)
cl_hosts_up() {
  local count=$1 k
  ((count >= 1 && count <= 2)) || cl_die "cl_hosts_up: 1 or 2 hosts"
  for ((k = 1; k <= count; k++)); do
    ip netns add "$(cl_ns "h$k")"
    CL_HOSTS+=("h$k")
    ip -n "$(cl_ns "h$k")" link set lo up
  done
  local ends=("${CL_PREFIX}a" "${CL_PREFIX}b")
  ip link add "${ends[0]}" type veth peer name "${ends[1]}"
  ip link set "${ends[0]}" netns "$(cl_ns h1)"
  ip link set "${ends[1]}" netns "$(cl_ns "h$count")"
  for ((k = 1; k <= 2; k++)); do
    ip -n "$(cl_ns "h$(((k - 1) % count + 1))")" link set "${ends[k - 1]}" up
  done
  for ((k = 1; k <= count; k++)); do
    ip -n "$(cl_ns "h$k")" addr add "${CL_NET}$k/24" dev "${ends[k - 1]}"
  done
}

# cl_on [--timeout S] <host> <command...>: runs a command on a host (its network, and its name in
# a UTS namespace of its own), killed after S seconds if given. nsenter, not `ip netns exec`: the
# latter remounts /sys, which breaks slurmd.
cl_on() {
  local limit=()
  if [[ $1 == --timeout ]]; then
    limit=(timeout "$2")
    shift 2
  fi
  cl_on_argv "$1"
  shift
  "${limit[@]}" "${CL_ON[@]}" "$@"
}
# cl_on_argv <host>: sets CL_ON to the command prefix of cl_on, for a caller that needs the pid of
# what it starts: nothing on the way forks ("${CL_ON[@]}" cmd & gives cmd's pid in $!).
cl_on_argv() {
  # shellcheck disable=SC2016  # $0 and $@ belong to the inner shell
  CL_ON=(nsenter --net="/run/netns/$(cl_ns "$1")" unshare --uts --
    sh -c 'hostname "$0" && exec "$@"' "$1")
}

# cl_client <command...>: a Slurm client command, run on h1 (where the controller listens).
cl_client() { nsenter --net="/run/netns/$(cl_ns h1)" "$@"; }

# cl_wait_file <seconds> <file>: waits until the file exists and is not empty.
cl_wait_file() {
  local deadline=$((SECONDS + $1))
  until [[ -s $2 ]]; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

# Starts munged as user munge, with its own key, socket, pid, log and seed files.
cl_munge_start() {
  local dir=$CL_WORK/munge
  install -d -o munge -g munge -m 0700 "$dir"
  dd if=/dev/urandom of="$dir/munge.key" bs=1024 count=1 status=none
  chown munge:munge "$dir/munge.key"
  chmod 0400 "$dir/munge.key"
  # The socket's directory must be reachable by root's clients, writable only by munge.
  chmod 0755 "$dir"
  runuser -u munge -- /usr/sbin/munged --socket="$dir/munge.socket" --key-file="$dir/munge.key" \
    --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munged.seed"
  CL_DAEMON_PIDS+=("$dir/munged.pid")
  cl_wait_file 10 "$dir/munged.pid" || cl_die "munged did not start (see $dir/munged.log)"
}

# cl_slurm_start <cpus-per-node> [extra slurm.conf lines...]: writes the private slurm.conf for
# the hosts made by cl_hosts_up, starts slurmctld on h1 and a slurmd on every host, and waits
# until every node is idle.
cl_slurm_start() {
  local cpus=$1 host k
  shift
  export SLURM_CONF=$CL_WORK/slurm/slurm.conf
  mkdir -p "$CL_WORK/slurm/state" "$CL_WORK/slurm/log"
  local addr_h1=${CL_NET}1
  {
    cat <<EOF
# A private test cluster (tests/cluster/lib.sh); deleted when the test ends.
ClusterName=relaytest
SlurmctldHost=h1($addr_h1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$CL_WORK/munge/munge.socket
MpiDefault=pmix
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# Lets a node declare more CPUs than the machine has (4-rank jobs on a 2-core machine).
SlurmdParameters=config_overrides
ReturnToService=2
# Short intervals: a test waits on them.
SchedulerParameters=sched_interval=2
KillWait=10
MinJobAge=600
StateSaveLocation=$CL_WORK/slurm/state
SlurmdSpoolDir=$CL_WORK/slurm/spool/%n
TmpFS=$CL_WORK/slurm/tmp/%n
SlurmctldPidFile=$CL_WORK/slurm/slurmctld.pid
SlurmdPidFile=$CL_WORK/slurm/slurmd-%n.pid
SlurmctldLogFile=$CL_WORK/slurm/log/slurmctld.log
SlurmdLogFile=$CL_WORK/slurm/log/slurmd-%n.log
EOF
    for line in "$@"; do echo "$line"; done
    for host in "${CL_HOSTS[@]}"; do
      k=${host#h}
      echo "NodeName=$host NodeAddr=${CL_NET}$k CPUs=$cpus RealMemory=1000 State=UNKNOWN"
    done
    echo "PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP"
  } >"$SLURM_CONF"
  cl_on h1 slurmctld -f "$SLURM_CONF"
  CL_DAEMON_PIDS+=("$CL_WORK/slurm/slurmctld.pid")
  for host in "${CL_HOSTS[@]}"; do
    mkdir -p "$CL_WORK/slurm/spool/$host" "$CL_WORK/slurm/tmp/$host"
    cl_on "$host" slurmd -f "$SLURM_CONF" -N "$host"
    CL_DAEMON_PIDS+=("$CL_WORK/slurm/slurmd-$host.pid")
  done
  local deadline=$((SECONDS + 60)) states=""
  while ((SECONDS < deadline)); do
    states=$(cl_client sinfo -h -N -o %t 2>/dev/null | sort -u | tr '\n' ' ') || true
    [[ $states == "idle " ]] && break
    sleep 0.5
  done
  [[ $states == "idle " ]] || cl_die "the Slurm nodes did not become idle (states: $states)"
  cl_log "Slurm is up: $(cl_client sinfo -h -N -o '%N %t %c' | tr '\n' ';')"
}

# cl_job_state <job-id>: the job's state (PENDING, RUNNING, COMPLETED, FAILED, ...).
cl_job_state() {
  cl_client scontrol show job -o "$1" 2>/dev/null | sed -n 's/.* JobState=\([A-Z_]*\) .*/\1/p'
}

# cl_wait_jobs <seconds> <job-id...>: waits until every job has ended (sbatch --wait polls every
# 10 s; this polls every half second). Fails if one is still running at the deadline.
cl_wait_jobs() {
  local deadline=$((SECONDS + $1)) id state pending
  shift
  while true; do
    pending=0
    for id in "$@"; do
      state=$(cl_job_state "$id")
      case $state in
        PENDING | RUNNING | CONFIGURING | COMPLETING | REQUEUED | REQUEUE_HOLD | REQUEUE_FED | \
          SUSPENDED | RESIZING | SIGNALING | STAGE_OUT | "") pending=1 ;;
      esac
    done
    ((pending)) || return 0
    if ((SECONDS >= deadline)); then
      cl_fail "jobs still running after the deadline: $(cl_client squeue -h -o '%i %T %r' | tr '\n' ';')"
      return 1
    fi
    sleep 0.5
  done
}

# cl_job_exit <job-id>: the job's exit code as Slurm records it ("0:0" for success).
cl_job_exit() {
  cl_client scontrol show job -o "$1" | sed -n 's/.* ExitCode=\([0-9:]*\).*/\1/p'
}

# Prints the end of the daemons' logs (for a failed test's report).
cl_dump_logs() {
  local f
  for f in "$CL_WORK"/slurm/log/*.log "$CL_WORK"/munge/munged.log; do
    [[ -s $f ]] || continue
    echo "---- $f (last 15 lines)" >&2
    tail -n 15 "$f" >&2
  done
}

# Stops everything this test started, by pid, then deletes the namespaces and the work directory.
cl_cleanup() {
  local status=$? pid host ns deadline
  trap - EXIT TERM INT
  set +e
  if [[ -n $CL_WATCHDOG ]]; then
    pkill -TERM --parent "$CL_WATCHDOG" 2>/dev/null  # its sleep
    kill -TERM "$CL_WATCHDOG" 2>/dev/null
  fi
  if ((status != 0 && status != CL_SKIP)) && [[ -n $CL_WORK ]]; then cl_dump_logs; fi
  # Jobs first, so that no slurmstepd outlives its slurmd.
  if [[ -n ${SLURM_CONF:-} && -s $CL_WORK/slurm/slurmctld.pid ]]; then
    timeout 10 nsenter --net="/run/netns/$(cl_ns h1)" scancel --full --quiet --user=root \
      >/dev/null 2>&1
    deadline=$((SECONDS + 15))
    while ((SECONDS < deadline)) &&
      [[ -n $(timeout 5 nsenter --net="/run/netns/$(cl_ns h1)" squeue -h -t R,CG 2>/dev/null) ]]; do
      sleep 0.5
    done
  fi
  local daemons=() i
  for ((i = ${#CL_DAEMON_PIDS[@]} - 1; i >= 0; i--)); do
    pid=$(cat "${CL_DAEMON_PIDS[i]}" 2>/dev/null) || continue
    [[ $pid =~ ^[0-9]+$ ]] && kill -TERM "$pid" 2>/dev/null && daemons+=("$pid")
  done
  deadline=$((SECONDS + 10))
  for pid in "${daemons[@]}"; do
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  done
  # Anything left in the namespaces (a job step, a rank) was started by this test.
  for host in "${CL_HOSTS[@]}"; do
    ns=$(cl_ns "$host")
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
  done
  for host in "${CL_HOSTS[@]}"; do
    ns=$(cl_ns "$host")
    deadline=$((SECONDS + 5))
    while [[ -n $(ip netns pids "$ns" 2>/dev/null) ]] && ((SECONDS < deadline)); do sleep 0.1; done
    ip netns del "$ns" 2>/dev/null || echo "$CL_NAME: could not delete namespace $ns" >&2
  done
  if [[ -n $CL_WORK && ${RELAY_KEEP_WORK:-0} != 1 ]]; then
    rm -rf "$CL_WORK"
  elif [[ -n $CL_WORK ]]; then
    echo "$CL_NAME: kept $CL_WORK" >&2
  fi
  exit "$status"
}

# ---- what the apps must have printed ------------------------------------------------------------
# Each takes the file a job wrote (the app's output among the job's own lines).

# cl_has_output <file>: fails the test (and the caller's checks) when a job wrote nothing.
cl_has_output() {
  [[ -s $1 ]] && return 0
  cl_fail "no output in $1"
  return 1
}

# The lesson's output for <ranks> ranks, line for line, as tests/apps/expected holds it.
cl_check_scatter_gather() {
  local out=$1 ranks=$2 expected
  cl_has_output "$out" || return 0
  expected=$CL_SOURCE_DIR/tests/apps/expected/scatter_gather.${ranks}ranks.txt
  if [[ ! -f $expected ]]; then
    # No file for this count: the last value of the scatter must be ranks**(ranks-1).
    cl_check "scatter_gather ($out): $ranks ranks, the last rank has $ranks**$((ranks - 1))" \
      grep -q "^rank $((ranks - 1)) has data: $(python3 -c "print($ranks**($ranks-1))")\$" "$out"
    return
  fi
  cl_check "scatter_gather ($out): the lesson's output at $ranks ranks" \
    diff -u "$expected" "$out"
}

# The seed's three sums and 1e10's (A046731), computed on <ranks> ranks.
cl_check_prime_sums() {
  local out=$1 ranks=$2 line
  cl_has_output "$out" || return 0
  for line in "100000 : Sum = 454396537" "200000 : Sum = 1709600813" \
    "300000 : Sum = 3709507114" "10000000000 : Sum = 2220822432581729238"; do
    cl_check "prime_sums ($out): $line" grep -qx "$line" "$out"
  done
  cl_check "prime_sums ($out): on $ranks ranks" grep -q "^# prime_sums: .* on $ranks ranks" "$out"
}

# Pi within 5 standard errors, and within 0.001 (1e9 samples give a standard error of 5e-5).
cl_check_mc_pi() {
  local out=$1 ranks=$2 estimate errors
  cl_has_output "$out" || return 0
  estimate=$(awk '/^pi estimate/ { print $3 }' "$out")
  errors=$(sed -n 's/^error vs pi .*(\(.*\) standard errors)$/\1/p' "$out")
  cl_check "mc_pi ($out): on $ranks ranks" grep -q "^mc_pi: .* $ranks ranks," "$out"
  cl_check "mc_pi ($out): pi estimate ${estimate:-missing} is within 0.001 of pi" \
    awk -v e="${estimate:-0}" 'BEGIN { d = e - 3.14159265358979; exit !(d < 0.001 && d > -0.001) }'
  cl_check "mc_pi ($out): error ${errors:-missing} is within 5 standard errors" \
    awk -v s="${errors:-99}" 'BEGIN { exit !(s < 5 && s > -5) }'
}

# mpi_bench's full run takes minutes: the tests run one operation (a collective, so that every
# rank, on every host, takes part) at small sizes, and check the result with cl_check_mpi_bench.
# shellcheck disable=SC2034  # used by the tests that source this file
CL_MPI_BENCH_ARGS=(--ops bcast --max-size 1K --reps 1 --loop-ms 1 --json)

# mpi_bench, run small with --json: a result for <op> at every size from 1 B to <max> bytes, with
# positive times on both sides and a ratio that agrees with them. (Timings on this shared,
# oversubscribed machine say nothing more.)
cl_check_mpi_bench() {
  local out=$1 ranks=$2 op=$3 max=$4
  cl_has_output "$out" || return 0
  cl_check "mpi_bench ($out): $op at every size 1..$max B on $ranks ranks, times > 0" \
    python3 - "$out" "$ranks" "$op" "$max" <<'PY'
import json, sys
path, ranks, op, top = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
lines = [l for l in open(path) if l.startswith("{")]
d = json.loads(lines[-1])
rows = {r["bytes"]: r for r in d["results"] if r["op"] == op}
sizes = [1 << k for k in range(top.bit_length()) if 1 << k <= top]
ok = d["ranks"] == ranks and sorted(rows) == sizes and all(
    r["lib_us"] > 0 and r["raw_us"] > 0 and abs(r["ratio"] * r["raw_us"] / r["lib_us"] - 1) < 0.5
    for r in rows.values())
sys.exit(0 if ok else 1)
PY
}

# The task ids of a task file: the numbers of its lines that are neither blank nor comments.
cl_task_ids() { awk '!/^[[:space:]]*$/ && !/^#/ { print NR }' "$1"; }

# The farm's status log: every task of <tasks> succeeded exactly once, and nothing else is
# logged but successes and (with "interrupted" as $4) attempts a stop interrupted.
cl_check_farm_log() {
  local farm=$1 tasks=$2 allow=${3:-} log=$1/status.tsv
  cl_check "task_farm ($farm): status.tsv exists" test -s "$log"
  [[ -s $log ]] || return 0
  local expected actual
  expected=$(cl_task_ids "$tasks" | sort -n | tr '\n' ' ')
  actual=$(awk -F'\t' 'NR > 1 && $5 == "ok" { print $1 }' "$log" | sort -n | tr '\n' ' ')
  cl_check "task_farm ($farm): every task succeeded exactly once ($(wc -w <<<"$expected") tasks)" \
    test "$expected" = "$actual"
  local bad
  bad=$(awk -F'\t' -v allow="$allow" 'NR > 1 && $5 != "ok" && $5 != allow' "$log")
  cl_check "task_farm ($farm): no attempt failed${allow:+ (some were $allow)}" test -z "$bad"
  [[ -z $bad ]] || { echo "the attempts that did not succeed:"; head -n 20 <<<"$bad"; } >&2
}

# The hosts the farm's ranks ran on, as MPI_Get_processor_name gave them to the status log.
cl_farm_hosts() {
  [[ -f $1/status.tsv ]] || return 0
  awk -F'\t' 'NR > 1 { print $3 }' "$1/status.tsv" | sort -u | tr '\n' ' '
}

# ---- PBS on this cluster ------------------------------------------------------------------------

# cl_pbs_nodefile <script> <file> [mpiprocs]: writes the node file PBS would give the script: for
# each chunk of its "#PBS -l select=N:ncpus=C:mpiprocs=M", M lines (or mpiprocs, as if given
# with qsub -l) naming one host: h1, then h2, ...
cl_pbs_nodefile() {
  local select chunks procs k i
  select=$(sed -n 's/^#PBS -l select=\([0-9]*\):.*mpiprocs=\([0-9]*\).*/\1 \2/p' "$1")
  read -r chunks procs <<<"$select"
  procs=${3:-$procs}
  [[ -n $chunks && -n $procs ]] || cl_die "$1 has no '#PBS -l select=N:...:mpiprocs=M' line"
  ((chunks <= ${#CL_HOSTS[@]})) || cl_die "$1 wants $chunks nodes; the test has ${#CL_HOSTS[@]}"
  for ((k = 0; k < chunks; k++)); do
    for ((i = 0; i < procs; i++)); do echo "${CL_HOSTS[k]}"; done
  done >"$2"
}

# cl_rsh_agent: an rsh agent for Open MPI's mpirun that "logs in" to a test host by entering its
# namespaces, and runs the command line there as ssh would. Prints its path.
cl_rsh_agent() {
  local agent=$CL_WORK/nsrsh
  {
    echo '#!/bin/sh'
    echo '# Called by mpirun as: nsrsh <host> <command line...>'
    echo "prefix=$CL_PREFIX"
    cat <<'AGENT'
host=$1
shift
[ -e "/run/netns/$prefix$host" ] || { echo "nsrsh: unknown host '$host'" >&2; exit 255; }
exec nsenter --net="/run/netns/$prefix$host" unshare --uts -- \
  /bin/sh -c 'hostname "$0" && exec /bin/sh -c "$*"' "$host" "$@"
AGENT
  } >"$agent"
  chmod +x "$agent"
  echo "$agent"
}

# cl_pbs_task_prolog: a Slurm TaskProlog that gives a batch job the environment PBS gives one
# (PBS_NODEFILE, PBS_O_WORKDIR, PBS_JOBID, ...), as a site running PBS scripts on Slurm would.
# Prints the slurm.conf line.
cl_pbs_task_prolog() {
  local prolog=$CL_WORK/slurm/pbs_task_prolog.sh
  mkdir -p "$CL_WORK/slurm/nodefiles"
  cat >"$prolog" <<PROLOG
#!/bin/bash
# Slurm runs this before each task; its "export NAME=value" lines go into the task's environment.
# Only the batch step (the job script) gets the PBS variables.
[[ -z \${SLURM_STEP_ID:-} || \$SLURM_STEP_ID == 4294967291 ]] || exit 0
nodefile=$CL_WORK/slurm/nodefiles/\$SLURM_JOB_ID
hosts=(\$(SLURM_CONF=$CL_WORK/slurm/slurm.conf scontrol show hostnames "\$SLURM_JOB_NODELIST"))
: >"\$nodefile"
i=0
for part in \${SLURM_TASKS_PER_NODE//,/ }; do  # e.g. "4(x2),1": 4 tasks on each of 2 nodes, then 1
  count=\${part%%(*}
  repeat=1
  [[ \$part == *x* ]] && { repeat=\${part##*x}; repeat=\${repeat%)}; }
  for ((r = 0; r < repeat; r++, i++)); do
    for ((k = 0; k < count; k++)); do echo "\${hosts[i]}" >>"\$nodefile"; done
  done
done
echo "export PBS_NODEFILE=\$nodefile"
echo "export PBS_O_WORKDIR=\$SLURM_SUBMIT_DIR"
echo "export PBS_JOBID=\$SLURM_JOB_ID"
echo "export PBS_JOBNAME=\$SLURM_JOB_NAME"
echo "export PBS_NP=\$(wc -l <"\$nodefile")"
echo "export PBS_ENVIRONMENT=PBS_BATCH"
PROLOG
  chmod +x "$prolog"
  echo "TaskProlog=$prolog"
}
