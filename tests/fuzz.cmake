# SPDX-License-Identifier: Apache-2.0
# Fuzzing (tests/fuzz, cmake/Fuzz.cmake). In the clang fuzzing build each
# target fuzzes for FUZZ_SECONDS from a copy of its committed corpus
# (tests/fuzz/corpus/NAME) and fails on any crash, leak, sanitizer report
# or timeout (tests/fuzz/run.sh). In other builds the same targets replay
# the corpus once. Inputs that once failed are part of the corpus; those
# whose fix belongs elsewhere and is not in yet wait in tests/fuzz/crashes,
# outside every test. Longer runs: scripts/fuzz.

set(FUZZ_SECONDS 20 CACHE STRING "how long each fuzz test fuzzes its target")

# The guest of the hostcalls target: no libc start-up, its own imports.
minos_add_guest(hostcalls_guest SOURCES fuzz/guest/hostcalls_guest.c FLAGS -O2 -nostartfiles)

# The largest input each target makes: modules as big as the seeds, specs
# of a few hundred lines, programs of a few hundred host calls.
set(FUZZ_MAX_LEN_module 65536)
set(FUZZ_MAX_LEN_spec 16384)
set(FUZZ_MAX_LEN_hostcalls 4096)
set(FUZZ_MAX_LEN_elf 16384)

foreach(name ${MINOS_FUZZ_TARGETS})
  set(corpus ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/${name})
  if(TARGET fuzz_${name})
    add_dependencies(fuzz_${name} guest_hostcalls_guest)
    add_test(NAME fuzz_${name}
             COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/run.sh $<TARGET_FILE:fuzz_${name}> ${corpus}
                     ${CMAKE_BINARY_DIR}/fuzz/${name} ${FUZZ_SECONDS}
                     -max_len=${FUZZ_MAX_LEN_${name}})
    math(EXPR timeout "${FUZZ_SECONDS} * 3 + 120")
  else()
    add_dependencies(fuzz_replay_${name} guest_hostcalls_guest)
    add_test(NAME fuzz_replay_${name} COMMAND fuzz_replay_${name} ${corpus})
    set(timeout 300)
    set(name replay_${name})
  endif()
  set_tests_properties(fuzz_${name} PROPERTIES TIMEOUT ${timeout}
                       ENVIRONMENT "MINOS_CACHE_DIR=${MINOS_TEST_CACHE_DIR}")
endforeach()
