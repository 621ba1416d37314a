# ---- mpi_bench ----------------------------------------------------------------------------------
# Every operation runs at small sizes for both sides; mpi_bench checks the data each side moved
# (on every rank) before it times anything, and fails with "wrong data on rank N" otherwise.
set(mb $<TARGET_FILE:mpi_bench>)
set(mb_quick --max-size 4K --reps 1 --loop-ms 0.2 --elements 200)
relay_add_mpi_test(NAME app.mpi_bench.all_ops TIMEOUT 120 COMMAND ${mb} ${mb_quick}
  PASS_REGULAR_EXPRESSION "allreduce +4096 .*ser_bcast +vector<record>")
# Odd sizes take the char path; reductions start at 8 bytes.
relay_add_mpi_test(NAME app.mpi_bench.odd_sizes RANKS 2 3 TIMEOUT 60
  COMMAND ${mb} --ops contiguous --min-size 3 --max-size 12 --reps 1 --loop-ms 0.1
  PASS_REGULAR_EXPRESSION "pingpong +3 .*reduce +12 ")
relay_add_mpi_test(NAME app.mpi_bench.json RANKS 1 2 TIMEOUT 60
  COMMAND ${mb} --json --ops bcast,gather,ser_bcast --max-size 64 --reps 1 --loop-ms 0.1
          --elements 10
  PASS_REGULAR_EXPRESSION "^{\"ranks\":[12],\"mpi\":\"[^\"]+\",\"reps\":1,\"results\":\\[{\"op\":\"bcast\",\"type\":\"char\",\"bytes\":1,\"lib_us\":[0-9.e+-]+,\"raw_us\":[0-9.e+-]+,\"ratio\":[0-9.e+-]+}.*\"serialized\":\\[{\"op\":\"ser_bcast\",\"type\":\"vector<string>\",\"elements\":10,")
relay_add_mpi_test(NAME app.mpi_bench.one_rank RANKS 1 TIMEOUT 60
  COMMAND ${mb} --max-size 8 --reps 1 --loop-ms 0.1 --elements 10
  PASS_REGULAR_EXPRESSION "skipping pingpong, bw and ser_p2p")
# --ops pool: relay::pool's map, a few tasks. mpi_bench checks every map's results on the root
# (a wrong one fails the run). The JSON rows: the trivial tasks at every chunksize, then the
# calibrated work with its serial time and efficiency; at 2 ranks also the pool whose root only
# hands out work, where the root's count must be 0 and rank 1 must have run every task.
set(mb_pool ${mb} --ops pool --json --reps 1 --tasks 2000)
set(pool_row "{\"op\":\"pool_map\",\"task\":\"x\\+2\",\"chunksize\":")
set(pool_rate "\"tasks\":2000,\"tasks_per_second\":[0-9.e+]+,")
relay_add_mpi_test(NAME app.mpi_bench.pool_json RANKS 1 2 TIMEOUT 60
  COMMAND ${mb_pool} --work-tasks 20 --work-us 50
  PASS_REGULAR_EXPRESSION "^{\"ranks\":[12],.*\"pool\":\\[${pool_row}1,${pool_rate}.*${pool_row}100,${pool_rate}.*${pool_row}10000,${pool_rate}.*\"task\":\"work_50us\",\"chunksize\":1,\"tasks\":20,.*\"root_works\":true,.*\"serial_seconds\":[0-9.e+-]+,\"task_us\":[0-9.e+-]+,\"efficiency\":[0-9.e+-]+}")
relay_add_mpi_test(NAME app.mpi_bench.pool_idle_root RANKS 2 TIMEOUT 60
  COMMAND ${mb_pool} --root-works no --work-tasks 0 --chunksizes 1,7
  PASS_REGULAR_EXPRESSION "^{\"ranks\":2,.*\"pool\":\\[${pool_row}1,${pool_rate}[^}]*\"root_works\":false,[^}]*\"workers\":1,[^}]*\"tasks_per_rank\":\\[0,2000\\]},${pool_row}7,${pool_rate}[^}]*\"tasks_per_rank\":\\[0,2000\\]}\\]")
