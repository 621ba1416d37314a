#!/usr/bin/env bash
# Usage: scripts/tsan.sh [ROUNDS] [-h|--help]
#
# Proves (or disproves) relay's thread safety: configures and builds the tsan preset
# (ThreadSanitizer, clang 14, build-tsan/), then runs test_threads, test_nonblocking, test_exchange and test_p2p
# at 1-4 ranks under it ROUNDS times (default 20) with `ctest --preset tsan`. Reports how often
# each test failed (a race report makes TSan exit 66; a hang hits the timeout) and each distinct
# race, by the SUMMARY line TSan prints for it. Exits non-zero if any run failed. Logs stay in
# build-tsan/tsan-logs/. tests/tsan.supp silences races inside Open MPI's libraries only.
#
# Environment: RELAY_TSAN_TIMEOUT (seconds per test run, default 90), RELAY_TSAN_TESTS (a ctest
# regex, default the three tests above).
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
[[ $rounds =~ ^[1-9][0-9]*$ ]] || relay_die "ROUNDS must be a positive integer (got \"$rounds\")"
timeout=${RELAY_TSAN_TIMEOUT:-90}
tests=${RELAY_TSAN_TESTS:-'^test_(threads|nonblocking|exchange|p2p)\.'}

cd "$RELAY_ROOT"
command -v clang++-14 >/dev/null || relay_die "clang++-14 not found (apt-get install clang-14)"
cmake --preset tsan >/dev/null
cmake --build --preset tsan -j "$(relay_cores)" --target test_threads test_nonblocking test_exchange test_p2p
relay_export_mpi_env

logs="$(relay_binary_dir tsan)/tsan-logs"
rm -rf "$logs"
mkdir -p "$logs"
failed_rounds=0
for ((round = 1; round <= rounds; ++round)); do
  log="$logs/round-$round.log"
  if ctest --preset tsan -R "$tests" -j "$(relay_cores)" --timeout "$timeout" >"$log" 2>&1; then
    relay_log "round $round/$rounds: passed"
  else
    failed_rounds=$((failed_rounds + 1))
    relay_log "round $round/$rounds: FAILED: $(sed -n 's/^[[:space:]]*[0-9]* - \(.*\)/\1/p' "$log" |
      tr '\n' ' ')"
  fi
done

echo
relay_log "$failed_rounds of $rounds rounds failed; failures per test:"
cat "$logs"/round-*.log | sed -n 's/^[[:space:]]*[0-9]* - \(.*\)/\1/p' | sort | uniq -c | sort -rn
relay_log "distinct ThreadSanitizer reports (count, summary):"
cat "$logs"/round-*.log | grep -o 'SUMMARY: ThreadSanitizer: .*' | sort | uniq -c | sort -rn || true
((failed_rounds == 0))
