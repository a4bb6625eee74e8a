#!/usr/bin/env bash
# Regenerates the key reference in configs/README.md from the config schema
# (src/config/config.hpp). A test fails when the committed file is stale.
#   scripts/update-config-reference.sh [path/to/memcosim]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/memcosim}
readme=configs/README.md
begin='<!-- BEGIN GENERATED REFERENCE: scripts/update-config-reference.sh -->'
end='<!-- END GENERATED REFERENCE -->'
ref=$(mktemp)
trap 'rm -f "$ref"' EXIT
"$bin" check --reference > "$ref"
awk -v begin="$begin" -v end="$end" -v ref="$ref" '
  $0 == begin { print; while ((getline line < ref) > 0) print line; skipping = 1; next }
  $0 == end   { skipping = 0 }
  !skipping   { print }
' "$readme" > "$readme.tmp"
mv "$readme.tmp" "$readme"
echo "updated $readme"
