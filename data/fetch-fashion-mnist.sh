#!/usr/bin/env bash
# Kept for old instructions: `./kdlabs data fetch fashion-mnist` fetches and verifies the files (checksums in src/KdLabs/Data and data/fashion-mnist.sha256).
exec "$(cd "$(dirname "$0")/.." && pwd)/kdlabs" data fetch fashion-mnist ${1:+--dir "$1"}
