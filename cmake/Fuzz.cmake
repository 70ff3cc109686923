# SPDX-License-Identifier: Apache-2.0
# Fuzz targets: tests/fuzz/*.c, each a libFuzzer LLVMFuzzerTestOneInput.
#
# With MINOS_FUZZ (on by default for clang with MINOS_SANITIZE, the build
# scripts/test calls build-sanitize), each becomes a libFuzzer program
# fuzz_NAME linked against a copy of the runtime built with libFuzzer's
# coverage (-fsanitize=fuzzer-no-link): the runtime's own library keeps
# its flags, so no other test pays for the instrumentation. In every other
# build, each becomes fuzz_replay_NAME: the same target under a small main
# (tests/fuzz/replay/replay.c) that runs it on files, so the committed
# corpus and the regression inputs run under gcc too.
# Tests and the guest of the hostcalls target: tests/fuzz.cmake.

if(CMAKE_C_COMPILER_ID STREQUAL "Clang" AND MINOS_SANITIZE)
  set(minos_fuzz_default ON)
else()
  set(minos_fuzz_default OFF)
endif()
option(MINOS_FUZZ "Build the libFuzzer targets of tests/fuzz (clang)" ${minos_fuzz_default})
if(MINOS_FUZZ AND NOT CMAKE_C_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "MINOS_FUZZ needs clang (libFuzzer)")
endif()

file(GLOB MINOS_FUZZ_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/fuzz/*.c)
set(MINOS_FUZZ_TARGETS "")

if(MINOS_FUZZ)
  add_library(minos_runtime_fuzz STATIC ${MINOS_RUNTIME_SOURCES} ${CMAKE_BINARY_DIR}/embedded_glue.c)
  target_compile_options(minos_runtime_fuzz PRIVATE -fsanitize=fuzzer-no-link)
  # Everything else as minos_runtime has it (CMakeLists.txt).
  foreach(property INCLUDE_DIRECTORIES COMPILE_DEFINITIONS LINK_LIBRARIES)
    get_target_property(value minos_runtime ${property})
    set_property(TARGET minos_runtime_fuzz PROPERTY ${property} ${value})
  endforeach()
  foreach(property INTERFACE_INCLUDE_DIRECTORIES INTERFACE_LINK_LIBRARIES)
    get_target_property(value minos_runtime ${property})
    set_property(TARGET minos_runtime_fuzz PROPERTY ${property} ${value})
  endforeach()
endif()

foreach(source ${MINOS_FUZZ_SOURCES})
  get_filename_component(name ${source} NAME_WE)
  list(APPEND MINOS_FUZZ_TARGETS ${name})
  if(MINOS_FUZZ)
    set(target fuzz_${name})
    add_executable(${target} ${source})
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer)
    target_link_options(${target} PRIVATE -fsanitize=fuzzer)
    target_link_libraries(${target} PRIVATE minos_runtime_fuzz)
  else()
    set(target fuzz_replay_${name})
    add_executable(${target} ${source} ${PROJECT_SOURCE_DIR}/tests/fuzz/replay/replay.c)
    target_link_libraries(${target} PRIVATE minos_runtime)
  endif()
  target_compile_definitions(${target} PRIVATE
    FUZZ_GUEST_PATH="${CMAKE_BINARY_DIR}/guests/hostcalls_guest.wasm"
    FUZZ_SPEC_DIR="${CMAKE_BINARY_DIR}/specs")
endforeach()
