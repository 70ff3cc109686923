# SPDX-License-Identifier: Apache-2.0
# minos_embed(OUTPUT out.c FILES a b PREFIX name)
#
# Writes out.c defining, for the files in order,
#   const struct embedded_file NAME_files[]; const size_t NAME_file_count;
#   const char NAME_digest[];  (SHA-256 over all of them, hex)
# so the runtime can write them out next to generated code it compiles.
function(minos_embed)
  cmake_parse_arguments(E "" "OUTPUT;PREFIX" "FILES" ${ARGN})
  set(absolute "")
  foreach(f ${E_FILES})
    if(IS_ABSOLUTE ${f})
      list(APPEND absolute ${f})
    else()
      list(APPEND absolute ${PROJECT_SOURCE_DIR}/${f})
    endif()
  endforeach()
  string(REPLACE ";" "|" joined "${absolute}")
  add_custom_command(
    OUTPUT ${E_OUTPUT}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${E_OUTPUT} -DPREFIX=${E_PREFIX} -DFILES=${joined}
            -P ${PROJECT_SOURCE_DIR}/cmake/EmbedScript.cmake
    DEPENDS ${absolute} ${PROJECT_SOURCE_DIR}/cmake/EmbedScript.cmake
    COMMENT "embedding ${E_PREFIX}"
    VERBATIM)
endfunction()
