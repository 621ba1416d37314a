#!/usr/bin/env bash
# Usage: scripts/bench_prime_sums_dr.sh [--big] [--repeat K] [--n "N ..."] [--method M] [--json]
#                                       [-h|--help]
#
# Benchmarks prime_sums --method dr side by side with primecount (Debian package `primecount`,
# needed only here, installed by the script when run as root) in one run, the commands
# interleaved round by round so that both see the same machine:
#   mpirun -n 2 prime_sums N --method dr --json   vs   primecount N -t 2 --time
# for N = 1e14 1e15 1e16, and also 1e17 1e18 with --big. For each N it prints the medians of K
# rounds (--repeat K; default 3 for N <= 1e16 and 1 above) of the wall time of both commands, the
# app's own seconds ("seconds" in its JSON: MPI start-up excluded) and primecount's own
# ("Seconds:"), the ratios ours / primecount (target: <= 2x at 1e16), the parallel efficiency at
# 2 ranks t1 / (2 t2) from the app's own seconds at 1 and 2 ranks (target: >= 90% for N >= 1e15;
# not measured for N > 1e17, where one rank would take too long), and the memory of the tables
# on each rank (from the JSON's memory_bytes; target at 1e18: < 1 GiB). It checks each sum
# against OEIS A046731 where it knows the value (10^10..10^18) and the 1-rank sum against the
# 2-rank one, and exits with 1 on any difference. A markdown table ends the output; with --json
# the human-readable lines go to stderr and one JSON object to stdout.
#
# --method M runs another method in place of dr (e.g. lucy, to check the script itself on small
#   N: --method lucy --n "1e11 1e12"); --n replaces the list of N.
# Builds the release preset first if build/bin/prime_sums is missing.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

