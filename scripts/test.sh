#!/usr/bin/env bash
# Usage: scripts/test.sh [--preset NAME | NAME] [--full] [-h|--help] [-- CTEST-ARGS...]
#
# Checks the packages (scripts/setup.sh), builds (scripts/build.sh) and runs the test suite with
# `ctest --preset NAME` on all cores. Each MPI test declares how many ranks it uses, so ctest
# packs them onto the cores without overloading them.
#
# Presets: release (the default), debug, asan (AddressSanitizer + UBSan), ci (release with
# warnings as errors; the default when CI=true). The suite runs the apps' bad-input cases at 1
# and 3 ranks; --full adds the rest of the rank matrix (label full: those cases at 2 and 4 ranks)
# through the test preset NAME-full. Arguments after -- go to ctest, e.g.
#   scripts/test.sh -- -R smoke
# Environment: RELAY_SKIP_SETUP=1 skips the package check.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

# --full is this script's own option; the others are the build's.
full=0
args=()
while (($#)); do
  case $1 in
    --full) full=1 ;;
    --) args+=("$@"); break ;;
    *) args+=("$1") ;;
  esac
  shift
done
relay_parse_preset "${args[@]}"
cd "$RELAY_ROOT"
relay_setup
bash scripts/build.sh --preset "$RELAY_PRESET"
relay_export_mpi_env

log="$(relay_binary_dir "$RELAY_PRESET")/ctest-output.log"
start=$SECONDS
status=0
test_preset=$RELAY_PRESET
((full)) && test_preset=$RELAY_PRESET-full
ctest --preset "$test_preset" -j "$(relay_cores)" "${RELAY_EXTRA_ARGS[@]}" 2>&1 | tee "$log" ||
  status=$?

summary="$(grep -E 'tests passed|No tests were found' "$log" | tail -n 1)" || true
echo
if ((status == 0)); then
  relay_log "PASSED: preset $test_preset, ${summary:-ctest passed}, $((SECONDS - start)) s"
else
  relay_log "FAILED: preset $test_preset, ${summary:-ctest exited $status} (full output: $log)"
fi
exit "$status"
