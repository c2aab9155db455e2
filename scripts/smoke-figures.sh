#!/usr/bin/env bash
# Runs every lab of the kit in smoke mode, one thread, into OUT/<lab>/, so a refactoring can be checked figure by figure:
#   scripts/smoke-figures.sh /tmp/before      (on the old commit)
#   scripts/smoke-figures.sh /tmp/after       (on the new one)
#   python3 scripts/compare-figures.py /tmp/before /tmp/after
# Teachers come from the checkout's cache when present; results do not depend on that (the cache is keyed by pixels and settings).
set -euo pipefail
out="${1:?usage: scripts/smoke-figures.sh OUTPUT_FOLDER}"
here="$(cd "$(dirname "$0")/.." && pwd)"
k="$here/kdlabs"
mkdir -p "$out"
run() {
  local name="$1"; shift
  echo "== $name: kdlabs $*"
  local start=$SECONDS
  "$k" "$@" --threads 1 --out "$out/$name" > "$out/$name.log" 2>&1 || { echo "FAILED: $name (see $out/$name.log)"; tail -20 "$out/$name.log"; exit 1; }
  echo "   $((SECONDS - start)) s"
}
run mnist            distill mnist --smoke --seeds 1,2 --log-target-mistake
run mnist-mlp        distill mnist --smoke --teacher mlp --dropout 0.2 --jitter 1
run mnist-omit3      distill mnist --smoke --omit-class 3
run mnist-sdt        distill mnist --smoke --student sdt --seeds 1,2
run fashion          distill fashion-mnist --smoke
run chest-xray       distill chest-xray --smoke --synthetic
run chest-imagenet   distill chest-xray --smoke --synthetic --pretrained imagenet
run ssld             ssld mnist --smoke
run zoo              zoo mnist --smoke --methods all
run zoo-fashion      zoo fashion-mnist --smoke
run sweep            sweep mnist --smoke
echo "done: $out"
