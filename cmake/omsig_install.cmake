# SPDX-License-Identifier: Apache-2.0
# What `cmake --install` puts in place, in three components that are also the .deb packages:
#   cli  bin/omsig, the man page omsig(1) (gzipped), the bash completion (its lists written at
#        build time from the program's --help), json.md (the --json fields)
#   lib  libomsig.so.N (the SONAME) and its versioned file
#   dev  omsig.h, libomsig.a, the libomsig.so link, omsig.pc, the CMake package omsig
include(CMakePackageConfigHelpers)

set(OMSIG_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/omsig" CACHE STRING
    "Where the CMake package (omsigConfig.cmake) is installed")
set(OMSIG_INSTALL_COMPLETIONDIR "${CMAKE_INSTALL_DATADIR}/bash-completion/completions" CACHE STRING
    "Where the bash completion is installed")

find_program(OMSIG_GZIP gzip)
mark_as_advanced(OMSIG_GZIP)
# omsig_gzip FILE TARGET OUT_VAR: FILE.gz in the build directory, made by `gzip -9n` (the best
# compression and no name or time in the header, as Debian policy asks) when target TARGET is
# built, which `all` does; OUT_VAR names it.  Without gzip, FILE itself, uncompressed.
function(omsig_gzip file target outvar)
  if(NOT OMSIG_GZIP)
    message(STATUS "gzip not found: ${file} is installed uncompressed")
    set(${outvar} ${file} PARENT_SCOPE)
    return()
  endif()
  get_filename_component(_name "${file}" NAME)
  set(_copy ${PROJECT_BINARY_DIR}/gz/${_name})
  add_custom_command(OUTPUT ${_copy}.gz
    COMMAND ${CMAKE_COMMAND} -E copy ${file} ${_copy}
    COMMAND ${OMSIG_GZIP} -9nf ${_copy}
    DEPENDS ${file} VERBATIM)
  add_custom_target(${target} ALL DEPENDS ${_copy}.gz)
  set(${outvar} ${_copy}.gz PARENT_SCOPE)
endfunction()

if(TARGET omsig_cli)
  install(TARGETS omsig_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT cli)
  omsig_gzip(${PROJECT_SOURCE_DIR}/docs/omsig.1 omsig_manpage _omsig_man)
  install(FILES ${_omsig_man} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT cli)
  install(FILES ${PROJECT_SOURCE_DIR}/docs/json.md DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT cli)
  install(FILES ${PROJECT_SOURCE_DIR}/docs/omsig.schema.json DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT cli)
  # build/bash-completion/omsig: the template with the lists of the program just built
  set(_omsig_completion ${PROJECT_BINARY_DIR}/bash-completion/omsig)
  add_custom_command(OUTPUT ${_omsig_completion}
    COMMAND ${CMAKE_COMMAND} -DOMSIG=$<TARGET_FILE:omsig_cli> -DOMSIG_VERSION=${PROJECT_VERSION}
            "-DEMULATOR=${CMAKE_CROSSCOMPILING_EMULATOR}"
            -DTEMPLATE=${PROJECT_SOURCE_DIR}/packaging/bash-completion/omsig
            -DOUT=${_omsig_completion} -P ${PROJECT_SOURCE_DIR}/cmake/omsig_completion.cmake
    DEPENDS omsig_cli ${PROJECT_SOURCE_DIR}/packaging/bash-completion/omsig
            ${PROJECT_SOURCE_DIR}/cmake/omsig_completion.cmake
    COMMENT "Writing the bash completion from omsig --help" VERBATIM)
  add_custom_target(omsig_completion ALL DEPENDS ${_omsig_completion})
  install(FILES ${_omsig_completion} DESTINATION ${OMSIG_INSTALL_COMPLETIONDIR} COMPONENT cli)
endif()

install(FILES ${PROJECT_SOURCE_DIR}/include/omsig.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev)
if(OMSIG_HAVE_CUDA)
  # The GPU engine's objects need the C++ runtime.  In the tree CMake links with CUDA's
  # implicit libraries; a project that imports libomsig.a may be plain C.
  target_link_libraries(omsig INTERFACE $<INSTALL_INTERFACE:stdc++>)
