# shellcheck shell=bash disable=SC2034  # the variables set here are read by the job scripts
# Sourced by the job scripts in pbs/, after they cd to the submit directory (the repository
# root); not a job script itself. What every job does the same way: find how its ranks are laid
# out over the nodes, bind each rank to a core when the node has a core for every rank, and say
# at the top of its output what it ran on and the exact command.

# relay_pbs_layout: from $PBS_NODEFILE (one line per rank) sets relay_ranks, relay_per_node (the
# most ranks on one node) and relay_nodes (the nodes and their ranks, for the header).
relay_pbs_layout() {
  relay_ranks=$(wc -l <"$PBS_NODEFILE")
  relay_per_node=$(sort "$PBS_NODEFILE" | uniq -c | awk '$1 > m { m = $1 } END { print m + 0 }')
  relay_nodes=$(sort "$PBS_NODEFILE" | uniq -c |
    awk '{ s = s sep $2 " (" $1 ")"; sep = ", "; n++ } END { print n " node" (n == 1 ? "" : "s") ": " s }')
}

# relay_slurm_layout: the same from Slurm's variables ($SLURM_TASKS_PER_NODE reads like "4" or
# "2(x2),1": the most ranks on a node is the largest count in it).
relay_slurm_layout() {
  relay_ranks=$SLURM_NTASKS
  relay_per_node=$(tr ',' '\n' <<<"$SLURM_TASKS_PER_NODE" | sed 's/(.*//' | sort -n | tail -n 1)
  relay_nodes="$SLURM_JOB_NUM_NODES node$( ((SLURM_JOB_NUM_NODES == 1)) || echo s): $SLURM_JOB_NODELIST"
}

# relay_job_cores: the physical cores this job may use on this node: the CPUs that its cpuset or
# affinity mask leaves it (nproc, which would otherwise report OMP_NUM_THREADS), over the hardware
# threads per core. Nodes are assumed alike.
relay_job_cores() {
  local cpus threads
  cpus=$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)
  threads=$(LC_ALL=C lscpu 2>/dev/null | awk -F: '/^Thread\(s\) per core/ { print $2 + 0 }')
  ((${threads:-0} >= 1)) || threads=1
  echo $(((cpus + threads - 1) / threads))
}

# relay_job_bind <mpirun|srun> <ranks per node> [threads per rank]: sets relay_bind to the
# launcher's flags that bind each rank to a core (Open MPI: --bind-to core; srun:
# --cpu-bind=cores), or with T > 1 threads per rank (a hybrid run) to T cores of its own (Open
# MPI: --map-by slot:PE=T --bind-to core; srun: --cpus-per-task=T --cpu-bind=cores), so that the
# kernel does not move ranks between cores and away from their caches, and relay_binding to a
# line that says what was chosen. With more ranks x threads on a node than it has cores (an
# oversubscribed test machine), the ranks are left unbound: Open MPI refuses to bind more ranks
# than cores, and ranks pinned two to a core run slower than free ones.
# Under Slurm, srun binds only through a task plugin (task/affinity or task/cgroup); where the
# cluster has none (TaskPlugin=task/none), srun would print "cluster configuration lacks support
# for cpu binding" into the job's output at any --cpu-bind, so none is passed.
relay_job_bind() {
  local launcher=$1 per_node=$2 threads=${3:-1} cores plugins
  cores=$(relay_job_cores)
  if [[ $launcher == srun ]]; then
    plugins=$(scontrol show config 2>/dev/null | awk -F' = ' '$1 ~ /^TaskPlugin +$/ { print $2 }')
    if [[ -n $plugins && $plugins != *task/affinity* && $plugins != *task/cgroup* ]]; then
      relay_binding="ranks not bound: Slurm here has no task plugin that binds ($plugins)"
      relay_bind=()
      ((threads == 1)) || relay_bind=(--cpus-per-task="$threads")
      return
    fi
  fi
  if ((threads > 1 && per_node * threads <= cores)); then
    relay_binding="each rank bound to $threads cores ($per_node ranks x $threads threads per node, $cores cores)"
    if [[ $launcher == srun ]]; then
      relay_bind=(--cpus-per-task="$threads" --cpu-bind=cores)
    else
      relay_bind=(--map-by "slot:PE=$threads" --bind-to core)
    fi
  elif ((threads > 1)); then
    relay_binding="ranks not bound: $per_node ranks x $threads threads per node, more than the $cores cores of a node"
    if [[ $launcher == srun ]]; then
      relay_bind=(--cpus-per-task="$threads" --cpu-bind=none)
    else
      relay_bind=(--bind-to none)
    fi
  elif ((per_node <= cores)); then
    relay_binding="ranks bound to cores ($per_node per node, $cores cores)"
    if [[ $launcher == srun ]]; then relay_bind=(--cpu-bind=cores); else relay_bind=(--bind-to core); fi
  else
    relay_binding="ranks not bound: $per_node per node, more than the $cores cores of a node"
    if [[ $launcher == srun ]]; then relay_bind=(--cpu-bind=none); else relay_bind=(--bind-to none); fi
  fi
}

# relay_job_threads <omp|slurm> <ranks per node>: sets relay_threads, the threads per rank of a
# hybrid run (mc_pi --threads), from the scheduler: "omp" takes $OMP_NUM_THREADS, which PBS sets
# from the chunk's ompthreads; "slurm" takes $SLURM_CPUS_PER_TASK (sbatch --cpus-per-task); 1 when
# unset. More ranks x threads than a node's cores would only make the threads take turns (and
# some PBS sites set OMP_NUM_THREADS to the chunk's ncpus when ompthreads is not asked for), so
# the count is then lowered to the cores per rank (at least 1), and relay_threads_note says so
# for the header. Dies on a value that is not a positive integer. Exports OMP_NUM_THREADS as the
# same number, so that a library built with OpenMP starts no more threads than that.
relay_job_threads() {
  local from=$1 per_node=$2 value cores
  case $from in
    omp) value=${OMP_NUM_THREADS:-1} ;;
    slurm) value=${SLURM_CPUS_PER_TASK:-1} ;;
  esac
  if [[ ! $value =~ ^[1-9][0-9]{0,3}$ ]]; then
    echo "job: threads per rank must be a positive integer (got '$value' from $from)" >&2
    exit 2
  fi
  relay_threads=$value
  relay_threads_note=""
  cores=$(relay_job_cores)
  if ((value > 1 && per_node * value > cores)); then
    relay_threads=$((cores / per_node))
    ((relay_threads >= 1)) || relay_threads=1
    relay_threads_note="; $value threads per rank asked for, $relay_threads run: $per_node ranks x $value threads are more than the $cores cores of a node"
  fi
  export OMP_NUM_THREADS=$relay_threads
}

# relay_job_header <job id> <command...>: the first lines of the job's output, each starting with
# "job: ": the job, its nodes and ranks, the binding, and the command exactly as it is run.
relay_job_header() {
  local id=$1 line
  shift
  printf -v line '%q ' "$@"
  echo "job: $id on $relay_nodes; $relay_ranks ranks; $relay_binding; OMP_NUM_THREADS=$OMP_NUM_THREADS${relay_threads_note:-}"
  echo "job: ${line% }"
}
