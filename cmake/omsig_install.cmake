# SPDX-License-Identifier: Apache-2.0
# What `cmake --install` puts in place, in three components that are also the .deb packages:
#   cli  bin/omsig, the man page omsig(1), the bash completion, json.md (the --json fields)
#   lib  libomsig.so.N (the SONAME) and its versioned file
#   dev  omsig.h, libomsig.a, the libomsig.so link, omsig.pc, the CMake package omsig
include(CMakePackageConfigHelpers)

set(OMSIG_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/omsig" CACHE STRING
    "Where the CMake package (omsigConfig.cmake) is installed")
set(OMSIG_INSTALL_COMPLETIONDIR "${CMAKE_INSTALL_DATADIR}/bash-completion/completions" CACHE STRING
    "Where the bash completion is installed")

if(TARGET omsig_cli)
  install(TARGETS omsig_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT cli)
  install(FILES ${PROJECT_SOURCE_DIR}/docs/omsig.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT cli)
  install(FILES ${PROJECT_SOURCE_DIR}/docs/json.md DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT cli)
  install(FILES ${PROJECT_SOURCE_DIR}/docs/omsig.schema.json DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT cli)
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/bash-completion/omsig
          DESTINATION ${OMSIG_INSTALL_COMPLETIONDIR} COMPONENT cli)
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
# What a static link needs besides libomsig.a: modules that have a .pc of their own go in
# Requires.private, the rest in Libs.private.
find_package(PkgConfig QUIET)
set(_pc_requires "libcrypto >= 3.0")
set(_pc_libs "")
macro(_omsig_pc_dep module lib)
  set(_found OFF)
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(_OMSIG_PC_${lib} QUIET ${module})
    set(_found ${_OMSIG_PC_${lib}_FOUND})
  endif()
  if(_found)
    string(APPEND _pc_requires " ${module}")
  else()
    string(APPEND _pc_libs " -l${lib}")
  endif()
endmacro()
_omsig_pc_dep(libcjson cjson)
if(OMSIG_HAVE_URING)
  _omsig_pc_dep(liburing uring)
endif()
if(OMSIG_HAVE_PKCS11)
  _omsig_pc_dep(libp11 p11)
endif()
if(OMSIG_HAVE_CUDA)
  # the CUDA runtime, static (it loads the driver at run time): a path, which pkg-config's
  # sysroot handling leaves alone, and its own needs
  string(APPEND _pc_libs " ${CUDA_cudart_static_LIBRARY} -ldl -lrt -lstdc++")
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
  set(OMSIG_PC_REQUIRES_PRIVATE [[${_pc_requires}]])
  set(OMSIG_PC_LIBS_PRIVATE [[${_pc_libs}]])
  configure_file([[${PROJECT_SOURCE_DIR}/packaging/omsig.pc.in]] [[${PROJECT_BINARY_DIR}/omsig.pc]] @ONLY)
  file(INSTALL DESTINATION \"${_pc_dest}\" TYPE FILE FILES [[${PROJECT_BINARY_DIR}/omsig.pc]])
" COMPONENT dev)
