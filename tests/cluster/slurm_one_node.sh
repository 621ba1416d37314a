#!/usr/bin/env bash
# Usage: slurm_one_node.sh <source-dir> <bin-dir>
#
# A real Slurm on one node (slurmctld and slurmd in a network namespace of their own, 4 CPUs):
# every pbs/*.slurm script is submitted with sbatch as a user would, from a directory that holds
# build/bin and apps/ as the repository root does, and each job's output is checked: the lesson's
# scatter_gather output, the seed's prime sums, pi, the task farm's status log (every task done
# exactly once), and a small mpi_bench run; and each output starts with the job's header. A hybrid
# mc_pi job (1 rank x 2 threads: sbatch --cpus-per-task=2) runs mc_pi --threads 2.
# shellcheck source=tests/cluster/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
cl_init "$@"
cl_install slurmctld slurmd slurm-client munge
cl_hosts_up 1
cl_munge_start
cl_slurm_start 4
submit=$CL_WORK/submit
cd "$submit" || exit 1

declare -A job
for app in scatter_gather prime_sums mc_pi task_farm mpi_bench; do
  args=()
  [[ $app == mpi_bench ]] && args=("${CL_MPI_BENCH_ARGS[@]}")
  job[$app]=$(cl_client sbatch --parsable "pbs/$app.slurm" "${args[@]}")
  cl_log "submitted pbs/$app.slurm ${args[*]}: job ${job[$app]}"
done
hybrid=$(cl_client sbatch --parsable --ntasks-per-node=1 --cpus-per-task=2 pbs/mc_pi.slurm --samples 1e8)
cl_log "submitted sbatch --ntasks-per-node=1 --cpus-per-task=2 pbs/mc_pi.slurm --samples 1e8: job $hybrid"
cl_wait_jobs 240 "${job[@]}" "$hybrid"

for app in scatter_gather prime_sums mc_pi task_farm mpi_bench; do
  id=${job[$app]}
  out=$submit/$app.$id.out
  cl_check "$app: job $id completed with exit code 0:0 ($(cl_job_state "$id"))" \
    test "$(cl_job_state "$id") $(cl_job_exit "$id")" = "COMPLETED 0:0"
  cl_check "$app: its output is $app.$id.out" test -s "$out"
  # The job says first what it ran on and the exact launch line ("job: ..."; pbs/job.sh).
  cl_check "$app: its output starts with the job's node, 4 ranks and the launch line" \
    test "$(head -n 2 "$out" | grep -cE "^job: ($id on 1 node: [^;]*; 4 ranks; |(srun|mpirun) )")" = 2
done
# The app's own output, without the job's header, is the lesson's.
grep -v '^job: ' "$submit/scatter_gather.${job[scatter_gather]}.out" >"$CL_WORK/scatter_gather.out"
cl_check_scatter_gather "$CL_WORK/scatter_gather.out" 4
cl_check_prime_sums "$submit/prime_sums.${job[prime_sums]}.out" 4
cl_check_mc_pi "$submit/mc_pi.${job[mc_pi]}.out" 4
out=$submit/mc_pi.$hybrid.out
cl_check "mc_pi hybrid: job $hybrid completed with exit code 0:0 ($(cl_job_state "$hybrid"))" \
  test "$(cl_job_state "$hybrid") $(cl_job_exit "$hybrid")" = "COMPLETED 0:0"
cl_check "mc_pi hybrid: srun gets --cpus-per-task=2 and mc_pi --threads 2" \
  grep -qE "^job: srun .*--cpus-per-task=2 .*mc_pi --threads 2 --samples 1e8$" "$out"
cl_check "mc_pi hybrid: OMP_NUM_THREADS=2 in the header" grep -q "^job: .*; OMP_NUM_THREADS=2$" "$out"
# 1e8 samples of seed 1: the hits of any ranks x threads (mc_pi's own tests pin them).
cl_check "mc_pi hybrid: on 1 rank x 2 threads" \
  grep -q "^mc_pi: 100000000 samples, seed 1, 1 rank x 2 threads," "$out"
cl_check "mc_pi hybrid: the hits of 1e8 samples" grep -qE "^hits +78534103$" "$out"
cl_check_mpi_bench "$submit/mpi_bench.${job[mpi_bench]}.out" 4 bcast 1024
cl_check_farm_log "$submit/task_farm.${job[task_farm]}" "$CL_SOURCE_DIR/apps/task_farm/examples/demo.tasks"
cl_check "task_farm: the summary says all succeeded" \
  grep -q "^task_farm: 8 tasks: 8 succeeded, 0 failed" "$submit/task_farm.${job[task_farm]}.out"
cl_log "task_farm ran on: $(cl_farm_hosts "$submit/task_farm.${job[task_farm]}")"
cl_finish
