# SPDX-License-Identifier: Apache-2.0
# Native cells (issue: native cells). So far: the ELF reader that finds
# the files loading a program opens (src/native/elf.c), tested on Debian's
# /bin/cat, a static program, and a program whose library is found through
# $ORIGIN, and on hostile bytes; and the sandbox programs start in.
add_executable(native_static_hello native/static_hello.c)
add_executable(native_wall_probe native/wall_probe.c)
add_executable(native_end_relay native/end_relay.c)
add_executable(native_net_probe native/net_probe.c)
add_executable(native_parent native/native_parent.c)
target_link_libraries(native_parent PRIVATE minos_guest)
target_include_directories(native_parent PRIVATE ${PROJECT_SOURCE_DIR}/include
                           ${PROJECT_SOURCE_DIR}/src)

add_library(elf_dep SHARED native/elf_dep.c)
set_target_properties(elf_dep PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/deps)
add_executable(native_elf_user native/elf_user.c)
target_link_libraries(native_elf_user PRIVATE elf_dep)
# Its library is found only through $ORIGIN (DT_RUNPATH "$ORIGIN/deps").
set_target_properties(native_elf_user PROPERTIES BUILD_RPATH_USE_ORIGIN TRUE
                      BUILD_RPATH "$ORIGIN/deps")

add_executable(elf_test unit/elf_test.c)
target_link_libraries(elf_test PRIVATE minos_runtime)
target_include_directories(elf_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/unit)
add_test(NAME elf_test COMMAND elf_test $<TARGET_FILE:native_static_hello>
                                        $<TARGET_FILE:native_elf_user>)
set_tests_properties(elf_test PROPERTIES TIMEOUT 300)

# These are programs a native cell runs, not minos's code: built plainly,
# without the sanitizer build's flags (ASan cannot link statically, and its
# runtime has no business inside a cell).
foreach(program native_static_hello native_wall_probe native_end_relay native_net_probe elf_dep
        native_elf_user native_parent)
  set_property(TARGET ${program} PROPERTY COMPILE_OPTIONS -Wall -Wextra -Werror)
  set_property(TARGET ${program} PROPERTY LINK_OPTIONS "")
endforeach()
target_link_options(native_static_hello PRIVATE -static)
target_link_options(native_wall_probe PRIVATE -static)
target_link_options(native_parent PRIVATE -static)

# The sandbox a native program starts in (src/native/launch.c), each layer
# probed from inside by tests/native/wall_probe.c.
add_executable(native_launch_test unit/native_launch_test.c)
target_link_libraries(native_launch_test PRIVATE minos_runtime)
target_include_directories(native_launch_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/unit)
add_test(NAME native_launch_test COMMAND native_launch_test $<TARGET_FILE:native_static_hello>
                                                          $<TARGET_FILE:native_wall_probe>)
set_tests_properties(native_launch_test PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77)
# A native cell's network: connections made by the runtime (broker.c).
add_executable(native_network_test unit/native_network_test.c)
target_link_libraries(native_network_test PRIVATE minos_runtime)
target_include_directories(native_network_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/unit)
add_test(NAME native_network_test COMMAND native_network_test $<TARGET_FILE:native_net_probe>)
set_tests_properties(native_network_test PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77)

# minos needs no root for native cells: the same as an unprivileged user
# (nobody), when the tests run as root (otherwise the test above is that).
add_test(NAME native_launch_test_unprivileged
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/native/as_nobody.sh $<TARGET_FILE:native_launch_test>
                 $<TARGET_FILE:native_static_hello> $<TARGET_FILE:native_wall_probe>)
set_tests_properties(native_launch_test_unprivileged PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77)

# minos run with native programs: the same command line and exit statuses
# as for wasm modules.
minos_test(native_run_static STDOUT "^hello from a static native program$"
           COMMAND ${MINOS} run $<TARGET_FILE:native_static_hello>)
minos_test(native_run_dynamic STDOUT "^through Debian's cat$" STDIN ${CMAKE_CURRENT_SOURCE_DIR}/native/cat_input.txt
           COMMAND ${MINOS} run /bin/cat)
minos_test(native_run_exit_code EXIT 7 COMMAND ${MINOS} run /bin/sh -c "exit 7")
minos_test(native_run_grant STDOUT "^hello from a static native program$"
           COMMAND ${MINOS} run --ro-dir ${CMAKE_CURRENT_SOURCE_DIR}/native::/data /bin/cat /data/static_hello.expected)
minos_test(native_run_outside_grant EXIT 1 STDERR "/etc/passwd: No such file or directory"
           COMMAND ${MINOS} run /bin/cat /etc/passwd)
minos_test(native_run_blocked_call EXIT 134 STDERR "^minos: fault: blocked system call ptrace$"
           COMMAND ${MINOS} run $<TARGET_FILE:native_wall_probe> ptrace)
minos_test(native_run_timeout EXIT 134 STDERR "^minos: fault: timeout$" TIMEOUT 60
           COMMAND ${MINOS} run --timeout 1s /bin/sleep 30)
