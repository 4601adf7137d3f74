# SPDX-License-Identifier: Apache-2.0
# The bash completion, written at build time from the built program's own --help: its commands,
# each command's methods, each command's and method's long flags, which flags take a value and
# the words a value may be where the help lists them (--hash sha256|blake2b|blake3).  The lists
# go into the template in place of its @OMSIG_COMPLETION_LISTS@ line, so completing needs no
# omsig on PATH and follows the program it was built with.
# Usage: cmake -DOMSIG=PROGRAM -DOMSIG_VERSION=X.Y.Z [-DEMULATOR=...] -DTEMPLATE=FILE -DOUT=FILE
#        -P omsig_completion.cmake
cmake_minimum_required(VERSION 3.18)

foreach(_v OMSIG TEMPLATE OUT)
  if(NOT DEFINED ${_v})
    message(FATAL_ERROR "omsig_completion.cmake: -D${_v}= is needed")
  endif()
endforeach()
# the help's layout at a fixed width, whatever the terminal building this is
set(ENV{COLUMNS} 80)

# _help OUT_VAR WORDS...: the text of `omsig WORDS... --help`, empty where the program refuses
function(_help outvar)
  execute_process(COMMAND ${EMULATOR} ${OMSIG} ${ARGN} --help
                  OUTPUT_VARIABLE _out ERROR_QUIET RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0)
    set(_out "")
  endif()
  set(${outvar} "${_out}" PARENT_SCOPE)
endfunction()

# _rows LINES_VAR TEXT SECTION: the lines of TEXT's section SECTION ("Options:"), up to the
# blank line that ends it
function(_rows outvar text section)
  # as a CMake list: no ';', and no brackets, which would hold lines together
  string(REPLACE ";" "," text "${text}")
  string(REPLACE "[" "(" text "${text}")
  string(REPLACE "]" ")" text "${text}")
  string(REPLACE "\n" ";" lines "${text}")
  set(_in OFF)
  set(_rows "")
  foreach(_l IN LISTS lines)
    if(_l STREQUAL section)
      set(_in ON)
    elseif(_in AND _l STREQUAL "")
      set(_in OFF)
    elseif(_in)
      list(APPEND _rows "${_l}")
    endif()
  endforeach()
  set(${outvar} "${_rows}" PARENT_SCOPE)
endfunction()

# _commands OUT_VAR TEXT: the words of the Commands section, less those the help says are not
# offered (sign sigstore)
function(_commands outvar text)
  _rows(rows "${text}" "Commands:")
  set(_words "")
  foreach(_r IN LISTS rows)
    if(_r MATCHES "^  ([a-z][a-z0-9-]*)  +(.*)$")
      set(_word ${CMAKE_MATCH_1})
      if(NOT CMAKE_MATCH_2 MATCHES "^Not offered")
        list(APPEND _words ${_word})
      endif()
    endif()
  endforeach()
  set(${outvar} "${_words}" PARENT_SCOPE)
endfunction()

set(_value_flags "")
set(_value_cases "")
# _flags OUT_VAR TEXT: the long flags of TEXT's Options section, hyphenated; records the ones
# that take a value, and the words of a value that the help lists
macro(_flags outvar text)
  _rows(_frows "${text}" "Options:")
  set(${outvar} "")
  foreach(_r IN LISTS _frows)
    if(NOT _r MATCHES "^  (-[a-zA-Z], )?(--[A-Za-z0-9][A-Za-z0-9_-]*)(.*)$")
      continue()
    endif()
    string(REPLACE "_" "-" _f "${CMAKE_MATCH_2}")
    set(_rest "${CMAKE_MATCH_3}")
    list(APPEND ${outvar} ${_f})
    # one space, then a word: the value's name (two spaces start the description)
    if(_rest MATCHES "^ ([^ ]+)" AND NOT _f IN_LIST _value_flags)
      set(_meta "${CMAKE_MATCH_1}")
      list(APPEND _value_flags ${_f})
      if(_meta MATCHES "^[a-z0-9]+(\\|[a-z0-9]+)+$")
        string(REPLACE "|" " " _words "${_meta}")
        string(APPEND _value_cases "    ${_f}) echo '${_words}' ;;\n")
      endif()
    endif()
  endforeach()
endmacro()

set(_flag_cases "")
# _case WORDS FLAGS: one branch of _omsig_flags
macro(_case words flags)
  list(JOIN ${flags} " " _joined)
  string(APPEND _flag_cases "    '${words}') printf '%s\\n' ${_joined} ;;\n")
endmacro()

_help(_top)
_commands(_cmds "${_top}")
if(NOT _cmds)
  message(FATAL_ERROR "omsig_completion.cmake: `${OMSIG} --help` lists no commands")
endif()
_flags(_top_flags "${_top}")
_case("" _top_flags)
set(_method_vars "")
foreach(_c IN LISTS _cmds)
  _help(_ch ${_c})
  _flags(_cflags "${_ch}")
  _case("${_c}" _cflags)
  _commands(_methods "${_ch}")
  list(JOIN _methods " " _joined)
  string(REPLACE "-" "_" _cvar "${_c}")
  string(APPEND _method_vars "_omsig_methods_${_cvar}='${_joined}'\n")
  foreach(_m IN LISTS _methods)
    _help(_mh ${_c} ${_m})
    _flags(_mflags "${_mh}")
    _case("${_c} ${_m}" _mflags)
  endforeach()
endforeach()
if(NOT _value_flags)
  message(FATAL_ERROR "omsig_completion.cmake: no flag with a value in `${OMSIG} ... --help`")
endif()

list(JOIN _cmds " " _cmd_words)
list(JOIN _value_flags " " _value_words)
set(_lists "# ---- from the --help of omsig ${OMSIG_VERSION}, when it was built ----
# the commands, and the method words of those that take one
_omsig_commands='${_cmd_words}'
${_method_vars}# the flags that take a value, between spaces
_omsig_value_flags=' ${_value_words} '
# _omsig_flags [COMMAND [METHOD]]: the long flags of `omsig COMMAND METHOD --help`, one a line
_omsig_flags()
{
    case \"$*\" in
${_flag_cases}    esac
}
# _omsig_values FLAG: the words FLAG's value may be, where the help lists them
_omsig_values()
{
    case $1 in
${_value_cases}    esac
}")

file(READ "${TEMPLATE}" _template)
string(FIND "${_template}" "@OMSIG_COMPLETION_LISTS@" _at)
if(_at LESS 0)
  message(FATAL_ERROR "omsig_completion.cmake: ${TEMPLATE} has no @OMSIG_COMPLETION_LISTS@ line")
endif()
string(REPLACE "@OMSIG_COMPLETION_LISTS@" "${_lists}" _text "${_template}")
file(WRITE "${OUT}.tmp" "${_text}")
file(RENAME "${OUT}.tmp" "${OUT}")
