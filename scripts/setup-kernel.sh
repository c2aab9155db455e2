#!/usr/bin/env bash
# Installs what running the lessons on the real .NET Interactive kernel and on the kit's own kernel needs, and what the
# browser tests need.
# Idempotent: silent and fast when everything is in place. Called by ./test.sh.
#   - Debian packages: papermill, nbclient, nbconvert, jupyter-client (the Jupyter side), chromium (headless page tests),
#     and for the kit's own kernel's tests: jupyter_kernel_test (the protocol conformance suite), classic Notebook 6,
#     jupyter-console
#   - the dotnet-interactive tool 1.0.712001 (the kernel behind Polyglot Notebooks and Jupyter's ".NET (C#)")
#   - the .net-csharp Jupyter kernel registration, with the kit's compute environment in its kernelspec
#
#   scripts/setup-kernel.sh            check, and install what is missing
#   scripts/setup-kernel.sh --check    check only; exit 1 and print the fix when something is missing
set -euo pipefail

check_only=0
[ "${1:-}" = "--check" ] && check_only=1

say() { printf 'setup-kernel: %s\n' "$*" >&2; }
fail() { printf 'setup-kernel: error: %s\n' "$*" >&2; exit 1; }

interactive_version=1.0.712001
apt_packages=(python3-papermill python3-nbclient python3-nbconvert jupyter-nbconvert python3-jupyter-client jupyter-client chromium
  python3-jupyter-kernel-test python3-notebook python3-jupyter-console jupyter-console)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
tools_dir="${DOTNET_TOOLS_DIR:-$HOME/.dotnet/tools}"
export PATH="$PATH:$tools_dir"

# --- Debian packages ---------------------------------------------------------------------------
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || fail "missing ${missing[*]}; install papermill, nbclient, nbconvert, jupyter-client, jupyter_kernel_test, Notebook 6, jupyter-console and chromium with your package manager."
  [ $check_only = 1 ] && fail "missing Debian packages: ${missing[*]}. Run scripts/setup-kernel.sh."
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail "missing ${missing[*]}; run as root: apt-get install -y ${missing[*]}"
    sudo=sudo
  fi
  say "installing ${missing[*]} (apt)"
  $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -q "${missing[@]}" >/dev/null \
    || { $sudo apt-get update -q >/dev/null && $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -q "${missing[@]}" >/dev/null; } \
    || fail "apt-get install ${missing[*]} failed"
fi

# --- dotnet-interactive tool -------------------------------------------------------------------
# --ignore-failed-sources: a kdlabs-local source left pointing at a deleted checkout must not stop the install.
installed=$(dotnet tool list -g 2>/dev/null | awk 'tolower($1)=="microsoft.dotnet-interactive"{print $2}')
if [ "$installed" != "$interactive_version" ]; then
  [ $check_only = 1 ] && fail "dotnet-interactive $interactive_version is not installed (found: ${installed:-none}). Run scripts/setup-kernel.sh."
  if [ -n "$installed" ]; then
    say "updating dotnet-interactive $installed -> $interactive_version"
    dotnet tool update -g Microsoft.dotnet-interactive --version "$interactive_version" --ignore-failed-sources >/dev/null
  else
    say "installing dotnet-interactive $interactive_version (dotnet tool)"
    dotnet tool install -g Microsoft.dotnet-interactive --version "$interactive_version" --ignore-failed-sources >/dev/null
  fi
fi

# --- Jupyter kernel registration ---------------------------------------------------------------
if ! jupyter kernelspec list 2>/dev/null | grep -q '^ *\.net-csharp '; then
  [ $check_only = 1 ] && fail "the .net-csharp Jupyter kernel is not registered. Run scripts/setup-kernel.sh."
  say "registering the .NET Interactive Jupyter kernels (dotnet interactive jupyter install)"
  dotnet interactive jupyter install >/dev/null
  # The kit's compute environment in its kernelspec (one malloc arena, a short OpenMP spin; docs/speed.md), as
  # `./kdlabs setup` adds it when the kernel is already registered.
  "$(cd "$(dirname "$0")/.." && pwd)/kdlabs" kernel tune .net-csharp >&2
fi
exit 0
