#!/usr/bin/env bash
# Usage: pbs.sh <source-dir> <bin-dir>
#
# Every pbs/*.pbs script under PBS, twice, on two hosts h1 and h2 (network namespaces):
#  1. run with bash in the environment a PBS job has: PBS_O_WORKDIR, PBS_JOBID, and a
#     PBS_NODEFILE with one line per slot that the script's "select" asks for (chunks on h1, then
#     h2). mpirun reaches h2 through an rsh agent that enters h2's namespaces, as ssh would log in;
#     the Open MPI settings come from OMPI_MCA_* variables, so the scripts run unchanged;
#  2. submitted with qsub (Debian's slurm-wlm-torque wrapper) to a real two-node Slurm, which
#     reads the #PBS lines; a TaskProlog gives the job the PBS variables, as a site would.
# The answers are checked as in the Slurm tests; the multi-node scripts must have run on both
# hosts. Between the two, the task farm's walltime story under PBS (bash, as in 1): the job's
# processes get SIGTERM mid-run (PBS at the walltime), and the same script submitted again with
# RELAY_FARM_DIR resumes the farm and finishes it, with every task done exactly once. And a hybrid
# mc_pi job (1 rank x 2 threads from ompthreads) runs mc_pi --threads 2 on 2 cores.
# shellcheck source=tests/cluster/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
cl_init "$@"
cl_install slurmctld slurmd slurm-client munge slurm-wlm-torque
cl_hosts_up 2
submit=$CL_WORK/submit
cd "$CL_WORK" || exit 1
demo_tasks=$CL_SOURCE_DIR/apps/task_farm/examples/demo.tasks

# check_job <script> <job id> <ranks>: the answers in the output a PBS script wrote.
check_job() {
  local script=$1 id=$2 ranks=$3 app
  app=${script##*/}
  app=${app%.pbs}
  app=${app%-multinode}
  local out=$submit/$app.$id.out
  cl_check "$script (job $id): wrote $app.$id.out" test -s "$out"
  [[ -s $out ]] || return 0
  # The job says first what it ran on and the exact mpirun line ("job: ..."; pbs/job.sh).
  cl_check "$script (job $id): the output starts with the job's nodes, $ranks ranks, the mpirun line" \
    test "$(head -n 2 "$out" | grep -cE "^job: ($id on [0-9]+ nodes?: [^;]*; $ranks ranks; |mpirun --hostfile )")" = 2
  case $app in
    scatter_gather)
      grep -v '^job: ' "$out" >"$out.app"
      cl_check_scatter_gather "$out.app" "$ranks"
      ;;
    prime_sums) cl_check_prime_sums "$out" "$ranks" ;;
    mc_pi) cl_check_mc_pi "$out" "$ranks" ;;
    mpi_bench) cl_check_mpi_bench "$out" "$ranks" bcast 1024 ;;
    task_farm)
      cl_check_farm_log "$submit/task_farm.$id" "$demo_tasks"
      local want="h1 " hosts
      [[ $script == *-multinode.pbs ]] && want="h1 h2 "
      hosts=$(cl_farm_hosts "$submit/task_farm.$id")
      cl_check "$script (job $id): the farm's ranks ran on ${want% }" test "$hosts" = "$want"
      ;;
  esac
}

