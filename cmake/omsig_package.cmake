# SPDX-License-Identifier: Apache-2.0
# `cpack -G DEB` in the build directory: one package per install component,
#   omsig           the program, its man page and bash completion
#   libomsigN       libomsig.so.N (N: the ABI version), with a shlibs file and the ldconfig trigger
#   libomsig-dev    omsig.h, libomsig.a, libomsig.so, omsig.pc, the CMake package
# Depends are computed with dpkg-shlibdeps; the -dev package adds what a static link and
# omsig.pc's Libs.private need.  Packages install under /usr, each with its copyright file and
# changelog in /usr/share/doc/PACKAGE; the ELF files are stripped, their debug symbols left out
# (CPack's -dbgsym .ddeb files list absolute paths in their md5sums, which lintian refuses).
# Only a release configuration is packaged: cpack refuses a build with test hooks or
# sanitizers, a Debug build, or one configured for another prefix than /usr
# (omsig_package_check.cmake).
set(OMSIG_PACKAGE_MAINTAINER "omsig maintainers <maintainers@omsig.dev>" CACHE STRING
    "Maintainer field of the .deb packages (name <address>)")
if(OMSIG_PACKAGE_MAINTAINER STREQUAL "omsig maintainers <omsig-maintainers@invalid>")
  # the default of earlier releases, which no mail reaches, in a build folder configured then
  set_property(CACHE OMSIG_PACKAGE_MAINTAINER PROPERTY VALUE "omsig maintainers <maintainers@omsig.dev>")
endif()
set(OMSIG_PACKAGE_HOMEPAGE "https://omsig.dev" CACHE STRING "Homepage field of the .deb packages")

set(CPACK_PACKAGE_NAME omsig)
set(CPACK_PACKAGE_VENDOR omsig)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${OMSIG_PACKAGE_MAINTAINER}")
# no CPACK_PACKAGE_DESCRIPTION_SUMMARY: CPack would put it before each package's own synopsis
set(CPACK_PACKAGE_INSTALL_DIRECTORY omsig)
set(CPACK_COMPONENTS_ALL cli lib dev)
if(NOT TARGET omsig_shared)
  list(REMOVE_ITEM CPACK_COMPONENTS_ALL lib)
endif()
if(NOT TARGET omsig_cli)
  list(REMOVE_ITEM CPACK_COMPONENTS_ALL cli)
endif()
find_program(OMSIG_DPKG_DEB dpkg-deb)
mark_as_advanced(OMSIG_DPKG_DEB)
if(OMSIG_DPKG_DEB)
  set(CPACK_GENERATOR DEB)
else()
  set(CPACK_GENERATOR TGZ)
endif()
set(CPACK_SOURCE_GENERATOR TGZ)
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git/" "/build[^/]*/" "/tests/\\\\.venv/")

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # name_version_arch.deb
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${OMSIG_PACKAGE_HOMEPAGE}")
set(CPACK_STRIP_FILES ON)

