#!/usr/bin/env bash
# Usage: scripts/scaling_study.sh [OPTIONS]
#
# Strong and weak scaling of the apps, measured at 1..P ranks through scripts/run, with CSV
# tables and PNG plots (gnuplot):
#   strong  the same problem at every rank count: prime_sums N --method sieve, mc_pi --samples N,
#           and task_farm on a generated file of CPU-bound tasks (an awk loop, no sleeping)
#   weak    mc_pi with a fixed number of samples per rank
#   hybrid  mc_pi --samples N as ranks x threads (mc_pi --threads): 1x1, 2x1 and 1x2 (and 4x1,
#           2x2 and 1x4 when P >= 4), i.e. processes against threads on the same cores
# Each point is run --reps times, the rank counts interleaved within each repetition (so a change
# in the machine's load hits every rank count alike), and the median is kept. The time is the
# app's own (--json "seconds": from after MPI start-up to the result); wall time, mpiexec's
# start-up included, and the CPU time of the whole job (every rank and mpiexec) are recorded
# beside it: on a shared machine, a job whose CPU time stays put while its time does not scale
# waited for cores that other work held. The answers are checked: prime sums, mc_pi's hits
# (the same at any rank count) and the farm's task outputs must be identical across rank counts
# and repetitions, or the script fails.
#
#   --max-ranks P        largest rank count (default: one per slot: Slurm tasks, hostfile or
#                        PBS node file slots, or this machine's physical cores)
#   --ranks LIST         rank counts, comma-separated (default 1..P, or powers of two and P when
#                        P > 8); 1 is always added, as the baseline
#   --reps R             runs per point (default 3)
#   --out DIR            output directory (default out/scaling in the repository)
#   --prime-n N          prime_sums N (default 1e10)
#   --samples N          mc_pi samples, strong scaling (default 4e9)
#   --samples-per-rank N mc_pi samples per rank, weak scaling (default 2e9)
#   --tasks N            task_farm tasks (default 200)
#   --task-work N        loop iterations of each task (default 3e5: about 30 ms on a 2020s core)
#   --studies LIST       strong, weak, hybrid (default strong,weak,hybrid)
#   --hybrid LIST        the hybrid study's ranks x threads, e.g. 1x1,2x1,1x2 (default above; 1x1
#                        is always added, as the baseline)
#   --apps LIST          apps of the strong study (default prime_sums,mc_pi,task_farm)
#   --run-timeout S      seconds before one run is stopped as hung (default 600)
#   --no-plots           only the CSV files
#   --hostfile FILE      passed to scripts/run
#   --launcher CMD       passed to scripts/run (default mpiexec)
#   --bin-dir DIR        where the apps are (default: build/bin, built first if missing)
#   -h, --help           this text
#
# Writes to DIR: raw.csv (one row per run: study,app,ranks,threads,rep,work,seconds,wall_seconds,
# cpu_seconds,answer; threads is 1 outside the hybrid study),
# summary.csv (one row per study, app, rank and thread count: medians, speedup and efficiency
# against 1 rank x 1 thread; strong: speedup T1/Tp, efficiency T1/(p Tp); weak: scaled speedup
# p T1/Tp, efficiency T1/Tp; hybrid: speedup T1/T, efficiency T1/(ranks threads T)), study.txt
# (machine, date, command, load), and with gnuplot strong_time.png, strong_speedup.png,
# strong_efficiency.png, weak_mc_pi.png, hybrid_mc_pi.png, scaling.png (all in one) and
# plots.gp (the script that drew them, data included). gnuplot comes from the Debian package
# gnuplot-nox, installed through scripts/setup.sh if missing (RELAY_SKIP_SETUP=1 skips that;
# without gnuplot the plots are left out, with a warning).
#
# The defaults take 2-4 minutes on 2 cores (the hybrid study about 45 s of it). On a bigger node
# give bigger problems (e.g. --prime-n 1e11 --samples 4e10 --tasks 2000), or the runs at many
# ranks measure start-up.
# Bad usage prints one line and exits with code 2; a failed run or a wrong answer, code 1.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/lib.sh"

