# shellcheck shell=bash
# Helpers for the task_farm test scripts. Each script is run as
#   script.sh <mpiexec -n P ... task_farm>
# and appends the farm's arguments to that command ("${farm[@]}").
set -uo pipefail
farm=("$@")
ranks=${RELAY_TEST_RANKS:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
check() {  # check <description> <command...>: the command must succeed
  local what=$1
  shift
  "$@" || fail "$what"
}
# The status log's ok lines for one id, and all lines.
ok_count() { awk -F'\t' -v id="$2" 'NR > 1 && $1 == id && $5 == "ok"' "$1/status.tsv" | wc -l; }
# A JSON field of the summary in file $1 (python3 reads it).
json_field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval("d" + sys.argv[2]))' "$1" "$2"; }
finish() {
  if ((failures)); then
    echo "$failures check(s) failed; the run's files:" >&2
    for f in "$work"/*.txt "$work"/*/status.tsv; do [[ -f $f ]] && { echo "== $f" >&2; head -c 4000 "$f" >&2; }; done
    exit 1
  fi
  echo "all checks passed"
  exit 0
}
