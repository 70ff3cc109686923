# SPDX-License-Identifier: Apache-2.0
# The command line's manners, for every command: --help, unknown options,
# missing values and operands, "--", a program's own flags, --version and
# its commit, the man page and the bash completion (tests/cli_manners.sh).
add_test(NAME cli_manners
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli_manners.sh ${MINOS} ${GUESTS}
                 ${PROJECT_SOURCE_DIR})
set_tests_properties(cli_manners PROPERTIES TIMEOUT 180
                     ENVIRONMENT "MINOS_CACHE_DIR=${MINOS_TEST_CACHE_DIR}")
