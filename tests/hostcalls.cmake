# SPDX-License-Identifier: Apache-2.0
# Host calls (issue 9): a cell spinning in host calls is preempted, held
# to its CPU limit and ended by ckill like one spinning in its own code;
# nothing a cell opens blocks its worker; minos's own opens of modules,
# specs and logs never wait on a FIFO; links a cell plants stay inside
# its grant; WASI's EISDIR.

set(HOSTCALLS_SPIN_KINDS pipe wasi-pipe nowait poll clock random random-big)
foreach(kind ${HOSTCALLS_SPIN_KINDS})
  minos_test(hostcalls_spin_${kind} TIMEOUT 120
             STDOUT "^hostcalls_spin ${kind}: [0-9]+ ticks of 20 ms in 2 s beside the spinner"
                    "^hostcalls_spin ${kind}: the limited spinner ended after [0-9]+ ms$"
                    "^hostcalls_spin: all [0-9]+ checks passed$"
             NO_STDERR "FAIL"
             COMMAND env MINOS_WORKERS=1 ${MINOS} run --max-cells 4 --ro-dir ${GUESTS}::/guests
                     ${GUESTS}/hostcalls_spin.wasm ${kind})
  # The same spinner as minos run's own cell: --max-cpu ends it with the
  # "cpu limit" fault (its command comes on stdin).
  file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/hostcalls_spin_${kind}.txt "${kind}\n")
  minos_test(hostcalls_spin_${kind}_max_cpu EXIT 134 TIMEOUT 120
             STDIN ${CMAKE_CURRENT_BINARY_DIR}/hostcalls_spin_${kind}.txt
             STDOUT "^s$" STDERR "fault: cpu limit"
             COMMAND ${MINOS} run --max-cpu 300ms ${GUESTS}/hostcalls_spin.wasm)
endforeach()

# A FIFO, a device or a socket in a grant never blocks the worker: the
# cell gets ENXIO at once (with /dev granted, device nodes too).
set(HOSTCALLS_TREE ${CMAKE_CURRENT_SOURCE_DIR}/hostcalls_tree.sh)
minos_test(hostcalls_files_fifo TIMEOUT 60
           STDOUT "^hostcalls_files fifo: done: all [0-9]+ checks passed$" "^links left: 0, all inside$"
           NO_STDERR "FAIL"
           COMMAND ${HOSTCALLS_TREE} ${MINOS} run --dir @TREE@/grant::/data
                   ${GUESTS}/hostcalls_files.wasm fifo)
minos_test(hostcalls_files_devices TIMEOUT 60
           STDOUT "^hostcalls_files devices: done: all [0-9]+ checks passed$"
           NO_STDERR "FAIL"
           COMMAND ${MINOS} run --ro-dir /dev::/dev ${GUESTS}/hostcalls_files.wasm devices)

# Links a cell plants or moves never lead out of its grant, as the host
# sees them afterwards (hostcalls_tree.sh follows every one).
minos_test(hostcalls_files_links TIMEOUT 60
           STDOUT "^hostcalls_files links: done: all [0-9]+ checks passed$"
                  "^links left: [1-9][0-9]*, all inside$"
           NO_STDOUT "LEAK" NO_STDERR "FAIL"
           COMMAND ${HOSTCALLS_TREE} ${MINOS} run --dir @TREE@/grant::/data
                   ${GUESTS}/hostcalls_files.wasm links)

# WASI: a directory opened with writing rights fails with EISDIR.
minos_test(hostcalls_files_eisdir TIMEOUT 60
           STDOUT "^hostcalls_files eisdir: done: all [0-9]+ checks passed$"
           NO_STDERR "FAIL"
           COMMAND ${HOSTCALLS_TREE} ${MINOS} run --dir @TREE@/grant::/data
                   ${GUESTS}/hostcalls_files.wasm eisdir)

# minos's own opens (module, spec, a spec's code, the log) never wait on a
# FIFO (each case under timeout: a hang fails, never blocks the suite).
minos_test(hostcalls_fifo_cli TIMEOUT 120
           STDOUT "^ok run_module$" "^ok check_spec$" "^ok up_spec$" "^ok check_code$"
                  "^ok up_code$" "^ok up_log_unread$" "^ok up_log_read$"
           NO_STDOUT "FAIL" "HUNG"
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/hostcalls_fifo.sh ${MINOS} ${GUESTS}/hello.wasm)
