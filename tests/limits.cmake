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
