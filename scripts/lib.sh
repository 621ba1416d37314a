# shellcheck shell=bash
# Helpers shared by scripts/*.sh and .ci/run. Source this file; do not run it.

RELAY_ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
RELAY_SELF="$(cd -- "$(dirname -- "$0")" && pwd)/${0##*/}"  # the script that sourced us

relay_log() { printf '%s: %s\n' "${0##*/}" "$*"; }
relay_die() {
  printf '%s: error: %s\n' "${0##*/}" "$*" >&2
  exit 1
}

# Prints the calling script's header comment (line 2 up to the first non-comment line).
relay_usage() { awk 'NR == 1 { next } !/^#/ { exit } { sub(/^# ?/, ""); print }' "$RELAY_SELF"; }

relay_is_root() { [[ $(id -u) -eq 0 ]]; }

# Prints the apps, one a line, from apps/apps.txt (the one list of them).
relay_apps() { grep -E '^[a-z0-9_]+$' "$RELAY_ROOT/apps/apps.txt"; }

# Logical CPUs this process may use (honours affinity masks and cgroup cpusets). GNU nproc also
# obeys OMP_NUM_THREADS and OMP_THREAD_LIMIT, which in a hybrid MPI+OpenMP job say something else.
relay_cores() {
  env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc 2>/dev/null || getconf _NPROCESSORS_ONLN
}

# Prints the ids of the CPUs this process may run on, one a line (its affinity mask, which
# cgroup cpusets and taskset narrow); nothing where /proc does not say.
relay_allowed_cpus() {
  local list range
  list="$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status 2>/dev/null)" || return 0
  local IFS=,
  for range in $list; do
    if [[ $range == *-* ]]; then seq "${range%-*}" "${range#*-}"; else echo "$range"; fi
  done
}

# Physical cores among the CPUs this process may use: distinct (core, socket) pairs, so that the
# hardware threads of one core count once. This is what Open MPI gives as slots on a machine
# with no hostfile and no batch system. Falls back to relay_cores where the topology is unknown.
relay_physical_cores() {
  local allowed n=0 cpu core socket
  allowed=" $(relay_allowed_cpus | tr '\n' ' ') "
  if command -v lscpu >/dev/null; then
    n="$(lscpu -p=CPU,CORE,SOCKET 2>/dev/null | awk -F, -v allowed="$allowed" '
      /^#/ || $2 == "" { next }
      allowed == "  " || index(allowed, " " $1 " ") { pairs[$2 "," $3] = 1 }
      END { print length(pairs) }')" || n=0
  fi
  if ((n == 0)) && [[ -d /sys/devices/system/cpu/cpu0/topology ]]; then
    n="$(for topology in /sys/devices/system/cpu/cpu[0-9]*/topology; do
      cpu=${topology%/topology}
      cpu=${cpu##*/cpu}
      [[ $allowed == "  " || $allowed == *" $cpu "* ]] || continue
      read -r core <"$topology/core_id" && read -r socket <"$topology/physical_package_id" &&
        echo "$core,$socket"
    done 2>/dev/null | sort -u | wc -l)" || n=0
  fi
  if ((n > 0)); then echo "$n"; else relay_cores; fi
}

# Slots in a hostfile: Open MPI's "host slots=N" and MPICH's "host:N"; a host line with neither
# counts as one slot, as in a PBS node file, which lists a host once per slot. (Open MPI gives
# such a line the host's cores, which a remote host does not tell us: counting one may add an
# --oversubscribe that was not needed, never leave out one that was. Write slots=N.)
relay_hostfile_slots() {
  awk '{ sub(/#.*/, "") } NF == 0 { next }
       match($0, /slots=[0-9]+/) { n += substr($0, RSTART + 6, RLENGTH - 6); next }
       match($1, /:[0-9]+$/) { n += substr($1, RSTART + 1); next }
       { n += 1 }
       END { print n + 0 }' "$1"
}

# Slots a job may fill without oversubscribing: the hostfile $1's when one is given; inside a
# Slurm allocation its tasks (mpiexec reads the allocation itself); otherwise this machine's
# physical cores.
relay_slots() {
  if [[ -n ${1:-} ]]; then
    relay_hostfile_slots "$1"
  elif [[ -n ${SLURM_JOB_ID:-} && ${SLURM_NTASKS:-} =~ ^[1-9][0-9]*$ ]]; then
    echo "$SLURM_NTASKS"
  else
    relay_physical_cores
  fi
}

# Open MPI's mpiexec says "mpiexec (OpenRTE) 4.1.4" (4.x) or "mpiexec (Open MPI) 5.0.x".
# $1: the launcher to ask (default mpiexec).
relay_is_openmpi() {
  local version
  version="$("${1:-mpiexec}" --version 2>&1)" || return 1
  [[ $version == *"Open MPI"* || $version == *OpenRTE* ]]
}

# Open MPI refuses to run as root unless told that it is intended (containers, CI).
relay_export_mpi_env() {
  if relay_is_root && relay_is_openmpi; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  fi
}

# Sets the array RELAY_MPIEXEC_FLAGS for a run of $1 ranks on $2 slots (default: this machine's
# physical cores, which is what Open MPI gives one slot each, not hardware threads) with launcher
# $3 (default mpiexec). Only Open MPI gets flags: --oversubscribe when there are more ranks than
# slots, and --allow-run-as-root when run as root. Other MPIs need neither and know neither.
relay_mpiexec_flags() {
  local ranks=$1 slots=${2:-} launcher=${3:-mpiexec}
  RELAY_MPIEXEC_FLAGS=()
  relay_is_openmpi "$launcher" || return 0
  [[ -n $slots ]] || slots="$(relay_physical_cores)"
  if ((ranks > slots)); then RELAY_MPIEXEC_FLAGS+=(--oversubscribe); fi
  if relay_is_root; then RELAY_MPIEXEC_FLAGS+=(--allow-run-as-root); fi
}

# Parses [--preset NAME | NAME] [-h|--help] [-- EXTRA...] into RELAY_PRESET and RELAY_EXTRA_ARGS.
# The default preset is release, or ci (release with -Werror) when CI=true.
# shellcheck disable=SC2034  # the variables are read by the scripts that source this file
relay_parse_preset() {
  RELAY_PRESET=release
  [[ ${CI:-} == true ]] && RELAY_PRESET=ci
  RELAY_EXTRA_ARGS=()
  while (($#)); do
    case $1 in
      -h | --help) relay_usage; exit 0 ;;
      --preset) [[ $# -ge 2 ]] || relay_die "--preset needs a name"; RELAY_PRESET=$2; shift ;;
      --preset=*) RELAY_PRESET=${1#*=} ;;
      --) shift; RELAY_EXTRA_ARGS=("$@"); break ;;
      -*) relay_die "unknown option '$1' (see --help)" ;;
      *) RELAY_PRESET=$1 ;;
    esac
    shift
  done
}

# The build directory of a preset; mirrors binaryDir in CMakePresets.json.
relay_binary_dir() {
  case $1 in
    release | ci) echo "$RELAY_ROOT/build" ;;
    *) echo "$RELAY_ROOT/build-$1" ;;
  esac
}

# Runs scripts/setup.sh unless RELAY_SKIP_SETUP=1 (e.g. on a cluster that provides the
# dependencies through environment modules instead of Debian packages).
relay_setup() {
  if [[ ${RELAY_SKIP_SETUP:-0} == 1 ]]; then
    relay_log "RELAY_SKIP_SETUP=1: not checking packages"
  else
    bash "$RELAY_ROOT/scripts/setup.sh"
  fi
}