# Inside, a program is uid 1000 of a user namespace mapped to the
# runtime's user; a root runtime's program is nobody, with no user
# namespace (it must never be root on the host's files).
execute_process(COMMAND id -u OUTPUT_VARIABLE test_uid OUTPUT_STRIP_TRAILING_WHITESPACE)
if(test_uid STREQUAL "0")
  set(native_inside_id 65534)
else()
  set(native_inside_id 1000)
endif()
minos_test(native_run_ids STDOUT "^uid ${native_inside_id} gid ${native_inside_id} nnp 1 seccomp 2$"
           "^capabilities 0 permitted 0 runtime groups 0$"
           COMMAND ${MINOS} run $<TARGET_FILE:native_wall_probe> ids)
# Grants the runtime cannot broker are refused, never ignored.
minos_test(native_run_reserved_grant_refused EXIT 125
           STDERR "cannot grant directory .* as /proc/x: a native cell's /, /dev and /proc are its own"
           COMMAND ${MINOS} run --ro-dir ${CMAKE_CURRENT_SOURCE_DIR}/native::/proc/x /bin/true)
minos_test(native_run_udp_grant_refused EXIT 125
           STDERR "network grant udp:127.0.0.1:53: native cells get TCP grants only"
           COMMAND ${MINOS} run --connect udp:127.0.0.1:53 /bin/cat)
minos_test(native_run_unix_grant_refused EXIT 125
           STDERR "network grant unix:/run/app.sock: native cells get TCP grants only"
           COMMAND ${MINOS} run --connect unix:/run/app.sock /bin/cat)
minos_test(native_run_connect_ungranted STDOUT "^connect: Operation not permitted$"
           COMMAND ${MINOS} run --connect tcp:127.0.0.1:1-79 $<TARGET_FILE:native_net_probe>
                   connect ::ffff:127.0.0.1 80 x)
minos_test(native_run_listen_ungranted STDOUT "^bind: Operation not permitted$"
           COMMAND ${MINOS} run --listen tcp:127.0.0.1:24700 $<TARGET_FILE:native_net_probe>
                   serve 0.0.0.0 24700)

# Each refused call is named, and the program never gets past it.
foreach(call mount unshare setns io_uring clone personality)
  set(named ${call})
  if(call STREQUAL "io_uring")
    set(named io_uring_setup)
  endif()
  minos_test(native_run_refused_${call} EXIT 134 STDERR "^minos: fault: blocked system call ${named}$"
             NO_STDOUT "returned" COMMAND ${MINOS} run $<TARGET_FILE:native_wall_probe> ${call})
endforeach()
minos_test(native_run_personality_query STDOUT "^persona 0$"
           COMMAND ${MINOS} run $<TARGET_FILE:native_wall_probe> persona)
# Limits: a memory bomb gets no more than its address space; a spinning
# program ends at its CPU limit; a program's own abort ends it (it is not
# PID 1, whose unhandled signals the kernel ignores).
minos_test(native_run_memory_bomb STDOUT "^memory: refused after ([0-9]|[1-5][0-9]|6[0-3]) MiB$"
           COMMAND ${MINOS} run --max-memory 64M $<TARGET_FILE:native_wall_probe> memory 4096)
minos_test(native_run_cpu_limit EXIT 134 STDERR "^minos: fault: cpu limit$" TIMEOUT 60
           COMMAND ${MINOS} run --max-cpu 1s $<TARGET_FILE:native_wall_probe> spin)
minos_test(native_run_abort EXIT 134 STDOUT "^before abort$" NO_STDOUT "after"
           STDERR "^minos: fault: aborted \\(SIGABRT\\)$"
           COMMAND ${MINOS} run $<TARGET_FILE:native_wall_probe> abort)
# Escapes from a grant: "..", a link planted to lead out, the runtime's
# environment through /proc, a setuid program inside a grant.
minos_test(native_run_dot_dot STDOUT "^read: No such file or directory$"
           COMMAND ${MINOS} run --ro-dir ${CMAKE_CURRENT_SOURCE_DIR}/native::/data
                   $<TARGET_FILE:native_wall_probe> read /data/../../../etc/passwd)
minos_test(native_run_escapes STDOUT "^link: read: No such file or directory$"
           "^host proc: read: No such file or directory$" "^setuid: euid ${native_inside_id} egid ${native_inside_id}$"
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/native/escapes.sh ${MINOS}
                   $<TARGET_FILE:native_wall_probe>)

# A program and grants under a directory only its owner may enter.
minos_test(native_run_private_dirs STDOUT "^static: read ok$" "^dynamic: from a private directory$"
           "^write: write ok$" "^written$"
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/native/private_dirs.sh ${MINOS}
                   $<TARGET_FILE:native_wall_probe>)

