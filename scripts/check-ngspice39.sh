#!/usr/bin/env bash
# Builds memcosim against Debian 12's own ngspice 39.3 instead of the
# installed one (46 from bookworm-backports) and runs the [spice] tests.
#
# ngspice 39 is unpacked into a private prefix (never installed): the
# library and its header (libngspice0, libngspice0-dev) and the ngspice
# package, whose spinit and code models the library reads at start-up and
# whose command-line program the batch-mode test runs. The build finds the
# prefix through pkg-config (PKG_CONFIG_LIBDIR + PKG_CONFIG_SYSROOT_DIR), so
# no CMakeLists change is needed.
#
# Usage: scripts/check-ngspice39.sh [extra Catch2 arguments]
# Environment: NGSPICE39_PREFIX (default /opt/ngspice39, or ~/.cache/... if
# /opt is not writable), NGSPICE39_BUILD (default <repo>/build-ngspice39).
set -euo pipefail

version=39.3+ds-1
top=$(cd "$(dirname "$0")/.." && pwd)
multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
if [[ -n "${NGSPICE39_PREFIX:-}" ]]; then
  prefix=$NGSPICE39_PREFIX
elif [[ -w /opt || -w /opt/ngspice39 ]]; then
  prefix=/opt/ngspice39
else
  prefix=${XDG_CACHE_HOME:-$HOME/.cache}/memcosim/ngspice39
fi
build=${NGSPICE39_BUILD:-$top/build-ngspice39}
libdir=$prefix/usr/lib/$multiarch
stamp=$prefix/.memcosim-ngspice-$version

say() { printf '== %s\n' "$*"; }

# 1. The private prefix (skipped when already there).
if [[ ! -f "$stamp" ]]; then
  say "downloading ngspice $version into $prefix"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && apt-get download "libngspice0=$version" "libngspice0-dev=$version" "ngspice=$version")
  rm -rf "$prefix.partial"
  mkdir -p "$prefix.partial"
  for deb in "$work"/*.deb; do dpkg -x "$deb" "$prefix.partial"; done
  # spinit loads code models by absolute path; point it at this prefix's
  # (built for 39), not at the system's (built for 46).
  sed -i "s|/usr/lib/$multiarch/ngspice/|$prefix/usr/lib/$multiarch/ngspice/|g" \
    "$prefix.partial/usr/share/ngspice/scripts/spinit"
  touch "$prefix.partial/.memcosim-ngspice-$version"
  rm -rf "$prefix"
  mv "$prefix.partial" "$prefix"
else
  say "using ngspice $version in $prefix"
fi

# 2. A separate build that finds ngspice through the prefix's pkg-config file.
export PKG_CONFIG_LIBDIR=$libdir/pkgconfig
export PKG_CONFIG_SYSROOT_DIR=$prefix
found=$(pkg-config --modversion ngspice)
[[ "$found" == 39 ]] || { echo "pkg-config finds ngspice $found, not 39" >&2; exit 1; }
say "configuring $build (pkg-config: ngspice $found, $(pkg-config --cflags --libs ngspice))"
mkdir -p "$build"
cmake --fresh -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release > "$build/configure.log" 2>&1 ||
  { cat "$build/configure.log"; exit 1; }
grep -q "$prefix/usr/include" "$build/CMakeFiles/memcosim_core.dir/flags.make" ||
  { echo "the build does not use the ngspice 39 header" >&2; exit 1; }
cmake --build "$build" -j2 --target memcosim_tests

# 3. Run with the 39 library, scripts, code models and program.
export LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export SPICE_SCRIPTS=$prefix/usr/share/ngspice/scripts
export PATH=$prefix/usr/bin:$PATH
loaded=$(ldd "$build/tests/memcosim_tests" | awk '/libngspice/ {print $3}')
say "test binary loads $(readlink -f "$loaded")"
say "ngspice program: $(ngspice --version 2>/dev/null | grep -m1 -o 'ngspice-[0-9.]*')"
say "running the [spice] tests"
status=0
"$build/tests/memcosim_tests" "[spice]" "$@" || status=$?
if [[ $status -eq 0 ]]; then say "ngspice 39: all [spice] tests passed"; else say "ngspice 39: FAILURES (exit $status)"; fi
exit $status
