# Warnings for relay's own targets; RELAY_WERROR (CI turns it on) makes them errors.
function(relay_set_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
      -Wno-sign-conversion $<$<BOOL:${RELAY_WERROR}>:-Werror>)
  endif()
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    # GCC 12 reports false -Wrestrict overlaps inside std::string's operator+ at -O2 and above
    # (GCC bug 105329, fixed in GCC 13).
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
endfunction()
