# SPDX-License-Identifier: Apache-2.0
# The guest API (include/minos.h) end to end: guests in tests/guests/api_*.c
# check exact results themselves (printing each failed check on stderr and
# exiting non-zero) and end with "NAME: all N checks passed"; the tests
# check that line, the exit status, and what the children printed.
# Children come from api_child.wasm (a command-driven child, see there) and
# hand-written modules (tests/modules/api_*.wat), read by the parent from
# read-only grants and piped to cnew as bytes.

# Creating cells is a grant: child-limit holds 4,096 children at once.
set(API_GRANTS --ro-dir ${GUESTS}::/guests --ro-dir ${MODULES}::/modules --max-cells 5000)
set(EXAMPLES ${CMAKE_BINARY_DIR}/examples)

# Channels inside one cell.
foreach(section basics errors faults limits timeouts fairness backpressure wasi wasi-more)
  minos_test(api_channels_${section}
             STDOUT "^api_channels ${section}: all [0-9]+ checks passed$"
             NO_STDERR "FAIL"
             COMMAND ${MINOS} run ${GUESTS}/api_channels.wasm ${section})
endforeach()
# basics also writes to stdout and stderr with minos_write.
minos_test(api_channels_stdio_ends
           STDOUT "^minos_write to stdout$" STDERR "^minos_write to stderr$"
           COMMAND ${MINOS} run ${GUESTS}/api_channels.wasm basics)

# The host's reader of stdout leaves early: ECLOSED and EPIPE, no SIGPIPE.
minos_test(api_channels_stdout_closed
           STDOUT "^stdout closed after [0-9]+ bytes$"
                  "^api_channels stdout-closed: all [0-9]+ checks passed$" "^minos exited 0$"
           NO_STDOUT "FAIL"
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/api_stdout_closed.sh ${MINOS} ${GUESTS}/api_channels.wasm)

# Children.
foreach(section exit traps kill cpu-limit init module numbering release pipes orphans chain fan-in
                many child-limit stream-code memory reuse)
  minos_test(api_children_${section} TIMEOUT 120
             STDOUT "^api_children ${section}: all [0-9]+ checks passed$"
             NO_STDERR "FAIL"
             COMMAND ${MINOS} run ${API_GRANTS} ${GUESTS}/api_children.wasm ${section})
endforeach()
# The parent hands its own stdout to a child, so it reports on stderr.
minos_test(api_children_stdio TIMEOUT 120
           STDOUT "^hello from child$"
           STDERR "^api_children stdio: all [0-9]+ checks passed$"
           NO_STDERR "FAIL"
           COMMAND ${MINOS} run ${API_GRANTS} ${GUESTS}/api_children.wasm stdio)
# The top cell exits with a spinning, a blocked and an echoing child still
# there: they end with it, and minos exits with its code at once.
minos_test(api_children_abandon EXIT 5 TIMEOUT 30
           STDERR "^abandon: leaving 3 children behind, 0 failures$"
           NO_STDERR "FAIL"
           COMMAND ${MINOS} run ${API_GRANTS} ${GUESTS}/api_children.wasm abandon)

# A child's code straight from the parent's stdin, or copied from it.
minos_test(api_stdin_code_direct STDIN ${MODULES}/api_exit.wasm
           STDOUT "^api_stdin_code direct: all [0-9]+ checks passed$" NO_STDERR "FAIL"
           COMMAND ${MINOS} run --max-cells 4 ${GUESTS}/api_stdin_code.wasm direct)
minos_test(api_stdin_code_copy STDIN ${GUESTS}/api_child.wasm TIMEOUT 120
           STDOUT "^read [0-9]+ bytes of code from stdin$"
                  "^api_stdin_code copy: all [0-9]+ checks passed$"
           NO_STDERR "FAIL"
           COMMAND ${MINOS} run --max-cells 4 ${GUESTS}/api_stdin_code.wasm copy)

# A spinner (no CPU limit) on the parent's own worker does not stop 20000
# round trips with another child there.
minos_test(api_spinner TIMEOUT 120
           STDOUT "^api_spinner: 20000 round trips beside 2 spinners$"
                  "^api_spinner: all [0-9]+ checks passed$"
           NO_STDERR "FAIL"
           COMMAND ${MINOS} run --max-cells 8 --ro-dir ${GUESTS}::/guests ${GUESTS}/api_spinner.wasm 20000)

# 10,000 create/trap cycles: minos's VmRSS and open descriptors flat
# between cycle 1,000 and 10,000 (sampled while the guest is parked).
minos_test(api_density TIMEOUT 600
           STDOUT "^api_density: 10000 of 10000 cycles ended in unreachable$"
                  "^api_density: all 10000 checks passed$" "^density ok$"
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/api_density.sh ${MINOS} ${MODULES}
                   ${GUESTS}/api_density.wasm 10000)

# Examples.
minos_test(api_example_pipeline TIMEOUT 120 STDIN ${PROJECT_SOURCE_DIR}/examples/pipeline/input.txt
           STDOUT "^2 15 103$"
           STDERR "^pipeline: /bin/cat.wasm exited 0$" "^pipeline: /bin/grep.wasm exited 0$"
                  "^pipeline: /bin/wc.wasm exited 0$"
           NO_STDOUT "error"
           COMMAND ${MINOS} run --max-cells 8 --ro-dir ${EXAMPLES}/pipeline::/bin
                   ${EXAMPLES}/pipeline/pipeline.wasm
                   /bin/cat.wasm /bin/grep.wasm /bin/wc.wasm)
# Four stages: the error lines themselves, through two more cats.
minos_test(api_example_pipeline_long TIMEOUT 120 STDIN ${PROJECT_SOURCE_DIR}/examples/pipeline/input.txt
           STDOUT "^12:00:07 error cannot open /data/cache: permission denied$"
                  "^12:01:14 error upstream timed out after 30 s$"
           NO_STDOUT "info" "warn"
           STDERR "^pipeline: /bin/cat.wasm exited 0$"
           NO_STDERR "ended:"
           COMMAND ${MINOS} run --max-cells 8 --ro-dir ${EXAMPLES}/pipeline::/bin
                   ${EXAMPLES}/pipeline/pipeline.wasm
                   /bin/cat.wasm /bin/grep.wasm /bin/cat.wasm /bin/cat.wasm)
minos_test(api_example_spawner TIMEOUT 120
           STDOUT "^spawner: child 1, [0-9]+ bytes of code$"
                  "^\\[1\\] hello from a cell, working on job 1$" "^\\[1\\] exited 0$"
                  "^\\[2\\] about to crash$" "^\\[2\\] ended: unreachable$"
                  "^\\[3\\] hello from a cell, working on job 3$" "^\\[3\\] exited 0$"
                  "^\\[4\\] not started: not a valid module$"
                  "^spawner: 4 children, 2 exited 0, 2 did not$"
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/api_spawner.sh ${MINOS} ${EXAMPLES}/spawner/spawner.wasm
                   ${EXAMPLES}/spawner/greet.wasm ${EXAMPLES}/spawner/crash.wasm
                   ${EXAMPLES}/spawner/greet.wasm ${MODULES}/invalid_code.wasm)
