# SPDX-License-Identifier: Apache-2.0
# libomsig.so: the static library's sources, include paths, definitions and dependencies built
# again as position-independent code.  It exports the OMSIG_API functions of omsig.h and
# nothing else.  The static library `omsig` stays what the program and the tests link (the
# tests call hidden functions); omsig::omsig is the shared one, omsig::omsig_static the other.

# The SONAME's number (libomsig.so.N).  Raise it when a release breaks the ABI of the one before:
# a function removed or its signature changed, an enum value changed, or the layout of
# omsig_options changed (callers allocate it, so a new field is a break too).
set(OMSIG_ABI_VERSION 0)

set_target_properties(omsig PROPERTIES EXPORT_NAME omsig_static)
add_library(omsig::omsig_static ALIAS omsig)

if(OMSIG_BUILD_SHARED)
  add_library(omsig_shared SHARED ${OMSIG_SOURCES})
  # copied, not restated, so that a setting added to `omsig` reaches both libraries
  foreach(_prop INCLUDE_DIRECTORIES COMPILE_DEFINITIONS COMPILE_OPTIONS LINK_LIBRARIES)
    get_target_property(_val omsig ${_prop})
    if(_val)
      set_property(TARGET omsig_shared PROPERTY ${_prop} "${_val}")
    endif()
  endforeach()
  target_include_directories(omsig_shared INTERFACE
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  set_target_properties(omsig_shared PROPERTIES
    OUTPUT_NAME omsig EXPORT_NAME omsig
    VERSION ${PROJECT_VERSION} SOVERSION ${OMSIG_ABI_VERSION}
    C_VISIBILITY_PRESET hidden CUDA_VISIBILITY_PRESET hidden)
  # The static archives linked in (the CUDA runtime) keep their symbols to themselves.
  target_link_options(omsig_shared PRIVATE LINKER:--exclude-libs,ALL)
  if(NOT OMSIG_SANITIZE)
    # every dependency is recorded (DT_NEEDED), which dpkg-shlibdeps and consumers rely on;
    # sanitizer runtimes are resolved by the program, so not there
    target_link_options(omsig_shared PRIVATE LINKER:--no-undefined)
  endif()
  add_library(omsig::omsig ALIAS omsig_shared)
else()
  add_library(omsig::omsig ALIAS omsig)
endif()
add_feature_info(shared_library OMSIG_BUILD_SHARED "libomsig.so next to libomsig.a")
