#!/usr/bin/env bash
# The install, as a user meets it (CTest "install: ..."; README "Install and
# package"):
#   1. cmake --install BUILD --prefix TMP, then the prefix is moved (an
#      installed memcosim must be relocatable);
#   2. the installed headers include only installed headers, and no
#      internal header is installed;
#   3. tests/downstream, a separate project, finds it with
#      find_package(memcosim 0.2), builds a one-layer crossbar with
#      memcosim::core (and memcosim::core_shared), prints its netlist and
#      simulates it in ngspice;
#   4. the installed CLI, from a folder outside the source tree: --version
#      names the installed data, `run configs/ring.yaml -n 4` works, and a
#      config that names no model files gets the shipped ones.
#
#   tests/install.sh BUILD_DIR [CMAKE]
set -euo pipefail

build=$(cd "$1" && pwd)
cmake=${2:-cmake}
source_dir=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/memcosim-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# Nothing from the environment may point the installed CLI at data.
unset MEMCOSIM_DATA_DIR

fail() { echo "install.sh: FAIL: $*" >&2; exit 1; }
step() { printf '[install] %s\n' "$*"; }

# 1. Install, then move the prefix.
step "cmake --install $build --prefix $tmp/first"
"$cmake" --install "$build" --prefix "$tmp/first" >"$tmp/install.log"
mv "$tmp/first" "$tmp/prefix"
prefix=$tmp/prefix
data=$prefix/share/memcosim
libdir=$(cd "$prefix" && dirname "$(find . -name 'libmemcosim.a' | head -1)")
[ "$libdir" != . ] || fail "no libmemcosim.a installed"
for f in bin/memcosim "$libdir/libmemcosim.a" "$libdir/cmake/memcosim/memcosimConfig.cmake" \
         "$libdir/cmake/memcosim/memcosimConfigVersion.cmake" "$libdir/cmake/memcosim/memcosimTargets.cmake" \
         include/memcosim/circuit/ir.hpp include/memcosim/spice/emitter.hpp include/memcosim/config/config.hpp \
         share/memcosim/configs/ring.yaml share/memcosim/models/ring_score.yaml share/memcosim/models/cmos180.lib \
         share/memcosim/netlists/ring.cir; do
  [ -e "$prefix/$f" ] || fail "not installed: $f"
done
[ -d "$prefix/include/memcosim/app" ] && fail "the CLI's own headers are installed"
for f in spice/protocol.hpp spice/text.hpp nn/yaml_io.hpp util/process.hpp study/mpi.hpp; do
  [ -e "$prefix/include/memcosim/$f" ] && fail "internal header installed: $f"
done
[ -e "$prefix/share/memcosim/regression" ] && fail "tests/regression installed"
step "installed $(cd "$prefix" && find . -type f | wc -l) files"

# 2. The include closure: every "..." include of an installed header is
# installed (<...> ones are the dependencies').
missing=0
while IFS= read -r header; do
  while IFS= read -r inc; do
    [ -e "$prefix/include/memcosim/$inc" ] || { echo "  $header includes missing \"$inc\"" >&2; missing=1; }
  done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$header")
done < <(find "$prefix/include/memcosim" -name '*.hpp')
[ "$missing" -eq 0 ] || fail "installed headers include headers that are not installed"

# 3. The downstream project, against the moved prefix only.
step "downstream: configure + build (find_package(memcosim 0.2))"
if ! "$cmake" -S "$source_dir/tests/downstream" -B "$tmp/downstream" -DCMAKE_BUILD_TYPE=Release \
       -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >"$tmp/downstream.log" 2>&1 ||
   ! "$cmake" --build "$tmp/downstream" -j 1 >>"$tmp/downstream.log" 2>&1; then
  cat "$tmp/downstream.log" >&2
  fail "the downstream project did not build"
fi
grep -q "$source_dir/src" "$tmp/downstream/compile_commands.json" &&
  fail "the downstream compile sees the source tree: $(grep -o "[^ ]*$source_dir/src[^ ]*" "$tmp/downstream/compile_commands.json" | head -1)"
