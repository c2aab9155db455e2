#!/usr/bin/env bash
# GPU check, for a machine with an NVIDIA GPU, its driver, and access to the TorchSharp-cuda-linux 0.107.0 package.
# NOT RUN on this project's machines (they have no GPU, and their package mirror serves no CUDA backend).
#
#   scripts/gpu-check.sh            # build the CLI against CUDA libtorch, run every lab in smoke mode on cuda,
#                                   # then time one teacher epoch on CPU and on CUDA and print the ratio
#   scripts/gpu-check.sh cuda:1     # the same on the second GPU
#
# The CUDA build goes to artifacts/cli-cuda (the CPU CLI in artifacts/cli is left alone); runs go to runs/gpu-check.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
device=${1:-cuda}
backend=${TORCH_BACKEND:-cuda-linux}
out="$root/runs/gpu-check"
cli="$root/artifacts/cli-cuda"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || echo "gpu-check: nvidia-smi not found (continuing; the CLI will say whether CUDA is usable)"
echo "gpu-check: building the CLI with TorchBackend=$backend into $cli"
dotnet build src/KdLabs.Cli/KdLabs.Cli.csproj -c Release -p:TorchBackend="$backend" -o "$cli" -v quiet -nologo -clp:ErrorsOnly
[ -f data/mnist/t10k-labels-idx1-ubyte ] || ./kdlabs data fetch mnist
kd() { dotnet "$cli/KdLabs.Cli.dll" "$@"; }

# kd_logged LOG SHOW ARGS...: runs `kd ARGS...` into LOG, showing only the lines matching SHOW. The lab's own exit
# status decides: `| grep || true` alone would pass a lab that crashed after printing its device line (and leave a
# previous run's results.json to be read); grep finding no line is not a failure by itself.
kd_logged() {
  local log=$1 show=$2
  shift 2
  local codes=(0 0 0)
  kd "$@" | tee "$log" | grep -E "$show" || codes=("${PIPESTATUS[@]}")
  if [ "${codes[0]}" -ne 0 ]; then
    echo "gpu-check: kdlabs $* failed with exit ${codes[0]} (see $log)" >&2
    exit 1
  fi
  if [ "${codes[1]}" -ne 0 ] || [ "${codes[2]}" -gt 1 ]; then
    echo "gpu-check: could not log kdlabs $* into $log (tee exit ${codes[1]}, grep exit ${codes[2]})" >&2
    exit 1
  fi
}

# 1. Every lab in smoke mode on the GPU (a missing GPU is an error, exit 2, never a silent CPU run).
mkdir -p "$out"
labs=(
  "distill mnist"
  "distill mnist --student sdt"
  "sweep mnist --alpha 0.5 --temperature 4"
  "zoo mnist"
  "ssld mnist"
  "distill chest-xray --synthetic"
)
i=0
for lab in "${labs[@]}"; do
  i=$((i + 1))
  echo "gpu-check: [$i/${#labs[@]}] kdlabs $lab --smoke --device $device"
  # shellcheck disable=SC2086
  kd_logged "$out/smoke-$i.log" "^device:|error" $lab --smoke --device "$device" --out "$out/smoke-$i"
  grep -q "^device: cuda" "$out/smoke-$i.log" || { echo "gpu-check: lab '$lab' did not run on CUDA (see $out/smoke-$i.log)"; exit 1; }
done

# 2. One teacher epoch (the CNN teacher on all 60,000 images) on CPU and on CUDA, each with a fresh teacher cache so the
#    teacher really trains; the epoch's wall time comes from results.json (the trainer synchronises CUDA before reading
#    its clock).
teacher_seconds() {
  awk '/"Histories"/ { h = 1 } h && /"Seconds"/ { gsub(/[^0-9.eE+-]/, "", $2); print $2; exit }' "$1/results.json"
}
for d in cpu "$device"; do
  tag=${d//:/-}
  echo "gpu-check: one teacher epoch on $d"
  KDLABS_CACHE="$out/cache-$tag" kd_logged "$out/epoch-$tag.log" "^device:|^teacher epoch" distill mnist --epochs 1 --device "$d" --out "$out/epoch-$tag"
done
cpu_s=$(teacher_seconds "$out/epoch-cpu")
gpu_s=$(teacher_seconds "$out/epoch-${device//:/-}")
echo "gpu-check: teacher epoch: CPU ${cpu_s} s, $device ${gpu_s} s, speed-up $(awk -v c="$cpu_s" -v g="$gpu_s" 'BEGIN { printf "%.1f", c / g }')x"
echo "gpu-check: note: CUDA runs are not bit-for-bit reproducible (cuDNN picks kernels at run time); same seed, same numbers holds on the CPU."
