#!/usr/bin/env bash
# Usage: scripts/tsan.sh [ROUNDS] [-h|--help]
#
# Proves (or disproves) relay's thread safety: configures the tsan preset (ThreadSanitizer,
# clang 14, build-tsan/: the library and its tests, no apps), builds exactly the executables of
# the thread tests (every test with the ctest label `threads`, which is what the tsan test preset
# runs), then runs them at their rank counts ROUNDS times (default 20) with `ctest --preset tsan`.
# Reports how often each test failed (a race report makes TSan exit 66; a hang hits the timeout)
# and each distinct race, by the SUMMARY line TSan prints for it. Exits non-zero if any run
# failed. Logs stay in build-tsan/tsan-logs/. tests/tsan.supp silences races inside Open MPI's
# libraries only. CI (.ci/run) runs it with 3 rounds.
#
# Environment: RELAY_TSAN_TIMEOUT (seconds per test run, default 300: the TIMEOUT of every test
# in build-tsan/, set at configure), RELAY_TSAN_TESTS (a ctest
# -R regex that narrows the thread tests, default all of them), RELAY_SKIP_SETUP=1 (do not check
# the packages: clang-14 is added to scripts/setup.sh's list).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

case ${1:-} in
  -h | --help)
    relay_usage
    exit 0
    ;;
esac
rounds=${1:-20}
[[ $rounds =~ ^[1-9][0-9]{0,3}$ ]] || relay_die "ROUNDS must be a positive integer (got \"$rounds\")"
timeout=${RELAY_TSAN_TIMEOUT:-300}
[[ $timeout =~ ^[1-9][0-9]{0,5}$ ]] ||
  relay_die "RELAY_TSAN_TIMEOUT must be a positive integer (got \"$timeout\")"
select=()
if [[ -n ${RELAY_TSAN_TESTS:-} ]]; then select=(-R "$RELAY_TSAN_TESTS"); fi

cd "$RELAY_ROOT"
RELAY_EXTRA_PACKAGES="clang-14 ${RELAY_EXTRA_PACKAGES:-}" relay_setup
command -v clang++-14 >/dev/null || relay_die "clang++-14 not found (apt-get install clang-14)"
cmake --preset tsan -DRELAY_TEST_TIMEOUT="$timeout" >/dev/null
build_dir=$(relay_binary_dir tsan)
# The executables of the thread tests: every path under build-tsan/bin/ in their commands (the
# target of an executable has its name). The configure step alone lists them.
mapfile -t targets < <(ctest --preset tsan -N --show-only=json-v1 "${select[@]}" |
  grep -o "\"[^\"]*/${build_dir##*/}/bin/[A-Za-z0-9_]*\"" | tr -d '"' | sort -u | xargs -r -n 1 basename)
((${#targets[@]})) || relay_die "no thread tests (label threads) in the tsan preset"
relay_log "building ${targets[*]}"
cmake --build --preset tsan -j "$(relay_cores)" --target "${targets[@]}"
relay_export_mpi_env

logs="$build_dir/tsan-logs"
rm -rf "$logs"
mkdir -p "$logs"
failed_rounds=0
first_failed=""
for ((round = 1; round <= rounds; ++round)); do
  log="$logs/round-$round.log"
  start=$SECONDS
  if ctest --preset tsan "${select[@]}" -j "$(relay_cores)" >"$log" 2>&1; then
    relay_log "round $round/$rounds: passed ($(grep -o '[0-9]*% tests passed.*' "$log" | tail -n 1), $((SECONDS - start)) s)"
  else
    failed_rounds=$((failed_rounds + 1))
    [[ -n $first_failed ]] || first_failed=$log
    relay_log "round $round/$rounds: FAILED: $(sed -n 's/^[[:space:]]*[0-9]* - \(.*\)/\1/p' "$log" |
      tr '\n' ' ')"
  fi
done

echo
relay_log "$failed_rounds of $rounds rounds failed; failures per test:"
cat "$logs"/round-*.log | sed -n 's/^[[:space:]]*[0-9]* - \(.*\)/\1/p' | sort | uniq -c | sort -rn
relay_log "distinct ThreadSanitizer reports (count, summary):"
cat "$logs"/round-*.log | grep -o 'SUMMARY: ThreadSanitizer: .*' | sort | uniq -c | sort -rn || true
if [[ -n $first_failed ]]; then
  relay_log "the first failed round's log ($first_failed), its last 200 lines:"
  tail -n 200 "$first_failed"
fi
((failed_rounds == 0))
