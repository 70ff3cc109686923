# SPDX-License-Identifier: Apache-2.0
# Network for cells: the socket reactor alone (a C unit test), and the
# guest API's connect, listen and accept end to end over loopback, with
# guests only (tests/guests/net.c), so nothing but minos is needed.

add_executable(reactor_test unit/reactor_test.c)
target_link_libraries(reactor_test PRIVATE minos_runtime)
add_test(NAME reactor_test COMMAND reactor_test)
set_tests_properties(reactor_test PROPERTIES TIMEOUT 120)

# Cells in one long-lived runtime: a listener goes with its cell, and
# descriptors stay flat over 20 cells of 100 connections each.
add_executable(net_cells_test unit/net_cells_test.c)
target_link_libraries(net_cells_test PRIVATE minos_runtime)
add_test(NAME net_cells_test COMMAND net_cells_test ${GUESTS}/net.wasm)
set_tests_properties(net_cells_test PROPERTIES TIMEOUT 300
                     ENVIRONMENT "MINOS_CACHE_DIR=${MINOS_TEST_CACHE_DIR}")

# Guests at both ends of loopback TCP, in separate minos processes.
foreach(mode errors echo backpressure unix)
  minos_test(net_loopback_${mode} TIMEOUT 120
             STDOUT "^net (errors|client|source|unix): all [0-9]+ checks passed$"
             NO_STDOUT "FAIL" NO_STDERR "FAIL"
             COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/net_loopback.sh ${MINOS} ${GUESTS}/net.wasm ${mode})
endforeach()
