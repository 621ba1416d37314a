# ---- task_farm ----------------------------------------------------------------------------------
set(tf $<TARGET_FILE:task_farm>)
set(tf_scripts ${CMAKE_CURRENT_SOURCE_DIR}/task_farm)

# The pure parts, without mpirun: task files, the status log round trip, the resume plan,
# farm.json, what travels through the pool, the summary, and process running (exit codes,
# timeouts that kill grandchildren, output files, waiting on a task's pidfd).
add_executable(test_task_farm_core ${tf_scripts}/test_task_farm_core.cpp)
target_link_libraries(test_task_farm_core PRIVATE task_farm_core GTest::gtest_main)
relay_set_warnings(test_task_farm_core)
add_test(NAME app.task_farm.core COMMAND test_task_farm_core)
set_tests_properties(app.task_farm.core PROPERTIES TIMEOUT 60 LABELS "app")
# Templates and sweeps (against parallel's --dry-run texts), #FARM directives.
add_executable(test_task_farm_habits ${tf_scripts}/test_task_farm_habits.cpp)
target_link_libraries(test_task_farm_habits PRIVATE task_farm_core GTest::gtest_main)
relay_set_warnings(test_task_farm_habits)
add_test(NAME app.task_farm.habits_core COMMAND test_task_farm_habits)
set_tests_properties(app.task_farm.habits_core PROPERTIES TIMEOUT 60 LABELS "app")

# The farm as users run it: the log is complete and correct, exit codes, retries, timeouts, big
# outputs, options, resume after the job is killed, no busy polling. The scripts that mostly wait
# on sleeping tasks and signals run at 1 rank (rank 0 farms alone) and 3 (a master and several
# workers) in the suite; their other rank counts carry the label full (scripts/test.sh --full).
foreach(script_ranks IN ITEMS "basic|1 2 3 4|" "resume_after_kill|1 3|2 4" "interrupt|1 3|2 4"
                              "retries_timeout|1|2" "big_output|1 3|" "options|1|2"
                              "defects|2|1 3" "halt_joblog|2|1 3" "progress|2|1")
  string(REPLACE "|" ";" parts "${script_ranks}")
  list(GET parts 0 script)
  list(GET parts 1 ranks)
  list(GET parts 2 full_ranks)
  separate_arguments(ranks)
  separate_arguments(full_ranks)
  relay_add_mpi_test(NAME app.task_farm.${script} RANKS ${ranks} FULL_RANKS ${full_ranks}
    TIMEOUT 120 COST 10 WRAPPER bash ${tf_scripts}/${script}.sh COMMAND ${tf})
endforeach()
# Every way of stopping a farm ends alike (stop.sh): nothing completes unlogged, nothing runs on,
# and --resume completes each task exactly once.
foreach(mode IN ITEMS term int2 timeout usr1 kill9 task_signal)
  relay_add_mpi_test(NAME app.task_farm.stop_${mode} RANKS 2 FULL_RANKS 1 3 TIMEOUT 60 COST 8
    WRAPPER bash ${tf_scripts}/stop.sh ${mode} COMMAND ${tf})
endforeach()
# Habits of GNU parallel, disBatch and HyperQueue users: --template sweeps (against the checked-in
# expansion; template_parallel also against the installed GNU parallel, skipped without it),
# #FARM barriers, task_farm status while a farm runs and after, cores per task, and per-rank
# output files with task_farm extract.
relay_add_mpi_test(NAME app.task_farm.template RANKS 1 FULL_RANKS 3 TIMEOUT 60
  WRAPPER bash ${tf_scripts}/template.sh COMMAND ${tf})
relay_add_mpi_test(NAME app.task_farm.template_parallel RANKS 2 TIMEOUT 60
  WRAPPER bash ${tf_scripts}/template.sh --parallel COMMAND ${tf})
set_tests_properties(app.task_farm.template_parallel.2ranks PROPERTIES SKIP_RETURN_CODE 77)
relay_add_mpi_test(NAME app.task_farm.barrier_status RANKS 1 3 FULL_RANKS 2 4 TIMEOUT 120
  COST 10 WRAPPER bash ${tf_scripts}/barrier_status.sh COMMAND ${tf})
relay_add_mpi_test(NAME app.task_farm.cores RANKS 3 4 FULL_RANKS 1 2 TIMEOUT 120 COST 10
  WRAPPER bash ${tf_scripts}/cores.sh COMMAND ${tf})
relay_add_mpi_test(NAME app.task_farm.output_modes RANKS 1 3 FULL_RANKS 2 4 TIMEOUT 120
  COST 10 WRAPPER bash ${tf_scripts}/output_modes.sh COMMAND ${tf})
