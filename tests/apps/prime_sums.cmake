# ---- prime_sums ---------------------------------------------------------------------------------
# The kernels and their distribution, at 1-4 ranks (known sums, sieve vs lucy, blocks that tile).
relay_unit_test(test_prime_sums ${CMAKE_CURRENT_LIST_DIR}/test_prime_sums.cpp)
target_link_libraries(test_prime_sums PRIVATE prime_sums_core)
set_tests_properties(test_prime_sums.1ranks test_prime_sums.2ranks test_prime_sums.3ranks
  test_prime_sums.4ranks PROPERTIES LABELS "mpi;prime_sums")
# dr on one process (dr_sum, dr_plan) against the sieve and lucy: serial, so at 1 rank only (the
# rank counts are the app tests' below).
add_executable(test_prime_sums_dr ${CMAKE_CURRENT_LIST_DIR}/test_prime_sums_dr.cpp
  $<TARGET_OBJECTS:relay_test_main>)
target_link_libraries(test_prime_sums_dr PRIVATE prime_sums_core relay::relay GTest::gtest)
relay_set_warnings(test_prime_sums_dr)
# 7 s in a release build, about 7x that under AddressSanitizer: one process, so no deadlock to
# catch, and a timeout with room for a loaded machine.
relay_add_mpi_test(NAME test_prime_sums_dr COMMAND $<TARGET_FILE:test_prime_sums_dr> RANKS 1
  LABELS prime_sums COST 20 TIMEOUT 400)

set(ps $<TARGET_FILE:prime_sums>)
set(seed_sums "100000 : Sum = 454396537\n200000 : Sum = 1709600813\n300000 : Sum = 3709507114\n")
# No arguments at all: the seed's three N (what the main job script runs).
relay_add_mpi_test(NAME app.prime_sums.default COMMAND ${ps}
  PASS_REGULAR_EXPRESSION "${seed_sums}# per rank")
# The seed's sums by every method and decomposition; every rank reports (rank order).
foreach(m IN ITEMS sieve lucy dr)
  relay_add_mpi_test(NAME app.prime_sums.seed_${m} COMMAND ${ps} 100000 200000 300000 --method ${m}
    PASS_REGULAR_EXPRESSION "# prime_sums: ${m} on [1-4] ranks?\n${seed_sums}# per rank[^\n]*\nrank 0: [^\n]*\n(rank [1-3]: [^\n]*\n)*# imbalance")
endforeach()
foreach(d IN ITEMS block cyclic dynamic)
  relay_add_mpi_test(NAME app.prime_sums.seed_trial_${d}
    COMMAND ${ps} 100000 200000 300000 --method trial --decomposition ${d}
    PASS_REGULAR_EXPRESSION "# prime_sums: trial \\(${d}[^\n]*\n${seed_sums}.*division steps, 0 B\n# imbalance")
endforeach()
# N = 0, 1, 2, 3 (and repeats, in the order given).
foreach(m IN ITEMS trial sieve lucy dr)
  relay_add_mpi_test(NAME app.prime_sums.tiny_${m} COMMAND ${ps} 0 1 2 3 3 0 --method ${m}
    PASS_REGULAR_EXPRESSION "\n0 : Sum = 0\n1 : Sum = 0\n2 : Sum = 2\n3 : Sum = 5\n3 : Sum = 5\n0 : Sum = 0\n")
endforeach()
# OEIS A046731, sums of the primes below 10^k: k = 1..14 by dr, 1..12 by lucy, 1..9 by the sieve,
# 1..6 by trial (1e11 and up need 128 bits).
set(a046731 17 1060 76127 5736396 454396537 37550402023 3203324994356 279209790387276
  24739512092254535 2220822432581729238 201467077743744681014 18435588552550705911377
  1699246443377779418889494 157589260710736940541561021)
set(powers 10 100 1000 1e4 1e5 1e6 1e7 1e8 1e9 1e10 1e11 1e12 1e13 1e14)
foreach(case IN ITEMS "dr;14" "lucy;12" "sieve;9" "trial;6")
  list(GET case 0 m)
  list(GET case 1 kmax)
  set(args "")
  set(re "")
  math(EXPR last "${kmax} - 1")
  foreach(i RANGE ${last})
    list(GET powers ${i} n)
    list(GET a046731 ${i} s)
    list(APPEND args ${n})
    math(EXPR k "${i} + 1")
    string(APPEND re "1[0]* : Sum = ${s}\n")
  endforeach()
  relay_add_mpi_test(NAME app.prime_sums.a046731_${m} COMMAND ${ps} ${args} --method ${m}
    PASS_REGULAR_EXPRESSION "${re}")
  if(m STREQUAL "dr")  # and once at 7 ranks: more ranks than hard-leaf segments at small N
    relay_add_mpi_test(NAME app.prime_sums.a046731_dr RANKS 7 COMMAND ${ps} ${args} --method dr
      PASS_REGULAR_EXPRESSION "${re}")
  endif()
