#!/usr/bin/env bash
# The lint gate itself (scripts/lint.sh, scripts/tidy-gate.py), on a scratch
# repository: a misformatted file fails the formatter check and is named;
# --fix-format repairs it; a clang-tidy finding listed in the baseline
# passes, one more of the same key or a new key fails, a header reported by
# two translation units counts once, and a baseline entry without a reason
# is refused.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "lint_gate: FAIL: $*" >&2; exit 1; }

# --- formatter check on a scratch repository -------------------------------
repo=$work/repo
mkdir -p "$repo/scripts" "$repo/src"
cp "$src/.clang-format" "$repo/"
cp "$src/scripts/lint.sh" "$src/scripts/tidy-gate.py" "$repo/scripts/"
printf 'int add(int a, int b) { return a + b; }\n' >"$repo/src/good.cpp"
printf 'int   sub( int a,int b ){\nreturn a-b;}\n' >"$repo/src/bad.cpp"
git -C "$repo" init -q
git -C "$repo" add -A
out=$("$repo/scripts/lint.sh" --format 2>&1) && fail "a misformatted file passed: $out"
grep -q "not formatted: src/bad.cpp" <<<"$out" || fail "src/bad.cpp not named: $out"
grep -q "good.cpp" <<<"$out" && fail "a formatted file was named: $out"
"$repo/scripts/lint.sh" --fix-format
"$repo/scripts/lint.sh" --format >/dev/null || fail "still failing after --fix-format"
grep -q '^int sub(int a, int b) { return a - b; }$' "$repo/src/bad.cpp" || fail "unexpected fix: $(cat "$repo/src/bad.cpp")"

# --- the clang-tidy baseline gate -------------------------------------------
root=$work/root
mkdir -p "$root/src"
tidy=$work/tidy.txt
cat >"$tidy" <<OUT
$root/src/a.cpp:10:3: warning: function 'f' exceeds recommended size/complexity thresholds [readability-function-size]
$root/src/a.cpp:10:3: note: 90 lines including whitespace and comments (threshold 80)
$root/src/h.hpp:4:7: warning: passing result of std::move() as a const reference argument; no move will actually happen [performance-move-const-arg]
$root/src/h.hpp:4:7: warning: passing result of std::move() as a const reference argument; no move will actually happen [performance-move-const-arg]
OUT
base=$work/baseline.txt
cat >"$base" <<'BASE'
# reason: f is a table of cases, one line each
src/a.cpp [readability-function-size] function 'f' exceeds recommended size/complexity thresholds
# reason: the overload for rvalues is planned
src/h.hpp [performance-move-const-arg] passing result of std::move() as a const reference argument; no move will actually happen
BASE
gate() { python3 "$src/scripts/tidy-gate.py" --root "$root" --baseline "$base" "$tidy"; }
gate >/dev/null || fail "findings listed in the baseline failed the gate"

echo "$root/src/b.cpp:2:1: warning: narrowing conversion from 'long' to signed type 'int' is implementation-defined [bugprone-narrowing-conversions]" >>"$tidy"
out=$(gate) && fail "a new finding passed: $out"
grep -q "new: src/b.cpp:2:1: src/b.cpp \[bugprone-narrowing-conversions\]" <<<"$out" || fail "new finding not named: $out"

sed -i '$d' "$tidy"
echo "$root/src/a.cpp:50:3: warning: function 'f' exceeds recommended size/complexity thresholds [readability-function-size]" >>"$tidy"
gate >/dev/null && fail "a second finding of a key listed once passed"

printf 'src/c.cpp [bugprone-x] y\n' | cat - "$base" >"$work/noreason.txt"
out=$(python3 "$src/scripts/tidy-gate.py" --root "$root" --baseline "$work/noreason.txt" "$tidy" 2>&1) && fail "an entry without a reason was accepted"
grep -q "entry without a reason" <<<"$out" || fail "no reason message: $out"
echo "lint_gate: ok"
