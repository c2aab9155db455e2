#!/usr/bin/env bash
# Fetches the Fashion-MNIST IDX files (60k train, 10k test) from Debian's package dataset-fashion-mnist
# 0.0~git20200523.55506a9-1 by name and version with apt-get download (no root needed), unpacks it with
# dpkg-deb, gunzips the four files, checks each against data/fashion-mnist.sha256 and installs them into
# data/fashion-mnist/. The same steps run from `kdlabs data fetch fashion-mnist`; this script is for machines
# without the kit built.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dest=${1:-$here/fashion-mnist}
pkg=dataset-fashion-mnist version=0.0~git20200523.55506a9-1
for tool in apt-get dpkg-deb gunzip; do
  command -v "$tool" >/dev/null || { echo "fetch-fashion-mnist: $tool is required (Debian or Ubuntu); elsewhere gunzip the four Fashion-MNIST IDX files into $dest and check them with: (cd $dest && sha256sum -c $here/fashion-mnist.sha256)" >&2; exit 1; }
done
files=$(awk '{print $2}' "$here/fashion-mnist.sha256")
# On any exit, also remove the half-copied $dest/<file>.tmp of a failed copy (no-op after a success).
cleanup() { rm -rf "$tmp"; for f in $files; do rm -f "$dest/$f.tmp"; done; }
tmp=$(mktemp -d); trap cleanup EXIT
(cd "$tmp" && apt-get download -q "$pkg=$version" >/dev/null 2>"$tmp/apt.log") \
  || { cat "$tmp/apt.log" >&2; echo "fetch-fashion-mnist: apt-get download $pkg=$version failed; run 'apt-get update' first if apt does not know the package" >&2; exit 1; }
dpkg-deb -x "$tmp"/"$pkg"_*.deb "$tmp/root"
src=$tmp/root/usr/share/datasets/fashion-mnist
for f in $(awk '{print $2}' "$here/fashion-mnist.sha256"); do
  gunzip -c "$src/$f.gz" > "$tmp/$f"
done
(cd "$tmp" && sha256sum -c --quiet "$here/fashion-mnist.sha256")
mkdir -p "$dest"
# Two commands, not `cp && mv`: set -e ignores a failure on the left of &&, so a failed copy would report success.
for f in $files; do
  cp "$tmp/$f" "$dest/$f.tmp"
  mv "$dest/$f.tmp" "$dest/$f"
done
echo "fetch-fashion-mnist: 4 files verified and stored in $dest"