# ---- 1. bash with a synthetic PBS environment ---------------------------------------------------
export OMPI_MCA_plm_rsh_agent
OMPI_MCA_plm_rsh_agent=$(cl_rsh_agent)
export OMPI_MCA_btl_tcp_if_include=${CL_NET}0/24 OMPI_MCA_oob_tcp_if_include=${CL_NET}0/24
n=1000
for script in "$CL_SOURCE_DIR"/pbs/*.pbs; do
  name=pbs/${script##*/}
  n=$((n + 1))
  # Two ranks per host for the multi-node scripts: all ranks share this machine's two cores.
  procs=""
  [[ $name == *-multinode.pbs ]] && procs=2
  cl_pbs_nodefile "$script" "$CL_WORK/nodefile.$n" $procs
  ranks=$(wc -l <"$CL_WORK/nodefile.$n")
  vars=(PBS_O_WORKDIR="$submit" PBS_JOBID="$n.pbs" PBS_JOBNAME=test PBS_ENVIRONMENT=PBS_BATCH
    PBS_NODEFILE="$CL_WORK/nodefile.$n")
  [[ $name == pbs/mpi_bench* ]] && vars+=(RELAY_ARGS="${CL_MPI_BENCH_ARGS[*]}")
  cl_log "bash $name: PBS_JOBID=$n.pbs, $ranks ranks on $(sort -u "$CL_WORK/nodefile.$n" | tr '\n' ' ')"
  status=0
  cl_on --timeout 120 h1 env "${vars[@]}" bash "$script" || status=$?
  cl_check "bash $name: exit code 0 (got $status)" test "$status" -eq 0
  check_job "$name" "$n.pbs" "$ranks"
done

# A hybrid mc_pi job, as "qsub -l select=1:ncpus=2:mpiprocs=1:ompthreads=2" gives it: one line in
# the node file, OMP_NUM_THREADS=2 (PBS sets it from ompthreads), so 1 rank x 2 threads.
cl_pbs_nodefile "$CL_SOURCE_DIR/pbs/mc_pi.pbs" "$CL_WORK/nodefile.hybrid" 1
status=0
cl_on --timeout 120 h1 env PBS_O_WORKDIR="$submit" PBS_JOBID=1900.pbs PBS_JOBNAME=test \
  PBS_ENVIRONMENT=PBS_BATCH PBS_NODEFILE="$CL_WORK/nodefile.hybrid" OMP_NUM_THREADS=2 \
  RELAY_ARGS="--samples 1e8" bash "$CL_SOURCE_DIR/pbs/mc_pi.pbs" || status=$?
out=$submit/mc_pi.1900.pbs.out
cl_check "hybrid mc_pi.pbs: exit code 0 (got $status)" test "$status" -eq 0
cl_check "hybrid mc_pi.pbs: mpirun runs mc_pi --threads 2, each rank on 2 cores" \
  grep -qE "^job: mpirun .* -n 1 --map-by slot:PE=2 --bind-to core .*mc_pi --threads 2 --samples 1e8$" "$out"
cl_check "hybrid mc_pi.pbs: on 1 rank x 2 threads" \
  grep -q "^mc_pi: 100000000 samples, seed 1, 1 rank x 2 threads," "$out"
cl_check "hybrid mc_pi.pbs: the hits of 1e8 samples" grep -qE "^hits +78534103$" "$out"

# ---- the walltime story under PBS: killed, submitted again, resumed -----------------------------
# 60 tasks of 0.3 s on 4 ranks: about 5 s of farming, stopped after the first few are logged.
# PBS at the walltime sends SIGTERM to every process in the job's session (setsid gives the job
# script one of its own here), then SIGKILL kill_delay seconds later.
for i in $(seq 1 60); do echo "sleep 0.3; echo \$TASK_ID >>$CL_WORK/completed"; done >"$CL_WORK/walltime.tasks"
cl_pbs_nodefile "$CL_SOURCE_DIR/pbs/task_farm.pbs" "$CL_WORK/nodefile.walltime"
walltime_env=(PBS_O_WORKDIR="$submit" PBS_JOBNAME=task_farm PBS_ENVIRONMENT=PBS_BATCH
  PBS_NODEFILE="$CL_WORK/nodefile.walltime" RELAY_TASKS="$CL_WORK/walltime.tasks")
# No fork on the way to bash (nsenter, unshare, sh, env and setsid exec; setsid needs no fork where
# the caller leads no process group, as a background job here does not): $! is the job script's
# pid, and the id of its session.
cl_on_argv h1
"${CL_ON[@]}" env "${walltime_env[@]}" PBS_JOBID=2001.pbs \
  setsid bash "$CL_SOURCE_DIR/pbs/task_farm.pbs" >"$CL_WORK/job-2001.log" 2>&1 &
