#!/usr/bin/env bash
# Sets up (scripts/setup.sh), builds and runs the test suite with the real
# libngspice. Default: everything except the slow set (< 15 min on 2 cores).
#
#   scripts/test.sh            default suite
#   scripts/test.sh --slow     only the slow set (CTest label "slow")
#   scripts/test.sh --all      both
# Extra arguments after -- go to ctest (e.g. -- -R config).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
select=(-LE slow)
while [ $# -gt 0 ]; do
  case "$1" in
    --slow) select=(-L slow); shift ;;
    --all) select=(); shift ;;
    --) shift; break ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "test.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done
"$root/scripts/setup.sh"
cd "$root/build"
ctest "${select[@]}" -j "$(nproc)" --output-on-failure --no-tests=error "$@"
