# ---- mc_pi --------------------------------------------------------------------------------------
# The core, as a GoogleTest MPI unit test: the stream against Random123, the exact hit test, every
# kernel against the scalar reference, and distributed runs at 1-4 ranks, with 1-7 threads per
# rank (the main asks for thread_level::funneled: mc_pi's worker threads make no MPI calls).
find_package(Threads REQUIRED)
add_executable(test_mc_pi ${CMAKE_CURRENT_SOURCE_DIR}/test_mc_pi.cpp
                          $<TARGET_OBJECTS:relay_test_main_funneled>)
target_link_libraries(test_mc_pi PRIVATE mc_pi_core relay::relay GTest::gtest Threads::Threads)
relay_set_warnings(test_mc_pi)
relay_add_mpi_test(NAME test_mc_pi COMMAND $<TARGET_FILE:test_mc_pi>)

# The app, as users run it. The hit counts below come from a 1-rank run of the scalar kernel (the
# unit test checks that kernel against a plain serial loop over Random123), and every rank count
# must print exactly them: sample counts below, at and above a block (65536), not divisible by the
# rank count or the block size, and fewer samples than ranks.
set(mcpi $<TARGET_FILE:mc_pi>)
set(mcpi_json_tail ",\"pi\":[0-9.]+,\"error\":[-+0-9.e]+,\"stderr\":[-+0-9.e]+,\"seconds\":[-+0-9.e]+,\"samples_per_second\":[-+0-9.e]+,\"ranks\":")
foreach(case IN ITEMS "1;1;1" "5;2;4" "65537;3;51246" "196613;4;154386" "1000003;1;785168"
                      "10000019;18446744073709551615;7852526" "1048579;42;822989")
  list(GET case 0 samples)
  list(GET case 1 seed)
  list(GET case 2 hits)
  foreach(p IN ITEMS 1 2 3 4)
    relay_add_mpi_test(NAME app.mc_pi.hits_${samples}_${seed} RANKS ${p}
      COMMAND ${mcpi} --samples ${samples} --seed ${seed} --json
      PASS_REGULAR_EXPRESSION "^{\"samples\":${samples},\"hits\":${hits}${mcpi_json_tail}${p},\"threads\":1,\"seed\":${seed}}\n$")
  endforeach()
endforeach()
# --threads: the same hits for any ranks x threads (1x4, 2x2, 3x3, 4x2, 2x7 below; 1x1 to 4x1
# above), including fewer samples than threads and counts that split no evenly.
foreach(case IN ITEMS "5;2;4" "196613;4;154386" "1048579;42;822989")
  list(GET case 0 samples)
  list(GET case 1 seed)
  list(GET case 2 hits)
  foreach(units IN ITEMS "1;4" "2;2" "3;3" "4;2" "2;7")
    list(GET units 0 p)
    list(GET units 1 t)
    relay_add_mpi_test(NAME app.mc_pi.threads_${t}_hits_${samples}_${seed} RANKS ${p} LABELS threads
      COMMAND ${mcpi} --samples ${samples} --seed ${seed} --threads ${t} --json
      PASS_REGULAR_EXPRESSION "^{\"samples\":${samples},\"hits\":${hits}${mcpi_json_tail}${p},\"threads\":${t},\"seed\":${seed}}\n$")
  endforeach()
endforeach()
# The text report names the threads, and the efficiency counts them.
relay_add_mpi_test(NAME app.mc_pi.threads_text RANKS 2 LABELS threads
  COMMAND ${mcpi} --samples 2e6 --threads 3 --baseline-seconds 0.5
  PASS_REGULAR_EXPRESSION "^mc_pi: 2000000 samples, seed 1, 2 ranks x 3 threads, .*\nhits +[0-9]+\n.*parallel efficiency +[0-9.]+%  T1 / \\(ranks \\* threads \\* T\\)")
# Every kernel gives the same hits (auto is AVX2 where the CPU has it).
foreach(kernel IN ITEMS scalar auto)
  relay_add_mpi_test(NAME app.mc_pi.kernel_${kernel} RANKS 1 3
    COMMAND ${mcpi} --samples 1048579 --seed 42 --json --kernel ${kernel}
    PASS_REGULAR_EXPRESSION "^{\"samples\":1048579,\"hits\":822989,")
endforeach()
# --target-error: the rounds, and so samples and hits, are the same at any rank count.
foreach(p IN ITEMS 1 2 3 4)
  relay_add_mpi_test(NAME app.mc_pi.target_error RANKS ${p}
    COMMAND ${mcpi} --target-error 1e-3 --json
    PASS_REGULAR_EXPRESSION "^{\"samples\":2752512,\"hits\":2162017${mcpi_json_tail}${p},\"threads\":1,\"seed\":1}\n$")
