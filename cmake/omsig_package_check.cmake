# SPDX-License-Identifier: Apache-2.0
# CPack runs this before it makes each package (CPACK_PROJECT_CONFIG_FILE): packages are made
# from a release configuration only.  A build with the test hooks (environment variables that
# inject faults and change tuning) or with sanitizers is refused, and so, for .deb packages,
# is one configured for another prefix than /usr: its library folder is not Debian's
# multiarch one (GNUInstallDirs gives lib/<triplet> for the prefix /usr alone).  The
# CPACK_OMSIG_* values are the configuration's (omsig_package.cmake).

# a source package (cpack --config CPackSourceConfig.cmake) holds no build: nothing to check
if(NOT CPACK_INSTALL_CMAKE_PROJECTS)
  return()
endif()

set(_omsig_refuse "")
if(CPACK_OMSIG_TEST_HOOKS)
  list(APPEND _omsig_refuse
       "it has the test hooks (OMSIG_TEST_HOOKS=ON: fault-injection environment variables)")
endif()
if(NOT CPACK_OMSIG_SANITIZE STREQUAL "")
  list(APPEND _omsig_refuse "it is built with sanitizers (OMSIG_SANITIZE=${CPACK_OMSIG_SANITIZE})")
endif()
if(CPACK_OMSIG_BUILD_TYPE STREQUAL "Debug")
  list(APPEND _omsig_refuse "it is a Debug build (CMAKE_BUILD_TYPE=Debug: not optimised)")
endif()
if(CPACK_GENERATOR STREQUAL "DEB" AND NOT CPACK_OMSIG_INSTALL_PREFIX STREQUAL "/usr")
  list(APPEND _omsig_refuse
       "the .deb packages install under /usr, but it is configured for ${CPACK_OMSIG_INSTALL_PREFIX} (libraries in ${CPACK_OMSIG_INSTALL_LIBDIR}, not lib/${CPACK_OMSIG_MULTIARCH})")
endif()

if(_omsig_refuse)
  list(JOIN _omsig_refuse ";\n  " _omsig_why)
  message(FATAL_ERROR
    "omsig: not packaging this build:\n  ${_omsig_why}.\n"
    "Packages come from a release configuration, in a build folder of their own:\n"
    "  cmake -S . -B build-release -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr\n"
    "  cmake --build build-release && (cd build-release && cpack -G DEB)")
endif()
