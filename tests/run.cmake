# SPDX-License-Identifier: Apache-2.0
# minos run: exit codes, traps, limits, malformed modules, the cache.

minos_test(run_hello EXIT 7 STDOUT "^hello from a sealed cell$"
           COMMAND ${MINOS} run ${GUESTS}/hello.wasm)
minos_test(compile_cache COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cache_test.sh ${MINOS} ${GUESTS}/hello.wasm)

# Each trap ends the cell with its own kind and the function it was in.
foreach(case ${TRAP_CASES})
  string(REPLACE "|" ";" parts "${case}")
  list(GET parts 0 kind)
  list(GET parts 1 message)
  minos_test(trap_${kind} EXIT 134 STDERR "^minos: trap: ${message}$" NO_STDOUT "survived"
             COMMAND ${MINOS} run ${GUESTS}/traps.wasm ${kind})
endforeach()

# Memory: growth stops exactly at the cell's limit, and a module whose
# initial memory exceeds it never starts.
minos_test(memory_limit_2m STDOUT "grew to 32 pages; growth past the limit refused"
           COMMAND ${MINOS} run --max-memory 2M ${GUESTS}/memory_growth.wasm 32)
minos_test(memory_limit_8m STDOUT "grew to 128 pages"
           COMMAND ${MINOS} run --max-memory=8M ${GUESTS}/memory_growth.wasm 128)
minos_test(memory_initial_over_limit EXIT 134 STDERR "^minos: fault: memory limit$"
           COMMAND ${MINOS} run --max-memory 1M ${MODULES}/big_memory.wasm)
minos_test(table_over_limit EXIT 134 STDERR "^minos: fault: table limit$"
           COMMAND ${MINOS} run ${MODULES}/huge_table.wasm)

# Malformed, invalid and unsealable modules: a clear error and exit 2.
foreach(case
    "truncated|invalid module .*truncated.wasm: at byte offset 0x[0-9a-f]+: .*"
    "bad_magic|invalid module .*bad_magic.wasm: it is neither a WebAssembly module nor an ELF executable \\(it starts with [0-9a-f ]+\\); this build of minos runs WebAssembly modules and x86-64 Linux executables"
    "bad_version|invalid module .*: at byte offset 0x4: unsupported WebAssembly binary version"
    "empty|invalid module .*empty.wasm: it is an empty file; this build of minos runs WebAssembly modules and x86-64 Linux executables"
    "huge_section|invalid module .*huge_section.wasm: at byte offset 0x[0-9a-f]+: "
    "invalid_code|invalid module .*: at byte offset 0x[0-9a-f]+: type mismatch in i32.add"
    "unknown_import|invalid module .*: module imports env.launch_missiles, which minos does not provide"
    "wrong_signature|module imports wasi_snapshot_preview1.fd_write with type \\(i32\\) -> \\(i32\\), which is not minos's"
    "memory_import|module imports memory env.memory, but minos provides only functions"
    "no_start|it exports no _start function")
  string(REPLACE "|" ";" parts "${case}")
  list(GET parts 0 name)
  list(GET parts 1 message)
  minos_test(invalid_module_${name} EXIT 2 STDERR "${message}"
             COMMAND ${MINOS} run ${MODULES}/${name}.wasm)
endforeach()
minos_test(compile_invalid_module EXIT 2 STDERR "invalid module .*: module imports env.launch_missiles"
           COMMAND ${MINOS} compile ${MODULES}/unknown_import.wasm)

# The command line itself.
minos_test(usage_no_command EXIT 2 STDERR "usage: minos" COMMAND ${MINOS})
minos_test(usage_unknown_option EXIT 2 STDERR "unknown option '--frobnicate'"
           COMMAND ${MINOS} run --frobnicate ${GUESTS}/hello.wasm)
minos_test(usage_bad_size EXIT 2 STDERR "--max-memory: 'lots' is not a size"
           COMMAND ${MINOS} run --max-memory lots ${GUESTS}/hello.wasm)
minos_test(usage_missing_module EXIT 2 STDERR "run needs a module" COMMAND ${MINOS} run)
minos_test(missing_file EXIT 125 STDERR "cannot read /nonexistent/app.wasm: No such file"
           COMMAND ${MINOS} run /nonexistent/app.wasm)
minos_test(directory_as_module EXIT 125 STDERR "not a regular file"
           COMMAND ${MINOS} run ${GUESTS})
minos_test(missing_grant EXIT 125 STDERR "/nonexistent/dir"
           COMMAND ${MINOS} run --dir /nonexistent/dir ${GUESTS}/hello.wasm)

# A malformed MINOS_WORKERS is an error naming it, never one worker by default.
foreach(workers "abc" "0" "300" "2x")
  minos_test(run_bad_workers_${workers} EXIT 125
             STDERR "^minos: MINOS_WORKERS: '${workers}' is not a whole number from 1 to 256$"
             NO_STDOUT "hello"
             COMMAND env MINOS_WORKERS=${workers} ${MINOS} run ${GUESTS}/hello.wasm)
endforeach()
# So is a malformed MINOS_OFFLOAD_THREADS (never the default in silence).
foreach(threads "abc" "0" "65" "4x")
  minos_test(run_bad_offload_threads_${threads} EXIT 125
             STDERR "^minos: MINOS_OFFLOAD_THREADS: '${threads}' is not a whole number from 1 to 64$"
             NO_STDOUT "hello"
             COMMAND env MINOS_OFFLOAD_THREADS=${threads} ${MINOS} run ${GUESTS}/hello.wasm)
endforeach()
minos_test(run_bad_slow_files EXIT 125
           STDERR "^minos: MINOS_SLOW_FILES: 'some' is neither 'all' nor 'none'$"
           NO_STDOUT "hello"
           COMMAND env MINOS_SLOW_FILES=some ${MINOS} run ${GUESTS}/hello.wasm)

# Help: each command's own, on stdout, exit 0; an unknown one is an error.
minos_test(help_run STDOUT "--ro-dir HOST\\[::GUEST\\]" COMMAND ${MINOS} run --help)
minos_test(help_run_short STDOUT "--max-cpu DURATION" COMMAND ${MINOS} help run)
minos_test(help_up STDOUT "--log-rate N/s" COMMAND ${MINOS} up -h)
minos_test(help_check STDOUT "1 if a" COMMAND ${MINOS} check --help)
minos_test(help_unknown EXIT 2 STDERR "no help for 'nope'" COMMAND ${MINOS} help nope)
minos_test(run_unknown_option EXIT 2 STDERR "try 'minos run --help'"
           COMMAND ${MINOS} run --frobnicate ${GUESTS}/hello.wasm)

# Code that is not a wasm module is named for what it is (the foreign one
# is an AArch64 ELF header among the ELF fuzzer's seeds).
minos_test(run_script EXIT 2
           STDERR "invalid module .*scripts/demo: it is a script \\(#!/bin/sh\\); this build of minos runs WebAssembly modules and x86-64 Linux executables"
           COMMAND ${MINOS} run ${PROJECT_SOURCE_DIR}/scripts/demo)
minos_test(run_foreign_program EXIT 2
           STDERR "it is an ELF object for AArch64, not x86-64"
           COMMAND ${MINOS} run ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/elf/5cdd10efcd33dc38be0ad2740536151574054bdf)
