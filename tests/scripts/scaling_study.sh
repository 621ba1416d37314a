#!/usr/bin/env bash
# scaling_study.sh CASE BIN_DIR
# Tests of scripts/scaling_study.sh. CASE is one of:
#   tiny          the whole study with tiny sizes at 1 and 2 ranks: the CSV files hold the
#                 expected rows and the plots are PNG files (skipped, code 77, without gnuplot)
#   wrong_answer  an "mc_pi" whose hits change with the rank count (or, in the hybrid study, with
#                 --threads) must fail the study
#   bad_input     bad options: exit code 2, one line on stderr
set -euo pipefail
case_name=$1
bin_dir=$2
here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
study="$here/../../scripts/scaling_study.sh"
work="$(mktemp -d "${TMPDIR:-/tmp}/relay-scaling-test.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export RELAY_SKIP_SETUP=1  # a test installs nothing
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

case $case_name in
  tiny)
    bash "$study" --max-ranks 2 --reps 1 --prime-n 1e7 --samples 1e6 --samples-per-rank 5e5 \
      --tasks 6 --task-work 1e4 --bin-dir "$bin_dir" --out "$work/out"
    out=$work/out
    (($(wc -l <"$out/raw.csv") == 12)) || fail "raw.csv: expected a header and 11 runs: $(cat "$out/raw.csv")"
    head -n 1 "$out/raw.csv" | grep -qx 'study,app,ranks,threads,rep,work,seconds,wall_seconds,cpu_seconds,answer' ||
      fail "raw.csv header: $(head -n 1 "$out/raw.csv")"
    head -n 1 "$out/summary.csv" | grep -qx 'study,app,ranks,threads,work,reps,median_seconds,min_seconds,max_seconds,median_wall_seconds,median_cpu_seconds,speedup,efficiency' ||
      fail "summary.csv header: $(head -n 1 "$out/summary.csv")"
    keys="$(tail -n +2 "$out/summary.csv" | cut -d, -f1-5 | tr '\n' ' ')"
    want="strong,prime_sums,1,1,10000000 strong,prime_sums,2,1,10000000 strong,mc_pi,1,1,1000000 strong,mc_pi,2,1,1000000 strong,task_farm,1,1,6 strong,task_farm,2,1,6 weak,mc_pi,1,1,500000 weak,mc_pi,2,1,1000000 hybrid,mc_pi,1,1,1000000 hybrid,mc_pi,1,2,1000000 hybrid,mc_pi,2,1,1000000 "
    [[ $keys == "$want" ]] || fail "summary.csv rows: got '$keys', want '$want'"
    # The baseline rows (1 rank x 1 thread) have speedup and efficiency 1; every row has a
    # positive time and CPU time; efficiency is speedup over ranks x threads.
    awk -F, 'NR > 1 && ($7 <= 0 || $11 <= 0 || ($3 == 1 && $4 == 1 && ($12 != "1.000" || $13 != "1.000")) ||
                        ($1 != "weak" && ($13 - $12 / ($3 * $4))^2 > 1e-5)) { bad = 1; print }
             END { exit bad }' "$out/summary.csv" || fail "bad values in summary.csv"
    # The known answers, at 2 ranks: mc_pi's hits for 1e6 samples (seed 1) and the sum of the
    # primes up to 1e7 (OEIS A046731); the hybrid runs' hits, at 1 rank x 2 threads, the same.
    grep -q '^strong,mc_pi,2,1,1,1000000,[^,]*,[^,]*,[^,]*,785166$' "$out/raw.csv" ||
      fail "mc_pi hits: $(grep '^strong,mc_pi' "$out/raw.csv")"
    grep -q '^hybrid,mc_pi,1,2,1,1000000,[^,]*,[^,]*,[^,]*,785166$' "$out/raw.csv" ||
      fail "mc_pi hits at 1 rank x 2 threads: $(grep '^hybrid,mc_pi' "$out/raw.csv")"
    grep -q '^strong,prime_sums,2,1,1,10000000,[^,]*,[^,]*,[^,]*,3203324994356$' "$out/raw.csv" ||
      fail "prime sum: $(grep '^strong,prime_sums' "$out/raw.csv")"
    grep -q '^sizes: ' "$out/study.txt" || fail "study.txt: $(cat "$out/study.txt")"
    if ! command -v gnuplot >/dev/null; then
      echo "SKIP: CSV files checked; no gnuplot, so no plots to check"
      exit 77
    fi
    for png in scaling strong_time strong_speedup strong_efficiency weak_mc_pi hybrid_mc_pi; do
      [[ -s $out/$png.png ]] || fail "$png.png was not drawn"
      [[ "$(head -c 8 "$out/$png.png" | od -An -tx1 | tr -d ' \n')" == 89504e470d0a1a0a ]] ||
        fail "$png.png is not a PNG file"
    done
    ;;

  wrong_answer)
    mkdir "$work/bin"
    # Rank 0 prints mc_pi's JSON with a hit count that depends on the rank count.
    cat >"$work/bin/mc_pi" <<'EOF'
