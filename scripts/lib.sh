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

# Logical CPUs this process may use (honours affinity masks and cgroup cpusets).
relay_cores() { nproc 2>/dev/null || getconf _NPROCESSORS_ONLN; }

# Open MPI's mpiexec says "mpiexec (OpenRTE) 4.1.4" (4.x) or "mpiexec (Open MPI) 5.0.x".
relay_is_openmpi() {
  local version
  version="$(mpiexec --version 2>&1)" || return 1
  [[ $version == *"Open MPI"* || $version == *OpenRTE* ]]
}

# Open MPI refuses to run as root unless told that it is intended (containers, CI).
relay_export_mpi_env() {
  if relay_is_root && relay_is_openmpi; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  fi
}

# Sets the array RELAY_MPIEXEC_FLAGS for a run of $1 ranks on this machine. Open MPI gives one
# slot per physical core (not per hardware thread), so more ranks than that need --oversubscribe.
relay_mpiexec_flags() {
  local ranks=$1 slots
  RELAY_MPIEXEC_FLAGS=()
  relay_is_openmpi || return 0
  slots="$(lscpu -p=CORE,SOCKET 2>/dev/null | grep -v '^#' | sort -u | wc -l)" || slots=0
  if ((slots == 0 || slots > $(relay_cores))); then slots="$(relay_cores)"; fi
  if ((ranks > slots)); then RELAY_MPIEXEC_FLAGS+=(--oversubscribe); fi
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