session=$!
farm=$submit/task_farm.2001.pbs
logged() { if [[ -f $farm/status.tsv ]]; then echo $(($(wc -l <"$farm/status.tsv") - 1)); else echo 0; fi; }
deadline=$((SECONDS + 60))
until (($(logged) >= 5)) || ((SECONDS > deadline)); do sleep 0.1; done
cl_log "walltime: $(logged) tasks logged; SIGTERM to the job's processes"
pkill -TERM --session "$session" || cl_fail "walltime: the job had already ended"
# PBS's kill_delay: whatever is left of the job's session 10 s later gets SIGKILL.
deadline=$((SECONDS + 10))
while pgrep --session "$session" >/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
if pgrep --session "$session" >/dev/null; then
  cl_fail "walltime: the job outlived kill_delay"
  pkill -KILL --session "$session"
fi
status=0
wait "$session" || status=$?
first=$(logged)
cl_check "walltime: the killed job failed (exit $status) with $first of 60 tasks logged" \
  test "$status" -ne 0 -a "$first" -lt 60
cl_check "walltime: the job waited for the farm, which said how to resume" \
  grep -q -- "--resume $farm" "$submit/task_farm.2001.pbs.out"
cl_check "walltime: the job said how to submit it again" \
  grep -q "qsub -v RELAY_FARM_DIR=task_farm.2001.pbs" "$CL_WORK/job-2001.log"
status=0
cl_on --timeout 120 h1 env "${walltime_env[@]}" PBS_JOBID=2002.pbs RELAY_FARM_DIR="$farm" \
  bash "$CL_SOURCE_DIR/pbs/task_farm.pbs" >"$CL_WORK/job-2002.log" 2>&1 || status=$?
cl_check "walltime: the job submitted again succeeded (exit $status)" test "$status" -eq 0
cl_check "walltime: it resumed the farm" grep -q "job 2002.pbs resumes $farm" "$CL_WORK/job-2002.log"
cl_check_farm_log "$farm" "$CL_WORK/walltime.tasks" interrupted
cl_check "walltime: every task ran to completion exactly once" \
  test "$(sort -n "$CL_WORK/completed" | uniq -c | awk '$1 == 1' | wc -l)/$(wc -l <"$CL_WORK/completed")" = 60/60

# ---- 2. qsub to a real two-node Slurm -----------------------------------------------------------
cl_munge_start
cl_slurm_start 4 "$(cl_pbs_task_prolog)"
unset OMPI_MCA_plm_rsh_agent  # inside a Slurm job, mpirun starts its daemons with srun
cd "$submit" || exit 1
declare -A qjob
for script in "$CL_SOURCE_DIR"/pbs/*.pbs; do
  name=pbs/${script##*/}
  resources=()
  # As for bash above: two ranks per host for the multi-node scripts, asked for on qsub's
  # command line, which overrides the script's "#PBS -l select=...".
  [[ $name == *-multinode.pbs ]] && resources=(-l select=2:ncpus=2:mpiprocs=2)
  vars=()
  [[ $name == pbs/mpi_bench* ]] && vars=(RELAY_ARGS="${CL_MPI_BENCH_ARGS[*]}")
  qjob[$name]=$(cl_client env "${vars[@]}" qsub -V "${resources[@]}" "$name")
  cl_log "qsub ${resources[*]} $name: job ${qjob[$name]}"
done
cl_wait_jobs 240 "${qjob[@]}"
for name in "${!qjob[@]}"; do
  id=${qjob[$name]}
  ranks=4
  cl_check "qsub $name: job $id completed with exit code 0:0 ($(cl_job_state "$id"))" \
    test "$(cl_job_state "$id") $(cl_job_exit "$id")" = "COMPLETED 0:0"
  check_job "$name" "$id" "$ranks"
done
cl_finish
