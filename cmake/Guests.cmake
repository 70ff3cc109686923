# SPDX-License-Identifier: Apache-2.0
# Guest programs: C compiled to wasm32-wasi with clang and Debian's wasi-libc.
#
#   minos_add_guest(NAME SOURCES a.c [b.c] [FLAGS -O2 ...] [OUTPUT_DIR dir])
#
# produces ${OUTPUT_DIR or CMAKE_BINARY_DIR/guests}/NAME.wasm and a target
# guest_NAME that the "guests" target depends on.

find_program(MINOS_WASM_CLANG NAMES clang clang-14 REQUIRED)
set(MINOS_WASI_SYSROOT "/usr" CACHE PATH "sysroot holding include/wasm32-wasi and lib/wasm32-wasi")
add_custom_target(guests ALL)

function(minos_add_guest name)
  cmake_parse_arguments(G "" "OUTPUT_DIR" "SOURCES;FLAGS" ${ARGN})
  if(NOT G_OUTPUT_DIR)
    set(G_OUTPUT_DIR ${CMAKE_BINARY_DIR}/guests)
  endif()
  if(NOT G_FLAGS)
    set(G_FLAGS -O2)
  endif()
  set(out ${G_OUTPUT_DIR}/${name}.wasm)
  set(srcs "")
  foreach(s ${G_SOURCES})
    list(APPEND srcs ${CMAKE_CURRENT_SOURCE_DIR}/${s})
  endforeach()
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${G_OUTPUT_DIR}
    COMMAND ${MINOS_WASM_CLANG} --target=wasm32-wasi --sysroot=${MINOS_WASI_SYSROOT}
            ${G_FLAGS} -Wall -Wextra -Werror -I${PROJECT_SOURCE_DIR}/include
            ${srcs} -o ${out}
    DEPENDS ${srcs}
    COMMENT "guest ${name}.wasm"
    VERBATIM)
  add_custom_target(guest_${name} DEPENDS ${out})
  add_dependencies(guests guest_${name})
endfunction()
