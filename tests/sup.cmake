# SPDX-License-Identifier: Apache-2.0
# Supervision (minos up): restart policies, backoff, giving up, init
# timeouts, graceful stop, triggers, and the examples as systems.

set(SUP_SPECS ${CMAKE_BINARY_DIR}/sup-specs)
set(EXAMPLES ${CMAKE_BINARY_DIR}/examples)
# Specs refer to the built guests by absolute path.
function(sup_spec name)
  cmake_parse_arguments(S "" "OUTPUT;ON_GIVE_UP;LOG;PORT;CONCURRENCY;BACKLOG" "" ${ARGN})
  set(GUESTS ${GUESTS})
  set(MODULES ${MODULES})
  set(EXAMPLES ${EXAMPLES})
  set(PORT ${S_PORT})
  set(CONCURRENCY ${S_CONCURRENCY})
  set(BACKLOG ${S_BACKLOG})
  set(ON_GIVE_UP ${S_ON_GIVE_UP})
  set(NATIVE ${CMAKE_CURRENT_BINARY_DIR}/native_end_relay)
  set(NET_PROBE ${CMAKE_CURRENT_BINARY_DIR}/native_net_probe)
  if(S_PORT)
    math(EXPR BELOW "${S_PORT} - 1")
  endif()
  set(LOG ${S_LOG})
  configure_file(${CMAKE_CURRENT_SOURCE_DIR}/sup/${name}.json.in ${SUP_SPECS}/${S_OUTPUT} @ONLY)
endfunction()
sup_spec(give_up OUTPUT give_up_stop.json ON_GIVE_UP stop)
sup_spec(give_up OUTPUT give_up_continue.json ON_GIVE_UP continue)
sup_spec(always OUTPUT always.json)
sup_spec(logger OUTPUT logger.json)
sup_spec(init_timeout OUTPUT init_timeout.json)
sup_spec(stop OUTPUT stop.json LOG ${SUP_SPECS}/stop.log)
sup_spec(jobs OUTPUT jobs.json)
sup_spec(cnew_grants OUTPUT cnew_grants.json)
# Ports of their own, away from the ephemeral range.
sup_spec(echo OUTPUT echo.json PORT 24601 CONCURRENCY 8 BACKLOG 64)
sup_spec(echo OUTPUT echo_refusing.json PORT 24602 CONCURRENCY 2 BACKLOG 3)
sup_spec(native_echo OUTPUT native_echo.json PORT 24603 CONCURRENCY 8 BACKLOG 64)
sup_spec(native_ends OUTPUT native_ends.json)
sup_spec(native_net OUTPUT native_net.json PORT 24604)

add_executable(tcp_client tools/tcp_client.c)

# on-failure with backoff: three restarts, then it gives up; with
# on_give_up "stop" the whole system stops and minos exits 1.
minos_test(sup_give_up_stop EXIT 1
           STDERR "crasher#1: fault: unreachable" "crasher: restarting in 1 ms"
                  "crasher: restarting in 2 ms" "crasher#4: fault: unreachable"
                  "crasher: failed: restarted 3 times within 10 s; giving up"
                  "stopping: cells' input ends now" "steady#1: exited with status 0"
           NO_STDERR "crasher#5"
           COMMAND ${MINOS} up ${SUP_SPECS}/give_up_stop.json)
# With "continue" the other cells carry on; the system still reports the failure.
minos_test(sup_give_up_continue EXIT 1
           STDERR "crasher: failed: restarted 3 times" "steady#1: exited with status 0"
           NO_STDERR "stopping:"
           COMMAND ${MINOS} up ${SUP_SPECS}/give_up_continue.json)
# always restarts even clean exits, up to the limit; never restarts nothing.
minos_test(sup_always EXIT 1
           STDERR "ticker#1: stderr: tick" "ticker#5: stderr: tick"
                  "ticker: failed: restarted 4 times within 60 s" "once#1: exited with status 3"
           NO_STDERR "ticker#6" "once#2"
           COMMAND ${MINOS} up ${SUP_SPECS}/always.json)
# A logger behind a crashing service reads on across its restarts.
add_test(NAME sup_logger_behind_crashes
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/sup_logger.sh ${MINOS} ${SUP_SPECS}/logger.json)
set_tests_properties(sup_logger_behind_crashes PROPERTIES TIMEOUT 60)
# The same with native programs, unmodified: /bin/cat behind a shell that
# dies by SIGSEGV; every numbered line arrives once, in order.
add_test(NAME sup_logger_native_behind_crashes
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/sup_logger_native.sh ${MINOS}
                 ${CMAKE_CURRENT_SOURCE_DIR}/sup/logger_native.json)