# ---- what cpack checks before it packages (omsig_package_check.cmake) --------------------------
set(CPACK_PROJECT_CONFIG_FILE ${PROJECT_SOURCE_DIR}/cmake/omsig_package_check.cmake)
set(CPACK_OMSIG_TEST_HOOKS "${OMSIG_TEST_HOOKS}")
set(CPACK_OMSIG_SANITIZE "${OMSIG_SANITIZE}")
set(CPACK_OMSIG_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
set(CPACK_OMSIG_INSTALL_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
set(CPACK_OMSIG_BUILD_TYPE "${CMAKE_BUILD_TYPE}")
set(CPACK_OMSIG_MULTIARCH "${CMAKE_LIBRARY_ARCHITECTURE}")

# ---- /usr/share/doc/PACKAGE: copyright and changelog.gz (Debian policy 12.5, 12.7) -------------
# The version carries no Debian revision, so the packages are native ones: the changelog is
# changelog.gz, in Debian's format.  Its date is SOURCE_DATE_EPOCH's where that is set.
set(OMSIG_DEB_VERSION ${PROJECT_VERSION})
string(TIMESTAMP OMSIG_DEB_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
configure_file(${PROJECT_SOURCE_DIR}/packaging/debian/changelog.in
               ${PROJECT_BINARY_DIR}/debian/changelog @ONLY)
omsig_gzip(${PROJECT_BINARY_DIR}/debian/changelog omsig_changelog _omsig_changelog)
# omsig_package_docs COMPONENT PACKAGE: the two files of PACKAGE, in COMPONENT
function(omsig_package_docs component package)
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/debian/copyright
          DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${package} COMPONENT ${component})
  install(FILES ${_omsig_changelog} DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${package}
          COMPONENT ${component})
endfunction()

set(CPACK_DEBIAN_CLI_PACKAGE_NAME omsig)
set(CPACK_DEBIAN_CLI_PACKAGE_SECTION utils)
set(CPACK_COMPONENT_CLI_DESCRIPTION
    "verify and sign machine-learning models in the OpenSSF Model Signing format
omsig checks and writes OpenSSF Model Signing (OMS) bundles with the commands,
flags, messages and exit codes of model_signing: key, certificate and Sigstore
methods, io_uring reads and, in a CUDA build, a GPU hashing engine; with
libp11, signing with a key that stays in a PKCS #11 token (HSM, smart card).")
if(TARGET omsig_cli)
  omsig_package_docs(cli omsig)
endif()

set(CPACK_DEBIAN_LIB_PACKAGE_NAME libomsig${OMSIG_ABI_VERSION})
set(CPACK_DEBIAN_LIB_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON) # a shlibs file where there is a SONAME: libomsigN
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
# The ldconfig trigger: dpkg runs ldconfig once, after it has unpacked everything, and there
# are no maintainer scripts.  CPack writes a postinst and a postrm that call ldconfig for a
# library under /usr/lib unless CONTROL_EXTRA names files of those names, and it adds only
# those that exist: the two names below, in a folder that is never made, leave the trigger
# alone (Debian policy 8.1.1; lintian's maintscript-calls-ldconfig).
set(CPACK_DEBIAN_LIB_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/packaging/debian/triggers
    ${PROJECT_BINARY_DIR}/debian/no-maintainer-scripts/postinst
    ${PROJECT_BINARY_DIR}/debian/no-maintainer-scripts/postrm)
set(CPACK_COMPONENT_LIB_DESCRIPTION
    "library to verify and sign models in the OpenSSF Model Signing format
libomsig verifies, signs and digests machine-learning models in the OpenSSF
Model Signing (OMS) format, as model_signing does; safe to call from many
threads.")
if(TARGET omsig_shared)
  omsig_package_docs(lib libomsig${OMSIG_ABI_VERSION})
endif()

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libomsig-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
if(TARGET omsig_shared)
  set(CPACK_COMPONENT_DEV_DEPENDS lib)
endif()
set(_omsig_dev_depends "libssl-dev (>= 3.0), libcjson-dev")
if(OMSIG_HAVE_URING)
  string(APPEND _omsig_dev_depends ", liburing-dev")
endif()
if(OMSIG_HAVE_PKCS11)
  string(APPEND _omsig_dev_depends ", libp11-dev")
endif()
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "${_omsig_dev_depends}")
set(CPACK_COMPONENT_DEV_DESCRIPTION
    "development files of libomsig (OpenSSF Model Signing)
omsig.h, the static library, omsig.pc and the CMake package omsig
(omsig::omsig, omsig::omsig_static).")
omsig_package_docs(dev libomsig-dev)
if(OMSIG_HAVE_CUDA)
  string(APPEND CPACK_COMPONENT_DEV_DESCRIPTION
         "\nThis build holds the GPU engine: linking libomsig.a needs the CUDA\ntoolkit's libcudart_static.a.")
endif()

include(CPack)
