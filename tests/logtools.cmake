# SPDX-License-Identifier: Apache-2.0
# The log as tools read it (core/log.c, sup/output_log.c): an RFC 3339
# time and a level on every line, --log-format json, a cell's last lines
# before its end, and SIGHUP opening the log file again (logrotate).

# tests/guests/log_order.c as a native program too, built plainly as the
# other programs native cells run (tests/native.cmake).
add_executable(native_log_order guests/log_order.c)
set_property(TARGET native_log_order PROPERTY COMPILE_OPTIONS -Wall -Wextra -Werror)
set_property(TARGET native_log_order PROPERTY LINK_OPTIONS "")

set(LOGTOOLS ${CMAKE_CURRENT_SOURCE_DIR}/logtools.sh)
# Text with its zone's offset, JSON parsed by python3, hostile output of
# every byte read back exactly.
add_test(NAME logtools_format COMMAND ${LOGTOOLS} format ${MINOS} ${GUESTS})
# 41 instances that write 21 lines and exit, 41 that trap, 40 trigger
# instances: each one's lines before its end, in wasm and native.
add_test(NAME logtools_order COMMAND ${LOGTOOLS} order ${MINOS} ${GUESTS}/log_order.wasm)
add_test(NAME logtools_order_native
         COMMAND ${LOGTOOLS} order ${MINOS} $<TARGET_FILE:native_log_order>)
# A busy trigger's routine lines go to debug past 100 a second.
add_test(NAME logtools_busy COMMAND ${LOGTOOLS} busy ${MINOS} ${GUESTS}/log_order.wasm
                                    ${GUESTS}/traps.wasm $<TARGET_FILE:tcp_client>)
# logrotate's way: rename, then SIGHUP; twice; in both formats.
add_test(NAME logtools_rotate_text COMMAND ${LOGTOOLS} rotate ${MINOS} ${GUESTS} text)
add_test(NAME logtools_rotate_json COMMAND ${LOGTOOLS} rotate ${MINOS} ${GUESTS} json)
set_tests_properties(logtools_format logtools_order logtools_order_native logtools_busy logtools_rotate_text
                     logtools_rotate_json PROPERTIES TIMEOUT 300
                     ENVIRONMENT "MINOS_CACHE_DIR=${MINOS_TEST_CACHE_DIR}")
