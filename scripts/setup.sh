#!/usr/bin/env bash
# Installs what is missing (Debian 12 packages; ngspice >= 42 from
# bookworm-backports) and configures + builds memcosim in Release.
# Idempotent: a second run installs nothing and rebuilds only what changed.
#
#   scripts/setup.sh [--build-dir DIR] [--no-install] [--debug]
#
# Runs as root, or as a user with sudo. Nothing is downloaded except Debian
# packages.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build_dir="$root/build"
build_type=Release
install=1
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir=$2; shift 2 ;;
    --no-install) install=0; shift ;;
    --debug) build_type=Debug; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done

say() { printf '[setup] %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else echo "setup.sh: need root (or sudo) to install packages: $*" >&2; exit 1
  fi
}

# Debian packages the build, the tests and the plots need (libxml2-utils:
# xmllint, with which the tests validate the JUnit XML of `memcosim regress`;
# sqlite3: the command-line shell, with which the tests read study databases
# independently; libopenmpi-dev + openmpi-bin: `mpirun memcosim sweep`;
# time: /usr/bin/time for scripts/bench-study.sh; jq: scripts/degradation.sh
# reads the runs' summary.json; python3-numpy + python3-yaml: the NumPy
# sampler scripts/bench.sh compares against; libonnx-dev + libprotobuf-dev:
# `memcosim import` reads ONNX files (MEMCOSIM_WITH_ONNX, on by default);
# python3-torch + python3-onnx: scripts/make-onnx-fixtures.py, which the
# slow test of the ONNX fixtures runs; memcosim never runs Python;
# zlib1g-dev: the gzip IDX files of task prime; dataset-fashion-mnist: the
# Fashion-MNIST IDX files configs/prime_fmnist.yaml reads; clang-format +
# clang-tidy: the lint gate, scripts/lint.sh).
packages=(build-essential cmake pkg-config git
          libeigen3-dev libboost-dev libyaml-cpp-dev catch2 libcli11-dev nlohmann-json3-dev
          gnuplot-nox libxml2-utils libsqlite3-dev sqlite3 libopenmpi-dev openmpi-bin time jq zlib1g-dev
          python3-numpy python3-yaml libonnx-dev libprotobuf-dev python3-torch python3-onnx dataset-fashion-mnist
          clang-format clang-tidy)

missing=()
if [ "$install" -eq 1 ]; then
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
fi

# ngspice: Debian 12 ships 39.3 (no KLU, older shared-library API, crashes
# fixed since). Use bookworm-backports (ngspice 46 with KLU) when the
# installed version is older than 42.
ngspice_major() {
  local v
  v=$(dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true)
  [ -n "$v" ] || { echo 0; return; }
  echo "${v%%[.+~-]*}"
}
need_ngspice=0
if [ "$install" -eq 1 ]; then
  for p in libngspice0-dev ngspice; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need_ngspice=1
    [ "$(ngspice_major "$p")" -ge 42 ] || need_ngspice=1
  done
fi

if [ ${#missing[@]} -gt 0 ] || [ "$need_ngspice" -eq 1 ]; then
  export DEBIAN_FRONTEND=noninteractive
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  ngspice_target=()
  if [ "$need_ngspice" -eq 1 ] && [ "$codename" = bookworm ]; then
    list=/etc/apt/sources.list.d/bookworm-backports.list
    if ! grep -rqs '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
      say "enabling bookworm-backports for ngspice >= 42"
      echo 'deb http://deb.debian.org/debian bookworm-backports main' | as_root tee "$list" >/dev/null
    fi
    ngspice_target=(-t bookworm-backports)
  fi
  say "apt-get update"
  as_root apt-get update -q >/dev/null
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing: ${missing[*]}"
    as_root apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  fi
  if [ "$need_ngspice" -eq 1 ]; then
    say "installing ngspice + libngspice0-dev ${ngspice_target[*]}"
    as_root apt-get install -y -q --no-install-recommends "${ngspice_target[@]}" ngspice libngspice0-dev >/dev/null
  fi
fi
if [ "$install" -eq 1 ]; then
  say "ngspice $(dpkg-query -W -f='${Version}' libngspice0-dev 2>/dev/null || echo '?'), cmake $(cmake --version | head -1 | awk '{print $3}')"
fi

say "configuring $build_type build in $build_dir"
cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE="$build_type" >/dev/null
say "building (log: $build_dir/build.log)"
if ! cmake --build "$build_dir" -j "$(nproc)" >"$build_dir/build.log" 2>&1; then
  grep -E -B2 -A8 'error' "$build_dir/build.log" | head -80 >&2 || tail -40 "$build_dir/build.log" >&2
  echo "setup.sh: build failed (full log: $build_dir/build.log)" >&2
  exit 1
fi
grep -E 'warning:' "$build_dir/build.log" || true
say "done: $build_dir/memcosim"