big=false
repeat=""
ns=""
method=dr
json=false
args=("$@")  # for the command line in the summary
while (($#)); do
  case $1 in
    --big) big=true ;;
    --repeat) [[ $# -ge 2 ]] || relay_die "--repeat needs a count"; repeat=$2; shift ;;
    --n) [[ $# -ge 2 ]] || relay_die "--n needs a list of N"; ns=$2; shift ;;
    --method) [[ $# -ge 2 ]] || relay_die "--method needs a name"; method=$2; shift ;;
    --json) json=true ;;
    -h | --help) relay_usage; exit 0 ;;
    *) relay_die "unknown option '$1' (see --help)" ;;
  esac
  shift
done
[[ -z $repeat || $repeat =~ ^[1-9][0-9]*$ ]] || relay_die "--repeat must be a positive integer"
if [[ -z $ns ]]; then
  ns="1e14 1e15 1e16"
  if $big; then ns="$ns 1e17 1e18"; fi
fi
read -r -a ns <<<"$ns"

# The human-readable lines: stdout, or stderr under --json (stdout then holds only the JSON).
say() { if $json; then printf '%s\n' "$*" >&2; else printf '%s\n' "$*"; fi; }

cd "$RELAY_ROOT"
# primecount (the command-line program) is a benchmark-only dependency; bc does the arithmetic.
RELAY_EXTRA_PACKAGES="${RELAY_EXTRA_PACKAGES:-} primecount bc" relay_setup >&2
command -v primecount >/dev/null ||
  relay_die "needs the primecount command: install the Debian package primecount (as root: apt-get install primecount)"
command -v bc >/dev/null || relay_die "needs bc: install the Debian package bc"
bin="$(relay_binary_dir release)/bin"
[[ -x "$bin/prime_sums" ]] || bash scripts/build.sh --preset release >&2
relay_export_mpi_env
# Large shared-memory messages through a buffer rather than CMA, which containers often forbid.
export OMPI_MCA_btl_vader_single_copy_mechanism=${OMPI_MCA_btl_vader_single_copy_mechanism:-none}
relay_mpiexec_flags 2
mpi=(mpiexec "${RELAY_MPIEXEC_FLAGS[@]}")

# OEIS A046731: the sum of the primes below 10^k (10^k itself is never prime).
declare -A known=(
  [10000000000]=2220822432581729238
  [100000000000]=201467077743744681014
  [1000000000000]=18435588552550705911377
  [10000000000000]=1699246443377779418889494
  [100000000000000]=157589260710736940541561021
  [1000000000000000]=14692398516908006398225702366
  [10000000000000000]=1376110854313351899159632866552
  # 10^17 and 10^18: A046731's terms as three independent public tables give them (the OEIS page
  # itself could not be reached from here); this app computes the same at 1 and 2 ranks.
  [100000000000000000]=129408626276669278966252031311350
  [1000000000000000000]=12212914292949226570880576733896687
)

# N as plain digits (1e16 -> 10000000000000000) for the table of known sums.
digits() { if [[ $1 =~ ^([0-9]+)e([0-9]+)$ ]]; then printf '%s' "${BASH_REMATCH[1]}$(printf '%0*d' "${BASH_REMATCH[2]}" 0)"; else printf '%s' "$1"; fi; }
# The base-10 exponent of N, rounded down (for the defaults that depend on size).
magnitude() { local d; d=$(digits "$1"); echo $((${#d} - 1)); }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
median() { sort -g "$1" | awk '{ v[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
now() { date +%s.%N; }
calc() { echo "$1" | bc -l; }
# A number for JSON (bc writes .5 for 0.5), or null.
jnum() { if [[ -n $1 ]]; then printf '%.6g' "$1"; else printf 'null'; fi; }
fmt() { if [[ -n $1 ]]; then printf "%.${2:-3}f" "$1"; else printf -- '-'; fi; }
# A percentage, or - when not measured.
pct() { if [[ -n $1 ]]; then printf '%.0f%%' "$1"; else printf -- '-'; fi; }

say "prime_sums --method $method vs primecount: N = ${ns[*]}; $(relay_cores) cores, $(lscpu | sed -n 's/^Model name: *//p')"
say "primecount $(primecount --version 2>/dev/null | head -n 1 | grep -o '[0-9][0-9.]*' | head -n 1); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

failed=false
rows_md=()
rows_json=()
for n in "${ns[@]}"; do
  mag=$(magnitude "$n")
  k=$repeat
  if [[ -z $k ]]; then if ((mag <= 16)); then k=3; else k=1; fi; fi
  one_rank=true
  if ((mag > 17)); then one_rank=false; fi
  d="$work/$n"
  mkdir -p "$d"
  for ((r = 1; r <= k; r++)); do
    # primecount with 2 threads: its own seconds and the wall time of the whole command.
    start=$(now)
    primecount "$n" -t 2 --time >"$d/pc.$r.out" 2>&1 || relay_die "failed: primecount $n -t 2 --time"
    end=$(now)
    calc "$end - $start" >>"$d/pc.wall"
    sed -n 's/^Seconds: *\([0-9.e+-]*\).*/\1/p' "$d/pc.$r.out" | head -n 1 >>"$d/pc.own"
    # Ours at 2 ranks, then (for the efficiency) at 1 rank.
    for p in 2 1; do
      if ((p == 1)) && ! $one_rank; then continue; fi
      start=$(now)
      "${mpi[@]}" -n $p "$bin/prime_sums" "$n" --method "$method" --json >"$d/ours$p.$r.out" \
        2>"$d/ours$p.$r.err" ||
        relay_die "failed: mpiexec -n $p prime_sums $n --method $method --json ($(tail -n 3 "$d/ours$p.$r.err"))"
      end=$(now)
      calc "$end - $start" >>"$d/ours$p.wall"
      sed -n 's/.*"seconds":\([0-9.e+-]*\),"per_rank".*/\1/p' "$d/ours$p.$r.out" | head -n 1 \
        >>"$d/ours$p.app"
      sed -n 's/.*"sum":"\([0-9]*\)".*/\1/p' "$d/ours$p.$r.out" | head -n 1 >>"$d/ours$p.sums"
    done
    say "  $n: round $r of $k done"
  done

  # The sums: every round the same, equal to A046731 where known, 1 rank equal to 2 ranks.
  sum=$(head -n 1 "$d/ours2.sums")
  check="unchecked"
  if [[ $(sort -u "$d/ours2.sums" | wc -l) -ne 1 ]]; then
    check="ROUNDS DIFFER"
  elif [[ -n ${known[$(digits "$n")]:-} ]]; then
    if [[ $sum == "${known[$(digits "$n")]}" ]]; then check="A046731"; else check="WRONG (A046731: ${known[$(digits "$n")]})"; fi
  fi
  if $one_rank && [[ $check != WRONG* && $check != "ROUNDS DIFFER" ]]; then
    if [[ $(sort -u "$d/ours1.sums") == "$sum" ]]; then
      if [[ $check == unchecked ]]; then check="1 rank = 2 ranks"; fi
    else
      check="1 RANK DIFFERS"
    fi
  fi
  [[ $check == A046731 || $check == "1 rank = 2 ranks" || $check == unchecked ]] || failed=true

  pc_wall=$(median "$d/pc.wall")
  pc_own=$(median "$d/pc.own")
  wall2=$(median "$d/ours2.wall")
  app2=$(median "$d/ours2.app")
  app1=""
  eff=""
  if $one_rank; then
    app1=$(median "$d/ours1.app")
    eff=$(calc "100 * $app1 / (2 * $app2)")
  fi
  ratio_wall=$(calc "$wall2 / $pc_wall")
  ratio_own=""
  if [[ -n $pc_own && $(calc "$pc_own > 0") == 1 ]]; then ratio_own=$(calc "$app2 / $pc_own"); fi
  # Memory of the tables on each rank (the last 2-rank run), in MiB.
  mem=$(grep -o '"memory_bytes":[0-9]*' "$d/ours2.$k.out" | cut -d: -f2 | tr '\n' ' ')
  mem_mib=""
  mem_max=0
  for b in $mem; do
    mem_mib="$mem_mib${mem_mib:+ / }$(printf '%.1f' "$(calc "$b / 1048576")")"
    if ((b > mem_max)); then mem_max=$b; fi
  done

  say "N = $n: sum $sum ($check); primecount -t 2 $(fmt "$pc_wall") s wall ($(fmt "$pc_own") s own);" \
    "$method at 2 ranks $(fmt "$wall2") s wall ($(fmt "$app2") s in-app), ratio $(fmt "$ratio_wall" 2)x wall," \
    "$(fmt "$ratio_own" 2)x own; 1 rank $(fmt "$app1") s in-app, efficiency $(pct "$eff");" \
    "memory per rank ${mem_mib:--} MiB"
  rows_md+=("| $n | $sum | $check | $(fmt "$pc_wall") ($(fmt "$pc_own")) | $(fmt "$wall2") ($(fmt "$app2")) | **$(fmt "$ratio_wall" 2)x** ($(fmt "$ratio_own" 2)x) | $(fmt "$app1") | $(pct "$eff") | ${mem_mib:--} |")
  rows_json+=("{\"n\":\"$(digits "$n")\",\"sum\":\"$sum\",\"check\":\"$check\",\"rounds\":$k,\"primecount_wall\":$(jnum "$pc_wall"),\"primecount_seconds\":$(jnum "$pc_own"),\"wall_2ranks\":$(jnum "$wall2"),\"seconds_2ranks\":$(jnum "$app2"),\"ratio_wall\":$(jnum "$ratio_wall"),\"ratio_seconds\":$(jnum "$ratio_own"),\"seconds_1rank\":$(jnum "$app1"),\"efficiency\":$(jnum "${eff:+$(calc "$eff / 100")}"),\"memory_bytes_per_rank\":[$(echo "$mem" | xargs | tr ' ' ',')],\"memory_bytes_max\":$mem_max}")
done

say "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
say ""
say "| N | sum of primes <= N | check | primecount -t 2: wall (own) s | $method, 2 ranks: wall (in-app) s | ratio ours / primecount: wall (own) | 1 rank in-app s | efficiency t1 / (2 t2) | memory per rank (MiB) |"
say "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
for row in "${rows_md[@]}"; do say "$row"; done
say ""
say "Command: bash scripts/bench_prime_sums_dr.sh${args[*]:+ ${args[*]}} (medians of the rounds; wall includes mpirun's start-up)"

if $json; then
  printf '{"method":"%s","ranks":2,"cores":%s,"cpu":"%s","results":[%s]}\n' "$method" \
    "$(relay_cores)" "$(lscpu | sed -n 's/^Model name: *//p' | tr -d "\"\\\\")" \
    "$(IFS=,; echo "${rows_json[*]}")"
fi
if $failed; then
  printf '%s: error: a sum differs (see the check column)\n' "${0##*/}" >&2
  exit 1
fi
