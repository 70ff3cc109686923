# SPDX-License-Identifier: Apache-2.0
# Issue 9, the seal: nothing a module names reaches generated C or the log
# unescaped, and every valid module runs or is refused with a clear reason.

add_executable(seal_forge tools/seal_forge.c)
set(SEAL_FORGE $<TARGET_FILE:seal_forge>)

# Modules that use proposals minos does not compile: wat2wasm needs the
# proposals enabled to write them at all.
file(GLOB proposal_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/modules/proposals/*.wat)
set(seal_outputs "")
foreach(source ${proposal_sources})
  get_filename_component(name ${source} NAME_WE)
  add_custom_command(
    OUTPUT ${MODULES}/proposals/${name}.wasm
    COMMAND ${CMAKE_COMMAND} -E make_directory ${MODULES}/proposals
    COMMAND ${WAT2WASM} --enable-all --no-check ${source} -o ${MODULES}/proposals/${name}.wasm
    DEPENDS ${source} VERBATIM)
  list(APPEND seal_outputs ${MODULES}/proposals/${name}.wasm)
endforeach()

# Deeply nested functions, at and past minos's limits (WASM_NESTING_LIMIT,
# WASM_IF_NESTING_LIMIT in src/wasm/module.h); a million levels crash
# wasm-validate itself, so minos must refuse them before it runs.
foreach(nest "block|8192" "block|8193" "block|1000000" "if|200" "if|201")
  string(REPLACE "|" ";" parts "${nest}")
  list(GET parts 0 kind)
  list(GET parts 1 depth)
  add_custom_command(
    OUTPUT ${MODULES}/seal_nest_${kind}_${depth}.wasm
    COMMAND ${CMAKE_COMMAND} -E make_directory ${MODULES}
    COMMAND seal_forge nest ${kind} ${depth} ${MODULES}/seal_nest_${kind}_${depth}.wasm
    DEPENDS seal_forge VERBATIM)
  list(APPEND seal_outputs ${MODULES}/seal_nest_${kind}_${depth}.wasm)
endforeach()
add_custom_target(seal_modules ALL DEPENDS ${seal_outputs})

# The breach: an export name closing wasm2c's comment ran C natively.
foreach(case exploit trap import long)
  minos_test(seal_names_${case}
             COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/seal_names.sh ${case} ${MINOS} ${SEAL_FORGE} ${MODULES})
endforeach()
# Hostile export names (comment ends, a preprocessor line, quotes, a
# backslash, a trigraph, NUL, ESC, CR) are renamed before wasm2c sees
# them; "_start" followed by a NUL is not _start.
minos_test(seal_export_names EXIT 42 NO_STDERR "."
           COMMAND ${MINOS} run ${MODULES}/seal_exports.wasm)

# Mutated seed modules: each variant wasm-validate accepts compiles or is
# refused with a reason, never a failure of wasm2c or the C compiler.
minos_test(seal_fuzzed_modules TIMEOUT 300
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/seal_fuzz.sh ${MINOS} ${SEAL_FORGE} 20
                   ${MODULES}/seal_seed_control.wasm ${MODULES}/seal_seed_features.wasm)

# Valid modules run or get a clear refusal.
minos_test(seal_duplicate_import EXIT 42 STDOUT "^imported twice$"
           COMMAND ${MINOS} run ${MODULES}/seal_duplicate_import.wasm)
foreach(case
    "start_params|_start must be of type \\(\\) -> \\(\\), not \\(i32\\) -> \\(\\)"
    "start_result|_start must be of type \\(\\) -> \\(\\), not \\(\\) -> \\(i32\\)"
    "start_imported|_start must be a function defined in the module, of type \\(\\) -> \\(\\), not an imported one"
    "memory_65536|the module's memory starts at 65536 pages; minos runs memories of at most 65535 pages")
  string(REPLACE "|" ";" parts "${case}")
  list(GET parts 0 name)
  list(GET parts 1 message)
  minos_test(seal_${name} EXIT 2 STDERR "^minos: invalid module .*seal_${name}.wasm: ${message}"
             COMMAND ${MINOS} run ${MODULES}/seal_${name}.wasm)
endforeach()
minos_test(seal_memory_65535 EXIT 42 COMMAND ${MINOS} run ${MODULES}/seal_memory_65535.wasm)

foreach(case "simd|SIMD" "exceptions|exception handling" "threads|threads"
             "tail_calls|tail calls" "memory64|memory64" "multi_memory|multi-memory"
             "extended_const|extended constant expressions")
  string(REPLACE "|" ";" parts "${case}")
  list(GET parts 0 name)
  list(GET parts 1 proposal)
  minos_test(seal_proposal_${name} EXIT 2
             STDERR "^minos: invalid module .*: at byte offset 0x[0-9a-f]+: .* \\(the module uses the ${proposal} proposal, which minos cannot compile\\)$"
             COMMAND ${MINOS} run ${MODULES}/proposals/${name}.wasm)
endforeach()

minos_test(seal_nest_blocks_at_limit EXIT 3 COMMAND ${MINOS} run ${MODULES}/seal_nest_block_8192.wasm)
minos_test(seal_nest_ifs_at_limit EXIT 3 COMMAND ${MINOS} run ${MODULES}/seal_nest_if_200.wasm)
foreach(case "block_8193|blocks nest more than 8192 deep"
             "block_1000000|blocks nest more than 8192 deep"
             "if_201|ifs nest more than 200 deep")
  string(REPLACE "|" ";" parts "${case}")
  list(GET parts 0 name)
  list(GET parts 1 message)
  minos_test(seal_nest_${name} EXIT 2
             STDERR "^minos: invalid module .*: at byte offset 0x[0-9a-f]+: ${message}; minos compiles at most that"
             COMMAND ${MINOS} run ${MODULES}/seal_nest_${name}.wasm)
endforeach()
# clang stops at 256 nested brackets: the if limit holds under it too.
find_program(SEAL_CLANG clang)
if(SEAL_CLANG)
  add_test(NAME seal_nest_ifs_at_limit_clang
           COMMAND ${EXPECT} --exit 3 -- ${MINOS} run ${MODULES}/seal_nest_if_200.wasm)
  set_tests_properties(seal_nest_ifs_at_limit_clang PROPERTIES ENVIRONMENT
                       "MINOS_CACHE_DIR=${MINOS_TEST_CACHE_DIR};MINOS_CC=${SEAL_CLANG}")
endif()