# The progress line on a terminal under tmux (progress.sh covers pipes and script(1)). tmux is in
# scripts/setup.sh's packages; without it (RELAY_SKIP_SETUP=1 elsewhere) the test is not registered.
find_program(RELAY_TMUX tmux)
if(RELAY_TMUX)
  relay_add_mpi_test(NAME app.task_farm.progress_tmux RANKS 2 TIMEOUT 90 COST 4
    WRAPPER bash ${tf_scripts}/progress_tmux.sh COMMAND ${tf})
else()
  message(STATUS "tmux not found: app.task_farm.progress_tmux is not registered "
                 "(scripts/setup.sh installs Debian's tmux)")
endif()
# The ranks' journals of successes: --resume logs what a killed farm had not (journal.hpp).
relay_add_mpi_test(NAME app.task_farm.journal RANKS 2 FULL_RANKS 1 TIMEOUT 60
  WRAPPER bash ${tf_scripts}/journal.sh COMMAND ${tf})
# --tag under every --output mode: every line once, whole, with its task's id.
relay_add_mpi_test(NAME app.task_farm.tag RANKS 2 4 FULL_RANKS 1 TIMEOUT 60 COST 4
  WRAPPER bash ${tf_scripts}/tag.sh COMMAND ${tf})
relay_add_mpi_test(NAME app.task_farm.no_busy_poll RANKS 1 2 TIMEOUT 60
  WRAPPER bash ${tf_scripts}/no_busy_poll.sh COMMAND ${tf})
relay_add_mpi_test(NAME app.task_farm.help RANKS 1 COMMAND ${tf} --help
  PASS_REGULAR_EXPRESSION "odls_base_sigkill_timeout")

# Bad input: one line from rank 0, exit code 2, no hang, at 1 and 3 ranks (and 2 and 4 under the
# label full: see RELAY_BAD_INPUT_RANKS). The files are made by fixtures.sh.
set(tf_bad bash ${tf_scripts}/fixtures.sh ${expect_usage_error} 2)
foreach(bad IN ITEMS
    "missing|cannot read task file '@DIR@/nope.txt': No such file or directory|@DIR@/nope.txt"
    "directory|cannot read task file '@DIR@/adir': Is a directory|@DIR@/adir"
    "nul|line 2 holds a NUL byte|@DIR@/nul.txt"
    "long_line|line 2 is 1048577 bytes long|@DIR@/long.txt"
    "outdir|cannot create output directory '@DIR@/regular/out'|@DIR@/tasks.txt;-o;@DIR@/regular/out"
    "resume_not_farm|it is not a task_farm output directory|--resume;@DIR@/notfarm"
    "resume_missing|cannot resume '@DIR@/gone'|--resume;@DIR@/gone"
    "chunksize_0|--chunksize must be at least 1|@DIR@/tasks.txt;--chunksize;0"
    "chunksize_negative|--chunksize must not be negative|@DIR@/tasks.txt;--chunksize;-1"
    "retries_negative|--retries must not be negative|@DIR@/tasks.txt;--retries;-1"
    "timeout_text|--timeout must be a number of seconds|@DIR@/tasks.txt;--timeout;abc"
    "timeout_negative|--timeout must not be negative|@DIR@/tasks.txt;--timeout;-5"
    "timeout_zero|--timeout must be more than 0|@DIR@/tasks.txt;--timeout;0"
    "grace_negative|--grace must not be negative|@DIR@/tasks.txt;--grace;-1"
    "unknown_option|--bogus|@DIR@/tasks.txt;--bogus"
    "no_task_file|a task file is required|"
    "halt_bogus|--halt must be 'now' or 'soon', not 'later'|@DIR@/tasks.txt;--halt;later"
    "resume_both|--resume and --resume-unfinished cannot be used together|--resume;@DIR@/notfarm;--resume-unfinished;@DIR@/notfarm"
    "joblog_directory|cannot write --joblog '@DIR@/adir': Is a directory|@DIR@/tasks.txt;--joblog;@DIR@/adir")
  string(REPLACE "|" ";" parts "${bad}")
  list(GET parts 0 id)
  list(GET parts 1 message)
  list(SUBLIST parts 2 -1 args)
  relay_add_mpi_test(NAME app.task_farm.bad_${id} ${RELAY_BAD_INPUT_RANKS} QUIET TIMEOUT 30
    WRAPPER ${tf_bad} "^task_farm: .*${message}" COMMAND ${tf} ${args})
endforeach()
