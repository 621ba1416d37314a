# ---- the lessons' examples (apps/examples, docs/tutorial.md) ------------------------------------
# Each program at 1-4 ranks with the seed's answers, --json, --help and its bad input.
set(check_pool_sleep bash ${CMAKE_CURRENT_LIST_DIR}/check_pool_sleep.sh)

# A regex for the strings a, b and c one after another (separated by `sep`), in any order.
function(any_order out sep a b c)
  set(${out} "(${a}${sep}${b}${sep}${c}|${a}${sep}${c}${sep}${b}|${b}${sep}${a}${sep}${c}|${b}${sep}${c}${sep}${a}|${c}${sep}${a}${sep}${b}|${c}${sep}${b}${sep}${a})"
      PARENT_SCOPE)
endfunction()

# ---- futures_primes: seed 001's sums, by map (input order) and as_completed (any order) ---------
set(fp $<TARGET_FILE:futures_primes>)
set(l1 "100000 : Sum = 454396537\n")
set(l2 "200000 : Sum = 1709600813\n")
set(l3 "300000 : Sum = 3709507114\n")
any_order(completed "" "${l1}" "${l2}" "${l3}")
relay_add_mpi_test(NAME app.examples.futures_primes LABELS examples COMMAND ${fp}
  PASS_REGULAR_EXPRESSION
  "^# pool.map\n${l1}${l2}${l3}# executor.submit \\+ as_completed\n${completed}Time taken = [0-9]+\\.[0-9]+\n$")
# --json, chunksize 2 (one chunk holds two of the three n), and N = 0 and 2 beside 1e5.
set(j0 "{\"n\":\"0\",\"sum\":\"0\"}")
set(j2 "{\"n\":\"2\",\"sum\":\"2\"}")
set(j5 "{\"n\":\"100000\",\"sum\":\"454396537\"}")
any_order(completed_json "," "${j0}" "${j2}" "${j5}")
relay_add_mpi_test(NAME app.examples.futures_primes_json RANKS 1 3 LABELS examples
  COMMAND ${fp} --numbers 0 2 1e5 --chunksize 2 --json
  PASS_REGULAR_EXPRESSION
  "^{\"ranks\":[13],\"map\":\\[${j0},${j2},${j5}\\],\"as_completed\":\\[${completed_json}\\],\"map_seconds\":[0-9.e-]+,\"as_completed_seconds\":[0-9.e-]+,\"seconds\":[0-9.e-]+}\n$")
relay_add_mpi_test(NAME app.examples.futures_primes_help RANKS 1 2 LABELS examples
  COMMAND ${fp} --help PASS_REGULAR_EXPRESSION "as_completed.*--numbers.*--chunksize.*--json")

# ---- pool_sleep: the report's shape, and pool.map well under the serial loop at 2+ ranks --------
relay_add_mpi_test(NAME app.examples.pool_sleep LABELS examples
  WRAPPER ${check_pool_sleep} COMMAND $<TARGET_FILE:pool_sleep> --sleep 0.05)
relay_add_mpi_test(NAME app.examples.pool_sleep_json RANKS 2 LABELS examples
  COMMAND $<TARGET_FILE:pool_sleep> --tasks 6 --sleep 0.01 --chunksize 3 --json
  PASS_REGULAR_EXPRESSION
  "^{\"tasks\":6,\"sleep\":0.01,\"ranks\":2,\"serial_seconds\":[0-9.e-]+,\"runs\":\\[{\"chunksize\":1,\"seconds\":[0-9.e-]+,\"ideal_seconds\":0.03[0-9]*,\"speedup\":[0-9.e-]+,\"tasks_per_rank\":\\[[0-6],[0-6]\\]},{\"chunksize\":3,\"seconds\":[0-9.e-]+,\"ideal_seconds\":0.03[0-9]*,\"speedup\":[0-9.e-]+,\"tasks_per_rank\":\\[(3,3|0,6|6,0)\\]}\\]}\n$")
relay_add_mpi_test(NAME app.examples.pool_sleep_help RANKS 1 LABELS examples
  COMMAND $<TARGET_FILE:pool_sleep> --help PASS_REGULAR_EXPRESSION "--tasks.*--sleep.*--chunksize")

