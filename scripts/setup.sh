#!/usr/bin/env bash
# KdLabs setup: makes this machine able to build and run the kit. Idempotent; silent and fast
# when everything is already in place. Called by ./kdlabs and ./test.sh before they do anything.
#
#   scripts/setup.sh            check, and fix what can be fixed here
#   scripts/setup.sh --check    check only; exit 1 and print the fix when something is missing
set -euo pipefail

check_only=0
[ "${1:-}" = "--check" ] && check_only=1

say() { printf 'setup: %s\n' "$*" >&2; }
fail() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

# --- .NET 10 SDK ------------------------------------------------------------------------------
if ! command -v dotnet >/dev/null 2>&1; then
  fail ".NET SDK not found. Install the .NET 10 SDK (https://dotnet.microsoft.com/download) and re-run."
fi
if ! dotnet --list-sdks 2>/dev/null | grep -q '^10\.'; then
  fail "the .NET 10 SDK is required; 'dotnet --list-sdks' shows: $(dotnet --list-sdks | tr '\n' ' '). Install .NET 10 and re-run."
fi

# --- libstdc++ with GLIBCXX_3.4.32 (TorchSharp 0.107's native library needs GCC 13's) ------------
[ "$(uname -s)" = "Linux" ] || exit 0   # macOS and Windows ship a new enough C++ runtime

find_libstdcxx() {
  local p
  for p in /usr/lib/x86_64-linux-gnu/libstdc++.so.6 /usr/lib/aarch64-linux-gnu/libstdc++.so.6 \
           /usr/lib64/libstdc++.so.6 /usr/lib/libstdc++.so.6; do
    [ -e "$p" ] && { echo "$p"; return 0; }
  done
  ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 /{print $NF; exit}'
}
has_glibcxx() { local lib; lib=$(find_libstdcxx); [ -n "$lib" ] && grep -aq 'GLIBCXX_3\.4\.32' "$lib"; }

has_glibcxx && exit 0

codename=""
[ -r /etc/os-release ] && codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")

if [ "$codename" != "bookworm" ]; then
  fail "the system libstdc++ lacks GLIBCXX_3.4.32, which TorchSharp 0.107 needs (GCC 13 or newer).
  Install a newer libstdc++6 with your distribution's package manager (Ubuntu 24.04 and Debian 13 have it)."
fi

# Debian 12: take libstdc++6 from Debian 13. Trixie's libstdc++6 needs trixie's libc6 (>= 2.38), so apt
# brings the C library and GCC runtime families along (28 packages on a stock Debian 12 image, nothing
# removed). The pin at 100 means trixie is only used when asked for with -t: later upgrades keep every
# other package on Debian 12.
sources_file=/etc/apt/sources.list.d/kdlabs-trixie.sources
pin_file=/etc/apt/preferences.d/kdlabs-trixie
mirror=$(awk '/^URIs:/{for(i=2;i<=NF;i++) if ($i !~ /security/) {print $i; exit}}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '/^deb /{ if ($2 !~ /security/) {print $2; exit} }' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || fail "could not find the Debian mirror in /etc/apt/sources.list(.d); add a Debian 13 (trixie) source by hand."

write_apt_files() {
  cat > "$sources_file" <<SRC
# Added by KdLabs scripts/setup.sh: Debian 13 for libstdc++6 only (see $pin_file).
Types: deb
URIs: $mirror
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  cat > "$pin_file" <<PIN
# Added by KdLabs scripts/setup.sh: trixie packages only when asked for (apt-get install -t trixie).
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
}

cmds="write $sources_file (Suites: trixie, URIs: $mirror) and $pin_file (Package: *, Pin: release n=trixie, Pin-Priority: 100), then:
    apt-get update && apt-get install -y -t trixie libstdc++6"

if [ "$check_only" = 1 ]; then
  fail "libstdc++ lacks GLIBCXX_3.4.32 (needed by TorchSharp 0.107). Run scripts/setup.sh as root, or $cmds"
fi
if [ "$(id -u)" != 0 ]; then
  fail "libstdc++ lacks GLIBCXX_3.4.32 (needed by TorchSharp 0.107) and this is not root.
  Run 'sudo scripts/setup.sh', or by hand: $cmds"
fi

say "Debian 12 detected: installing libstdc++6 from Debian 13 (trixie) with an apt pin (about 20 s)..."
write_apt_files
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq -t trixie libstdc++6 >/dev/null
has_glibcxx || fail "libstdc++6 was installed but still lacks GLIBCXX_3.4.32; see 'apt-cache policy libstdc++6'."
say "installed $(dpkg-query -W -f='libstdc++6 ${Version}' libstdc++6) from trixie (with the C library it needs); other packages stay on Debian 12."