set_tests_properties(sup_logger_native_behind_crashes PROPERTIES TIMEOUT 90)
# Supervision groups: strategies, intensity, nesting, readiness, stop order.
foreach(group_spec all rest ready mute stop nest continue native states period one)
  sup_spec(groups_${group_spec} OUTPUT groups_${group_spec}.json)
endforeach()
add_test(NAME sup_groups COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/sup_groups.sh ${MINOS} ${SUP_SPECS})
set_tests_properties(sup_groups PROPERTIES TIMEOUT 120)
# A cell stuck in its initialisation is ended at its init timeout.
minos_test(sup_init_timeout EXIT 1
           STDERR "stuck#1: fault: init timeout" "stuck#2: fault: init timeout"
                  "stuck: failed: restarted 1 times"
           COMMAND ${MINOS} up ${SUP_SPECS}/init_timeout.json)
# SIGTERM: graceful stop, then kill after the grace period.
minos_test(sup_stop
           STDOUT "^minos exited 0 after" "polite#1: exited with status 0" "stopping: cells' input ends"
                  "spinner#1: still running after its grace; killed" "spinner#1: fault: killed" "feeder#1: fault: killed"
           NO_STDOUT "spinner#2" "polite#2"
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/sup_stop.sh ${MINOS} ${SUP_SPECS}/stop.json
                   ${SUP_SPECS}/stop.log)
# The same on one worker: two spinners taking turns must not starve the
# cell that was woken to stop.
sup_spec(stop OUTPUT stop_one_worker.json LOG ${SUP_SPECS}/stop_one_worker.log)
minos_test(sup_stop_one_worker
           STDOUT "^minos exited 0 after" "polite#1: exited with status 0" "spinner#1: fault: killed"
           COMMAND env MINOS_WORKERS=1 ${CMAKE_CURRENT_SOURCE_DIR}/sup_stop.sh ${MINOS}
                   ${SUP_SPECS}/stop_one_worker.json ${SUP_SPECS}/stop_one_worker.log)
# Interrupted twice: no waiting for the grace period.
sup_spec(interrupt OUTPUT interrupt.json LOG ${SUP_SPECS}/interrupt.log)
minos_test(sup_interrupt_twice TIMEOUT 20
           STDOUT "^minos exited 0 after [0-9]{1,3} ms$" "asked again: killing the cells still running"
                  "spinner#1: fault: killed"
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/sup_stop.sh ${MINOS} ${SUP_SPECS}/interrupt.json
                   ${SUP_SPECS}/interrupt.log --twice)
# A channel trigger: a fresh cell per line, at most two at a time; one
# that crashes ends alone.
minos_test(sup_channel_trigger
           STDERR "handler#1: started for a message of 5 bytes" "handled: job 1" "handled: job 2"
                  "handled: job 4" "handled: job 5" "handled: job 6" "fault: unreachable"
           NO_STDERR "handled: job 3" "handler#7"
           COMMAND ${MINOS} up ${SUP_SPECS}/jobs.json)

# A TCP trigger: a fresh cell per connection, 300 connections 16 at a
# time through 8 places and a backlog; then the limits: 2 running and 3
# waiting, the rest refused at once.
minos_test(sup_tcp_trigger
           STDOUT "^300 of 300 replies as expected$" "^minos exited 0$" "^300 cells started$"
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/sup_echo.sh ${MINOS} $<TARGET_FILE:tcp_client>
                   ${SUP_SPECS}/echo.json 24601 ${SUP_SPECS}/echo.log)
minos_test(sup_tcp_trigger_refusals
           STDOUT "^5 refused$" "^5 held$" "refused a connection: 2 instances running, backlog of 3 full"
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/sup_echo.sh ${MINOS} $<TARGET_FILE:tcp_client>
                   ${SUP_SPECS}/echo_refusing.json 24602 ${SUP_SPECS}/echo_refusing.log --hold 10)

