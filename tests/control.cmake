# SPDX-License-Identifier: Apache-2.0
# Operating a running system: the control socket, minos ps, kill,
# restart, stop (src/control, src/sup/control.c).
add_executable(control_client tools/control_client.c)
add_test(NAME control_socket
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/control/control_test.sh ${MINOS}
                 $<TARGET_FILE:control_client> ${GUESTS}/wasi_cat.wasm)
set_tests_properties(control_socket PROPERTIES TIMEOUT 120)
# minos top in a real terminal (tmux).
add_test(NAME control_top
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/control/top_test.sh ${MINOS} ${GUESTS}/wasi_cat.wasm)
set_tests_properties(control_top PROPERTIES TIMEOUT 240 SKIP_RETURN_CODE 77)
# The metrics address's HTTP request reader on real and hostile heads.
add_executable(http_request_test unit/http_request_test.c)
target_link_libraries(http_request_test PRIVATE minos_runtime)
add_test(NAME http_request_test COMMAND http_request_test)
# Metrics over HTTP, read with curl, checked with promtool.
add_test(NAME control_metrics
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/control/metrics_test.sh ${MINOS}
                 $<TARGET_FILE:tcp_client> ${GUESTS}/traps.wasm ${GUESTS}/wasi_cat.wasm)
set_tests_properties(control_metrics PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77)
# A real Prometheus server scrapes them, its query API reads them back.
add_test(NAME control_metrics_prometheus
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/control/prometheus_test.sh ${MINOS}
                 $<TARGET_FILE:tcp_client> ${GUESTS}/traps.wasm)
set_tests_properties(control_metrics_prometheus PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77)
# Hot upgrade under load, wasm to native and back.
add_test(NAME control_upgrade
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/control/upgrade_test.sh ${MINOS}
                 ${CMAKE_BINARY_DIR}/examples/kv ${MODULES}/api_init_trap.wasm
                 ${GUESTS}/wasi_exit.wasm)
set_tests_properties(control_upgrade PROPERTIES TIMEOUT 300) # a million requests on a loaded machine
# minos up under systemd: READY, WATCHDOG, STOPPING on NOTIFY_SOCKET.
add_executable(notify_listener tools/notify_listener.c)
add_test(NAME control_systemd_notify
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/control/notify_test.sh ${MINOS}
                 $<TARGET_FILE:notify_listener> ${GUESTS}/wasi_cat.wasm)
set_tests_properties(control_systemd_notify PROPERTIES TIMEOUT 120)
# Hot upgrade against hostile code and requests: never ready, exits at
# once, cannot run, lacks a grant, a relative path, a trigger; a good one
# replaces the service alone, and later restarts run the new code.
add_test(NAME control_upgrade_hostile
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/control/upgrade_hostile_test.sh ${MINOS} ${GUESTS}
                 ${CMAKE_BINARY_DIR}/examples/kv)
set_tests_properties(control_upgrade_hostile PROPERTIES TIMEOUT 120
                     ENVIRONMENT "CONTROL_CLIENT=$<TARGET_FILE:control_client>")
# Hostile and everyday clients of the control socket: raw bytes, half
# lines for ever, an upgrade's compile beside other clients, logs -f to the
# end, stale sockets and names in minos ps (--json as one JSON text).
add_test(NAME control_socket_robust
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/control/control_robust_test.sh ${MINOS}
                 $<TARGET_FILE:control_client> ${GUESTS}/wasi_cat.wasm)
set_tests_properties(control_socket_robust PROPERTIES TIMEOUT 120)
