# Warnings for relay's own targets; RELAY_WERROR (CI turns it on) makes them errors.
function(relay_set_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
      -Wno-sign-conversion $<$<BOOL:${RELAY_WERROR}>:-Werror>)
  endif()
endfunction()