usage_error() {
  printf '%s: error: %s\n' "${0##*/}" "$*" >&2
  exit 2
}
need_value() { [[ $2 -ge 2 ]] || usage_error "$1 needs a value (see --help)"; }

max_ranks=""
rank_list=""
reps=3
out_dir="$RELAY_ROOT/out/scaling"
prime_n=1e10
samples=4e9
samples_per_rank=2e9
tasks=200
task_work=3e5
studies=strong,weak,hybrid
hybrid_list=""
apps=prime_sums,mc_pi,task_farm
run_timeout=600
plots=true
hostfile=""
launcher=${RELAY_MPIEXEC:-mpiexec}
bin_dir=""
command_line="$0 $*"
while (($#)); do
  opt=$1
  value=""
  if [[ $opt == --*=* ]]; then
    value=${opt#*=}
    opt=${opt%%=*}
  fi
  case $opt in
    -h | --help) relay_usage; exit 0 ;;
    --no-plots) plots=false; shift; continue ;;
    --max-ranks | --ranks | --reps | --out | --prime-n | --samples | --samples-per-rank | --tasks | \
      --task-work | --studies | --hybrid | --apps | --run-timeout | --hostfile | --launcher | --bin-dir)
      if [[ $1 != --*=* ]]; then
        need_value "$1" $#
        value=$2
        shift
      fi
      ;;
    *) usage_error "unknown option '$1' (see --help)" ;;
  esac
  shift
  case $opt in
    --max-ranks) max_ranks=$value ;;
    --ranks) rank_list=$value ;;
    --reps) reps=$value ;;
    --out) out_dir=$value ;;
    --prime-n) prime_n=$value ;;
    --samples) samples=$value ;;
    --samples-per-rank) samples_per_rank=$value ;;
    --tasks) tasks=$value ;;
    --task-work) task_work=$value ;;
    --studies) studies=$value ;;
    --hybrid) hybrid_list=$value ;;
    --apps) apps=$value ;;
    --run-timeout) run_timeout=$value ;;
    --hostfile) hostfile=$value ;;
    --launcher) launcher=$value ;;
    --bin-dir) bin_dir=$value ;;
  esac
done

# A count given as digits or in e-notation (4e9), as the apps take it; prints it in digits.
count() {
  local name=$1 value=$2
  [[ $value =~ ^[0-9]+(\.[0-9]+)?([eE]\+?[0-9]+)?$ ]] || usage_error "$name must be a positive number (got '$value')"
  awk -v v="$value" 'BEGIN { if (v < 1 || v > 2^62 || v != int(v)) exit 1; printf "%.0f\n", v }' ||
    usage_error "$name must be a whole number from 1 to 2^62 (got '$value')"
}
positive_int() {
  [[ $2 =~ ^[1-9][0-9]{0,6}$ ]] || usage_error "$1 must be a positive integer (got '$2')"
}
positive_int --reps "$reps"
positive_int --run-timeout "$run_timeout"
prime_n=$(count --prime-n "$prime_n")
samples=$(count --samples "$samples")
samples_per_rank=$(count --samples-per-rank "$samples_per_rank")
tasks=$(count --tasks "$tasks")
task_work=$(count --task-work "$task_work")
((tasks <= 1000000)) || usage_error "--tasks must be at most 1000000 (got '$tasks')"

do_strong=false do_weak=false do_hybrid=false
IFS=, read -r -a study_list <<<"$studies"
for s in "${study_list[@]}"; do
  case $s in
    strong) do_strong=true ;;
    weak) do_weak=true ;;
    hybrid) do_hybrid=true ;;
    *) usage_error "--studies takes strong, weak and hybrid (got '$s')" ;;
  esac
done
$do_strong || $do_weak || $do_hybrid || usage_error "--studies names no study"
if [[ -n $hybrid_list ]]; then
  [[ $hybrid_list =~ ^[1-9][0-9]{0,5}x[1-9][0-9]{0,3}(,[1-9][0-9]{0,5}x[1-9][0-9]{0,3})*$ ]] ||
    usage_error "--hybrid must be comma-separated RANKSxTHREADS, e.g. 1x1,2x1,1x2 (got '$hybrid_list')"
