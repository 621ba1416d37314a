# ---- scatter_gather -----------------------------------------------------------------------------
set(sg $<TARGET_FILE:scatter_gather>)
# The lesson's output; at 5 ranks exactly the seed's [1, 2, 9, 64, 625] and [2, 3, 10, 65, 626].
relay_add_mpi_test(NAME app.scatter_gather.lesson RANKS 1 2 3 4 5
  WRAPPER ${expect_output} ${expected}/scatter_gather COMMAND ${sg})
relay_add_mpi_test(NAME app.scatter_gather.count7
  WRAPPER ${expect_output} ${expected}/scatter_gather_count7 COMMAND ${sg} --count 7)
relay_add_mpi_test(NAME app.scatter_gather.json
  WRAPPER ${expect_output} ${expected}/scatter_gather_json COMMAND ${sg} --json)
# More ranks than values: some blocks are empty, nothing is lost.
relay_add_mpi_test(NAME app.scatter_gather.count2 COMMAND ${sg} --count 2
  PASS_REGULAR_EXPRESSION "master collected: \\[2, 3\\]\n# reduce[^\n]*\nsum: 5\n")
relay_add_mpi_test(NAME app.scatter_gather.count0 COMMAND ${sg} --count 0
  PASS_REGULAR_EXPRESSION "master collected: \\[\\]\n# reduce[^\n]*\nsum: 0\n")
# 24 ranks: every value exact, the last one 24**23.
relay_add_mpi_test(NAME app.scatter_gather.exact RANKS 24 TIMEOUT 180 COMMAND ${sg}
  PASS_REGULAR_EXPRESSION "rank 23 has data: 55572324035428505185378394701824\n")
relay_add_mpi_test(NAME app.scatter_gather.help RANKS 1 2 COMMAND ${sg} --help
  PASS_REGULAR_EXPRESSION "--count")
foreach(bad IN ITEMS "-1;must not be negative" "abc;must be a non-negative integer"
                     "1e30;is too large" "2.5;must be a whole number")
  list(GET bad 0 value)
  list(GET bad 1 message)
  string(MAKE_C_IDENTIFIER "${value}" id)
  relay_add_mpi_test(NAME app.scatter_gather.bad_count_${id} ${RELAY_BAD_INPUT_RANKS} QUIET
    TIMEOUT 30
    WRAPPER ${expect_usage_error} 2 "^scatter_gather: --count ${message}"
    COMMAND ${sg} --count ${value})
endforeach()
relay_add_mpi_test(NAME app.scatter_gather.bad_option ${RELAY_BAD_INPUT_RANKS} QUIET TIMEOUT 30
  WRAPPER ${expect_usage_error} 2 "^scatter_gather: .*--bogus" COMMAND ${sg} --bogus)
