#!/usr/bin/env bash
# Usage: scripts/bench_mpi_bench.sh [--preset NAME] [-h|--help] [-- MPI_BENCH_ARGS...]
#
# Measures the relay library against raw MPI (and Boost.MPI for serialized types) with
# mpi_bench at 2 ranks, side by side in one run, and prints its table (the README's
# "Performance" figures). Builds first (scripts/build.sh; preset release by default). Arguments
# after -- go to mpi_bench, e.g. `-- --ops bcast --min-size 1M` or `-- --json`. The full default
# run takes under a minute on a quiet 2-core machine; run it on a quiet machine.
#
# Environment:
#   RELAY_RANKS=N   ranks (default 2; the targets are stated for 2)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

relay_parse_preset "$@"
ranks=${RELAY_RANKS:-2}
[[ $ranks =~ ^[1-9][0-9]*$ ]] || relay_die "RELAY_RANKS must be a positive integer (got '$ranks')"
cd "$RELAY_ROOT"
relay_setup
bash scripts/build.sh --preset "$RELAY_PRESET" >/dev/null
bin="$(relay_binary_dir "$RELAY_PRESET")/bin"
[[ -x $bin/mpi_bench ]] || relay_die "$bin/mpi_bench was not built"
relay_export_mpi_env
relay_mpiexec_flags "$ranks"
echo "# $(lscpu 2>/dev/null | sed -nE 's/^Model name: *//p' | head -n 1), $(relay_cores) cores, $(date -u '+%Y-%m-%d %H:%M UTC')" >&2
exec mpiexec -n "$ranks" "${RELAY_MPIEXEC_FLAGS[@]}" "$bin/mpi_bench" "${RELAY_EXTRA_ARGS[@]}"