fi
IFS=, read -r -a strong_apps <<<"$apps"
for a in "${strong_apps[@]}"; do
  [[ $a == prime_sums || $a == mc_pi || $a == task_farm ]] ||
    usage_error "--apps takes prime_sums, mc_pi and task_farm (got '$a')"
done
if $do_strong && ((${#strong_apps[@]} == 0)); then usage_error "--apps names no app"; fi

if [[ -n $hostfile ]]; then
  [[ -f $hostfile && -r $hostfile ]] || usage_error "hostfile '$hostfile' does not exist or cannot be read"
  hostfile="$(readlink -f -- "$hostfile")"
fi
if [[ -n $max_ranks ]]; then
  positive_int --max-ranks "$max_ranks"
else
  max_ranks="$(relay_slots "${hostfile:-${PBS_NODEFILE:-}}")"
  ((max_ranks > 0)) || usage_error "the hostfile names no host"
fi

# The rank counts: 1 first (the baseline), then ascending, no repeats.
if [[ -n $rank_list ]]; then
  [[ $rank_list =~ ^[0-9,]+$ ]] || usage_error "--ranks must be comma-separated positive integers (got '$rank_list')"
  IFS=, read -r -a wanted <<<"$rank_list"
  for p in "${wanted[@]}"; do positive_int "--ranks entry" "$p"; done
elif ((max_ranks <= 8)); then
  mapfile -t wanted < <(seq 1 "$max_ranks")
else
  wanted=("$max_ranks")
  for ((p = 1; p < max_ranks; p *= 2)); do wanted+=("$p"); done
fi
mapfile -t ranks_list < <(printf '%s\n' 1 "${wanted[@]}" | sort -nu)
# The hybrid study's ranks x threads: 1x1 first (the baseline), then by ranks and threads.
if [[ -z $hybrid_list ]]; then
  hybrid_list=1x1
  ((max_ranks >= 2)) && hybrid_list+=,2x1,1x2
  ((max_ranks >= 4)) && hybrid_list+=,4x1,2x2,1x4
fi
mapfile -t hybrid_units < <(tr ',' '\n' <<<"1x1,$hybrid_list" | sort -t x -k1,1n -k2,2n -u)

cd "$RELAY_ROOT"
if [[ -z $bin_dir ]]; then
  bin_dir="$RELAY_ROOT/build/bin"
  need=()
  if $do_strong; then need+=("${strong_apps[@]}"); fi
  if $do_weak || $do_hybrid; then need+=(mc_pi); fi
  for a in "${need[@]}"; do
    if [[ ! -x $bin_dir/$a ]]; then
      relay_log "$bin_dir/$a is missing: building"
      bash scripts/build.sh >/dev/null
      break
    fi
  done
fi
bin_dir="$(readlink -f -- "$bin_dir")" || usage_error "--bin-dir: no such directory"
if $plots; then
  if ! command -v gnuplot >/dev/null; then
    RELAY_EXTRA_PACKAGES="gnuplot-nox ${RELAY_EXTRA_PACKAGES:-}" relay_setup ||
      relay_log "warning: could not install gnuplot-nox"
  fi
  if ! command -v gnuplot >/dev/null; then
    relay_log "warning: no gnuplot, so no plots (install gnuplot-nox, or pass --no-plots)"
    plots=false
  fi
fi
command -v timeout >/dev/null || relay_die "the 'timeout' command (coreutils) is needed"

mkdir -p "$out_dir"
out_dir="$(readlink -f -- "$out_dir")"
work="$(mktemp -d "${TMPDIR:-/tmp}/relay-scaling.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export OMPI_MCA_btl_vader_single_copy_mechanism=${OMPI_MCA_btl_vader_single_copy_mechanism:-none}

run_args=(--bin-dir "$bin_dir" --launcher "$launcher")
if [[ -n $hostfile ]]; then run_args+=(--hostfile "$hostfile"); fi

# The task file: CPU-bound loops whose result depends on the task's number, so the farm's
# outputs check that every task ran once and correctly.
for ((i = 1; i <= tasks; i++)); do
  printf "awk -v id=%d -v n=%s 'BEGIN { s = id; for (i = 0; i < n; i++) s = (s * 31 + i) %% 1000003; print id, s }'\n" \
    "$i" "$task_work"
done >"$work/tasks.txt"

# CPU seconds (user + system) of this shell's waited-for children so far, from the output of
# `times` in file $1 (run in this shell: a subshell would count its own children). A job's
# mpiexec and ranks are counted once the job ends.
children_cpu() {
  awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, f, "m"); sum += f[1] * 60 + f[2] } }
       END { printf "%.3f\n", sum }' "$1"
}

