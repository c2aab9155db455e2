#!/usr/bin/env python3
"""Compares every figure two smoke-figures.sh runs wrote (results.json and *.csv numbers, by path), ignoring timings.

usage: python3 scripts/compare-figures.py BEFORE AFTER [RENAMES]   (exit 1 when a figure differs or is missing)
RENAMES: a file of "old part => new part" lines, for settings renamed between the runs (the figure must still be equal).
"""
import csv, json, os, re, sys

# Wall times, speeds, dates and machine facts change run to run; they are not results.
IGNORED = re.compile(r"(second|elapsed|time|duration|perSec|per_sec|throughput|imagesPerSecond|date|started|finished|"
                     r"machine|load|host|cpu|path|directory|folder|version|commit|memory|bytes|latency|speedup|ms$|Ms$)", re.I)

def leaves(value, prefix):
    if isinstance(value, dict):
        for k, v in value.items():
            if not IGNORED.search(k):
                yield from leaves(v, f"{prefix}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from leaves(v, f"{prefix}[{i}]")
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield prefix, value

def figures(root):
    found = {}
    for folder, _, files in os.walk(root):
        for name in files:
            full = os.path.join(folder, name)
            rel = os.path.relpath(full, root)
            if name.endswith(".json") and "checkpoint" not in rel:
                try:
                    data = json.load(open(full))
                except ValueError:
                    continue
                found.update(leaves(data, rel))
            elif name.endswith(".csv"):
                rows = list(csv.reader(open(full)))
                if not rows:
                    continue
                header = rows[0]
                for r, row in enumerate(rows[1:]):
                    for c, cell in enumerate(row):
                        column = header[c] if c < len(header) else str(c)
                        if IGNORED.search(column):
                            continue
                        try:
                            found[f"{rel}[{r}].{column}"] = float(cell)
                        except ValueError:
                            pass
    return found

before, after = figures(sys.argv[1]), figures(sys.argv[2])
if len(sys.argv) > 3:
    renames = [tuple(part.strip() for part in line.split("=>")) for line in open(sys.argv[3]) if "=>" in line]
    for key in [k for k in before if k not in after]:
        for old, new in renames:
            if old in key and key.replace(old, new, 1) in after:
                before[key.replace(old, new, 1)] = before.pop(key)
                break
differ = [k for k in before if k in after and before[k] != after[k]]
missing = [k for k in before if k not in after]
added = [k for k in after if k not in before]
for k in differ[:40]:
    print(f"DIFFERS {k}: {before[k]} -> {after[k]}")
for k in missing[:40]:
    print(f"MISSING {k}")
for k in added[:20]:
    print(f"NEW     {k}")
same = len(before) - len(differ) - len(missing)
print(f"{len(before)} figures before, {same} identical, {len(differ)} differ, {len(missing)} missing, {len(added)} new")
sys.exit(1 if differ or missing else 0)
