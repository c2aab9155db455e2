#!/usr/bin/env bash
# Times every lesson in smoke mode through papermill on the kit's kernel (kdlabs-csharp, this checkout's build,
# registered in a temporary Jupyter path only) and on the .NET Interactive kernel (.net-csharp, if registered: it
# restores KdLabs from whatever the kdlabs-local NuGet source points at, see `./kdlabs setup`).
#   scripts/kernel-lesson-times.sh                 every lesson, both kernels
#   scripts/kernel-lesson-times.sh 01 03           lessons whose file name starts with 01 or 03
#   KERNELS=kdlabs-csharp scripts/kernel-lesson-times.sh   one kernel only
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
spec=$(mktemp -d)
out=$(mktemp -d)
trap 'rm -rf "$spec" "$out"' EXIT
"$root/kdlabs" kernel install --prefix "$spec" >/dev/null
export JUPYTER_PATH="$spec/share/jupyter" PYDEVD_DISABLE_FILE_VALIDATION=1
export PATH="$PATH:${DOTNET_TOOLS_DIR:-$HOME/.dotnet/tools}"   # the .net-csharp kernelspec runs `dotnet interactive`
kernels=${KERNELS:-"kdlabs-csharp .net-csharp"}
printf '%-34s %-14s %8s  %s\n' lesson kernel seconds result
for nb in "$root"/notebooks/*.ipynb; do
  name=$(basename "$nb")
  if [ $# -gt 0 ]; then
    keep=0; for p in "$@"; do case "$name" in "$p"*) keep=1;; esac; done
    [ $keep = 1 ] || continue
  fi
  for kernel in $kernels; do
    start=$(date +%s.%N)
    # -l .net-csharp: papermill's C# parameter syntax (its translators know .net-csharp, not kdlabs-csharp).
    if papermill "$nb" "$out/$kernel-$name" -k "$kernel" -l .net-csharp -p smoke True --cwd "$root/notebooks" \
         --no-progress-bar --execution-timeout 1200 >"$out/$kernel-$name.log" 2>&1; then result=ok; else result="failed (see papermill's log)"; fi
    end=$(date +%s.%N)
    printf '%-34s %-14s %8.1f  %s\n' "$name" "$kernel" "$(awk "BEGIN { print $end - $start }")" "$result"
  done
done