# The first occurrence of a JSON field (the top-level one in the apps' output), without quotes.
json_field() { grep -o "\"$1\":\"\\?[^,}\"]*" | head -n 1 | sed -E "s/^\"$1\":\"?//"; }

# run_app STUDY APP RANKS REP WORK [THREADS]: one run; appends a row to raw.csv.
runs=0
run_app() {
  local study=$1 app=$2 p=$3 rep=$4 work_size=$5 threads=${6:-1} args=() t0 t1 c0 c1 code=0 json
  local seconds answer wall
  local launch=("${run_args[@]}")
  # The hybrid study's runs are left unbound, so that a rank's threads may use other cores (Open
  # MPI binds each rank to one core when there are at most 2 ranks). Other MPIs bind nothing.
  if [[ $study == hybrid ]] && relay_is_openmpi "$launcher"; then launch+=(--mpi-arg=--bind-to --mpi-arg=none); fi
  case $app in
    prime_sums) args=("$work_size" --method sieve --json) ;;
    mc_pi) args=(--samples "$work_size" --json) ;;&
    mc_pi) if ((threads > 1)); then args+=(--threads "$threads"); fi ;;
    task_farm) args=("$work/tasks.txt" -o "$work/farm.$runs" --json) ;;
  esac
  runs=$((runs + 1))
  times >"$work/times0"
  t0=$(date +%s.%N)
  timeout --foreground -k 10 "$run_timeout" "$RELAY_ROOT/scripts/run" "${launch[@]}" -n "$p" \
    "$app" "${args[@]}" </dev/null >"$work/out" 2>"$work/err" || code=$?
  t1=$(date +%s.%N)
  times >"$work/times1"
  c0=$(children_cpu "$work/times0")
  c1=$(children_cpu "$work/times1")
  if ((code != 0)); then
    tail -n 20 "$work/err" >&2
    if ((code == 124)); then relay_die "$app at $p ranks took more than $run_timeout s (--run-timeout)"; fi
    relay_die "$app at $p ranks failed (exit $code): scripts/run -n $p $app ${args[*]}"
  fi
  json="$(grep '^{' "$work/out" | tail -n 1)" || relay_die "$app at $p ranks printed no JSON"
  seconds="$(json_field seconds <<<"$json")"
  [[ $seconds =~ ^[0-9.eE+-]+$ ]] || relay_die "$app at $p ranks: no time in its output: $json"
  case $app in
    prime_sums) answer="$(json_field sum <<<"$json")" ;;
    mc_pi) answer="$(json_field hits <<<"$json")" ;;
    task_farm)
      [[ "$(json_field succeeded <<<"$json")" == "$tasks" && "$(json_field failed <<<"$json")" == 0 ]] ||
        relay_die "task_farm at $p ranks: not every task succeeded: $json"
      # Every task's output, in task order: one checksum for the whole farm.
      answer="$(for ((i = 1; i <= tasks; i++)); do cat "$work/farm.$((runs - 1))/task-$i.out"; done |
        cksum | cut -d' ' -f1)"
      rm -rf "$work/farm.$((runs - 1))"
      ;;
  esac
  [[ -n $answer ]] || relay_die "$app at $p ranks: no answer in its output: $json"
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  printf '%s,%s,%s,%s,%s,%s,%s,%s,%.3f,%s\n' "$study" "$app" "$p" "$threads" "$rep" "$work_size" \
    "$seconds" "$wall" "$(awk -v a="$c0" -v b="$c1" 'BEGIN { print b - a }')" "$answer" \
    >>"$out_dir/raw.csv"
  printf '  %-6s %-10s %3d ranks x %-2d rep %d  %8.3f s (wall %s s)  answer %s\n' \
    "$study" "$app" "$p" "$threads" "$rep" "$seconds" "$wall" "$answer"
}

load() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown; }
{
  echo "command: $command_line"
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "host: $(hostname) ($(lscpu 2>/dev/null | sed -nE 's/^Model name: *//p' | head -n 1))"
  echo "cores: $(relay_physical_cores) physical, $(relay_cores) logical; ranks: ${ranks_list[*]}; hybrid ranks x threads: ${hybrid_units[*]}"
  echo "mpi: $("$launcher" --version 2>&1 | head -n 1)"
  echo "sizes: prime_sums $prime_n --method sieve; mc_pi strong $samples, weak $samples_per_rank per rank; task_farm $tasks tasks of $task_work iterations"
  echo "load average before: $(load)"
} >"$out_dir/study.txt"
echo "study,app,ranks,threads,rep,work,seconds,wall_seconds,cpu_seconds,answer" >"$out_dir/raw.csv"

relay_log "ranks ${ranks_list[*]}, $reps repetitions, results in $out_dir"
for ((rep = 1; rep <= reps; rep++)); do
  if $do_strong; then
    for app in "${strong_apps[@]}"; do
      case $app in
        prime_sums) size=$prime_n ;;
        mc_pi) size=$samples ;;
        task_farm) size=$tasks ;;
      esac
      for p in "${ranks_list[@]}"; do run_app strong "$app" "$p" "$rep" "$size"; done
    done
  fi
  if $do_weak; then
    for p in "${ranks_list[@]}"; do run_app weak mc_pi "$p" "$rep" $((samples_per_rank * p)); done
  fi
  if $do_hybrid; then
    for u in "${hybrid_units[@]}"; do run_app hybrid mc_pi "${u%x*}" "$rep" "$samples" "${u#*x}"; done
  fi
done
echo "load average after: $(load)" >>"$out_dir/study.txt"

# The answers: one per app and problem size (mc_pi's hits are the same in the strong and the
# hybrid study, at any ranks x threads), one per weak-scaling rank count (the problem grows).
bad="$(awk -F, 'NR > 1 { key = ($1 == "weak") ? $1 "," $2 "," $3 : $2 "," $6
                        if (key in seen && seen[key] != $10) print key ": " seen[key] " vs " $10
                        seen[key] = $10 }' "$out_dir/raw.csv")"
[[ -z $bad ]] || relay_die "the answers differ between runs (see $out_dir/raw.csv): $bad"
relay_log "answers identical across rank (and thread) counts and repetitions"

