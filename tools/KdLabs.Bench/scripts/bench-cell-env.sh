#!/usr/bin/env bash
# Training throughput in a notebook cell under OpenMP's wait policies, interleaved (the process-start variables that
# src/KdLabs/Infrastructure/ComputeEnvironment.cs sets): libgomp's default spin (empty), sleeping at once (PASSIVE), and the kit's short spin. Run it with
# another job on the cores to see the contention case, and alone for the quiet one. Needs ./kdlabs setup.
#   tools/KdLabs.Bench/scripts/bench-cell-env.sh [rounds]
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
rounds=${1:-2}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for r in $(seq "$rounds"); do
  for v in "GOMP_SPINCOUNT=" "GOMP_SPINCOUNT= OMP_WAIT_POLICY=PASSIVE" "GOMP_SPINCOUNT=10000"; do
    env $v "$root/kdlabs" run "$root/tools/KdLabs.Bench/scripts/cell-train-probe.ipynb" --out "$out" > "$out/log" 2>&1 || { cat "$out/log"; exit 1; }
    python3 -c 'import json,sys; nb=json.load(open(sys.argv[1])); print("".join(nb["cells"][1]["outputs"][-1]["data"]["text/plain"]))' "$out/cell-train-probe.ipynb"
  done
done
