# Host calls (issue 9): a cell spinning in host calls is preempted, held
# to its CPU limit and ended by ckill like one spinning in its own code;
# nothing a cell opens blocks its worker; minos's own opens of modules,
# specs and logs never wait on a FIFO; links a cell plants stay inside
# its grant; WASI's EISDIR.

set(HOSTCALLS_SPIN_KINDS pipe wasi-pipe nowait poll clock random)
foreach(kind ${HOSTCALLS_SPIN_KINDS})
  minos_test(hostcalls_spin_${kind} TIMEOUT 120
             STDOUT "^hostcalls_spin ${kind}: [0-9]+ ticks of 20 ms in 2 s beside the spinner"
                    "^hostcalls_spin ${kind}: the limited spinner ended after [0-9]+ ms$"
                    "^hostcalls_spin: all [0-9]+ checks passed$"
             NO_STDERR "FAIL"
             COMMAND env MINOS_WORKERS=1 ${MINOS} run --ro-dir ${GUESTS}::/guests
                     ${GUESTS}/hostcalls_spin.wasm ${kind})
endforeach()
