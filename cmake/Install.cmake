# SPDX-License-Identifier: Apache-2.0
# What `cmake --install` puts under the prefix, besides the minos command:
#
#   include/                minos.h (guest API), minos_host.h (embedding API)
#   lib/                    libminos.so (the embedding API), libminos.a (the same,
#                           static), libminos-guest.a (the guest API for native programs)
#   lib/pkgconfig/          minos.pc, minos-guest.pc
#   lib/cmake/minos/        find_package(minos): minos::minos, minos::guest
#   share/minos/            the spec's JSON Schema
#   share/doc/minos/        README.md, LICENSE, examples/ (sources and specs)
#
# (lib/ is CMAKE_INSTALL_LIBDIR, e.g. lib/x86_64-linux-gnu.) Everything is
# relocatable: pkg-config and CMake find the prefix from where their file
# is, so an installed tree can be moved or unpacked anywhere.
include(CMakePackageConfigHelpers)

set(MINOS_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/minos)

# A sanitized libminos (MINOS_SANITIZE) cannot be loaded without the
# sanitizers' runtime, which only a program linked with the same flags
# carries: its users get those flags from pkg-config and CMake too.
set(MINOS_PC_SANITIZE "")
if(MINOS_SANITIZE)
  set(MINOS_PC_SANITIZE " -fsanitize=address,undefined")
  target_link_options(minos_shared INTERFACE -fsanitize=address,undefined)
endif()

# The .pc files: ${pcfiledir} is LIBDIR/pkgconfig, so the prefix is as many
# levels up as LIBDIR is deep. An absolute LIBDIR or INCLUDEDIR is not
# under the prefix: those are written as they are.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(MINOS_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(MINOS_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
else()
  file(RELATIVE_PATH minos_pc_up "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
  string(REGEX REPLACE "/$" "" minos_pc_up "${minos_pc_up}")
  set(MINOS_PC_PREFIX "\${pcfiledir}/${minos_pc_up}")
  set(MINOS_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(MINOS_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(MINOS_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
foreach(pc minos minos-guest)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/${pc}.pc.in ${CMAKE_BINARY_DIR}/${pc}.pc @ONLY)
  install(FILES ${CMAKE_BINARY_DIR}/${pc}.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()

# The libraries. The CMake package exports what a user links: the shared
# libminos (its runtime is inside it; its dependencies are its own) and
# libminos-guest.a. The static libminos.a is installed for pkg-config's
# --static, not exported: its link interface is the system libraries found
# through pkg-config at configure time, which a user's CMake would have to
# find again.
set_target_properties(minos_shared PROPERTIES EXPORT_NAME minos)
set_target_properties(minos_guest PROPERTIES EXPORT_NAME guest)
install(TARGETS minos_shared minos_guest EXPORT minosTargets)
install(TARGETS minos_runtime)
install(FILES ${PROJECT_SOURCE_DIR}/include/minos.h ${PROJECT_SOURCE_DIR}/include/minos_host.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

install(EXPORT minosTargets NAMESPACE minos:: DESTINATION ${MINOS_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/minosConfig.cmake.in
                              ${CMAKE_BINARY_DIR}/minosConfig.cmake
                              INSTALL_DESTINATION ${MINOS_CMAKE_DIR})
# The shared library's SONAME changes with the major version: so does
# what a find_package(minos X.Y) accepts.
write_basic_package_version_file(${CMAKE_BINARY_DIR}/minosConfigVersion.cmake
                                 COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_BINARY_DIR}/minosConfig.cmake ${CMAKE_BINARY_DIR}/minosConfigVersion.cmake
        DESTINATION ${MINOS_CMAKE_DIR})

# Data and documentation. The examples are their sources and specs (each
# spec names its modules next to it, to be built from those sources; see
# the README's "Installing"), in the conventional place for examples,
# DOCDIR/examples; the schema is data tools and editors read.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/spec/ DESTINATION ${CMAKE_INSTALL_DATADIR}/minos
        FILES_MATCHING PATTERN "*.schema.json")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples
        PATTERN CMakeLists.txt EXCLUDE)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR})