# Debian's own /bin/cat, unmodified, as the per-connection handler of an
# echo service: a fresh sandboxed process per connection (the spec is
# examples/native_echo's, on a test port; that one must check).
minos_test(sup_native_tcp_trigger
           STDOUT "^300 of 300 replies as expected$" "^minos exited 0$" "^300 cells started$"
           NO_STDOUT "fault"
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/sup_echo.sh ${MINOS} $<TARGET_FILE:tcp_client>
                   ${SUP_SPECS}/native_echo.json 24603 ${SUP_SPECS}/native_echo.log)

# A native cell between two wasm cells, on named ends: hello.wasm's stdout
# into the native relay's "input", its "output" into a wasm cat.
minos_test(sup_native_named_ends EXIT 1 # hello.wasm exits 7: a failure the system stops on
           STDERR "relay#1: stdout: relayed by a native cell: hello from a sealed cell"
                  "cat#1: stdout: relayed by a native cell: hello from a sealed cell"
                  "relay#1: exited with status 0"
           COMMAND ${MINOS} up ${SUP_SPECS}/native_ends.json)

# A native client's connect, made by the runtime from its grants: one
# granted (through ::ffff:127.0.0.1, to a native echo trigger), one not.
minos_test(sup_native_connect
           STDOUT "client#1: stdout: reply: through-the-runtime"
                  "intruder#1: stdout: connect: Operation not permitted" "^minos exited 0$"
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/sup_until.sh ${MINOS} ${SUP_SPECS}/native_net.json
                   ${SUP_SPECS}/native_net.log "client#1: exited" "intruder#1: exited")

minos_test(example_native_echo_check STDOUT "native_echo/echo.json: ok: 1 cell, 0 channels$"
           COMMAND ${MINOS} check ${EXAMPLES}/native_echo/echo.json)

# Grants hold for children too, and for the cell itself at start.
minos_test(sup_cnew_within_grants
           STDOUT "^\\[1\\] not started: not a valid module$" "^\\[2\\] .*job 2"
           STDERR "imports wasi_snapshot_preview1.clock_time_get, which needs the clock grant"
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/sup_cnew_grants.sh ${MINOS} ${SUP_SPECS}/cnew_grants.json
                   ${GUESTS}/spec_uses_clock.wasm ${EXAMPLES}/spawner/greet.wasm)

# minos up refuses a spec with problems, saying each, and starts nothing.
minos_test(sup_up_bad_spec EXIT 2
           STDERR "unknown_keys.json:[0-9]+:[0-9]+: " "has problems; nothing was started"
           NO_STDERR "started$"
           COMMAND ${MINOS} up ${CMAKE_BINARY_DIR}/specs/unknown_keys.json)
minos_test(sup_up_missing_spec EXIT 2 STDERR "cannot read .*no_such_spec.json"
           COMMAND ${MINOS} up ${SUP_SPECS}/no_such_spec.json)
minos_test(sup_up_usage EXIT 2 STDERR "usage: minos up"
           COMMAND ${MINOS} up --frobnicate)

# The examples as systems.
minos_test(example_kv_system
           STDERR "client#1: stderr: 100 requests: 90 answered correctly, 10 lost to restarts"
                  "kv#1: fault: out-of-bounds memory access" "kv#11: started"
                  "kv#11: exited with status 0" "client#1: exited with status 0"
           NO_STDERR "kv#12"
           COMMAND ${MINOS} up ${EXAMPLES}/kv/kv.json)
# The same with the service native: a process that dies by SIGSEGV on
# every 10th request, restarted behind the wasm client's channels.
minos_test(example_kv_native_system
           STDERR "client#1: stderr: 100 requests: 90 answered correctly, 10 lost to restarts"
                  "kv#1: fault: segmentation fault \\(SIGSEGV\\)" "kv#11: started"
                  "kv#11: exited with status 0" "client#1: exited with status 0"
           NO_STDERR "kv#12"
           COMMAND ${MINOS} up ${EXAMPLES}/kv/kv_native.json)
minos_test(example_pipeline_system STDIN ${PROJECT_SOURCE_DIR}/examples/pipeline/input.txt
           STDOUT "^ *2 +15 +103$"
           COMMAND ${MINOS} up -q ${EXAMPLES}/pipeline/pipeline.json)
minos_test(demo STDOUT "kv crashed and only kv ended" STDERR "kv#1: fault:" "kv#2: started"
                "lost: the service crashed and was restarted"
           COMMAND ${MINOS} demo)

add_executable(restart_policy_test unit/restart_policy_test.c)
target_link_libraries(restart_policy_test PRIVATE minos_runtime)
add_test(NAME restart_policy_test COMMAND restart_policy_test)
