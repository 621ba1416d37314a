#!/usr/bin/env bash
# Usage: scripts/build.sh [--preset NAME | NAME] [-h|--help]
#
# Configures and builds relay, its apps and its tests with a preset from CMakePresets.json, on all
# cores. Safe to re-run: only what changed is rebuilt.
#
# Presets: release (the default; build/), debug (build-debug/), asan (build-asan/, ASan+UBSan),
# ci (release with warnings as errors, build/; the default when CI=true).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

relay_parse_preset "$@"
cd "$RELAY_ROOT"
cmake --preset "$RELAY_PRESET"
cmake --build --preset "$RELAY_PRESET" --parallel "$(relay_cores)"

bin="$(relay_binary_dir "$RELAY_PRESET")/bin"
relay_log "preset $RELAY_PRESET: binaries are in $bin:"
ls "$bin"