# producer_consumer and calc_pi_map need Random123 (they are built with mc_pi).
if(TARGET producer_consumer)
# ---- producer_consumer: every number made is consumed once; the numbers are the streams' --------
# The seed's 4 producers x 3 numbers (sum 714 for seed 1, at every rank count), with the lines.
set(pc $<TARGET_FILE:producer_consumer>)
relay_add_mpi_test(NAME app.examples.producer_consumer LABELS examples COMMAND ${pc}
  PASS_REGULAR_EXPRESSION
  "^(Producer [0-3] put [0-9]+ in queue! \\(rank [0-3]\\)\n|Consumer [0-3] got [0-9]+ \\(from producer [0-3]\\)\n)+# per rank \\(produced, consumed\\):( [0-9]+,[0-9]+)+\nproduced 12, consumed 12, sum 714: the consumed multiset equals the produced one\n$")
# More of them, quicker (0.2 ms units), and without delays: the same sums at every rank count.
foreach(case IN ITEMS "7;50;0.0002;1;18070" "3;200;0;42;29633")
  list(GET case 0 producers)
  list(GET case 1 items)
  list(GET case 2 unit)
  list(GET case 3 seed)
  list(GET case 4 sum)
  math(EXPR total "${producers} * ${items}")
  relay_add_mpi_test(NAME app.examples.producer_consumer_${producers}x${items} LABELS examples
    COMMAND ${pc} --producers ${producers} --items ${items} --unit ${unit} --seed ${seed} --json
    PASS_REGULAR_EXPRESSION
    "^{\"producers\":${producers},\"items\":${items},\"ranks\":[1-4],\"seed\":${seed},\"produced\":${total},\"consumed\":${total},\"sum\":${sum},\"equal\":true,\"seconds\":[0-9.e-]+,\"per_rank\":\\[{\"produced\":[0-9]+,\"consumed\":[0-9]+}")
endforeach()
relay_add_mpi_test(NAME app.examples.producer_consumer_help RANKS 1 LABELS examples
  COMMAND ${pc} --help PASS_REGULAR_EXPRESSION "--producers.*--items.*--seed.*--unit")

# ---- calc_pi_map: mc_pi's hits for the same samples and seed ------------------------------------
# mc_pi's tests: 2752512 samples of seed 1 have 2162017 hits (app.mc_pi.target_error), 1000003 of
# seed 1 have 785168, 10000019 of seed 2^64-1 have 7852526. One task per rank by default...
set(cpm $<TARGET_FILE:calc_pi_map>)
foreach(p IN ITEMS 1 2 3 4)
  math(EXPR resolution "2752512 / ${p}")
  relay_add_mpi_test(NAME app.examples.calc_pi_map_default_workers RANKS ${p} LABELS examples
    COMMAND ${cpm} --resolution ${resolution} --json
    PASS_REGULAR_EXPRESSION
    "^{\"workers\":${p},\"resolution\":${resolution},\"samples\":2752512,\"hits\":2162017,\"pi\":[0-9.]+,\"error\":[-+0-9.e]+,\"stderr\":[-+0-9.e]+,\"seconds\":[-+0-9.e]+,\"ranks\":${p},\"seed\":1}\n$")
endforeach()
# ... and any number of tasks, on any number of ranks.
foreach(case IN ITEMS "3;917504;1;2162017" "6;458752;1;2162017" "7;393216;1;2162017"
                      "1;1000003;1;785168" "1;10000019;18446744073709551615;7852526")
  list(GET case 0 workers)
  list(GET case 1 resolution)
  list(GET case 2 seed)
  list(GET case 3 hits)
  relay_add_mpi_test(NAME app.examples.calc_pi_map_${workers}x${resolution} LABELS examples
    COMMAND ${cpm} --workers ${workers} --resolution ${resolution} --seed ${seed} --json
    PASS_REGULAR_EXPRESSION "^{\"workers\":${workers},\"resolution\":${resolution},\"samples\":[0-9]+,\"hits\":${hits},")
