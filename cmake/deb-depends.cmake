# CPack pre-build script (cmake/package.cmake): the Depends of the .deb.
#
# dpkg-shlibdeps reads the run-time packages and their lower bounds off every
# ELF file CPack staged (what CPACK_DEBIAN_PACKAGE_SHLIBDEPS does); then a
# package memcosim needs newer than the symbols it uses tell
# (CPACK_MEMCOSIM_DEB_MINIMUM: libngspice0 >= 42 as scripts/setup.sh
# installs it, libsqlite3-0 >= 3.24 for UPSERT) gets memcosim's bound,
# instead of being listed twice with two bounds.
cmake_policy(VERSION 3.25)
if(NOT CPACK_GENERATOR STREQUAL "DEB")
  return()
endif()

set(_stage "${CPACK_TEMPORARY_DIRECTORY}")
file(GLOB_RECURSE _files LIST_DIRECTORIES false "${_stage}/*")
set(_elf)
foreach(_f IN LISTS _files)
  if(IS_SYMLINK "${_f}")
    continue()
  endif()
  if(_f MATCHES "/bin/[^/]+$" OR _f MATCHES "/lib/.*\\.so(\\.[0-9]+)*$")
    list(APPEND _elf "${_f}")
  endif()
endforeach()

find_program(_shlibdeps dpkg-shlibdeps)
set(_auto)
if(_shlibdeps AND _elf)
  # dpkg-shlibdeps wants a debian/control in its working folder.
  set(_work "${CPACK_TEMPORARY_DIRECTORY}.shlibdeps")
  file(REMOVE_RECURSE "${_work}")
  file(WRITE "${_work}/debian/control" "")
  execute_process(COMMAND "${_shlibdeps}" -O ${_elf}
    WORKING_DIRECTORY "${_work}"
    OUTPUT_VARIABLE _out ERROR_VARIABLE _err RESULT_VARIABLE _rc
    OUTPUT_STRIP_TRAILING_WHITESPACE)
  file(REMOVE_RECURSE "${_work}")
  if(_rc EQUAL 0 AND _out MATCHES "shlibs:Depends=(.*)")
    string(REPLACE ", " ";" _auto "${CMAKE_MATCH_1}")
  else()
    message(WARNING "memcosim: dpkg-shlibdeps failed (${_err}); Depends lists memcosim's own libraries only")
  endif()
else()
  message(WARNING "memcosim: no dpkg-shlibdeps (package dpkg-dev); Depends lists memcosim's own libraries only")
endif()
if(NOT _auto)
  set(_auto ${CPACK_MEMCOSIM_DEB_FALLBACK})
endif()

# Merge: memcosim's bound replaces the symbols' bound of the same package.
set(_depends)
set(_placed)
foreach(_item IN LISTS _auto)
  string(REGEX MATCH "^[^ ]+" _name "${_item}")
  foreach(_min IN LISTS CPACK_MEMCOSIM_DEB_MINIMUM)
    string(REGEX MATCH "^[^ ]+" _min_name "${_min}")
    if(_min_name STREQUAL _name)
      set(_item "${_min}")
      list(APPEND _placed "${_name}")
    endif()
  endforeach()
  list(APPEND _depends "${_item}")
endforeach()
foreach(_min IN LISTS CPACK_MEMCOSIM_DEB_MINIMUM)
  string(REGEX MATCH "^[^ ]+" _min_name "${_min}")
  if(NOT _min_name IN_LIST _placed)
    list(APPEND _depends "${_min}")
  endif()
endforeach()
list(SORT _depends)
list(JOIN _depends ", " CPACK_DEBIAN_PACKAGE_DEPENDS)
message(STATUS "memcosim: Depends: ${CPACK_DEBIAN_PACKAGE_DEPENDS}")
