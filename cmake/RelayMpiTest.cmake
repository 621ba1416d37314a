# relay_add_mpi_test(NAME <name> COMMAND <exe> [args...] [RANKS 1 2 3 4] [FULL_RANKS ...]
#                    [TIMEOUT s] [LABELS ...] [PASS_REGULAR_EXPRESSION re] [WILL_FAIL] [QUIET]
#                    [WRAPPER <cmd> [args...]] [COST seconds])
#
# COST is the expected run time: ctest starts the costliest tests first (until it has timings of
# its own from a previous run), so that a long test does not run alone at the end.
#
# FULL_RANKS: more rank counts, registered with the label "full", which the default test presets
# leave out (the "full" presets run them too; or ctest -L full). For checks whose outcome does
# not depend on the rank count, such as the apps' bad-input cases: the suite runs them at 1 and 3
# ranks, the full matrix adds 2 and 4.
#
# WRAPPER runs before the launcher (a script that checks the job's output or exit code); it sees
# the rank count in RELAY_TEST_RANKS. QUIET asks Open MPI's launcher not to add its own banner
# when a rank exits non-zero, for tests of the apps' one-line error messages.
#
# Registers <name>.<p>ranks for each rank count p, run through FindMPI's launcher. Each test gets
# PROCESSORS p (so CTest does not overload the machine) and a TIMEOUT (so a deadlock fails instead
# of hanging). Open MPI needs two permissions that other MPIs do not know: to run as root
# (containers, CI) and to start more ranks than cores (4 ranks on a 2-core machine); they are
# added only when the MPI library is Open MPI.

# The launcher says which MPI it belongs to ("mpiexec (Open MPI) 4.1.4" or "(OpenRTE)").
execute_process(COMMAND ${MPIEXEC_EXECUTABLE} --version
  OUTPUT_VARIABLE _relay_mpiexec_version ERROR_VARIABLE _relay_mpiexec_version
  TIMEOUT 20)
if(_relay_mpiexec_version MATCHES "Open MPI|OpenRTE")
  set(RELAY_MPI_IS_OPENMPI TRUE)
else()
  set(RELAY_MPI_IS_OPENMPI FALSE)
endif()

set(RELAY_TEST_RANKS 1 2 3 4 CACHE STRING "Rank counts at which every MPI test runs")
set(RELAY_TEST_TIMEOUT 120 CACHE STRING "Seconds before an MPI test is declared hung")
# The rank counts of a bad-input case (an app given bad input must print one line and exit with
# code 2 at any rank count): 1 and 3 ranks in the suite, 2 and 4 as well under the label "full".
# Spliced into relay_add_mpi_test's arguments.
set(RELAY_BAD_INPUT_RANKS RANKS 1 3 FULL_RANKS 2 4)

function(relay_add_mpi_test)
  cmake_parse_arguments(ARG "WILL_FAIL;QUIET" "NAME;TIMEOUT;PASS_REGULAR_EXPRESSION;COST"
                        "COMMAND;RANKS;FULL_RANKS;LABELS;WRAPPER" ${ARGN})
  if(NOT ARG_RANKS)
    set(ARG_RANKS ${RELAY_TEST_RANKS})
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT ${RELAY_TEST_TIMEOUT})
  endif()
  set(launcher_flags "")
  set(launcher_env "")
  if(RELAY_MPI_IS_OPENMPI)
    # --bind-to none: at 1 or 2 ranks mpirun binds each rank to one core, so two tests that
    # ctest -j2 runs side by side would share core 0, and a rank's threads would share its core.
    list(APPEND launcher_flags --oversubscribe --bind-to none)
    if(ARG_QUIET)
      list(APPEND launcher_flags -q)
    endif()
    # Harmless for other users; lets CI and containers run as root.
    list(APPEND launcher_env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1)
  endif()
  foreach(p IN LISTS ARG_RANKS ARG_FULL_RANKS)
    set(test_name ${ARG_NAME}.${p}ranks)
    set(labels mpi ${ARG_LABELS})
    if(p IN_LIST ARG_FULL_RANKS AND NOT p IN_LIST ARG_RANKS)
      list(APPEND labels full)
    endif()
    add_test(NAME ${test_name}
      COMMAND ${ARG_WRAPPER} ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${p} ${launcher_flags}
              ${MPIEXEC_PREFLAGS} ${ARG_COMMAND} ${MPIEXEC_POSTFLAGS})
    set_tests_properties(${test_name} PROPERTIES
      PROCESSORS ${p}
      TIMEOUT ${ARG_TIMEOUT}
      ENVIRONMENT "${launcher_env};RELAY_TEST_RANKS=${p}"
      LABELS "${labels}")
    if(ARG_PASS_REGULAR_EXPRESSION)
      set_tests_properties(${test_name} PROPERTIES
        PASS_REGULAR_EXPRESSION "${ARG_PASS_REGULAR_EXPRESSION}")
    endif()
    if(ARG_WILL_FAIL)
      set_tests_properties(${test_name} PROPERTIES WILL_FAIL TRUE)
    endif()
    if(ARG_COST)
      set_tests_properties(${test_name} PROPERTIES COST ${ARG_COST})
    endif()
  endforeach()
endfunction()