# A native cell's end releases everything: 1,000 create/crash cycles leave
# descriptors, threads, child processes and memory flat.
add_executable(native_cycles_test unit/native_cycles_test.c)
target_link_libraries(native_cycles_test PRIVATE minos_runtime)
target_include_directories(native_cycles_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/unit)
add_test(NAME native_cycles_test COMMAND native_cycles_test $<TARGET_FILE:native_wall_probe> 1000)
set_tests_properties(native_cycles_test PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)
minos_test(native_run_crash EXIT 134 STDERR "^minos: fault: segmentation fault \\(SIGSEGV\\)$"
           COMMAND ${MINOS} run $<TARGET_FILE:native_wall_probe> crash)
# A fork bomb ends at the cell's process limit (64 in its namespace), and
# its processes die with it.
minos_test(native_run_fork_limit STDOUT "^forked ([0-9]|[1-5][0-9]|6[0-3]) of 1000$"
           COMMAND ${MINOS} run $<TARGET_FILE:native_wall_probe> forks 1000)

# -v says what preparing a native program did: nothing to compile.
minos_test(native_run_verbose STDERR "native_static_hello: a static x86-64 executable: nothing to compile or load$"
           STDOUT "^hello from a static native program$"
           COMMAND ${MINOS} run -v $<TARGET_FILE:native_static_hello>)

# A wasm cell's native child from code bytes (cnew): a static program, and
# Debian's dynamically linked cat fed by its parent; the spec's arch must
# agree with the code.
foreach(mode hello cat mismatch)
  if(mode STREQUAL "cat")
    set(code /bin/cat)
  else()
    set(code $<TARGET_FILE:native_static_hello>)
  endif()
  minos_test(api_native_child_${mode} STDIN ${code}
             STDOUT "^api_native_child ${mode}: all [0-9]+ checks passed$" NO_STDERR "FAIL"
             COMMAND ${MINOS} run --max-cells 2 ${GUESTS}/api_native_child.wasm ${mode})
endforeach()

# A native cell creates cells through libminos-guest.a: a wasm child
# (hello.wasm exits 7) and a native one, wired by pipes it passes; without
# the spawn grant, cnew is MINOS_EPERM.
minos_test(native_parent_wasm_child STDIN ${GUESTS}/hello.wasm
           STDOUT "^passed as 0 and 1$" "^child wrote: hello from a sealed cell$"
                  "^child ended: 0 fault 0 exit 7$" "^again: -[0-9]+$"
           COMMAND ${MINOS} run --max-cells 2 $<TARGET_FILE:native_parent> wasm)
minos_test(native_parent_native_child STDIN $<TARGET_FILE:native_static_hello>
           STDOUT "^child wrote: hello from a static native program$"
                  "^child ended: 0 fault 0 exit 0$"
           COMMAND ${MINOS} run --max-cells 2 $<TARGET_FILE:native_parent> native)
minos_test(native_parent_hostile STDOUT "^hostile: 1006 answers as expected of 1006$"
           COMMAND ${MINOS} run --max-cells 2 $<TARGET_FILE:native_parent> hostile)
minos_test(native_parent_not_granted STDIN ${GUESTS}/hello.wasm STDOUT "^cnew: -[0-9]+$"
           COMMAND ${MINOS} run $<TARGET_FILE:native_parent> wasm)

# The guest API from one source for both archs (tests/guests/api_portable.c):
# built as a wasm guest (like every guest) and as a native program linked
# with libminos-guest.a, each run with children of either arch.
add_executable(api_portable_native guests/api_portable.c)
target_link_libraries(api_portable_native PRIVATE minos_guest)
target_include_directories(api_portable_native PRIVATE ${PROJECT_SOURCE_DIR}/include)
set_property(TARGET api_portable_native PROPERTY COMPILE_OPTIONS -Os -Wall -Wextra -Werror)
set_property(TARGET api_portable_native PROPERTY LINK_OPTIONS -static -s)
foreach(parent wasm native)
  foreach(child wasm native)
    if(parent STREQUAL "wasm")
      set(program ${GUESTS}/api_portable.wasm)
    else()
      set(program $<TARGET_FILE:api_portable_native>)
    endif()
    if(child STREQUAL "wasm")
      set(code ${GUESTS}/api_portable.wasm)
    else()
      set(code $<TARGET_FILE:api_portable_native>)
    endif()
    minos_test(api_portable_${parent}_parent_${child}_child STDIN ${code} TIMEOUT 120
               STDOUT "^api_portable ${parent}: all [0-9]+ checks passed$" NO_STDERR "FAIL"
               COMMAND ${MINOS} run --max-cells 4 ${program})
  endforeach()
endforeach()

# Outputs are never lost to the race between a bridge's lazy start and
# the cell's end (tests/bridge_outputs.sh).
minos_test(native_outputs_never_lost TIMEOUT 300 STDOUT "^0 outputs lost in 1500 runs$"
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/bridge_outputs.sh ${MINOS} $<TARGET_FILE:native_parent>
                   ${GUESTS}/hello.wasm $<TARGET_FILE:native_static_hello> 500)
