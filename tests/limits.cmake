# SPDX-License-Identifier: Apache-2.0
# Limits are inherited and total (issue 9): a child gets at most what its
# parent has left and what it spends counts against its parent; creating
# cells is a grant with a cap on live descendants, and the runtime caps
# its cells; memory counts channels; limits that cannot be honoured are
# refused; a cell's share of host descriptors leaves its neighbours theirs.
set(LIMITS_RUN ${MINOS} run --ro-dir ${GUESTS}::/guests)

foreach(case "memory|--max-memory;8M;--max-cells;8"
             "channels|--max-memory;4M;--max-cells;8"
             "cpu|--max-cpu;2s;--max-cells;8"
             "cells|--max-cells;10"
             "total-cells|--max-cells;100;--max-total-cells;4"
             "no-spawn|"
             "descriptors|--max-descriptors;12;--max-cells;8")
  string(REPLACE "|" ";" parts "${case}")
  list(GET parts 0 section)
  list(SUBLIST parts 1 -1 flags)
  minos_test(limits_tree_${section} TIMEOUT 120
             STDOUT "^limits_tree ${section}: all [0-9]+ checks passed$"
             NO_STDERR "FAIL"
             COMMAND ${LIMITS_RUN} ${flags} ${GUESTS}/limits_tree.wasm ${section})
endforeach()

# Host descriptors: the soft limit raised to the hard one; a cell at its
# share gets EMFILE and its neighbour still opens files.
set(LIMITS_DATA ${CMAKE_BINARY_DIR}/limits-data)
file(WRITE ${LIMITS_DATA}/file "x\n")
set(DATA ${LIMITS_DATA})
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/limits/files.json.in
               ${CMAKE_BINARY_DIR}/limits-specs/files.json @ONLY)
minos_test(limits_host_descriptors TIMEOUT 60
           STDERR "^hog: holds 300 files$"
                  "hog: holds [0-9]+ files, then No file descriptors available$"
                  "hog: the neighbour says: opened /data/file"
           NO_STDERR "cannot open"
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/limits_files.sh ${MINOS}
                   ${CMAKE_BINARY_DIR}/limits-specs/files.json ${GUESTS}/limits_files.wasm
                   ${LIMITS_DATA})

# A supervised cell without the "spawn" grant: cnew is not permitted, and
# the cell carries on (the spawner reports each refusal and goes on).
set(EXAMPLES ${CMAKE_BINARY_DIR}/examples)
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/limits/no_spawn.json.in
               ${CMAKE_BINARY_DIR}/limits-specs/no_spawn.json @ONLY)
minos_test(limits_sup_no_spawn_grant
           STDOUT "^\\[1\\] not started: not permitted$" "^\\[2\\] not started: not permitted$"
                  "^spawner: 2 children, 0 exited 0, 2 did not$"
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/sup_cnew_grants.sh ${MINOS}
                   ${CMAKE_BINARY_DIR}/limits-specs/no_spawn.json
                   ${EXAMPLES}/spawner/greet.wasm ${EXAMPLES}/spawner/greet.wasm)

# minos run: a limit that cannot be honoured is refused (exit 2, saying
# why), never taken as "no limit"; CPU time and wall time end the cell with
# a fault (exit 134).
foreach(case "--max-memory;1K|is below one wasm page"
             "--max-memory;0|is not a size"
             "--max-cpu;fast|is not a duration"
             "--max-cpu;0|is not a duration above 0"
             "--timeout;0|is not a duration above 0"
             "--max-cells;0|is not a whole number from 1"
             "--max-cells;-3|is not a whole number from 1"
             "--max-descriptors;2|is not a whole number from 3"
             "--max-total-cells;lots|is not a whole number from 1")
  string(REPLACE "|" ";" parts "${case}")
  list(GET parts 0 flag)
  list(GET parts 1 value)
  list(GET parts 2 message)
  string(MAKE_C_IDENTIFIER "limits_run_${flag}_${value}" test_name)
  minos_test(${test_name} EXIT 2 STDERR "${flag}: '${value}' ${message}"
             COMMAND ${MINOS} run ${flag} ${value} ${GUESTS}/hello.wasm)
endforeach()
file(WRITE ${LIMITS_DATA}/spin "spin\n")
minos_test(limits_run_max_cpu EXIT 134 STDIN ${LIMITS_DATA}/spin
           STDERR "^minos: fault: cpu limit"
           COMMAND ${MINOS} run --max-cpu 200ms ${GUESTS}/limits_child.wasm)
minos_test(limits_run_timeout_spinning EXIT 134 STDIN ${LIMITS_DATA}/spin
           STDERR "^minos: fault: timeout"
           COMMAND ${MINOS} run --timeout 300ms ${GUESTS}/limits_child.wasm)
# Blocked on its stdin (a FIFO that stays open and silent): ended at its
# timeout, and minos exits.
minos_test(limits_run_timeout_blocked EXIT 134 STDERR "^minos: fault: timeout"
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/limits_blocked_stdin.sh ${MINOS} run
                   --timeout 300ms ${GUESTS}/limits_child.wasm)

# libminos: options it cannot honour are refused; 0 means a default.
add_executable(embed_limits limits/embed_limits.c)
target_link_libraries(embed_limits PRIVATE minos_shared)
add_test(NAME limits_embed COMMAND embed_limits ${GUESTS})
set_tests_properties(limits_embed PROPERTIES
  ENVIRONMENT "MINOS_CACHE_DIR=${MINOS_TEST_CACHE_DIR}"
  PASS_REGULAR_EXPRESSION "^[^F]*embed_limits: all checks passed")

# minos up holds the runtime to --max-total-cells as minos run does: the
# cell and three children, then MINOS_ELIMIT.
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/limits/total_cells.json.in
               ${CMAKE_BINARY_DIR}/limits-specs/total_cells.json @ONLY)
minos_test(limits_sup_total_cells TIMEOUT 120
           STDOUT "^limits_tree total-cells: all [0-9]+ checks passed$"
           NO_STDOUT "FAIL"
           COMMAND ${MINOS} up -q --max-total-cells 4 ${CMAKE_BINARY_DIR}/limits-specs/total_cells.json)
minos_test(limits_sup_total_cells_refused EXIT 2
           STDERR "--max-total-cells: '0' is not a whole number from 1"
           COMMAND ${MINOS} up --max-total-cells 0 ${CMAKE_BINARY_DIR}/limits-specs/total_cells.json)
