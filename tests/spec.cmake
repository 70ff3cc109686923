# SPDX-License-Identifier: Apache-2.0
# minos check and the spec loader: one spec per kind of problem, whose
# whole report is compared with its .expected file, a few single checks,
# valid specs, and the network rules in C.
#
# The specs are copied into the build tree, next to guests/ and modules/,
# so the relative code paths in them resolve as they would for a user.

set(SPECS ${CMAKE_BINARY_DIR}/specs)
file(GLOB spec_files CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/specs/*.json)
foreach(file ${spec_files})
  get_filename_component(name ${file} NAME)
  configure_file(${file} ${SPECS}/${name} COPYONLY)
endforeach()
file(MAKE_DIRECTORY ${SPECS}/data) # a directory the specs grant

file(GLOB spec_reports CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/specs/*.expected)
foreach(report ${spec_reports})
  get_filename_component(name ${report} NAME_WE)
  minos_test(spec_${name} COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/specs/check_expected.sh
             ${MINOS} ${SPECS} ${name})
endforeach()

minos_test(check_valid STDOUT "^valid.json: ok: 2 cells, 1 channel$" NO_STDERR "."
           COMMAND sh -c "cd ${SPECS} && exec \"$0\" check valid.json" ${MINOS})
minos_test(check_valid_full STDOUT "valid_full.json: ok: 8 cells, 4 channels$" NO_STDERR "."
           COMMAND ${MINOS} check ${SPECS}/valid_full.json)
minos_test(check_several STDOUT "valid.json: ok" STDERR "empty_cells.json:2:12: cells: must have"
           EXIT 1 COMMAND ${MINOS} check ${SPECS}/valid.json ${SPECS}/empty_cells.json)
# wasm-validate's own words vary with its version: only their gist is checked.
minos_test(check_invalid_code EXIT 1
           STDERR "^invalid_code.json:1:28: cells.bad.code: invalid module \\.\\./modules/invalid_code\\.wasm: at byte offset 0x[0-9a-f]+: type mismatch in i32.add"
           COMMAND sh -c "cd ${SPECS} && exec \"$0\" check invalid_code.json" ${MINOS})
minos_test(check_no_file EXIT 2 STDERR "^minos: check needs a spec file" COMMAND ${MINOS} check)
minos_test(check_missing_file EXIT 2
           STDERR "^minos: cannot read /nonexistent/spec.json: No such file or directory$"
           COMMAND ${MINOS} check /nonexistent/spec.json)
minos_test(check_directory EXIT 2 STDERR "^minos: cannot read .*specs: not a regular file$"
           COMMAND ${MINOS} check ${SPECS})

foreach(unit net_rule_test spec_units_test spec_load_test)
  add_executable(${unit} unit/${unit}.c)
  target_link_libraries(${unit} PRIVATE minos_runtime)
  add_test(NAME ${unit} COMMAND ${unit} ${GUESTS})
endforeach()
