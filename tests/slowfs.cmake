# SPDX-License-Identifier: Apache-2.0
# Calls on slow file systems (network, FUSE) run off the worker, so a hung
# call cannot freeze the other cells of its worker: one test per call a
# cell can make on a file, and, for path calls, one more where the slow
# mount lies beneath a local grant. The slow file
# system is tests/tools/slowfs_fuse.c; without FUSE the tests that need it
# are reported as skipped.
pkg_check_modules(FUSE3 REQUIRED IMPORTED_TARGET fuse3)
add_executable(slowfs_fuse tools/slowfs_fuse.c)
target_link_libraries(slowfs_fuse PRIVATE PkgConfig::FUSE3)

set(SLOWFS ${CMAKE_CURRENT_SOURCE_DIR}/slowfs.sh)
set(SLOWFS_PATH_CALLS ticker lister maker toucher stater renamer linker symlinker
    readlinker unlinker remover)
set(SLOWFS_FD_CALLS closer syncer allocator futimer seeker poller)
set(SLOWFS_MODES local killed crossing ${SLOWFS_PATH_CALLS} ${SLOWFS_FD_CALLS})
foreach(call ${SLOWFS_PATH_CALLS})
  if(NOT call STREQUAL "ticker") # ticker-crossing is "crossing"
    list(APPEND SLOWFS_MODES ${call}-crossing)
  endif()
endforeach()
foreach(mode ${SLOWFS_MODES})
  add_test(NAME slowfs_${mode}
           COMMAND ${SLOWFS} ${mode} ${MINOS} $<TARGET_FILE:slowfs_fuse> ${GUESTS}/slowfs_reader.wasm)
  set_tests_properties(slowfs_${mode} PROPERTIES
    TIMEOUT 300 SKIP_RETURN_CODE 77
    ENVIRONMENT "MINOS_CACHE_DIR=${MINOS_TEST_CACHE_DIR}")
endforeach()

# The offload pool itself, with plain C cells: neighbours run, killed
# waiters end, their jobs finish or are dropped and release what they own.
add_executable(slowfs_offload_test slowfs_offload_test.c)
target_link_libraries(slowfs_offload_test PRIVATE minos_runtime)
target_include_directories(slowfs_offload_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
add_test(NAME slowfs_offload COMMAND slowfs_offload_test)
set_tests_properties(slowfs_offload PROPERTIES TIMEOUT 120)
