#!/usr/bin/env bash
# Compares glibc allocator settings for the kit's evaluation at batch 1,024 (CNN teacher, MNIST test images), each in
# its own process via `kdlabs bench probe`: glibc's defaults, the kit's in-process settings (NativeAllocator), and the
# environment-variable variants that were tried. Interleaved rounds; prints images/s and minor page faults per image,
# with the load average. Run after ./kdlabs has built the CLI:   tools/KdLabs.Bench/scripts/bench-allocator.sh [rounds] [images]
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
rounds=${1:-2}; images=${2:-1024}
cli=(dotnet "$root/artifacts/cli/KdLabs.Cli.dll" bench probe --images "$images" --batch-size 1024 --threads 2)
variants=(
  "glibc defaults|KDLABS_ALLOCATOR=off"
  "kit (mallopt in-process: mmap max 0, trim 1 GiB, top pad 64 MiB)|KDLABS_ALLOCATOR=on"
  "MALLOC_MMAP_THRESHOLD_=32MiB TRIM=1GiB TOP_PAD=64MiB|MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824 MALLOC_TOP_PAD_=67108864"
  "MALLOC_MMAP_MAX_=0 TRIM=1GiB TOP_PAD=64MiB|MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=1073741824 MALLOC_TOP_PAD_=67108864"
)
for j in /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4; do
  [ -e "$j" ] && variants+=("LD_PRELOAD=$(basename "$j")|LD_PRELOAD=$j KDLABS_ALLOCATOR=off")
done
for r in $(seq "$rounds"); do
  for v in "${variants[@]}"; do
    label=${v%%|*}; vars=${v#*|}
    out=$(env $vars "${cli[@]}" | tail -1)
    printf 'round %s  load %s  %-70s %s\n' "$r" "$(cut -d' ' -f1 /proc/loadavg)" "$label" \
      "$(printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print("%7.0f img/s  %6.1f faults/image  logits %s" % (d["ImagesPerSecond"], d["MinorFaultsPerImage"], d["LogitsSha256"][:12]))')"
  done
done