endforeach()
foreach(units IN ITEMS "1;3" "2;2")
  list(GET units 0 p)
  list(GET units 1 t)
  relay_add_mpi_test(NAME app.mc_pi.target_error_threads_${t} RANKS ${p} LABELS threads
    COMMAND ${mcpi} --target-error 1e-3 --threads ${t} --json
    PASS_REGULAR_EXPRESSION "^{\"samples\":2752512,\"hits\":2162017${mcpi_json_tail}${p},\"threads\":${t},\"seed\":1}\n$")
endforeach()
relay_add_mpi_test(NAME app.mc_pi.target_error_capped
  COMMAND ${mcpi} --target-error 1e-6 --samples 3e6 --seed 9
  PASS_REGULAR_EXPRESSION "target error +1e-06: NOT reached \\(--samples cap\\) after 2 rounds\nhits +2356211\n")
# The text report: estimate, error, standard error, rates per rank, parallel efficiency.
relay_add_mpi_test(NAME app.mc_pi.text
  COMMAND ${mcpi} --samples 2e6 --baseline-seconds 0.5
  PASS_REGULAR_EXPRESSION "pi estimate +3\\.1[0-9]+\nerror vs pi +[-+][0-9.e+-]+ \\([-0-9.]+ standard errors\\)\nstandard error +[0-9.e+-]+  4\\*sqrt\\(p\\(1-p\\)/N\\)\nseconds +[0-9.]+\nsamples/s +[0-9.e+]+ total\n  rank 0 +[0-9.e+]+  \\([0-9]+ samples in [0-9.]+ s\\)\n(  rank [1-3] [^\n]*\n)*parallel efficiency +[0-9.]+%")
# Large N: within 5 standard errors of pi.
relay_add_mpi_test(NAME app.mc_pi.large_n TIMEOUT 300
  COMMAND ${mcpi} --samples 3e7 --seed 2024
  PASS_REGULAR_EXPRESSION "error vs pi +[-+][0-9.e+-]+ \\(-?[0-4]\\.[0-9][0-9] standard errors\\)")
relay_add_mpi_test(NAME app.mc_pi.help RANKS 1 2 COMMAND ${mcpi} --help
  PASS_REGULAR_EXPRESSION "--samples[^\n]*\n?[^\n]*Default 1e9.*--target-error")

# Bad input: one line from rank 0, exit code 2, at 1 and 3 ranks (and 2 and 4 under the label
# full: see RELAY_BAD_INPUT_RANKS).
foreach(bad IN ITEMS "--samples;0;--samples must be at least 1"
                     "--samples;-1;--samples must not be negative"
                     "--samples;abc;--samples must be a non-negative integer"
                     "--samples;1e30;--samples is too large"
                     "--samples;9223372036854775809;--samples is too large: the limit is 9223372036854775808"
                     "--samples;2.5;--samples must be a whole number"
                     "--target-error;0;--target-error must be more than 0"
                     "--target-error;-1;--target-error must not be negative"
                     "--target-error;-0.5;--target-error must not be negative"
                     "--target-error;abc;--target-error must be a positive number"
                     "--target-error;nan;--target-error must be a positive number"
                     "--target-error;inf;--target-error must be a positive number"
                     "--baseline-seconds;0;--baseline-seconds must be more than 0"
                     "--seed;-3;--seed must not be negative"
                     "--kernel;bogus;--kernel must be auto, scalar or avx2"
                     "--threads;0;--threads must be at least 1"
                     "--threads;-2;--threads must not be negative"
                     "--threads;abc;--threads must be a non-negative integer"
                     "--threads;1.5;--threads must be a whole number"
                     "--threads;1e6;--threads is too large: the limit is 1024"
                     "--threads;99999999999999999999999;--threads is too large")
  list(GET bad 0 option)
  list(GET bad 1 value)
  list(GET bad 2 message)
  string(MAKE_C_IDENTIFIER "${option}_${value}" id)
  string(REGEX REPLACE "^_+" "" id "${id}")
  relay_add_mpi_test(NAME app.mc_pi.bad_${id} ${RELAY_BAD_INPUT_RANKS} QUIET TIMEOUT 30
    WRAPPER ${expect_usage_error} 2 "^mc_pi: ${message}"
    COMMAND ${mcpi} ${option} ${value})
endforeach()
relay_add_mpi_test(NAME app.mc_pi.bad_option ${RELAY_BAD_INPUT_RANKS} QUIET TIMEOUT 30
  WRAPPER ${expect_usage_error} 2 "^mc_pi: .*--bogus" COMMAND ${mcpi} --bogus)
