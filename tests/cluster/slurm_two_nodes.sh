#!/usr/bin/env bash
# Usage: slurm_two_nodes.sh <source-dir> <bin-dir>
#
# A real two-node Slurm: hosts h1 and h2 are network namespaces joined by a veth pair, each with
# its own slurmd (and its own host name). Every pbs/*.slurm script is submitted as a multi-node
# job (sbatch --nodes=2 --ntasks-per-node=2: the command line overrides the script's one node),
# and the answers are checked as on one node. The task farm's status log, which records each
# attempt's host as MPI_Get_processor_name gives it, must name both hosts, and so must its
# per-rank summary: the ranks really ran on two hosts.
# shellcheck source=tests/cluster/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
cl_init "$@"
cl_install slurmctld slurmd slurm-client munge
cl_hosts_up 2
cl_munge_start
cl_slurm_start 2
submit=$CL_WORK/submit
cd "$submit" || exit 1

# Open MPI between the hosts: TCP on the test's own network (the ranks of a node share memory).
export OMPI_MCA_btl_tcp_if_include=${CL_NET}0/24 OMPI_MCA_oob_tcp_if_include=${CL_NET}0/24

declare -A job
for app in scatter_gather prime_sums mc_pi task_farm mpi_bench; do
  args=()
  [[ $app == mpi_bench ]] && args=("${CL_MPI_BENCH_ARGS[@]}")
  job[$app]=$(cl_client sbatch --parsable --nodes=2 --ntasks-per-node=2 "pbs/$app.slurm" "${args[@]}")
  cl_log "submitted sbatch --nodes=2 --ntasks-per-node=2 pbs/$app.slurm ${args[*]}: job ${job[$app]}"
done
cl_wait_jobs 240 "${job[@]}"

for app in scatter_gather prime_sums mc_pi task_farm mpi_bench; do
  id=${job[$app]}
  cl_check "$app: job $id completed with exit code 0:0 ($(cl_job_state "$id"))" \
    test "$(cl_job_state "$id") $(cl_job_exit "$id")" = "COMPLETED 0:0"
  cl_check "$app: job $id ran on h[1-2]" \
    test "$(cl_client scontrol show job -o "$id" | grep -o ' NodeList=[^ ]*')" = " NodeList=h[1-2]"
  # The job says first what it ran on and the exact launch line ("job: ..."; pbs/job.sh).
  cl_check "$app: its output starts with the job's 2 nodes, 4 ranks and the launch line" \
    test "$(head -n 2 "$submit/$app.$id.out" |
      grep -cE "^job: ($id on 2 nodes: h\[1-2\]; 4 ranks; |(srun|mpirun) )")" = 2
done
# The app's own output, without the job's header, is the lesson's.
grep -v '^job: ' "$submit/scatter_gather.${job[scatter_gather]}.out" >"$CL_WORK/scatter_gather.out"
cl_check_scatter_gather "$CL_WORK/scatter_gather.out" 4
cl_check_prime_sums "$submit/prime_sums.${job[prime_sums]}.out" 4
cl_check_mc_pi "$submit/mc_pi.${job[mc_pi]}.out" 4
cl_check_mpi_bench "$submit/mpi_bench.${job[mpi_bench]}.out" 4 bcast 1024
farm=$submit/task_farm.${job[task_farm]}
cl_check_farm_log "$farm" "$CL_SOURCE_DIR/apps/task_farm/examples/demo.tasks"
hosts=$(cl_farm_hosts "$farm")
cl_check "task_farm: the status log names both hosts (${hosts% })" test "$hosts" = "h1 h2 "
# The summary's per-rank table: "rank host attempts ..."; block placement puts ranks 0-1 on h1.
ranks=$(awk '$1 ~ /^[0-3]$/ && $2 ~ /^h[12]$/ { printf "%s:%s ", $1, $2 }' \
  "$submit/task_farm.${job[task_farm]}.out")
cl_check "task_farm: ranks 0 and 1 ran on h1, 2 and 3 on h2 ($ranks)" test "$ranks" = "0:h1 1:h1 2:h2 3:h2 "
cl_finish
