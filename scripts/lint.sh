#!/usr/bin/env bash
# The lint gate (.ci/run runs it after the test suite): clang-format and
# clang-tidy from Debian (clang-format, clang-tidy; scripts/setup.sh installs
# them), configured by .clang-format and .clang-tidy at the top.
#
#   scripts/lint.sh                 both checks; exit 1 on any finding
#   scripts/lint.sh --format        only the formatter check
#   scripts/lint.sh --tidy [FILE..] only clang-tidy (on FILEs, default all of src/)
#   scripts/lint.sh --fix-format    reformat every C++ file in place
#   scripts/lint.sh --update-baseline   rewrite .ci/tidy-baseline.txt from today's
#                                   findings (reasons of kept entries are kept; new
#                                   entries get "reason: TODO", which the gate refuses)
#
# The formatter check covers every tracked .cpp/.hpp; clang-tidy covers the
# translation units of src/ (their headers through HeaderFilterRegex) and
# fails on a finding that .ci/tidy-baseline.txt does not list.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mode=all
files=()
case "${1:-}" in
  "") ;;
  --format) mode=format ;;
  --tidy) mode=tidy; shift; files=("$@") ;;
  --fix-format) mode=fix ;;
  --update-baseline) mode=baseline ;;
  -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
  *) echo "lint.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
esac

for tool in clang-format clang-tidy; do
  command -v "$tool" >/dev/null || { echo "lint.sh: $tool not found (scripts/setup.sh installs it)" >&2; exit 2; }
done

mapfile -t sources < <(git ls-files '*.cpp' '*.hpp')

if [ "$mode" = fix ]; then
  clang-format -i "${sources[@]}"
  exit 0
fi

status=0
if [ "$mode" = all ] || [ "$mode" = format ]; then
  echo "lint: clang-format on ${#sources[@]} files"
  if ! clang-format --dry-run --Werror "${sources[@]}" 2>/tmp/memcosim-format.$$; then
    grep -E '^[^ ].*(warning|error):' /tmp/memcosim-format.$$ | cut -d: -f1 | sort -u | sed 's/^/  not formatted: /'
    echo "lint: clang-format: the files above differ from .clang-format (scripts/lint.sh --fix-format fixes them)"
    status=1
  fi
  rm -f /tmp/memcosim-format.$$
fi

if [ "$mode" = all ] || [ "$mode" = tidy ] || [ "$mode" = baseline ]; then
  build=${MEMCOSIM_BUILD_DIR:-$root/build}
  if [ ! -f "$build/compile_commands.json" ]; then
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  fi
  if [ ${#files[@]} -eq 0 ]; then
    mapfile -t files < <(git ls-files 'src/*.cpp')
  fi
  out=$(mktemp)
  trap 'rm -f "$out"' EXIT
  echo "lint: clang-tidy on ${#files[@]} translation units ($(nproc) at a time)"
  # clang-tidy exits 0 with warnings; anything else (a compile error in a
  # translation unit, a crash, a kill) would hide findings, so it fails the gate.
  tidy_status=0
  printf '%s\0' "${files[@]}" |
    xargs -0 -n 1 -P "$(nproc)" clang-tidy -p "$build" --quiet 2>"$out.err" >"$out" || tidy_status=$?
  if [ "$tidy_status" -ne 0 ]; then
    grep -E 'error|Error' "$out.err" | head -20 >&2 || true
    echo "lint: clang-tidy did not finish cleanly (xargs status $tidy_status); its findings are incomplete" >&2
    status=1
  fi
  rm -f "$out.err"
  gate=(python3 "$root/scripts/tidy-gate.py" --root "$root" --baseline "$root/.ci/tidy-baseline.txt" "$out")
  if [ "$mode" = baseline ]; then
    "${gate[@]}" --update
  elif ! "${gate[@]}"; then
    status=1
  fi
fi
exit $status
