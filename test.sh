#!/usr/bin/env bash
# Runs every test of the kit on this machine, setup included: scripts/setup.sh (silent when done),
# the MNIST and Fashion-MNIST files (fetched and checksum-verified once), then the whole xunit suite, which also runs
# every notebook under notebooks/ in smoke mode through the kit's own runner and on the real .NET Interactive kernel.
set -euo pipefail
root=$(cd "$(dirname "$0")" && pwd)
cd "$root"
scripts/setup.sh
scripts/setup-kernel.sh                  # papermill, nbconvert, chromium, dotnet-interactive, the .net-csharp kernel
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
./kdlabs data fetch mnist               # each checks the files it finds and fetches only what is missing
./kdlabs data fetch fashion-mnist
./kdlabs setup --skip-data >/dev/null   # the KdLabs package the real-kernel tests restore, registered as kdlabs-local
# Each project also writes a TRX file, so a failure's message is repeated at the end of the log, where CI shows it.
results=$(mktemp -d "${TMPDIR:-/tmp}/kdlabs-test-results.XXXXXX")
status=0
dotnet test KdLabs.sln -c Release --logger "console;verbosity=normal" --logger trx --results-directory "$results" "$@" \
  || status=$?
if [ "$status" -ne 0 ]; then
  echo
  echo "=== Failed tests ==="
  python3 scripts/test-failures.py "$results" || true
fi
rm -rf "$results"
exit "$status"
