# SPDX-License-Identifier: Apache-2.0
# The compile sandbox and compiling off the worker (src/wasm/compile_sandbox.h,
# src/wasm/compile_pool.h).

# A module whose compile takes seconds and some 250 MB of the C compiler.
add_custom_command(
  OUTPUT ${MODULES}/sandbox_big.wasm
  COMMAND ${CMAKE_COMMAND} -E make_directory ${MODULES}
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/sandbox_big_module.sh 50000 ${CMAKE_CURRENT_BINARY_DIR}/sandbox_big.wat
  COMMAND ${WAT2WASM} ${CMAKE_CURRENT_BINARY_DIR}/sandbox_big.wat -o ${MODULES}/sandbox_big.wasm
  DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/sandbox_big_module.sh VERBATIM)
add_custom_target(sandbox_modules ALL DEPENDS ${MODULES}/sandbox_big.wasm)

set(SANDBOX_NEIGHBOUR ${CMAKE_CURRENT_SOURCE_DIR}/sandbox_neighbour.sh)
set(SANDBOX_GUEST ${GUESTS}/sandbox_neighbour.wasm ${MODULES}/sandbox_big.wasm)

# The compiler cannot write outside its build directory, reach the
# network, plant links or leave processes behind.
minos_test(sandbox_escape TIMEOUT 300 STDOUT "^sandbox escape ok$"
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/sandbox_escape.sh ${MINOS} ${GUESTS}/hello.wasm)

# A ticker on the same (only) worker keeps ticking while its sibling's
# cnew compiles.
minos_test(sandbox_compile_beside_neighbour TIMEOUT 300
           STDOUT "^compiled in [0-9]+ ms; the neighbour ticked [0-9]+ times meanwhile$"
                  "^sandbox_neighbour compile: all [0-9]+ checks passed$"
           NO_STDERR "FAIL"
           COMMAND ${SANDBOX_NEIGHBOUR} compile ${MINOS} ${SANDBOX_GUEST})

# A compile over its time or memory limit fails cnew with MINOS_ELIMIT and
# a sentence naming the limit; the parent and the ticker carry on.
minos_test(sandbox_compile_time_limit TIMEOUT 300
           STDOUT "^refused after [0-9]+ ms; the neighbour ticked [0-9]+ times meanwhile$"
                  "^sandbox_neighbour limit: all [0-9]+ checks passed$"
           STDERR "compiling took longer than the 1 s limit"
           NO_STDERR "FAIL"
           COMMAND ${SANDBOX_NEIGHBOUR} limit-time ${MINOS} ${SANDBOX_GUEST})
minos_test(sandbox_compile_memory_limit TIMEOUT 300
           STDOUT "^refused after [0-9]+ ms; the neighbour ticked [0-9]+ times meanwhile$"
                  "^sandbox_neighbour limit: all [0-9]+ checks passed$"
           STDERR "the C compiler needed more than 150 MiB of memory"
           NO_STDERR "FAIL"
           COMMAND ${SANDBOX_NEIGHBOUR} limit-memory ${MINOS} ${SANDBOX_GUEST})

# A cell that ends while its cnew compiles (the compiler takes 60 s): the
# runtime neither waits for the compile nor crashes.
minos_test(sandbox_compile_abandoned TIMEOUT 240 EXIT 134
           STDOUT "^compiling$" "^the run took [0-9]+ s$" NO_STDOUT "cnew returned" "FAIL"
           STDERR "fault: timeout"
           COMMAND ${SANDBOX_NEIGHBOUR} hang ${MINOS} ${SANDBOX_GUEST} --timeout 2s)

# Modules that could never fit the cell's memory limit are refused before
# any compiling.
minos_test(sandbox_precheck TIMEOUT 300
           STDOUT "^sandbox_neighbour precheck: all [0-9]+ checks passed$" NO_STDERR "FAIL"
           COMMAND ${MINOS} run --max-cells 8 ${GUESTS}/sandbox_neighbour.wasm precheck)

# Malformed compile limits are refused, not taken as none.
minos_test(sandbox_bad_limit EXIT 125 STDERR "MINOS_COMPILE_MEMORY=lots is not a size"
           COMMAND ${CMAKE_COMMAND} -E env MINOS_COMPILE_MEMORY=lots MINOS_CACHE_DIR=${CMAKE_CURRENT_BINARY_DIR}/sandbox-bad-limit-cache
                   ${MINOS} compile ${GUESTS}/hello.wasm)

# A compiler that spins is stopped at the CPU limit, well before the wall
# time limit, and the reason names it.
minos_test(sandbox_cpu_limit EXIT 125 TIMEOUT 300
           STDERR "the C compiler used more than the 2 s CPU time limit"
           COMMAND ${CMAKE_COMMAND} -E env MINOS_CC=${CMAKE_CURRENT_SOURCE_DIR}/sandbox_spin_cc.sh
                   MINOS_COMPILE_CPU=2s ${MINOS} compile ${GUESTS}/hello.wasm)
