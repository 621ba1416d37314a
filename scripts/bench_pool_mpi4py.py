"""The reference side of scripts/bench_pool.sh: mpi4py.futures' MPIPoolExecutor.map over x + 2.

Run under `mpirun -n P /usr/bin/python3 -m mpi4py.futures scripts/bench_pool_mpi4py.py ...`:
rank 0 runs this file and ranks 1..P-1 serve as workers (rank 0 does not run tasks). Prints one
JSON object per line: {"chunksize", "tasks", "seconds", "tasks_per_second"}, one per chunksize,
each the wall time of one map (after a warm-up map that connects the workers), results checked.

Options: --tasks N (default 1000000) for every chunksize, --tasks-cs1 M (default 20000): the
number of tasks at chunksize 1, where mpi4py runs about 2,000-4,000 tasks/s (a million would take
minutes); --chunksizes 1,100,10000.
"""

import argparse
import json
import sys
import time

from mpi4py.futures import MPIPoolExecutor


def add2(x):
    return x + 2


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--tasks-cs1", type=int, default=20_000)
    parser.add_argument("--chunksizes", default="1,100,10000")
    args = parser.parse_args()
    chunksizes = [int(c) for c in args.chunksizes.split(",")]
    if args.tasks < 1 or args.tasks_cs1 < 1 or min(chunksizes) < 1:
        sys.exit("bench_pool_mpi4py.py: task counts and chunksizes must be positive")
    with MPIPoolExecutor() as executor:
        assert list(executor.map(add2, range(1000), chunksize=100)) == [x + 2 for x in range(1000)]
        for chunksize in chunksizes:
            n = args.tasks_cs1 if chunksize == 1 else args.tasks
            start = time.perf_counter()
            results = list(executor.map(add2, range(n), chunksize=chunksize))
            seconds = time.perf_counter() - start
            if len(results) != n or results[0] != 2 or results[-1] != n + 1:
                sys.exit(f"bench_pool_mpi4py.py: wrong results at chunksize {chunksize}")
            print(json.dumps({"chunksize": chunksize, "tasks": n, "seconds": seconds,
                              "tasks_per_second": n / seconds}), flush=True)


if __name__ == "__main__":
    main()
