#!/usr/bin/env bash
# Builds and runs the benchmarks (bench/, target memcosim_bench): every
# comparison side by side in one process run, its variants alternating
# (A B A B ...), and a markdown table of medians (min - max) and ratios,
# printed and written to out/bench/bench.md (bench.json beside it).
#
#   scripts/bench.sh [--only LIST] [--quick] [--runs N] [--runs-transistor N]
#                    [--widths 14,32,64,128] [--sizes 16,32,64] [--op-sizes 32,64,128]
#                    [--scaling-timeout S] [-o DIR] [--merge] [--no-build] [--force]
#
# LIST: spice,overhead,solver,sampler,study,memory,scaling (default: all).
# --merge puts the comparisons not run now into the table from the previous
# run's out/bench/work/<id>.json (each with the load it had).
# --quick is a smoke test (the fewest runs, the smallest cases; ~1.5 min):
# its figures mean nothing. The full run is planned for at most 45 min on
# 2 quiet cores (the estimate is printed at the start; scaling, solver and
# spice take most of it). --sizes: crossbars simulated in a transient,
# --op-sizes: crossbars of which only the operating point is solved (a
# 128 x 128 transient takes ~12 min per solver; see bench/solver.cpp).
#
# The machine is shared: the script refuses to start while the 1-minute
# load average is above 1.2 (--force starts anyway; the table records the
# load before and after each comparison). Needs python3-numpy and
# python3-yaml (scripts/setup.sh installs them) for `sampler`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=1
force=0
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0; shift ;;
    --force) force=1; shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    --quick) args+=("$1"); force=1; shift ;;
    *) args+=("$1"); shift ;;
  esac
done

if [ "$build" -eq 1 ]; then
  [ -f "$root/build/CMakeCache.txt" ] || { echo "bench.sh: configure first (scripts/setup.sh)" >&2; exit 1; }
  cmake --build "$root/build" -j "$(nproc)" --target memcosim memcosim_bench >/dev/null
fi
bin=$root/build/bench/memcosim_bench
[ -x "$bin" ] || { echo "bench.sh: $bin missing (configure with -DMEMCOSIM_BUILD_BENCH=ON)" >&2; exit 1; }

load1=$(cut -d' ' -f1 /proc/loadavg)
if awk "BEGIN { exit !($load1 > 1.2) }"; then
  if [ "$force" -eq 0 ]; then
    echo "bench.sh: load average $(cut -d' ' -f1-3 /proc/loadavg): other work is running; wait for a quiet machine" >&2
    echo "(or --force to measure anyway; the figures will say what load they had)" >&2
    exit 3
  fi
  echo "bench.sh: WARNING: load average $(cut -d' ' -f1-3 /proc/loadavg); measuring anyway" >&2
fi
cd "$root"
exec "$bin" "${args[@]}"
