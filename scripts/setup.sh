#!/usr/bin/env bash
# Usage: scripts/setup.sh [--check] [-h|--help]
#
# Makes sure the Debian packages that relay needs are installed. When they all are, it says so
# and does nothing else. Otherwise it installs the missing ones with apt-get, as root or through
# password-less sudo; failing both, it prints the command to run and exits 1.
#
#   --check   only report; exit 1 if something is missing
#
# Environment:
#   RELAY_EXTRA_PACKAGES   more packages to require (space- or comma-separated)
set -euo pipefail

# Debian 12 names: Open MPI, Boost.MPI and Boost.Serialization, GoogleTest, the toolchain, and
# the header-only CLI11 and nlohmann/json used by the apps and tests, Random123 (mc_pi),
# gnuplot for the scaling study's plots, Doxygen for the API reference (the docs target), and tmux
# for the test of task_farm's progress line on a terminal.
PACKAGES="openmpi-bin libopenmpi-dev libboost-mpi-dev libboost-serialization-dev libgtest-dev
  cmake g++ make libcli11-dev nlohmann-json3-dev pkg-config librandom123-dev gnuplot-nox doxygen
  tmux"

# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

check_only=false
case ${1:-} in
  "") ;;
  --check) check_only=true ;;
  -h | --help) relay_usage; exit 0 ;;
  *) relay_die "unknown option '$1' (see --help)" ;;
esac

read -r -a wanted <<<"$(echo "$PACKAGES ${RELAY_EXTRA_PACKAGES:-}" | tr ',\n' '  ')"

print_manual_steps() {
  cat <<EOF
Install them as root (or with sudo):
  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}
On a cluster without root, load the equivalents with environment modules instead, e.g.
  module load openmpi boost cmake gcc
(module names and versions are site-specific; see 'module avail'), make GoogleTest, CLI11 and
nlohmann_json findable by CMake (CMAKE_PREFIX_PATH), and run the scripts with RELAY_SKIP_SETUP=1.
EOF
}

if ! command -v dpkg-query >/dev/null; then
  missing=("${wanted[@]}")
  relay_log "no dpkg-query: not a Debian-based system; relay needs the equivalents of: ${missing[*]}"
  print_manual_steps
  exit 1
fi

missing=()
for pkg in "${wanted[@]}"; do
  # One line per installed architecture; "installed" on any of them counts.
  dpkg-query -W -f='${db:Status-Status}\n' "$pkg" 2>/dev/null | grep -x installed >/dev/null ||
    missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
  relay_log "all ${#wanted[@]} required packages are installed"
  exit 0
fi
relay_log "missing packages: ${missing[*]}"
if $check_only; then exit 1; fi

if relay_is_root; then
  as_root=()
elif sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  print_manual_steps
  exit 1
fi

"${as_root[@]}" apt-get update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${missing[@]}"
relay_log "installed: ${missing[*]}"