#!/bin/sh
[ "${OMPI_COMM_WORLD_RANK:-${PMI_RANK:-0}}" = 0 ] || exit 0
echo "{\"samples\":1000,\"hits\":${OMPI_COMM_WORLD_SIZE:-${PMI_SIZE:-1}}00,\"seconds\":0.01}"
EOF
    chmod +x "$work/bin/mc_pi"
    code=0
    bash "$study" --max-ranks 2 --reps 1 --studies strong --apps mc_pi --samples 1000 --no-plots \
      --bin-dir "$work/bin" --out "$work/out" >"$work/log" 2>&1 || code=$?
    cat "$work/log"
    ((code == 1)) || fail "exit code $code, expected 1"
    grep -q 'answers differ between runs' "$work/log" || fail "no word of the differing answers"
    # The same for an "mc_pi" whose hits change with --threads, in the hybrid study.
    cat >"$work/bin/mc_pi" <<'EOF'
#!/bin/sh
threads=1
while [ $# -gt 0 ]; do [ "$1" = --threads ] && threads=$2; shift; done
echo "{\"samples\":1000,\"hits\":${threads}00,\"seconds\":0.01}"
EOF
    code=0
    bash "$study" --max-ranks 1 --reps 1 --studies hybrid --hybrid 1x2 --samples 1000 --no-plots \
      --bin-dir "$work/bin" --out "$work/out2" >"$work/log" 2>&1 || code=$?
    cat "$work/log"
    ((code == 1)) || fail "hybrid: exit code $code, expected 1"
    grep -q 'answers differ between runs' "$work/log" || fail "hybrid: no word of the differing answers"
    ;;

  bad_input)
    bad=(
      "--max-ranks 0|--max-ranks must be a positive integer (got '0')"
      "--max-ranks abc|--max-ranks must be a positive integer (got 'abc')"
      "--max-ranks|--max-ranks needs a value"
      "--reps 0|--reps must be a positive integer (got '0')"
      "--ranks 1,x|--ranks must be comma-separated positive integers"
      "--samples 2.5|--samples must be a whole number"
      "--samples -3|--samples must be a positive number"
      "--studies strong,bogus|--studies takes strong, weak and hybrid (got 'bogus')"
      "--hybrid 2x0|--hybrid must be comma-separated RANKSxTHREADS"
      "--hybrid 2,1x2|--hybrid must be comma-separated RANKSxTHREADS"
      "--apps mpi_bench|--apps takes prime_sums, mc_pi and task_farm (got 'mpi_bench')"
      "--hostfile $work/missing|hostfile '$work/missing' does not exist"
      "--bogus|unknown option '--bogus'"
    )
    for entry in "${bad[@]}"; do
      read -r -a args <<<"${entry%%|*}"
      message=${entry#*|}
      code=0
      bash "$study" --bin-dir "$bin_dir" --out "$work/out" "${args[@]}" >"$work/out.txt" 2>"$work/err" || code=$?
      echo "${entry%%|*} -> exit $code: $(cat "$work/err")"
      ((code == 2)) || fail "exit code $code, not 2"
      (($(wc -l <"$work/err") == 1)) || fail "expected one line on stderr, got: $(cat "$work/err")"
      grep -qF -- "$message" "$work/err" || fail "stderr does not say '$message'"
      [[ ! -s $work/out.txt ]] || fail "unexpected stdout: $(cat "$work/out.txt")"
      [[ ! -e $work/out ]] || fail "bad input, yet the output directory was created"
    done
    ;;

  *) fail "unknown case '$case_name'" ;;
esac
echo "PASS: $case_name"
