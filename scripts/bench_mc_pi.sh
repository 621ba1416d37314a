#!/usr/bin/env bash
# Usage: scripts/bench_mc_pi.sh [--preset NAME] [--reps N] [--samples N] [-h|--help]
#
# Benchmarks mc_pi and prints Markdown tables (the README's "Performance" figures):
#   1. Per-core samples/s of mc_pi's kernels against std::mt19937_64 + uniform_real_distribution,
#      measured side by side in one run of mc_pi_bench at 2 ranks (one per core, both busy),
#      interleaved, median of --reps runs each, with the ratio to that baseline.
#   2. Parallel efficiency t1 / (2 * t2) of mc_pi --samples N (default 4e9) at 1 and 2 ranks,
#      runs alternating, medians of --reps each; and a check that every run, at 1 and 2 ranks,
#      printed the same hit count (the script fails if not).
# Then it says whether the targets are met: >= 600 M samples/s per core at 2 ranks, >= 2.9x the
# baseline, >= 95% parallel efficiency. Builds first (scripts/build.sh; preset release by
# default). Takes about a minute on a 2-core machine; run it on a quiet machine.
#
#   --reps N      repetitions of each measurement (default 5)
#   --samples N   samples of the efficiency runs (default 4e9)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

reps=5
samples=4e9
preset_args=()
while (($#)); do
  case $1 in
    -h | --help) relay_usage; exit 0 ;;
    --reps) [[ $# -ge 2 ]] || relay_die "--reps needs a value"; reps=$2; shift ;;
    --samples) [[ $# -ge 2 ]] || relay_die "--samples needs a value"; samples=$2; shift ;;
    --preset) [[ $# -ge 2 ]] || relay_die "--preset needs a name"; preset_args=(--preset "$2"); shift ;;
    *) relay_die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done
[[ $reps =~ ^[1-9][0-9]*$ ]] || relay_die "--reps must be a positive integer (got '$reps')"
relay_parse_preset "${preset_args[@]}"

cd "$RELAY_ROOT"
bash scripts/build.sh --preset "$RELAY_PRESET" >/dev/null
bin="$(relay_binary_dir "$RELAY_PRESET")/bin"
for exe in mc_pi mc_pi_bench; do
  [[ -x $bin/$exe ]] || relay_die "$bin/$exe was not built (is Random123 installed? see scripts/setup.sh)"
done
relay_export_mpi_env
export OMPI_MCA_btl_vader_single_copy_mechanism=${OMPI_MCA_btl_vader_single_copy_mechanism:-none}
relay_mpiexec_flags 2

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
json_field() { sed -E "s/.*\"$1\":([^,}]*).*/\1/"; }

echo "## mc_pi benchmark: $(lscpu 2>/dev/null | sed -nE 's/^Model name: *//p' | head -n 1), $(relay_cores) cores, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
# 1. Kernels against the baseline, side by side.
bench_out="$(mpiexec -n 2 "${RELAY_MPIEXEC_FLAGS[@]}" "$bin/mc_pi_bench" --reps "$reps")"
echo "$bench_out" | grep -v '^fastest:'
fastest="$(echo "$bench_out" | grep '^fastest:')" || relay_die "mc_pi_bench printed no result"
per_core=$(echo "$fastest" | awk '{ print $3 }')
ratio=$(echo "$fastest" | sed -E 's/.*, ([0-9.]+)x the baseline.*/\1/')

# 2. Parallel efficiency, runs alternating between 1 and 2 ranks.
t1s=() t2s=() hits=()
for ((i = 0; i < reps; i++)); do
  for ranks in 1 2; do
    out="$(mpiexec -n "$ranks" "${RELAY_MPIEXEC_FLAGS[@]}" "$bin/mc_pi" --samples "$samples" --json)"
    hits+=("$(echo "$out" | json_field hits)")
    if ((ranks == 1)); then t1s+=("$(echo "$out" | json_field seconds)"); else t2s+=("$(echo "$out" | json_field seconds)"); fi
  done
done
t1=$(printf '%s\n' "${t1s[@]}" | median)
t2=$(printf '%s\n' "${t2s[@]}" | median)
distinct=$(printf '%s\n' "${hits[@]}" | sort -u | wc -l)
n=$(echo "$out" | json_field samples)
efficiency=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.1f", 100 * a / (2 * b) }')
per_core_2=$(awk -v n="$n" -v b="$t2" 'BEGIN { printf "%.1f", n / (2 * b) / 1e6 }')
echo
echo "mc_pi --samples $samples ($n samples), median of $reps runs at each rank count:"
echo
echo "| ranks | seconds | M samples/s per core | hits |"
echo "| ---: | ---: | ---: | ---: |"
echo "| 1 | $(printf '%.3f' "$t1") | $(awk -v n="$n" -v a="$t1" 'BEGIN { printf "%.1f", n / a / 1e6 }') | ${hits[0]} |"
echo "| 2 | $(printf '%.3f' "$t2") | $per_core_2 | ${hits[1]} |"
echo
echo "parallel efficiency t1 / (2 t2) = ${efficiency}%"
if ((distinct != 1)); then
  relay_die "the hit counts differ between runs: $(printf '%s ' "${hits[@]}")"
fi
echo "hits identical in all $((2 * reps)) runs (1 and 2 ranks): ${hits[0]}"

verdict() { awk -v v="$2" -v t="$3" 'BEGIN { exit !(v >= t) }' && echo "met: $1" || echo "NOT met: $1"; }
echo
verdict ">= 600 M samples/s per core at 2 ranks (mc_pi_bench: $per_core; mc_pi: $per_core_2)" \
  "$(awk -v a="$per_core" -v b="$per_core_2" 'BEGIN { print (a < b) ? a : b }')" 600
verdict ">= 2.9x the mt19937_64 baseline (${ratio}x)" "$ratio" 2.9
verdict ">= 95% parallel efficiency at 2 ranks (${efficiency}%)" "$efficiency" 95