# Medians, speedup and efficiency against the 1-rank (1-thread) median.
sort -t, -k1,1 -k2,2 -k3,3n -k4,4n -k7,7g <(tail -n +2 "$out_dir/raw.csv") | awk -F, '
  function median(v,   i, j, x) {  # of v[1..n], sorted in place
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { x = v[i]; v[i] = v[j]; v[j] = x }
    return (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }
  function flush() {
    if (n == 0) return
    m = (n % 2) ? t[(n + 1) / 2] : (t[n / 2] + t[n / 2 + 1]) / 2
    mw = median(w); mc = median(c)
    if (p == 1 && th == 1) base = m
    if (study == "weak") { speedup = p * base / m; eff = base / m }
    else { speedup = base / m; eff = speedup / (p * th) }
    printf "%s,%s,%d,%d,%s,%d,%.4f,%.4f,%.4f,%.4f,%.4f,%.3f,%.3f\n", study, app, p, th, size, n, m, t[1], t[n], mw, mc, speedup, eff
    n = 0
  }
  { if ($1 != study || $2 != app || $3 != p || $4 != th) { flush(); study = $1; app = $2; p = $3; th = $4; size = $6 }
    n++; t[n] = $7; w[n] = $8; c[n] = $9 }
  END { flush() }' >"$work/summary"
{
  echo "study,app,ranks,threads,work,reps,median_seconds,min_seconds,max_seconds,median_wall_seconds,median_cpu_seconds,speedup,efficiency"
  # strong first, apps in the order they ran
  for app in "${strong_apps[@]}"; do grep "^strong,$app," "$work/summary" || true; done
  grep '^weak,' "$work/summary" || true
  grep '^hybrid,' "$work/summary" || true
} >"$out_dir/summary.csv"

echo
column -t -s, "$out_dir/summary.csv" 2>/dev/null || cat "$out_dir/summary.csv"
echo

if $plots; then
  gp="$out_dir/plots.gp"
  # A tick at each rank count measured; past 16 ranks, log2 axes for ranks, time and speedup.
  last=${ranks_list[-1]}
  tics="$(IFS=,; echo "${ranks_list[*]}")"
  if ((last > 16)); then
    xaxis="set logscale x 2; set xrange [0.8:$((last * 5 / 4))]; set xtics ($tics)"
    time_y="set logscale y 10; set yrange [*:*]"
    speedup_y="set logscale y 2; set yrange [*:*]"
  else
    xaxis="set xrange [0.8:$last.2]; set xtics ($tics)"
    time_y="unset logscale y; set yrange [0:*]"
    speedup_y="unset logscale y; set yrange [0:*]"
  fi
  eff_y="unset logscale y; set yrange [0:110<*]"
  if gnuplot -e 'set terminal pngcairo' 2>/dev/null; then
    term="pngcairo noenhanced font 'sans,10'"
  else
    term="png noenhanced"
  fi
  {
    echo "# Drawn by scripts/scaling_study.sh from summary.csv; run again with: gnuplot plots.gp"
    echo "set datafile separator ','"
    # One datablock per series: ranks, median seconds, speedup, efficiency (%).
    series=()
    while IFS=, read -r study app; do
      name="${study}_$app"
      series+=("$name")
      echo "\$$name << EOD"
      # ranks (or, in the hybrid study, "RxT" for the tick label), median s, speedup, efficiency %
      awk -F, -v s="$study" -v a="$app" '$1 == s && $2 == a {
          printf "%s,%s,%s,%.1f\n", (s == "hybrid") ? $3 "x" $4 : $3, $7, $12, 100 * $13 }' \
        "$out_dir/summary.csv"
      echo "EOD"
    done < <(tail -n +2 "$out_dir/summary.csv" | cut -d, -f1,2 | awk '!seen[$0]++')
    cat <<EOF
$xaxis
set grid
set key box opaque
set xlabel 'ranks'
set pointsize 1.2
EOF
    strong=()
    for name in "${series[@]}"; do [[ $name == strong_* ]] && strong+=("$name"); done
    # The same colour and point for an app on every plot.
    style() {
      case $1 in
        prime_sums) echo "lc rgb '#1f77b4' pt 7" ;;
        mc_pi) echo "lc rgb '#d62728' pt 5" ;;
        task_farm) echo "lc rgb '#2ca02c' pt 9" ;;
      esac
    }
    plot_strong() {  # column $1 of every app's series
      local first=true name
      for name in "${strong[@]}"; do
        $first || printf ', '
        printf "\$%s using 1:%s with linespoints lw 2 %s title '%s'" "$name" "$1" "$(style "${name#strong_}")" "${name#strong_}"
        first=false
      done
    }
    strong_time="set title 'Strong scaling: time'; set key top right; set ylabel 'seconds (median of $reps)'; $time_y; plot $(plot_strong 2)"
    strong_speedup="set title 'Strong scaling: speedup'; set key top left; set ylabel 'speedup T1 / Tp'; $speedup_y; plot x with lines dt 2 lc 'gray40' title 'ideal', $(plot_strong 3)"
    strong_eff="set title 'Strong scaling: efficiency'; set key bottom left; set ylabel 'efficiency T1 / (p Tp), %'; $eff_y; plot 100 with lines dt 2 lc 'gray40' title 'ideal', $(plot_strong 4)"
    weak_time="set title 'Weak scaling of mc_pi: time ($samples_per_rank samples per rank)'; set key bottom right; set ylabel 'seconds (median of $reps)'; $time_y; plot WEAK_T1 with lines dt 2 lc 'gray40' title 'ideal (T1)', \$weak_mc_pi using 1:2 with linespoints lw 2 $(style mc_pi) title 'mc_pi'"
    weak_eff="set title 'Weak scaling of mc_pi: efficiency'; set key bottom left; set ylabel 'efficiency T1 / Tp, %'; $eff_y; plot 100 with lines dt 2 lc 'gray40' title 'ideal', \$weak_mc_pi using 1:4 with linespoints lw 2 $(style mc_pi) title 'mc_pi'"
    # The hybrid study: one bar per ranks x threads (the tick labels come from the data), then the
    # rank axis back for the plots that follow.
    hybrid_axes="unset logscale x; set xrange [-0.6:${#hybrid_units[@]}-0.4]; set xtics (); set xlabel 'ranks x threads'; set style fill solid 0.5 border; set boxwidth 0.6"
    rank_axes="$xaxis; set xlabel 'ranks'"
    hybrid_time="$hybrid_axes; set title 'mc_pi --samples $samples: ranks x threads, time'; set key top right; set ylabel 'seconds (median of $reps)'; unset logscale y; set yrange [0:*]; plot \$hybrid_mc_pi using 0:2:xtic(1) with boxes lc rgb '#d62728' title 'mc_pi', '' using 0:2:(sprintf('%.2f', \$2)) with labels offset 0,0.8 notitle; $rank_axes"
    hybrid_eff="$hybrid_axes; set title 'mc_pi: ranks x threads, efficiency'; set key bottom left; set ylabel 'efficiency T1 / (ranks threads T), %'; $eff_y; plot 100 with lines dt 2 lc 'gray40' title 'ideal', \$hybrid_mc_pi using 0:4:xtic(1) with boxes lc rgb '#d62728' title 'mc_pi', '' using 0:4:(sprintf('%.0f%%', \$4)) with labels offset 0,0.8 notitle; $rank_axes"
    if $do_weak; then
      echo "stats \$weak_mc_pi using 2 every ::0::0 nooutput"
      echo "WEAK_T1 = STATS_min"
    fi
    if $do_strong; then
      echo "set terminal $term size 800,560"
      echo "set output 'strong_time.png'"
      echo "$strong_time"
      echo "set output 'strong_speedup.png'"
      echo "$strong_speedup"
      echo "set output 'strong_efficiency.png'"
      echo "$strong_eff"
    fi
    if $do_weak; then
      echo "set terminal $term size 1200,480"
      echo "set output 'weak_mc_pi.png'"
      echo "set multiplot layout 1,2"
      echo "$weak_time"
      echo "$weak_eff"
      echo "unset multiplot"
    fi
    if $do_hybrid; then
      echo "set terminal $term size 1200,480"
      echo "set output 'hybrid_mc_pi.png'"
      echo "set multiplot layout 1,2"
      echo "$hybrid_time"
      echo "$hybrid_eff"
      echo "unset multiplot"
    fi
    # All in one, for the README: four panels, six with the hybrid study.
    if $do_strong && $do_weak; then
      title="relay scaling study: $(date -u +%Y-%m-%d), ranks ${ranks_list[*]}, median of $reps runs"
      if $do_hybrid; then
        echo "set terminal $term size 1800,900"
        echo "set output 'scaling.png'"
        echo "set multiplot layout 2,3 title '$title; ranks x threads ${hybrid_units[*]}'"
      else
        echo "set terminal $term size 1200,900"
        echo "set output 'scaling.png'"
        echo "set multiplot layout 2,2 title '$title'"
      fi
      echo "$strong_time"
      echo "$strong_speedup"
      echo "$strong_eff"
      echo "$weak_eff"
      if $do_hybrid; then
        echo "$hybrid_time"
        echo "$hybrid_eff"
      fi
      echo "unset multiplot"
    fi
    echo "set output"
  } >"$gp"
  (cd "$out_dir" && timeout 60 gnuplot plots.gp) || relay_die "gnuplot failed on $gp"
  relay_log "plots: $(cd "$out_dir" && echo ./*.png)"
fi
relay_log "done: $out_dir/summary.csv ($runs runs)"