endforeach()
# The lesson's sizes (one task of 10**6 samples per rank): the text report, pi within 5 standard
# errors.
relay_add_mpi_test(NAME app.examples.calc_pi_map LABELS examples COMMAND ${cpm}
  PASS_REGULAR_EXPRESSION
  "^# calc_pi_map: [1-4] tasks? of 1000000 samples on [1-4] ranks? \\(seed 1\\)\nhits +[0-9]+ of [1-4]000000\npi estimate +3\\.1[0-9]+\nerror vs pi +[-+][0-9.e+-]+ \\(-?[0-4]\\.[0-9][0-9] standard errors\\)\nstandard error +[0-9.e+-]+\nseconds +[0-9.]+\n$")
relay_add_mpi_test(NAME app.examples.calc_pi_map_help RANKS 1 LABELS examples
  COMMAND ${cpm} --help PASS_REGULAR_EXPRESSION "--resolution.*--workers.*--seed")
relay_add_mpi_test(NAME app.examples.calc_pi_map.bad_product ${RELAY_BAD_INPUT_RANKS} QUIET
  TIMEOUT 30 LABELS examples
  WRAPPER ${expect_usage_error} 2 "^calc_pi_map: --workers times --resolution is too large"
  COMMAND ${cpm} --workers 4 --resolution 4e18)
endif()

# ---- bad input: one line from rank 0, exit code 2, no hang, at 1 and 3 ranks (2 and 4: full) -----
foreach(bad IN ITEMS
    "futures_primes;--numbers;-5;--numbers must not be negative"
    "futures_primes;--numbers;abc;--numbers must be a non-negative integer"
    "futures_primes;--numbers;2e9;--numbers is too large"
    "futures_primes;--chunksize;0;--chunksize must be at least 1"
    "futures_primes;--chunksize;-1;--chunksize must not be negative"
    "pool_sleep;--tasks;0;--tasks must be at least 1"
    "pool_sleep;--tasks;-3;--tasks must not be negative"
    "pool_sleep;--tasks;x;--tasks must be a non-negative integer"
    "pool_sleep;--sleep;0;--sleep must be more than 0"
    "pool_sleep;--sleep;-0.1;--sleep must not be negative"
    "pool_sleep;--sleep;abc;--sleep must be a number of seconds"
    "pool_sleep;--sleep;61;--sleep is too large"
    "pool_sleep;--chunksize;0;--chunksize must be at least 1"
    "producer_consumer;--producers;0;--producers must be at least 1"
    "producer_consumer;--items;-1;--items must not be negative"
    "producer_consumer;--items;many;--items must be a non-negative integer"
    "producer_consumer;--seed;-2;--seed must not be negative"
    "producer_consumer;--unit;-1;--unit must not be negative"
    "producer_consumer;--unit;2;--unit is too large"
    "calc_pi_map;--resolution;0;--resolution must be at least 1"
    "calc_pi_map;--resolution;abc;--resolution must be a non-negative integer"
    "calc_pi_map;--resolution;1e19;--resolution is too large"
    "calc_pi_map;--workers;0;--workers must be at least 1"
    "calc_pi_map;--workers;-4;--workers must not be negative"
    "calc_pi_map;--seed;1.5;--seed must be a whole number")
  list(GET bad 0 program)
  list(GET bad 1 option)
  list(GET bad 2 value)
  list(GET bad 3 message)
  if(NOT TARGET ${program})
    continue()
  endif()
  string(MAKE_C_IDENTIFIER "${option}_${value}" id)
  string(REGEX REPLACE "^_+" "" id "${id}")
  relay_add_mpi_test(NAME app.examples.${program}.bad_${id} ${RELAY_BAD_INPUT_RANKS} QUIET
    TIMEOUT 30 LABELS examples
    WRAPPER ${expect_usage_error} 2 "^${program}: ${message}"
    COMMAND $<TARGET_FILE:${program}> ${option} ${value})
endforeach()
foreach(program IN ITEMS futures_primes pool_sleep producer_consumer calc_pi_map)
  if(NOT TARGET ${program})
    continue()
  endif()
  relay_add_mpi_test(NAME app.examples.${program}.bad_option ${RELAY_BAD_INPUT_RANKS} QUIET
    TIMEOUT 30 LABELS examples
    WRAPPER ${expect_usage_error} 2 "^${program}: .*--bogus" COMMAND $<TARGET_FILE:${program}> --bogus)
endforeach()
