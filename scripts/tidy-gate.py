#!/usr/bin/env python3
"""Compares clang-tidy's output with the baseline of findings kept on purpose.

A finding is keyed by its file (relative to the repository), its check and its
message -- not by its line, so that edits above it do not make it new. A file
may hold the same key more than once; the baseline then lists it that many
times. Headers are reported once per translation unit that includes them;
findings are first made unique by file, line and column.

Baseline format (.ci/tidy-baseline.txt): blocks of entries, each block
preceded by a line "# reason: ..." that says why its entries are kept;
other lines starting with '#' are comments. An entry is
"FILE [CHECK] MESSAGE". A finding not in the baseline (or more often than
listed) fails the gate; a listed entry no longer found is reported as stale.
"""
import argparse
import collections
import os
import re
import sys

LINE = re.compile(r"^(?P<file>/[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<kind>warning|error): (?P<msg>.*?)(?: \[(?P<check>[^\]]+)\])?$")


def findings(path, root):
    seen = set()
    keys = collections.Counter()
    where = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for raw in f:
            m = LINE.match(raw.rstrip("\n"))
            if not m:
                continue
            rel = os.path.relpath(m["file"], root)
            check = m["check"] or ("clang-diagnostic-" + m["kind"])
            spot = (rel, m["line"], m["col"], check, m["msg"])
            if spot in seen:
                continue
            seen.add(spot)
            key = f"{rel} [{check}] {m['msg']}"
            keys[key] += 1
            where.setdefault(key, f"{rel}:{m['line']}:{m['col']}")
    return keys, where


def read_baseline(path, strict=True):
    entries = collections.Counter()
    reasons = {}
    if not os.path.exists(path):
        return entries, reasons
    reason = None
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.strip()
            if not line:
                continue
            if line.startswith("# reason:"):
                reason = line[len("# reason:"):].strip()
                continue
            if line.startswith("#"):
                continue
            if strict and (not reason or reason == "TODO"):
                sys.exit(f"{path}:{n}: entry without a reason (a '# reason: ...' line must precede it): {line}")
            entries[line] += 1
            reasons.setdefault(line, reason or "TODO")
    return entries, reasons


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("output")
    ap.add_argument("--root", required=True)
    ap.add_argument("--baseline", required=True)
    ap.add_argument("--update", action="store_true")
    a = ap.parse_args()
    found, where = findings(a.output, a.root)
    if a.update:
        write_baseline(a.baseline, found)
        return 0
    base, _ = read_baseline(a.baseline)
    new = found - base
    stale = base - found
    for key in sorted(stale):
        print(f"  stale baseline entry (fixed? remove it): {key}")
    for key in sorted(new):
        print(f"  new: {where[key]}: {key}")
    total = sum(found.values())
    print(f"lint: clang-tidy: {total} findings, {sum(base.values())} in the baseline, {sum(new.values())} new")
    return 1 if new else 0


def write_baseline(path, found):
    _, reasons = read_baseline(path, strict=False)
    groups = collections.defaultdict(list)
    for key, count in found.items():
        groups[reasons.get(key, "TODO")].extend([key] * count)
    with open(path, "w", encoding="utf-8") as f:
        f.write("# clang-tidy findings kept on purpose (scripts/lint.sh; format: scripts/tidy-gate.py).\n")
        for reason in sorted(groups, key=lambda r: (r == "TODO", r)):
            f.write(f"\n# reason: {reason}\n")
            for key in sorted(groups[reason]):
                f.write(key + "\n")
    print(f"lint: wrote {sum(found.values())} entries to {path}")


if __name__ == "__main__":
    sys.exit(main())