endif()
install(TARGETS omsig EXPORT omsigStaticTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
install(EXPORT omsigStaticTargets NAMESPACE omsig:: DESTINATION ${OMSIG_INSTALL_CMAKEDIR} COMPONENT dev)
if(TARGET omsig_shared)
  install(TARGETS omsig_shared EXPORT omsigTargets
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT lib NAMELINK_COMPONENT dev)
  install(EXPORT omsigTargets NAMESPACE omsig:: DESTINATION ${OMSIG_INSTALL_CMAKEDIR} COMPONENT dev)
endif()

# ---- the CMake package: find_package(omsig) gives omsig::omsig and omsig::omsig_static --------
# While the major version is 0 a minor release may change the ABI, so only the same minor matches.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(_omsig_compat SameMinorVersion)
else()
  set(_omsig_compat SameMajorVersion)
endif()
configure_package_config_file(${PROJECT_SOURCE_DIR}/packaging/omsigConfig.cmake.in
  ${PROJECT_BINARY_DIR}/omsigConfig.cmake INSTALL_DESTINATION ${OMSIG_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/omsigConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY ${_omsig_compat})
install(FILES ${PROJECT_BINARY_DIR}/omsigConfig.cmake ${PROJECT_BINARY_DIR}/omsigConfigVersion.cmake
        DESTINATION ${OMSIG_INSTALL_CMAKEDIR} COMPONENT dev)

# ---- omsig.pc ----------------------------------------------------------------------------------
# What a static link needs besides libomsig.a, all in Libs.private: a module that has a .pc
# of its own gives its `--static --libs` (its -L where that is not a system folder), the others
# -lNAME.  Not Requires.private, whose modules' Cflags pkg-config adds to omsig's: omsig.h
# includes none of their headers, so `pkg-config --cflags omsig` names omsig's folder alone.
find_package(PkgConfig QUIET)
set(_pc_libs "")
macro(_omsig_pc_dep module lib)
  set(_found OFF)
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(_OMSIG_PC_${lib} QUIET ${module})
    set(_found ${_OMSIG_PC_${lib}_FOUND})
  endif()
  if(_found)
    foreach(_flag IN LISTS _OMSIG_PC_${lib}_STATIC_LDFLAGS)
      # FindPkgConfig asks for the system's folders too; the linker looks there anyway
      string(REGEX REPLACE "^-L" "" _dir "${_flag}")
      if(NOT _dir IN_LIST CMAKE_C_IMPLICIT_LINK_DIRECTORIES)
        string(APPEND _pc_libs " ${_flag}")
      endif()
    endforeach()
  else()
    string(APPEND _pc_libs " -l${lib}")
  endif()
endmacro()
_omsig_pc_dep(libcrypto crypto)
_omsig_pc_dep(libcjson cjson)
if(OMSIG_HAVE_URING)
  _omsig_pc_dep(liburing uring)
endif()
if(OMSIG_HAVE_PKCS11)
  _omsig_pc_dep(libp11 p11)
endif()
if(OMSIG_HAVE_CUDA)
  # the CUDA runtime, static (it loads the driver at run time), by name: the toolkit's lib
  # folder is where the linker looks on Debian (nvidia-cuda-toolkit), elsewhere the consumer
  # names it (-L or LIBRARY_PATH), as for any toolkit library
  string(APPEND _pc_libs " -lcudart_static -ldl -lrt -lstdc++")
endif()
string(APPEND _pc_libs " -pthread -lm")
string(STRIP "${_pc_libs}" _pc_libs)

# Written at install time, with the prefix of that install (cmake --install --prefix, and
# cpack, which installs under /usr), not the one configured.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(_pc_libdir "${CMAKE_INSTALL_LIBDIR}")
  set(_pc_dest "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
else()
  set(_pc_libdir "\${exec_prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(_pc_dest "\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(_pc_includedir "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(_pc_includedir "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
install(CODE "
  set(OMSIG_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  set(OMSIG_PC_LIBDIR [[${_pc_libdir}]])
  set(OMSIG_PC_INCLUDEDIR [[${_pc_includedir}]])
  set(OMSIG_PC_VERSION [[${PROJECT_VERSION}]])
  set(OMSIG_PC_LIBS_PRIVATE [[${_pc_libs}]])
  configure_file([[${PROJECT_SOURCE_DIR}/packaging/omsig.pc.in]] [[${PROJECT_BINARY_DIR}/omsig.pc]] @ONLY)
  file(INSTALL DESTINATION \"${_pc_dest}\" TYPE FILE FILES [[${PROJECT_BINARY_DIR}/omsig.pc]])
" COMPONENT dev)
