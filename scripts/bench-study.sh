#!/usr/bin/env bash
# Job-level parallelism of `memcosim sweep`: the same study with -j 2 and
# with -j 1, side by side in one run, each from an empty output folder.
# Prints, for each, the wall time and the CPU time (user + system of the
# driver, the job processes and their ngspice workers, from /usr/bin/time),
# the cores kept busy on average (CPU / wall), and the wall-time ratio.
#
#   scripts/bench-study.sh [STUDY] [--rounds N] [--keep DIR]
#
# STUDY defaults to configs/study_gbw_noise.yaml. With several rounds the
# order alternates (j2 j1, j1 j2, ...) so that a change of machine load hits
# both alike; the ratio is that of the summed wall times. On a shared
# machine the wall ratio is only indicative: other processes take cores from
# the -j 2 run; the CPU/wall column says how many cores each run really had.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
study=$root/configs/study_gbw_noise.yaml
rounds=1
keep=
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    -*) echo "bench-study.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
    *) study=$1; shift ;;
  esac
done
bin=$root/build/memcosim
[ -x "$bin" ] || { echo "bench-study.sh: build first (scripts/setup.sh)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench-study.sh: needs /usr/bin/time (Debian package 'time')" >&2; exit 1; }
work=${keep:-$(mktemp -d /tmp/memcosim-bench-study.XXXXXX)}
mkdir -p "$work"
[ -n "$keep" ] || trap 'rm -rf "$work"' EXIT

"$bin" sweep "$study" --dry-run >/dev/null  # a bad study fails here, not half-way
echo "study $study ($("$bin" sweep "$study" --dry-run | head -1 | sed 's/^study [^:]*: //')), $(nproc) cores"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

declare -A wall cpu
wall[1]=0; wall[2]=0; cpu[1]=0; cpu[2]=0
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }
run() {  # run J ROUND
  local j=$1 r=$2 out="$work/j$1-r$2"
  rm -rf "$out"
  /usr/bin/time -f '%e %U %S' -o "$work/time" "$bin" sweep "$study" -j "$j" -o "$out" --progress none \
    >"$work/log-j$j-r$r" 2>&1 || { echo "bench-study.sh: -j $j failed (log: $work/log-j$j-r$r)" >&2; exit 1; }
  read -r w u s <"$work/time"
  printf '  round %d  -j %d  wall %8.1f s  user+sys %8.1f s  cores busy %.2f\n' "$r" "$j" "$w" "$(calc "$u + $s")" \
    "$(calc "($u + $s) / $w")"
  wall[$j]=$(calc "${wall[$j]} + $w")
  cpu[$j]=$(calc "${cpu[$j]} + $u + $s")
}
for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then run 2 "$r"; run 1 "$r"; else run 1 "$r"; run 2 "$r"; fi
done
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
printf '\n%-6s %12s %16s %12s\n' "" "wall (s)" "user+sys (s)" "cores busy"
for j in 1 2; do
  printf '%-6s %12.1f %16.1f %12.2f\n' "-j $j" "${wall[$j]}" "${cpu[$j]}" "$(calc "${cpu[$j]} / ${wall[$j]}")"
done
printf '\nspeed-up -j 2 over -j 1 (wall): %.2fx\n' "$(calc "${wall[1]} / ${wall[2]}")"
printf 'CPU work -j 2 / -j 1: %.3f (1 = the same work; above 1 = the cost of running jobs side by side)\n' \
  "$(calc "${cpu[2]} / ${cpu[1]}")"

# Other load: -j 1 keeps one core busy on a quiet machine.
if awk "BEGIN { exit !(${cpu[1]} / ${wall[1]} < 0.9) }"; then
  echo
  echo "WARNING: -j 1 had only $(calc "${cpu[1]} / ${wall[1]}" | cut -c1-4) of a core: other processes shared the machine,"
  echo "so the wall ratio above is not the speed-up. Re-measure on a quiet machine."
  if [ "$(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null)" = 1 ]; then
    echo "(Linux autogroup is on: CPU is shared between sessions first, so all of one sweep's processes"
    echo " together get one session's share, whatever -j is, while other sessions are busy.)"
  fi
fi

# The CPU-time view, independent of other load: each job's CPU time (its
# process and its ngspice worker, from the study database of the last -j 1
# run) is the time it takes on a core of its own. Running them in study
# order on 1 slot takes their sum; on 2 slots (each job to the slot that
# frees first, as the sweep does) the makespan below.
db="$work/j1-r$rounds/study.db"
if command -v sqlite3 >/dev/null && [ -f "$db" ]; then
  sqlite3 "$db" "SELECT cpu_seconds FROM jobs WHERE job_index IS NOT NULL ORDER BY job_index" | awk '
    { t = $1; sum += t; if (a <= b) a += t; else b += t; n++ }
    END {
      span = (a > b ? a : b)
      printf "\nCPU-time view (%d jobs): 1 slot %.1f s, 2 slots %.1f s: %.2fx on a quiet machine\n", n, sum, span, sum / span
      printf "(the driver, job start-up and results add a little to both; re-measure the wall ratio on a quiet machine)\n"
    }'
fi
