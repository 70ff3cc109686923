# SPDX-License-Identifier: Apache-2.0
# What `cmake --install` makes, installed into a scratch prefix that is then
# moved, and used from there: pkg-config and find_package(minos), a host
# program and a native guest built against it, the schema, the examples
# (built and run), the documentation.
add_test(NAME install_relocatable
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/install_test.sh ${CMAKE_BINARY_DIR} ${PROJECT_SOURCE_DIR}
                 ${GUESTS} ${CMAKE_C_COMPILER} ${MINOS_WASM_CLANG} ${MINOS_WASI_SYSROOT}
                 ${PROJECT_VERSION})
set(install_layout "")
foreach(dir BINDIR LIBDIR INCLUDEDIR DATADIR DOCDIR MANDIR)
  list(APPEND install_layout "INSTALL_${dir}=${CMAKE_INSTALL_${dir}}")
endforeach()
# RESOURCE_LOCK: cmake --install writes the build's install_manifest.txt.
set_tests_properties(install_relocatable PROPERTIES
  TIMEOUT 300 SKIP_RETURN_CODE 77 RESOURCE_LOCK cmake_install
  ENVIRONMENT "MINOS_CACHE_DIR=${MINOS_TEST_CACHE_DIR};${install_layout}")
