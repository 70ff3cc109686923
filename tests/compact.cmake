# SPDX-License-Identifier: Apache-2.0
# The compact variant (src/wasm/module_variant.h): the same guests and
# expectations as run.cmake, run by compact_run, which loads modules in
# the compact variant; a module with a too-large native frame; and the
# density of idle compact cells.

# compact_run runs cells with minos run's own code (stdio wiring, outcome),
# which reads its command line with the CLI's options and help.
add_executable(compact_run unit/compact_run.c ${PROJECT_SOURCE_DIR}/src/cli/run_command.c
               ${PROJECT_SOURCE_DIR}/src/cli/options.c ${PROJECT_SOURCE_DIR}/src/cli/help.c)
target_link_libraries(compact_run PRIVATE minos_runtime)
set(COMPACT_RUN $<TARGET_FILE:compact_run>)

minos_test(compact_hello EXIT 7 STDOUT "^hello from a sealed cell$"
           COMMAND ${COMPACT_RUN} ${GUESTS}/hello.wasm)

# Each trap keeps its own kind and function: the explicit checks of
# compact code report what guard pages report in fast code.
foreach(case ${TRAP_CASES})
  string(REPLACE "|" ";" parts "${case}")
  list(GET parts 0 kind)
  list(GET parts 1 message)
  minos_test(compact_trap_${kind} EXIT 134 STDERR "^minos: trap: ${message}$" NO_STDOUT "survived"
             COMMAND ${COMPACT_RUN} ${GUESTS}/traps.wasm ${kind})
endforeach()

# Growth stops exactly at the limit, which is also the size of the slot.
minos_test(compact_memory_limit_2m STDOUT "grew to 32 pages; growth past the limit refused"
           COMMAND ${COMPACT_RUN} --max-memory 2M ${GUESTS}/memory_growth.wasm 32)
minos_test(compact_memory_limit_8m STDOUT "grew to 128 pages"
           COMMAND ${COMPACT_RUN} --max-memory 8M ${GUESTS}/memory_growth.wasm 128)
minos_test(compact_memory_initial_over_limit EXIT 134 STDERR "^minos: fault: memory limit$"
           COMMAND ${COMPACT_RUN} --max-memory 1M ${MODULES}/big_memory.wasm)
minos_test(compact_table_over_limit EXIT 134 STDERR "^minos: fault: table limit$"
           COMMAND ${COMPACT_RUN} ${MODULES}/huge_table.wasm)
# Host functions see the memory's size, not its (larger) slot.
minos_test(compact_wasi_bad_pointers STDOUT "^survived$" "^wasi_bad_pointers: all [0-9]+ checks passed$"
           NO_STDOUT "SHOULD-NOT-APPEAR" NO_STDERR "trap"
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/wasi_scratch.sh ${COMPACT_RUN} --dir @SCRATCH@/grant::/data
                   ${GUESTS}/wasi_bad_pointers.wasm)
minos_test(compact_wasi_files STDOUT "all [0-9]+ checks passed"
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/wasi_scratch.sh ${COMPACT_RUN} --dir @SCRATCH@/grant::/data
                   ${GUESTS}/wasi_files.wasm)

# A function whose native frame exceeds COMPACT_FRAME_LIMIT (compile.h)
# could reach past its stack's end before the next prologue check, so the
# compact variant refuses it; the fast variant (guard page) runs it.
set(big_frame_wat ${CMAKE_CURRENT_BINARY_DIR}/compact_big_frame.wat)
set(big_frame ${MODULES}/compact_big_frame.wasm)
set(locals 5000)
math(EXPR last "${locals} - 1")
set(wat "(module\n  (memory (export \"memory\") 2)\n  (func (export \"_start\")\n    (local")
foreach(i RANGE ${last})
  string(APPEND wat " i64")
endforeach()
string(APPEND wat ")\n")
# Loaded in order and summed in reverse: all of them live at once.
foreach(i RANGE ${last})
  math(EXPR offset "${i} * 8")
  string(APPEND wat "    (local.set ${i} (i64.load offset=${offset} (i32.const 0)))\n")
endforeach()
string(APPEND wat "    (i32.const 0)\n    (local.get ${last})\n")
foreach(i RANGE ${last})
  math(EXPR index "${last} - ${i}")
  if(index LESS ${last})
    string(APPEND wat "    (local.get ${index}) (i64.add)\n")
  endif()
endforeach()
string(APPEND wat "    (i64.store)))\n")
# Rewritten only when it changes, so the module is not rebuilt every configure.
set(old_wat "")
if(EXISTS ${big_frame_wat})
  file(READ ${big_frame_wat} old_wat)
endif()
if(NOT old_wat STREQUAL wat)
  file(WRITE ${big_frame_wat} "${wat}")
endif()
add_custom_command(
  OUTPUT ${big_frame}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${MODULES}
  COMMAND ${WAT2WASM} ${big_frame_wat} -o ${big_frame}
  DEPENDS ${big_frame_wat} VERBATIM)
add_custom_target(compact_test_modules ALL DEPENDS ${big_frame})
minos_test(compact_big_frame_refused EXIT 125 STDERR "needs a native frame of [0-9]+ bytes. compact code allows 32768"
           TIMEOUT 300 COMMAND ${COMPACT_RUN} ${big_frame})
minos_test(compact_big_frame_fast TIMEOUT 300 COMMAND ${MINOS} run ${big_frame})

# The variant is in the cache key; compact artefacts and refusals are cached.
minos_test(compact_cache STDOUT "compact cache ok" TIMEOUT 300
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/unit/compact_cache_test.sh ${MINOS} ${COMPACT_RUN}
                   ${GUESTS}/hello.wasm ${big_frame})

# Idle compact cells: VMAs and resident memory per cell, slots reused.
minos_add_guest(compact_idle SOURCES unit/compact_idle_guest.c
                FLAGS -O2 -Wl,-z,stack-size=8192)
add_executable(compact_density unit/compact_density.c)
target_link_libraries(compact_density PRIVATE minos_runtime)
add_test(NAME compact_density COMMAND compact_density ${GUESTS}/compact_idle.wasm 2000 --check)
set_tests_properties(compact_density PROPERTIES
  ENVIRONMENT "MINOS_CACHE_DIR=${MINOS_TEST_CACHE_DIR}" TIMEOUT 300)

# The loader's code ranges (read by the fault handler) grow past one chunk.
add_executable(code_ranges_test unit/code_ranges_test.c)
target_link_libraries(code_ranges_test PRIVATE minos_runtime)
add_test(NAME code_ranges_test COMMAND code_ranges_test)
set_tests_properties(code_ranges_test PROPERTIES
  ENVIRONMENT "MINOS_CACHE_DIR=${MINOS_TEST_CACHE_DIR}" TIMEOUT 600)
