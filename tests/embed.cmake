# SPDX-License-Identifier: Apache-2.0
# libminos: a host program linked against the shared library, and the
# installed library found through pkg-config by a program built outside.
add_executable(embed_test embed/embed_test.c)
target_link_libraries(embed_test PRIVATE minos_shared)
add_test(NAME embed_api COMMAND embed_test ${GUESTS})
set_tests_properties(embed_api PROPERTIES
  ENVIRONMENT "MINOS_CACHE_DIR=${MINOS_TEST_CACHE_DIR}"
  PASS_REGULAR_EXPRESSION "^embed_test: all checks passed")
if(NOT MINOS_SANITIZE)
  add_test(NAME embed_pkg_config
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/embed/pkg_config_test.sh ${CMAKE_BINARY_DIR}
                   ${CMAKE_CURRENT_SOURCE_DIR}/embed/embed_test.c ${GUESTS})
  set_tests_properties(embed_pkg_config PROPERTIES RESOURCE_LOCK cmake_install
    ENVIRONMENT "MINOS_CACHE_DIR=${MINOS_TEST_CACHE_DIR}"
    PASS_REGULAR_EXPRESSION "embed_test: all checks passed")
endif()
