# SPDX-License-Identifier: Apache-2.0
# `cpack -G DEB` in the build directory: one package per install component,
#   omsig           the program, its man page and bash completion
#   libomsigN       libomsig.so.N (N: the ABI version), with a shlibs file and the ldconfig trigger
#   libomsig-dev    omsig.h, libomsig.a, libomsig.so, omsig.pc, the CMake package
# Depends are computed with dpkg-shlibdeps; the -dev package adds what a static link and
# omsig.pc's Requires.private need.  Packages install under /usr.
set(OMSIG_PACKAGE_MAINTAINER "omsig maintainers <omsig-maintainers@invalid>" CACHE STRING
    "Maintainer field of the .deb packages")

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

set(CPACK_DEBIAN_CLI_PACKAGE_NAME omsig)
set(CPACK_DEBIAN_CLI_PACKAGE_SECTION utils)
set(CPACK_COMPONENT_CLI_DESCRIPTION
    "verify and sign machine-learning models in the OpenSSF Model Signing format
omsig checks and writes OpenSSF Model Signing (OMS) bundles with the commands, flags,
messages and exit codes of model_signing: key, certificate and Sigstore methods, io_uring
reads and, in a CUDA build, a GPU hashing engine; with libp11, signing with a key that
stays in a PKCS #11 token (HSM, smart card).")

set(CPACK_DEBIAN_LIB_PACKAGE_NAME libomsig${OMSIG_ABI_VERSION})
set(CPACK_DEBIAN_LIB_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON) # a shlibs file where there is a SONAME: libomsigN
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(CPACK_COMPONENT_LIB_DESCRIPTION
    "library to verify and sign models in the OpenSSF Model Signing format
libomsig verifies, signs and digests machine-learning models in the OpenSSF Model Signing
(OMS) format, as model_signing does; safe to call from many threads.")

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
omsig.h, the static library, omsig.pc and the CMake package omsig (omsig::omsig,
omsig::omsig_static).")
if(OMSIG_HAVE_CUDA)
  string(APPEND CPACK_COMPONENT_DEV_DESCRIPTION
         "\nThis build holds the GPU engine: linking libomsig.a needs the CUDA\ntoolkit's libcudart_static.a.")
endif()

include(CPack)