endforeach()
# dr: the same sums at 1, 2, 3, 4 and 7 ranks (sums from lucy), through --json, with every
# rank's memory and leaves; a prime (99999999977, the last below 1e11), 2^32, a square of a prime
# (1000003) and an N that is no power of 10.
set(dr_ns 123456789012345 99999999977 4294967296 1000006000009 1000003 2)
set(dr_sums 238605792465514858566603263 201467077743744681014 425649736193687430
  18435805362200603716014 37551402026 2)
set(re "")
foreach(n s IN ZIP_LISTS dr_ns dr_sums)
  string(APPEND re "\\{\"n\":\"${n}\",\"sum\":\"${s}\"\\},?")
endforeach()
relay_add_mpi_test(NAME app.prime_sums.dr_ranks RANKS 1 2 3 4 7
  COMMAND ${ps} ${dr_ns} --method dr --json
  PASS_REGULAR_EXPRESSION "^\\{\"method\":\"dr\",\"ranks\":[0-9]+,\"results\":\\[${re}\\],\"seconds\":[^,]+,\"per_rank\":\\[(\\{\"rank\":[0-9]+,\"seconds\":[^,]+,\"cpu_seconds\":[^,]+,\"numbers\":[0-9]+,\"special_leaves\":[0-9]+,\"memory_bytes\":[1-9][0-9]*\\},?)+\\],\"imbalance\":[^,]+\\}\n$")
# --json: one object, n and sum as decimal strings, one per_rank entry per rank.
relay_add_mpi_test(NAME app.prime_sums.json RANKS 1 3
  COMMAND ${ps} 100000 1e12 --method lucy --json
  PASS_REGULAR_EXPRESSION "^\\{\"method\":\"lucy\",\"ranks\":[13],\"results\":\\[\\{\"n\":\"100000\",\"sum\":\"454396537\"\\},\\{\"n\":\"1000000000000\",\"sum\":\"18435588552550705911377\"\\}\\],\"seconds\":[0-9.e-]+,\"per_rank\":\\[\\{\"rank\":0,[^]]*\\],\"imbalance\":[0-9.e-]+\\}\n$")
relay_add_mpi_test(NAME app.prime_sums.json_trial RANKS 2
  COMMAND ${ps} 300000 --method trial --decomposition block --json
  PASS_REGULAR_EXPRESSION "^\\{\"method\":\"trial\",\"ranks\":2,\"decomposition\":\"block\",\"chunk\":0,\"results\":\\[\\{\"n\":\"300000\",\"sum\":\"3709507114\"\\}\\],\"seconds\":[^,]+,\"per_rank\":\\[\\{\"rank\":0,\"seconds\":[^,]+,\"cpu_seconds\":[^,]+,\"numbers\":150000,\"division_steps\":[0-9]+,\"memory_bytes\":0\\},\\{\"rank\":1,\"seconds\":[^,]+,\"cpu_seconds\":[^,]+,\"numbers\":149999,\"division_steps\":[0-9]+,\"memory_bytes\":0\\}\\]")
# --verify: agreement is reported; a difference (injected) fails loudly with exit code 1.
relay_add_mpi_test(NAME app.prime_sums.verify COMMAND ${ps} 1e8 12345678 --method sieve --verify
  PASS_REGULAR_EXPRESSION "# verify: lucy agrees on all 2 values")
# dr is checked against lucy and lucy against dr.
relay_add_mpi_test(NAME app.prime_sums.verify_dr COMMAND ${ps} 1e11 12345678901 --method dr --verify
  PASS_REGULAR_EXPRESSION "\n12345678901 : Sum = 3353453881475643244\n.*# verify: lucy agrees on all 2 values")
relay_add_mpi_test(NAME app.prime_sums.verify_lucy RANKS 1 3
  COMMAND ${ps} 1e11 12345678901 --method lucy --verify --json
  PASS_REGULAR_EXPRESSION "\"verify\":\\{\"method\":\"dr\",\"seconds\":[^,]+,\"agree\":true\\}")
