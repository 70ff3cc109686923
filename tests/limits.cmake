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
