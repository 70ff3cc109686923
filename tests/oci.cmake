# SPDX-License-Identifier: Apache-2.0
# minos oci (issue 13): OCI bundles mapped onto cells (src/oci/), hostile
# configs refused by field.
add_executable(oci_bundle_test unit/oci_bundle_test.c)
target_link_libraries(oci_bundle_test PRIVATE minos_oci)
target_include_directories(oci_bundle_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/unit)
add_test(NAME oci_bundle_test COMMAND oci_bundle_test ${GUESTS}/hello.wasm
                                                      $<TARGET_FILE:native_static_hello>)
