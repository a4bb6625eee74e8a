#!/usr/bin/env bash
# How the ring circuit's samples degrade as the RRAM programming error grows,
# for score networks trained with and without hardware-aware weight noise.
#
#   scripts/degradation.sh [-n N] [--chips K] [--sigmas "0 0.05 0.1 0.2"] [--validate M] [-o DIR]
#
# For every model, programming-error sigma (circuit.crossbar.programming_error,
# relative, per cell) and chip (circuit.crossbar.device_seed = 1..K): N
# trajectories of the programmed chip's settled circuit (`memcosim run
# --reference-only` with simulation.reference=circuit: the programmed
# conductances, the cells' sinh I-V and the op-amps' finite gain, integrated
# by Boost.Odeint from the same starts as the software sampler), and their
# KL to fresh ring data. Prints and writes DIR/table.md (mean and spread of
# the KL over chips); each run's folder stays in DIR.
#
# --validate M: also simulate M trajectories of chip 1 at every sigma > 0 in
# ngspice (behavioural level, worker processes) and report how far the
# circuit's end points are from the settled circuit's: the check that the
# fast estimate is what the circuit samples.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bin=build/memcosim
n=2000
chips=5
sigmas="0 0.05 0.1 0.2"
validate=0
out=out/degradation
while [ $# -gt 0 ]; do
  case "$1" in
    -n) n=$2; shift 2 ;;
    --chips) chips=$2; shift 2 ;;
    --sigmas) sigmas=$2; shift 2 ;;
    --validate) validate=$2; shift 2 ;;
    -o) out=$2; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "degradation.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done
command -v jq >/dev/null || { echo "degradation.sh: needs jq (scripts/setup.sh installs it)" >&2; exit 2; }
[ -x "$bin" ] || { echo "degradation.sh: build first (scripts/setup.sh)" >&2; exit 2; }

# name | weight file | how it was trained
models=("plain|models/ring_score_plain.yaml|no weight noise"
        "aware|models/ring_score.yaml|weight noise sigma 0.05, clip 0.1 (configs/ring.yaml)"
        "aware-0.1|models/ring_score_noise01.yaml|weight noise sigma 0.1, clip 0.2 (published)")
mkdir -p "$out"
kl() { jq -r "$1" "$2/summary.json"; }

declare -A mean spread
for m in "${models[@]}"; do
  IFS='|' read -r name file _ <<<"$m"
  for s in $sigmas; do
    vals=()
    k_max=$chips
    [ "$s" = 0 ] && k_max=1  # no randomness without programming error
    for ((k = 1; k <= k_max; ++k)); do
      dir="$out/$name/sigma$s/chip$k"
      if [ ! -f "$dir/summary.json" ]; then
        "$bin" run configs/ring.yaml --reference-only -n "$n" -o "$dir" \
          --set model.file="../$file" --set simulation.reference=circuit \
          --set circuit.crossbar.programming_error="$s" --set circuit.crossbar.device_seed="$k" >/dev/null
      fi
      vals+=("$(kl '.metrics.reference.kl.value' "$dir")")
    done
    read -r mu sd lo hi < <(printf '%s\n' "${vals[@]}" | awk '{x[NR]=$1; s+=$1} END {m=s/NR; for(i=1;i<=NR;i++){v+=(x[i]-m)^2; if(i==1||x[i]<lo)lo=x[i]; if(i==1||x[i]>hi)hi=x[i]} printf "%.4f %.4f %.4f %.4f\n", m, (NR>1?sqrt(v/(NR-1)):0), lo, hi}')
    mean[$name,$s]=$mu
    spread[$name,$s]="$lo-$hi"
    echo "$name sigma=$s: KL mean $mu (sd $sd, range $lo-$hi over ${#vals[@]} chip(s))"
  done
done
table="$out/table.md"
{
  echo "KL(data || samples), ring, $n trajectories per chip, mean over $chips chips (range)"
  echo
  printf '| programming error sigma |'
  for m in "${models[@]}"; do IFS='|' read -r name _ how <<<"$m"; printf ' %s (%s) |' "$name" "$how"; done
  echo
  printf '|---|'; for _ in "${models[@]}"; do printf -- '---|'; done; echo
  printf '| software sampler (the network itself) |'
  for m in "${models[@]}"; do
    IFS='|' read -r name _ _ <<<"$m"
    first=$(echo "$sigmas" | awk '{print $1}')
    printf ' %.4f |' "$(kl '.metrics.software.kl.value' "$out/$name/sigma$first/chip1")"
  done
  echo
  for s in $sigmas; do
    printf '| %s |' "$s"
    for m in "${models[@]}"; do IFS='|' read -r name _ _ <<<"$m"; printf ' %s (%s) |' "${mean[$name,$s]}" "${spread[$name,$s]}"; done
    echo
  done
} >"$table"
echo
cat "$table"

if [ "$validate" -gt 0 ]; then
  echo
  echo "validation: $validate trajectories of chip 1 in ngspice (behavioural) against the settled circuit"
  for m in "${models[@]}"; do
    IFS='|' read -r name file _ <<<"$m"
    for s in $sigmas; do
      [ "$s" = 0 ] && continue
      dir="$out/validate/$name/sigma$s"
      if [ ! -f "$dir/summary.json" ]; then
        "$bin" run configs/ring.yaml -q -n "$validate" -o "$dir" \
          --set model.file="../$file" --set simulation.reference=circuit \
          --set circuit.crossbar.programming_error="$s" --set circuit.crossbar.device_seed=1 >/dev/null
      fi
      ref="$out/validate/$name/sigma$s-reference"
      [ -f "$ref/summary.json" ] || "$bin" run configs/ring.yaml --reference-only -n "$validate" -o "$ref" \
          --set model.file="../$file" --set simulation.reference=circuit \
          --set circuit.crossbar.programming_error="$s" --set circuit.crossbar.device_seed=1 >/dev/null
      printf '%s sigma=%s: circuit KL %.4f, settled KL %.4f (same %s starts); end points circuit vs settled: max %.2g, median %.2g\n' \
        "$name" "$s" "$(kl '.metrics.circuit.kl.value' "$dir")" "$(kl '.metrics.reference.kl.value' "$ref")" "$validate" \
        "$(kl '.error_vs_reference.final.max' "$dir")" "$(kl '.error_vs_reference.final.median' "$dir")"
    done
  done
fi