relay_add_mpi_test(NAME app.mpi_bench.pool_text RANKS 3 TIMEOUT 60
  COMMAND ${mb} --ops pool --reps 1 --tasks 500 --work-tasks 6 --work-us 20 --chunksizes 3
  PASS_REGULAR_EXPRESSION "# pool_map .*\nx\\+2 +3 +500 +yes .*\nwork_20us +1 +6 +yes .*%.*\nx\\+2 +3 +500 +no ")
# --ops nonblocking: relay's non-blocking collectives against raw MPI_I*, data checked first on
# both sides; the JSON rows carry the overlap of each side.
set(nb_row "{\"op\":\"ibcast\",\"type\":\"double\",\"bytes\":8,\"lib_us\":[0-9.e+-]+,\"raw_us\":[0-9.e+-]+,\"ratio\":[0-9.e+-]+,\"overlap_pct\":[0-9.e+-]+,\"raw_overlap_pct\":[0-9.e+-]+}")
relay_add_mpi_test(NAME app.mpi_bench.nonblocking_json RANKS 1 2 3 TIMEOUT 60
  COMMAND ${mb} --ops nonblocking --json --min-size 8 --max-size 64 --reps 1 --loop-ms 0.1
          --elements 10
  PASS_REGULAR_EXPRESSION "\"nonblocking\":\\[${nb_row},.*\"op\":\"iscatter\",\"type\":\"double\",\"bytes\":64,.*\"op\":\"ser_ibcast\",\"type\":\"vector<string>\",.*\"op\":\"ser_ibcast\",\"type\":\"map<string,int>\"")
relay_add_mpi_test(NAME app.mpi_bench.nonblocking_text RANKS 2 TIMEOUT 60
  COMMAND ${mb} --ops nonblocking --min-size 1K --max-size 1K --reps 1 --loop-ms 0.1 --elements 10
  PASS_REGULAR_EXPRESSION "# non-blocking collectives.*\nibcast +double +1024 .*\niallreduce +double +1024 .*\nigather .*\niscatter .*\nser_ibcast +vector<string>")
relay_add_mpi_test(NAME app.mpi_bench.help RANKS 1 COMMAND ${mb} --help
  PASS_REGULAR_EXPRESSION "--min-size")
foreach(bad IN ITEMS
    "--min-size;0;--min-size must be at least 1"
    "--min-size;-1;--min-size must not be negative"
    "--max-size;abc;--max-size must be a non-negative integer"
    "--max-size;1e30;--max-size is too large"
    "--reps;0;--reps must be at least 1"
    "--ops;bogus;unknown operation 'bogus'"
    "--loop-ms;x;--loop-ms must be a positive number"
    "--tasks;0;--tasks must be at least 1"
    "--chunksizes;0;--chunksizes must be at least 1"
    "--work-us;0;--work-us must be more than 0"
    "--group-size;-2;--group-size must not be negative")
  list(GET bad 0 option)
  list(GET bad 1 value)
  list(GET bad 2 message)
  string(MAKE_C_IDENTIFIER "${option}_${value}" id)
  relay_add_mpi_test(NAME app.mpi_bench.bad${id} ${RELAY_BAD_INPUT_RANKS} QUIET TIMEOUT 30
    WRAPPER ${expect_usage_error} 2 "^mpi_bench: ${message}" COMMAND ${mb} ${option} ${value})
endforeach()
relay_add_mpi_test(NAME app.mpi_bench.bad_min_above_max ${RELAY_BAD_INPUT_RANKS} QUIET TIMEOUT 30
  WRAPPER ${expect_usage_error} 2 "^mpi_bench: --min-size \\(2048\\) is larger than --max-size"
  COMMAND ${mb} --min-size 2K --max-size 1K)
relay_add_mpi_test(NAME app.mpi_bench.bad_root_works ${RELAY_BAD_INPUT_RANKS} QUIET TIMEOUT 30
  WRAPPER ${expect_usage_error} 2 "^mpi_bench: --root-works must be yes, no or both \\(got 'maybe'\\)"
  COMMAND ${mb} --ops pool --root-works maybe)
relay_add_mpi_test(NAME app.mpi_bench.bad_p2p_one_rank RANKS 1 QUIET TIMEOUT 30
  WRAPPER ${expect_usage_error} 2 "^mpi_bench: pingpong, bw and ser_p2p need at least 2 ranks"
  COMMAND ${mb} --ops pingpong)
