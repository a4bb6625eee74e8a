# CPack: the Debian package (cpack -G DEB --config BUILD/CPackConfig.cmake).
#
# One package, memcosim_<version>_<arch>.deb, with everything
# `cmake --install` puts under /usr. Depends: the run-time libraries whose
# -dev packages scripts/setup.sh installs, as dpkg-shlibdeps reads them off
# bin/memcosim and libmemcosim.so (libngspice0, libyaml-cpp0.7,
# libsqlite3-0, libopenmpi3 with MPI, libstdc++6, libc6, libgcc-s1), with
# memcosim's own lower bounds where they are higher than the symbols tell
# (cmake/deb-depends.cmake).
set(CPACK_PACKAGE_NAME memcosim)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "SPICE co-simulation of RRAM analogue in-memory computing (libngspice)")
set(CPACK_PACKAGE_DESCRIPTION
    "memcosim builds the analogue circuit of a neural network on RRAM crossbars (score-based diffusion samplers,
neural-ODE digital twins), simulates it in ngspice through libngspice and compares it with a software reference.
The package holds the memcosim program, the memcosim::core C++ library (static and shared, headers, CMake
package for find_package(memcosim)) and the shipped configs, models and golden netlists under
/usr/share/memcosim.")
set(MEMCOSIM_PACKAGE_CONTACT "memcosim maintainers <memcosim@localhost>" CACHE STRING
    "Maintainer of the Debian package (name <email>)")
set(CPACK_PACKAGE_CONTACT "${MEMCOSIM_PACKAGE_CONTACT}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # memcosim_0.2.0_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# libmemcosim.so: a shlibs file and the ldconfig trigger.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY "=")
# Depends: dpkg-shlibdeps on the staged files, merged with these bounds, in
# a pre-build script (CPACK_DEBIAN_PACKAGE_SHLIBDEPS would list a package
# twice, once with each bound). libngspice0 >= 42: the floor setup.sh
# installs (older ones lack the shared-library API fixes memcosim relies
# on); kept only when built against >= 42. libsqlite3-0 >= 3.24: UPSERT.
set(CPACK_MEMCOSIM_DEB_MINIMUM "libsqlite3-0 (>= 3.24)")
if(NGSPICE_VERSION VERSION_GREATER_EQUAL 42)
  list(APPEND CPACK_MEMCOSIM_DEB_MINIMUM "libngspice0 (>= 42)")
endif()
# Without dpkg-shlibdeps (dpkg-dev): the libraries by name.
set(CPACK_MEMCOSIM_DEB_FALLBACK libc6 libgcc-s1 libngspice0 libstdc++6 libyaml-cpp0.7 zlib1g)
if(MEMCOSIM_WITH_MPI)
  list(APPEND CPACK_MEMCOSIM_DEB_FALLBACK libopenmpi3)
endif()
if(MEMCOSIM_WITH_ONNX)
  list(APPEND CPACK_MEMCOSIM_DEB_FALLBACK libonnx1 libprotobuf32)
endif()
set(CPACK_PRE_BUILD_SCRIPTS "${CMAKE_CURRENT_LIST_DIR}/deb-depends.cmake")
# gnuplot draws the pictures of a run (skipped with a warning without it);
# mpirun shares a sweep between hosts.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "gnuplot-nox | gnuplot")
if(MEMCOSIM_WITH_MPI)
  string(APPEND CPACK_DEBIAN_PACKAGE_RECOMMENDS ", openmpi-bin")
endif()
# What find_package(memcosim) needs on top (the headers' and the static
# library's dependencies).
set(CPACK_DEBIAN_PACKAGE_SUGGESTS
    "libngspice0-dev, libeigen3-dev, libboost-dev, libyaml-cpp-dev, nlohmann-json3-dev, libsqlite3-dev, pkg-config, cmake")
if(MEMCOSIM_WITH_ONNX)
  string(APPEND CPACK_DEBIAN_PACKAGE_SUGGESTS ", libonnx-dev, libprotobuf-dev")
endif()
if(MEMCOSIM_WITH_MPI)
  string(APPEND CPACK_DEBIAN_PACKAGE_SUGGESTS ", libopenmpi-dev")
endif()

set(CPACK_GENERATOR DEB)
include(CPack)