grep -q "$prefix/include/memcosim" "$tmp/downstream/compile_commands.json" ||
  fail "the downstream compile does not use the installed headers"

"$tmp/downstream/crossbar" >"$tmp/crossbar.cir" || fail "crossbar (netlist) failed"
# Title, the bias rails, 2 inputs x 3 columns as G+/G- pairs plus bias
# pairs, the output TIAs, .end.
title=$(head -1 "$tmp/crossbar.cir")
[ "$title" = "* downstream: one-layer crossbar 2 -> 3" ] || fail "netlist title: $title"
grep -q '^\.end$' "$tmp/crossbar.cir" || fail "netlist has no .end"
cells=$(grep -cE '^Rl1_([pn]_r[0-9]+|b[pn])_c[0-9]+ ' "$tmp/crossbar.cir" || true)
[ "$cells" -eq 18 ] || { cat "$tmp/crossbar.cir" >&2; fail "expected 18 crossbar cells (3 columns x (2 inputs + bias) x 2), found $cells"; }
for node in yneg0 yneg1 yneg2; do
  grep -q " $node " "$tmp/crossbar.cir" || fail "no output TIA node $node in the netlist"
done
step "downstream netlist: $(wc -l <"$tmp/crossbar.cir") lines, $cells crossbar cells"
for exe in crossbar crossbar_shared; do
  [ -x "$tmp/downstream/$exe" ] || { [ "$exe" = crossbar_shared ] && continue; fail "no $exe"; }
  (cd "$tmp" && "$tmp/downstream/$exe" --op >"$tmp/$exe.out" 2>&1) || { cat "$tmp/$exe.out" >&2; fail "$exe --op failed"; }
  [ "$(grep -c ' ok$' "$tmp/$exe.out")" -eq 3 ] || { cat "$tmp/$exe.out" >&2; fail "$exe: circuit != W a + b"; }
  step "downstream $exe --op: 3 outputs = W a + b within 1e-6 ($(tail -1 "$tmp/$exe.out"))"
done
if [ -x "$tmp/downstream/crossbar_shared" ]; then
  # (ldd's output in full first: grep -q stops reading early, and with
  # pipefail the writer's SIGPIPE would count as a failure.)
  loaded=$(ldd "$tmp/downstream/crossbar_shared")
  grep -q "$prefix/.*libmemcosim.so" <<<"$loaded" || fail "crossbar_shared does not load the installed libmemcosim.so: $loaded"
fi

# 4. The installed CLI, from a folder outside the source tree.
mkdir "$tmp/work"
cd "$tmp/work"
memcosim=$prefix/bin/memcosim
"$memcosim" --version >version.txt || fail "memcosim --version failed"
cat version.txt
grep -q '^memcosim [0-9]' version.txt || fail "--version prints no version"
grep -q '^ngspice [0-9]' version.txt || fail "--version names no ngspice"
grep -qx "data $data" version.txt || fail "--version: data folder is not $data"

step "memcosim run $data/configs/ring.yaml -n 4 (in $tmp/work)"
"$memcosim" run "$data/configs/ring.yaml" -n 4 -q >run.log 2>&1 || { cat run.log >&2; fail "memcosim run failed"; }
[ -s out/ring-run/summary.json ] || fail "no out/ring-run/summary.json"
[ -s out/ring-run/samples.csv ] || fail "no out/ring-run/samples.csv"

# A config of its own with no model files named: the defaults
# (../models/ring_score.yaml, ../models/cmos180.lib next to it) do not exist
# here, so the shipped ones are used.
printf 'name: mine\n' >mine.yaml
"$memcosim" netlist mine.yaml --set circuit.blocks.inverter=transistor -o mine.cir 2>netlist.log ||
  { cat netlist.log >&2; fail "netlist of a config outside share/memcosim failed"; }
grep -q 'corner tt of cmos180.lib' mine.cir && grep -q '^\.model nch nmos' mine.cir ||
  fail "the shipped 180 nm library was not used"
grep -q 'Score network 2-14-14-2' mine.cir || fail "the shipped ring weights were not used"
step "ok"