foreach(case IN ITEMS "lucy;dr" "dr;lucy" "sieve;lucy")
  list(GET case 0 m)
  list(GET case 1 check)
  relay_add_mpi_test(NAME app.prime_sums.verify_fails_${m} ${RELAY_BAD_INPUT_RANKS} QUIET TIMEOUT 30
    WRAPPER ${expect_usage_error} 1 "^prime_sums: VERIFY FAILED for N = 1000: ${m} gives 76128, ${check} gives 76127$"
    COMMAND ${ps} 1000 --method ${m} --verify --inject-fault --json)
endforeach()
# --progress: lines on stderr even when it is no terminal (one every 5 s, so this takes about
# 10 s: label full), each with an ETA.
relay_add_mpi_test(NAME app.prime_sums.progress RANKS 1 LABELS full
  COMMAND ${ps} 3e7 --method trial --decomposition block --progress
  PASS_REGULAR_EXPRESSION "prime_sums: trial +[0-9.]+% \\([0-9]+ s, ETA [0-9.]+ (s|min|h)\\)\n.*30000000 : Sum = ")
relay_add_mpi_test(NAME app.prime_sums.help RANKS 1 2 COMMAND ${ps} --help
  PASS_REGULAR_EXPRESSION "lucy .*What is distributed: the list of N.*dr +Deleglise-Rivat for sums.*--progress.*prime_sums 1e16 --method dr")
# Bad input: one line from rank 0, exit code 2, every rank ends; at 1 and 3 ranks (and 2 and 4
# under the label full: see RELAY_BAD_INPUT_RANKS), as is verify_fails above. Each case once as it
# is and once more with --method dr (suffix _dr), which must not change the message.
foreach(extra IN ITEMS "" "--method;dr")
  if(extra STREQUAL "")
    set(sfx "")
  else()
    set(sfx "_dr")
  endif()
  foreach(bad IN ITEMS "-5;N must not be negative" "abc;N must be a non-negative integer"
                       "1e99;N is too large" "1e30;N is too large"
                       "18446744073709551616;N is too large" "2.5;N must be a whole number")
    list(GET bad 0 value)
    list(GET bad 1 message)
    string(MAKE_C_IDENTIFIER "${value}" id)
    relay_add_mpi_test(NAME app.prime_sums.bad_n_${id}${sfx} ${RELAY_BAD_INPUT_RANKS} QUIET
      TIMEOUT 30 WRAPPER ${expect_usage_error} 2 "^prime_sums: ${message}"
      COMMAND ${ps} 100 ${value} ${extra})
  endforeach()
  # Without dr: the original cases' methods (--decomposition belongs to trial).
  if(extra STREQUAL "")
    set(method_args --method sieve)
    set(decomposition_args --method trial)
  else()
    set(method_args ${extra})
    set(decomposition_args ${extra})
  endif()
  relay_add_mpi_test(NAME app.prime_sums.bad_no_n${sfx} ${RELAY_BAD_INPUT_RANKS} QUIET TIMEOUT 30
    WRAPPER ${expect_usage_error} 2 "^prime_sums: no N given" COMMAND ${ps} ${method_args})
  relay_add_mpi_test(NAME app.prime_sums.bad_decomposition${sfx} ${RELAY_BAD_INPUT_RANKS} QUIET
    TIMEOUT 30
    WRAPPER ${expect_usage_error} 2 "^prime_sums: unknown decomposition \"random\""
    COMMAND ${ps} 100 ${decomposition_args} --decomposition random)
  relay_add_mpi_test(NAME app.prime_sums.bad_chunk${sfx} ${RELAY_BAD_INPUT_RANKS} QUIET TIMEOUT 30
    WRAPPER ${expect_usage_error} 2 "^prime_sums: --chunk must be at least 1"
    COMMAND ${ps} 100 --chunk 0 ${extra})
  relay_add_mpi_test(NAME app.prime_sums.bad_option${sfx} ${RELAY_BAD_INPUT_RANKS} QUIET TIMEOUT 30
    WRAPPER ${expect_usage_error} 2 "^prime_sums: .*--bogus" COMMAND ${ps} 100 --bogus ${extra})
endforeach()
relay_add_mpi_test(NAME app.prime_sums.bad_method ${RELAY_BAD_INPUT_RANKS} QUIET TIMEOUT 30
  WRAPPER ${expect_usage_error} 2 "^prime_sums: unknown method \"fast\" \\(expected auto, trial, sieve, lucy or dr\\)"
  COMMAND ${ps} 100 --method fast)
