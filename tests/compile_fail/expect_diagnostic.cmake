# Builds one compile-failure case and checks the compiler's verdict (run by ctest, see
# CMakeLists.txt): with EXPECT_COUNT > 0, the build must fail and its output match every
# EXPECT_<i> regex (relay's message and the name of the type at fault); with none, it must build.
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} --target ${TARGET}
                OUTPUT_VARIABLE output ERROR_VARIABLE output RESULT_VARIABLE result)
if(EXPECT_COUNT EQUAL 0)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "${TARGET} must compile, but did not:\n${output}")
  endif()
  return()
endif()
if(result EQUAL 0)
  message(FATAL_ERROR "${TARGET} compiled, but must not")
endif()
math(EXPR last "${EXPECT_COUNT} - 1")
foreach(i RANGE ${last})
  if(NOT output MATCHES "${EXPECT_${i}}")
    message(FATAL_ERROR "${TARGET} failed to compile, but its output lacks \"${EXPECT_${i}}\":\n"
                        "${output}")
  endif()
endforeach()
message(STATUS "${TARGET}: refused with the expected diagnostic")
