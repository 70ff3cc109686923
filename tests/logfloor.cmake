# SPDX-License-Identifier: Apache-2.0
# The log is minos's own: no cell, module or spec can forge a line of it
# or flood it (core/log.c, sup/output_log.c, spec "log_limits").

add_executable(escape_test unit/escape_test.c)
target_link_libraries(escape_test PRIVATE minos_runtime)
add_test(NAME escape_test COMMAND escape_test)

set(LOGFLOOR_SPECS ${CMAKE_BINARY_DIR}/logfloor-specs)
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/logfloor/forge.json.in
               ${LOGFLOOR_SPECS}/forge.json @ONLY)
set(LOG_LIMITS "{\"rate\": \"1/h\", \"burst\": 10}")
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/logfloor/flood.json.in
               ${LOGFLOOR_SPECS}/flood.json @ONLY)
set(LOG_LIMITS "{\"rate\": \"100/s\", \"burst\": 1000}")
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/logfloor/flood.json.in
               ${LOGFLOOR_SPECS}/flood_lenient.json @ONLY)

# A cell's stderr with a carriage return and a forged line, ESC sequences,
# a NUL and a C1 control: one escaped log line per line it wrote. A
# 100000-byte line is cut at 4 KiB with a marker.
minos_test(logfloor_forge STDOUT "^ok: "
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/logfloor.sh forge ${MINOS}
                   ${LOGFLOOR_SPECS}/forge.json)
# A cell writing 200000 lines at a rate of 1/h with bursts of 10: ten
# lines and drop events counting the rest; its neighbour's lines all
# there; a cell past its volume limit stopped with one event.
minos_test(logfloor_flood STDOUT "^ok: "
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/logfloor.sh flood ${MINOS}
                   ${LOGFLOOR_SPECS}/flood.json)
# The same limits from minos up's command line, over the spec's defaults
# of 100/s with bursts of 1000 (which would let 1000 lines through).
minos_test(logfloor_flood_options STDOUT "^ok: "
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/logfloor.sh flood ${MINOS}
                   ${LOGFLOOR_SPECS}/flood_lenient.json --log-rate 1/h --log-burst 10)
minos_test(logfloor_bad_option EXIT 2
           STDERR "^minos: up: --log-rate: 'fast' is not a rate \\(lines per period"
           COMMAND ${MINOS} up --log-rate fast ${LOGFLOOR_SPECS}/flood.json)
minos_test(logfloor_bad_size EXIT 2
           STDERR "^minos: up: --log-max-line: '1' is not a size from 64 to 65536 bytes"
           COMMAND ${MINOS} up --log-max-line 1 ${LOGFLOOR_SPECS}/flood.json)

# Specs: checking stays linear in a spec's size (100,000 keys, items,
# cells, channels, problems; 20,000 listeners), and what check accepts,
# up can start (tests/specs/capacity.json, and the host descriptors below).
add_executable(spec_scale_test unit/spec_scale_test.c)
target_link_libraries(spec_scale_test PRIVATE minos_runtime)
add_test(NAME spec_scale_test COMMAND spec_scale_test ${GUESTS})
set_tests_properties(spec_scale_test PROPERTIES TIMEOUT 600)

# Each granted directory is a host descriptor: a cell granted more than
# the runtime's share of this process's limit lets it hold is refused by
# check (and so by up) rather than failing at every start. At a hard limit
# of 1024 open files a cell may hold 208 (core/runtime.c).
set(HOST_FD_DIRS "")
foreach(i RANGE 299)
  if(i GREATER 0)
    string(APPEND HOST_FD_DIRS ", ")
  endif()
  string(APPEND HOST_FD_DIRS "{\"host\": \"${LOGFLOOR_SPECS}\", \"guest\": \"/d${i}\"}")
endforeach()
file(WRITE ${LOGFLOOR_SPECS}/host_fds.json
     "{\"cells\": {\"many\": {\"code\": \"${GUESTS}/hello.wasm\", \"limits\": {\"descriptors\": 400},\n"
     "  \"grants\": {\"dirs\": [${HOST_FD_DIRS}]}}}}\n")
minos_test(logfloor_host_fds_check EXIT 1
           STDERR "host_fds.json:2:22: cells.many.grants.dirs: 300 granted directories are as many host descriptors, more than a cell may hold here \\(208,"
           COMMAND sh -c "ulimit -n 1024 && ulimit -Hn 1024 && exec \"$0\" check \"$1\""
                   ${MINOS} ${LOGFLOOR_SPECS}/host_fds.json)
minos_test(logfloor_host_fds_up EXIT 2 STDERR "cells.many.grants.dirs: 300 granted directories"
           "has problems; nothing was started"
           COMMAND sh -c "ulimit -n 1024 && ulimit -Hn 1024 && exec \"$0\" up \"$1\""
                   ${MINOS} ${LOGFLOOR_SPECS}/host_fds.json)
# With a hard limit of 4096 a cell may hold 880: the same spec is fine.
minos_test(logfloor_host_fds_enough STDOUT "host_fds.json: ok: 1 cell"
           COMMAND sh -c "ulimit -Sn 1024 && ulimit -Hn 4096 && exec \"$0\" check \"$1\""
                   ${MINOS} ${LOGFLOOR_SPECS}/host_fds.json)
