#!/usr/bin/env bash
# Usage: scripts/main_job.sh [--preset NAME | NAME] [-h|--help]
#
# Checks the packages, builds (preset release by default), then runs each app that was built,
# among scatter_gather, prime_sums, mc_pi, task_farm and mpi_bench, with its default sizes under
# `mpiexec -n <cores>`. Exits non-zero if any app fails.
#
# Environment:
#   RELAY_RANKS=N       ranks per app (default: the number of cores, from nproc)
#   RELAY_SKIP_SETUP=1  skip the package check
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

mapfile -t APPS < <(relay_apps)

relay_parse_preset "$@"
ranks=${RELAY_RANKS:-$(relay_cores)}
[[ $ranks =~ ^[1-9][0-9]*$ ]] || relay_die "RELAY_RANKS must be a positive integer (got '$ranks')"
cd "$RELAY_ROOT"
relay_setup
bash scripts/build.sh --preset "$RELAY_PRESET"
relay_export_mpi_env
relay_mpiexec_flags "$ranks"

bin="$(relay_binary_dir "$RELAY_PRESET")/bin"
ran=0
failed=()
for app in "${APPS[@]}"; do
  if [[ ! -x $bin/$app ]]; then
    relay_log "skipping $app (not built)"
    continue
  fi
  args=()
  if [[ $app == task_farm ]]; then
    # The farm needs a task file: the demo's, with its output in a fresh directory.
    farm_dir="$(mktemp -d "${TMPDIR:-/tmp}/relay-farm.XXXXXX")"
    args=(apps/task_farm/examples/demo.tasks --output-dir "$farm_dir/out")
  fi
  cmd=(mpiexec -n "$ranks" "${RELAY_MPIEXEC_FLAGS[@]}" "$bin/$app" "${args[@]}")
  echo "==> ${cmd[*]}"
  start=$SECONDS
  ran=$((ran + 1))
  "${cmd[@]}" </dev/null || failed+=("$app")
  echo "<== $app: $((SECONDS - start)) s"
done

if ((${#failed[@]})); then relay_die "failed: ${failed[*]}"; fi
if ((ran == 0)); then relay_log "no app is built yet, so nothing ran"; else relay_log "$ran app(s) ran successfully"; fi
