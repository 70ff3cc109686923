# SPDX-License-Identifier: Apache-2.0
# WASI preview 1: guests in tests/guests/wasi_*.c assert the behaviour
# themselves (printing each failed check and exiting non-zero); the tests
# check their exit status and output. Tests that need files run under
# wasi_scratch.sh, which builds a scratch tree (see there), substitutes it
# for @SCRATCH@ and fails if anything outside the writable grant changed.

set(SCRATCH ${CMAKE_CURRENT_SOURCE_DIR}/wasi_scratch.sh)

minos_test(wasi_hello STDOUT "^hello from wasi stdout$" STDERR "^hello from wasi stderr$"
           COMMAND ${MINOS} run ${GUESTS}/wasi_hello.wasm)

# Only --env reaches the guest, never minos's own environment.
minos_test(wasi_args_env
           STDOUT "^arg\\[0\\]=<.*wasi_args_env.wasm>$" "^arg\\[1\\]=<2>$" "^arg\\[2\\]=<two words>$"
                  "^arg\\[3\\]=<--dir>$" "^env=<GREETING=hello world>$"
                  "^env=<EMPTY=>$" "all [0-9]+ checks passed"
           NO_STDOUT "env=<PATH=" "env=<HOME="
           COMMAND ${MINOS} run --env "GREETING=hello world" --env EMPTY= ${GUESTS}/wasi_args_env.wasm
                   2 "two words" --dir)
# --argv0: the name the program is known by, in place of CODE's path.
minos_test(wasi_args_env_argv0 STDOUT "^arg\\[0\\]=<app>$" "^arg\\[1\\]=<0>$" "all [0-9]+ checks passed"
           COMMAND ${MINOS} run --argv0 app ${GUESTS}/wasi_args_env.wasm 0)
minos_test(wasi_args_env_none STDOUT "^arg\\[1\\]=<0>$" "all [0-9]+ checks passed" NO_STDOUT "^env="
           COMMAND ${MINOS} run ${GUESTS}/wasi_args_env.wasm 0)

minos_test(wasi_files STDOUT "^wasi_files: all [0-9]+ checks passed$" NO_STDERR "FAIL"
           COMMAND ${SCRATCH} ${MINOS} run --dir @SCRATCH@/grant::/data ${GUESTS}/wasi_files.wasm)
minos_test(wasi_readonly STDOUT "^wasi_readonly: all [0-9]+ checks passed$" NO_STDERR "FAIL"
           COMMAND ${SCRATCH} ${MINOS} run --ro-dir @SCRATCH@/readonly::/ro
                   --dir @SCRATCH@/grant::/data ${GUESTS}/wasi_readonly.wasm)
minos_test(wasi_escape STDOUT "^wasi_escape: all [0-9]+ checks passed$" NO_STDERR "FAIL"
           COMMAND ${SCRATCH} ${MINOS} run --dir @SCRATCH@/grant::/data ${GUESTS}/wasi_escape.wasm)
minos_test(wasi_no_grant STDOUT "^wasi_no_grant: all [0-9]+ checks passed$"
           COMMAND ${MINOS} run ${GUESTS}/wasi_no_grant.wasm)

minos_test(wasi_clocks STDOUT "^wasi_clocks: all [0-9]+ checks passed$"
           COMMAND ${MINOS} run ${GUESTS}/wasi_clocks.wasm)
minos_test(wasi_random STDOUT "^wasi_random: all [0-9]+ checks passed$"
           COMMAND ${MINOS} run ${GUESTS}/wasi_random.wasm)
minos_test(wasi_poll STDOUT "^wasi_poll: all [0-9]+ checks passed$" "^slept [0-9]+ ms for 20$"
           COMMAND ${SCRATCH} ${MINOS} run --dir @SCRATCH@/grant::/data ${GUESTS}/wasi_poll.wasm)

minos_test(wasi_stdin_stdout STDOUT "^round trip ok$" STDERR "^copied 1049576 bytes$"
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/wasi_cat.sh ${MINOS} ${GUESTS}/wasi_cat.wasm)

minos_test(wasi_bad_pointers STDOUT "^survived$" "^wasi_bad_pointers: all [0-9]+ checks passed$"
           NO_STDOUT "SHOULD-NOT-APPEAR" NO_STDERR "trap"
           COMMAND ${SCRATCH} ${MINOS} run --dir @SCRATCH@/grant::/data ${GUESTS}/wasi_bad_pointers.wasm)
minos_test(wasi_descriptors STDOUT "^wasi_descriptors: all [0-9]+ checks passed$"
           COMMAND ${SCRATCH} ${MINOS} run --dir @SCRATCH@/grant::/data ${GUESTS}/wasi_descriptors.wasm)

minos_test(wasi_exit EXIT 42 STDOUT "^leaving with 42$" NO_STDOUT "after exit"
           COMMAND ${MINOS} run ${GUESTS}/wasi_exit.wasm 42)
minos_test(wasi_exit_raw EXIT 3 NO_STDOUT "."
           COMMAND ${MINOS} run ${GUESTS}/wasi_exit.wasm 3 raw)
minos_test(wasi_exit_zero STDOUT "^leaving with 0$"
           COMMAND ${MINOS} run ${GUESTS}/wasi_exit.wasm 0)

# A grant that cannot be opened is refused before the guest runs, by name
# (125: minos itself could not start the command).
minos_test(wasi_missing_grant EXIT 125 STDERR "cannot grant directory /nonexistent/minos-grant: No such file or directory"
           COMMAND ${MINOS} run --dir /nonexistent/minos-grant ${GUESTS}/wasi_hello.wasm)

# Non-blocking stdin is emulated (the host's stdio flags are never
# changed); poll_oneoff wakes on data and reports the hang-up.
minos_test(wasi_stdin_poll STDOUT "^wasi_stdin_poll: all [0-9]+ checks passed$"
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/wasi_stdin_poll.sh ${MINOS} ${GUESTS}/wasi_stdin_poll.wasm)
