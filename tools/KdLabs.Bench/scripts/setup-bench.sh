#!/usr/bin/env bash
# Installs what `kdlabs bench` needs for its PyTorch comparison, and nothing the tests need:
# Debian's python3-torch (PyTorch 1.13) with the OpenMP build of OpenBLAS selected as the system BLAS
# (Debian's python3-torch otherwise runs on the reference BLAS and trains 2.6-2.8x slower, which would
# flatter the kit). Idempotent; silent when done. Debian/Ubuntu only; elsewhere it says what to install.
#
#   tools/KdLabs.Bench/scripts/setup-bench.sh           install (asks apt; needs root or sudo)
#   tools/KdLabs.Bench/scripts/setup-bench.sh --check   exit 1 with the fix when something is missing
#
# Note: python3-torch puts a system libtorch under /usr/lib; the kit's TorchSharp keeps loading its own
# (from its NuGet package), so this does not change what the kit runs on.
set -euo pipefail
# Debian's interpreter on purpose: a pyenv or venv python3 earlier on PATH does not see python3-torch.
check_only=0
[ "${1:-}" = "--check" ] && check_only=1
say() { printf 'setup-bench: %s\n' "$*" >&2; }

arch=$(dpkg --print-architecture 2>/dev/null || echo unknown)
triplet=$(gcc -dumpmachine 2>/dev/null || echo "$(uname -m)-linux-gnu")
blas_alt="libblas.so.3-$triplet"
lapack_alt="liblapack.so.3-$triplet"
openmp_blas="/usr/lib/$triplet/openblas-openmp/libblas.so.3"
openmp_lapack="/usr/lib/$triplet/openblas-openmp/liblapack.so.3"

ready() {
  /usr/bin/python3 -c 'import torch' >/dev/null 2>&1 || return 1
  [ -e "$openmp_blas" ] || return 1
  [ "$(readlink -f "/etc/alternatives/$blas_alt" 2>/dev/null)" = "$(readlink -f "$openmp_blas")" ] || return 1
}
ready && exit 0
if [ "$check_only" = 1 ]; then
  say "PyTorch with the OpenMP OpenBLAS is not set up: run tools/KdLabs.Bench/scripts/setup-bench.sh"
  exit 1
fi
command -v apt-get >/dev/null 2>&1 || { say "no apt-get here: install PyTorch 1.13 (python3) with an OpenMP BLAS by hand."; exit 1; }
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
say "installing python3-torch and libopenblas0-openmp ($arch)..."
$sudo apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends python3-torch python3-numpy libopenblas0-openmp >&2
$sudo update-alternatives --set "$blas_alt" "$openmp_blas" >&2
[ -e "$openmp_lapack" ] && $sudo update-alternatives --set "$lapack_alt" "$openmp_lapack" >&2
ready || { say "installed, but python3 cannot import torch with the OpenMP OpenBLAS selected"; exit 1; }
say "done: $(/usr/bin/python3 -c 'import torch; print("PyTorch", torch.__version__)')"
