#!/usr/bin/env bash
# Usage: scripts/bench_prime_sums.sh [--runs K] [--n N] [-h|--help]
#
# Benchmarks prime_sums side by side with primesieve (Debian package `primesieve`, needed only
# here) in one run, the commands interleaved round by round so that both see the same machine,
# and prints the median wall time of each (K runs, default 5) and the ratios the issue asks for:
#   sieve   mpirun -n 2 prime_sums N --method sieve   vs  primesieve N --count -t 2   (<= 1.5x)
#           again with Open MPI on shared memory only (OMPI_MCA_pml=ob1, btl=self,vader), and
#           on 1 rank against 1 thread
#   scaling the sieve's parallel efficiency at 2 ranks, t1 / (2 t2), from the app's own timing
#           (its "seconds": MPI start-up excluded) and from wall time                 (>= 90%)
#   lucy    1e12 and 1e13 on one rank                                       (< 1 s and < 10 s)
#   trial   the seed's N = 100000 200000 300000 on 2 ranks, each decomposition, against the
#           seed's Python (concurrent.futures, 2 processes) when python3 is there
#   mpirun  start-up alone (MPI_Init + MPI_Finalize of a program that does nothing else)
# N defaults to 1e10. Builds the release preset first if build/bin/prime_sums is missing.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

runs=5
n=1e10
while (($#)); do
  case $1 in
    --runs) runs=$2; shift ;;
    --n) n=$2; shift ;;
    -h | --help) relay_usage; exit 0 ;;
    *) relay_die "unknown option '$1' (see --help)" ;;
  esac
  shift
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || relay_die "--runs must be a positive integer"

cd "$RELAY_ROOT"
# primesieve (the command-line program) is a benchmark-only dependency; bc does the arithmetic.
RELAY_EXTRA_PACKAGES="${RELAY_EXTRA_PACKAGES:-} primesieve bc" relay_setup
bin="$(relay_binary_dir release)/bin"
[[ -x "$bin/prime_sums" ]] || bash scripts/build.sh --preset release >/dev/null
relay_export_mpi_env
# Large shared-memory messages through a buffer rather than CMA, which containers often forbid.
export OMPI_MCA_btl_vader_single_copy_mechanism=${OMPI_MCA_btl_vader_single_copy_mechanism:-none}
relay_mpiexec_flags 2
mpi=(mpiexec "${RELAY_MPIEXEC_FLAGS[@]}")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A program that only starts and stops MPI, to measure mpirun's own start-up.
cat >"$work/init.c" <<'EOF'
#include <mpi.h>
int main(int argc, char** argv) { MPI_Init(&argc, &argv); MPI_Finalize(); return 0; }
EOF
have_init=false
if mpicc -O2 "$work/init.c" -o "$work/init" 2>/dev/null; then have_init=true; fi

# The seed's Python, verbatim but for the timing and a command-line pool size.
cat >"$work/seed.py" <<'EOF'
import concurrent.futures, sys, time
def is_prime(num):
    if num <= 1:
        return False
    elif num <= 3:
        return True
    elif num%2 == 0 or num%3 == 0:
        return False
    i = 5
    while i*i <= num:
        if num%i == 0 or num%(i+2) == 0:
            return False
        i += 6
    return True
def find_sum(num):
    sum_of_primes = 0
    ix = 2
    while ix <= num:
        if is_prime(ix):
            sum_of_primes += ix
        ix += 1
    return sum_of_primes
if __name__ == '__main__':
    nums = [100000, 200000, 300000]
    with concurrent.futures.ProcessPoolExecutor(max_workers=int(sys.argv[1])) as executor:
        for number, s in zip(nums, executor.map(find_sum, nums)):
            print("{} : Sum = {}".format(number, s))
EOF
have_python=false
if command -v python3 >/dev/null; then have_python=true; fi

# name -> command; each is run once per round, in this order.
declare -A cmd
order=()
add() {
  local name=$1
  shift
  cmd[$name]="$*"
  order+=("$name")
}
add primesieve_t2 primesieve "$n" --count -t 2 -q
add sieve_2ranks "${mpi[@]}" -n 2 "$bin/prime_sums" "$n" --method sieve --json
# The same with Open MPI told to use its shared-memory transport directly (no probing for UCX or
# network interfaces): what a single node's MCA configuration would do; shows mpirun's share.
add sieve_2ranks_shm env OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader OMPI_MCA_osc=^ucx \
  "${mpi[@]}" -n 2 "$bin/prime_sums" "$n" --method sieve --json
add primesieve_t1 primesieve "$n" --count -t 1 -q
add sieve_1rank "${mpi[@]}" -n 1 "$bin/prime_sums" "$n" --method sieve --json
add lucy_1e12 "${mpi[@]}" -n 1 "$bin/prime_sums" 1e12 --method lucy --json
add lucy_1e13 "${mpi[@]}" -n 1 "$bin/prime_sums" 1e13 --method lucy --json
for d in block cyclic dynamic; do
  add "trial_$d" "${mpi[@]}" -n 2 "$bin/prime_sums" 100000 200000 300000 --method trial \
    --decomposition $d --json
