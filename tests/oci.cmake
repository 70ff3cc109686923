# SPDX-License-Identifier: Apache-2.0
# minos oci (issue 13): OCI bundles mapped onto cells (src/oci/), hostile
# configs refused by field.
add_executable(oci_bundle_test unit/oci_bundle_test.c)
target_link_libraries(oci_bundle_test PRIVATE minos_oci)
target_include_directories(oci_bundle_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/unit)
add_test(NAME oci_bundle_test COMMAND oci_bundle_test ${GUESTS}/hello.wasm
                                                      $<TARGET_FILE:native_static_hello>)

# The program in the tests' bundles and images, native too (static).
add_executable(oci_probe_native guests/oci_probe.c)
set_property(TARGET oci_probe_native PROPERTY COMPILE_OPTIONS -Wall -Wextra -Werror)
set_property(TARGET oci_probe_native PROPERTY LINK_OPTIONS "")
target_link_options(oci_probe_native PRIVATE -static)
# conmon's part for the tests without podman: the subreaper of the
# container's process, which reports its exit code.
add_executable(oci_reaper oci/reaper.c)

# The lifecycle without an engine: create, start, state, kill, delete of
# wasm and native bundles; exit codes, traps, volumes, memory limits,
# SIGTERM's grace, a listener in the engine's network namespace, refusals.
add_test(NAME oci_lifecycle
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/oci_lifecycle.sh $<TARGET_FILE:minos>
                 $<TARGET_FILE:oci_reaper> ${GUESTS}/oci_probe.wasm
                 $<TARGET_FILE:oci_probe_native> ${CMAKE_CURRENT_BINARY_DIR}/oci_lifecycle
                 ${GUESTS}/net.wasm)
set_tests_properties(oci_lifecycle PROPERTIES TIMEOUT 300
                     ENVIRONMENT "MINOS_CACHE_DIR=${MINOS_TEST_CACHE_DIR}")

# podman with minos as its runtime (the minos-oci link made with minos):
# images from scratch, run, stopped, logged. Skipped only where podman
# cannot run.
add_test(NAME oci_podman
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/oci_podman.sh ${CMAKE_BINARY_DIR}/minos-oci
                 ${GUESTS}/oci_probe.wasm $<TARGET_FILE:oci_probe_native>
                 ${CMAKE_CURRENT_BINARY_DIR}/oci_podman)
set_tests_properties(oci_podman PROPERTIES TIMEOUT 600 SKIP_RETURN_CODE 77)
# minos as containerd's runtime (its runc shim, --runc-binary), with a
# containerd of the test's own.
add_test(NAME oci_containerd
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/oci_containerd.sh ${CMAKE_BINARY_DIR}/minos-oci
                 ${GUESTS}/oci_probe.wasm $<TARGET_FILE:oci_probe_native>
                 ${CMAKE_CURRENT_BINARY_DIR}/oci_containerd)
set_tests_properties(oci_containerd PROPERTIES TIMEOUT 600 SKIP_RETURN_CODE 77)