done
if $have_python; then add seed_python_2proc python3 "$work/seed.py" 2; fi
if $have_init; then add mpirun_startup "${mpi[@]}" -n 2 "$work/init"; fi

echo "prime_sums benchmark: N = $n, $runs rounds, $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p')"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for ((r = 1; r <= runs; r++)); do
  for name in "${order[@]}"; do
    start=$(date +%s.%N)
    # shellcheck disable=SC2086  # the command lines are word lists
    ${cmd[$name]} >"$work/$name.$r.out" 2>"$work/$name.$r.err" ||
      relay_die "failed: ${cmd[$name]} ($(tail -n 3 "$work/$name.$r.err"))"
    end=$(date +%s.%N)
    echo "$end - $start" | bc -l >>"$work/$name.wall"
    # The app's own time (after MPI start-up), from its JSON "seconds".
    sed -n 's/.*"seconds":\([0-9.e+-]*\),"per_rank".*/\1/p' "$work/$name.$r.out" |
      head -n 1 >>"$work/$name.app"
    # The busiest rank's CPU time: what the run would take on free cores (no waiting for one).
    grep -o '"cpu_seconds":[0-9.e+-]*' "$work/$name.$r.out" | cut -d: -f2 | sort -g | tail -n 1 \
      >>"$work/$name.cpu" || true
  done
  printf '.'
done
echo

median() { sort -g "$1" | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
fmt() { if [[ -n $1 ]]; then printf '%.3f' "$1"; else printf -- '-'; fi; }
declare -A wall app cpu
for name in "${order[@]}"; do
  wall[$name]=$(median "$work/$name.wall")
  if [[ -s $work/$name.cpu ]]; then cpu[$name]=$(median "$work/$name.cpu"); else cpu[$name]=""; fi
  if [[ -s $work/$name.app ]]; then app[$name]=$(median "$work/$name.app"); else app[$name]=""; fi
done

printf '\n%-20s %12s %12s %12s   %s\n' "what" "wall (s)" "in-app (s)" "cpu (s)" "command"
for name in "${order[@]}"; do
  printf '%-20s %12.3f %12s %12s   %s\n' "$name" "${wall[$name]}" "$(fmt "${app[$name]}")" \
    "$(fmt "${cpu[$name]}")" "${cmd[$name]}"
done
ratio() { echo "$1 / $2" | bc -l; }
echo
printf 'sieve vs primesieve, 2 ranks vs 2 threads (wall):   %.2fx  (target <= 1.5x)\n' \
  "$(ratio "${wall[sieve_2ranks]}" "${wall[primesieve_t2]}")"
printf 'the same, Open MPI on shared memory only (wall):     %.2fx\n' \
  "$(ratio "${wall[sieve_2ranks_shm]}" "${wall[primesieve_t2]}")"
printf 'sieve vs primesieve, 1 rank vs 1 thread (wall):     %.2fx\n' \
  "$(ratio "${wall[sieve_1rank]}" "${wall[primesieve_t1]}")"
printf 'sieve parallel efficiency at 2 ranks (in-app time):  %.0f%%  (target >= 90%%)\n' \
  "$(echo "100 * ${app[sieve_1rank]} / (2 * ${app[sieve_2ranks]})" | bc -l)"
printf 'sieve parallel efficiency at 2 ranks (wall time):    %.0f%%\n' \
  "$(echo "100 * ${wall[sieve_1rank]} / (2 * ${wall[sieve_2ranks]})" | bc -l)"
printf 'sieve parallel efficiency at 2 ranks (CPU time of the busiest rank): %.0f%%\n' \
  "$(echo "100 * ${cpu[sieve_1rank]} / (2 * ${cpu[sieve_2ranks]})" | bc -l)"
printf '  (wall-time figures need two free cores; CPU time leaves out waiting for a core, as\n'
printf '   when other jobs share the machine: primesieve 2 threads / 1 thread here: %.2f)\n' \
  "$(ratio "${wall[primesieve_t1]}" "${wall[primesieve_t2]}")"
printf 'lucy 1e12 / 1e13 on one rank (in-app):               %.3f s / %.3f s  (targets < 1 s, < 10 s)\n' \
  "${app[lucy_1e12]}" "${app[lucy_1e13]}"
if $have_python; then
  printf 'trial, seed sizes, 2 ranks (wall) vs the seed'"'"'s Python with 2 processes (%.3f s):\n' \
    "${wall[seed_python_2proc]}"
  for d in block cyclic dynamic; do
    printf '  %-8s %.3f s wall, %.4f s in-app\n' "$d" "${wall[trial_$d]}" "${app[trial_$d]}"
  done
fi
if $have_init; then
  printf 'mpirun start-up alone (2 ranks, MPI_Init + MPI_Finalize): %.3f s\n' "${wall[mpirun_startup]}"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
