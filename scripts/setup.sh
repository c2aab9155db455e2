#!/usr/bin/env bash
# KdLabs setup: makes this machine able to build and run the kit. Idempotent; silent and fast
# when everything is already in place. Called by ./kdlabs and ./test.sh before they do anything.
#
#   scripts/setup.sh            check, and fix what can be fixed here (asks before changing system packages)
#   scripts/setup.sh --check    check only; exit 1 and print the fix when something is missing
#   scripts/setup.sh --dry-run  print what would change (apt's own simulation), change nothing
#   scripts/setup.sh --yes      change system packages without asking (also: CI=true or KDLABS_ASSUME_YES=1)
set -euo pipefail

check_only=0 dry_run=0 assume_yes=0
for arg in "$@"; do
  case "$arg" in
    --check) check_only=1 ;;
    --dry-run) dry_run=1 ;;
    --yes|-y) assume_yes=1 ;;
    *) printf 'setup: error: unknown option %s (use --check, --dry-run or --yes)\n' "$arg" >&2; exit 2 ;;
  esac
done
[ "${CI:-}" = "true" ] && assume_yes=1
[ "${KDLABS_ASSUME_YES:-}" = "1" ] && assume_yes=1

# For the tests of this script only: pretend the runtime is missing / the system is another one, and use a stand-in
# for apt-get and /etc, so the decision logic is exercised without touching the machine.
apt_get=${KDLABS_SETUP_APT_GET:-apt-get}
etc=${KDLABS_SETUP_ETC:-/etc}

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

[ "${KDLABS_SETUP_ASSUME_MISSING:-}" = "1" ] || { has_glibcxx && exit 0; }

codename=""
[ -r /etc/os-release ] && codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
codename=${KDLABS_SETUP_CODENAME:-$codename}

if [ "$codename" != "bookworm" ]; then
  fail "the system libstdc++ lacks GLIBCXX_3.4.32, which TorchSharp 0.107 needs (GCC 13 or newer).
  Install a newer libstdc++6 with your distribution's package manager (Ubuntu 24.04 and Debian 13 have it)."
fi

# Debian 12: take libstdc++6 from Debian 13. Trixie's libstdc++6 needs trixie's libc6 (>= 2.38), so apt
# brings the C library and GCC runtime families along (28 packages on a stock Debian 12 image, nothing
# removed). The pin at 100 means trixie is only used when asked for with -t: later upgrades keep every
# other package on Debian 12.
sources_file=$etc/apt/sources.list.d/kdlabs-trixie.sources
pin_file=$etc/apt/preferences.d/kdlabs-trixie
mirror=$(awk '/^URIs:/{for(i=2;i<=NF;i++) if ($i !~ /security/) {print $i; exit}}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '/^deb /{ if ($2 !~ /security/) {print $2; exit} }' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || fail "could not find the Debian mirror in /etc/apt/sources.list(.d); add a Debian 13 (trixie) source by hand."

write_sources() {
  cat > "$1" <<SRC
# Added by KdLabs scripts/setup.sh: Debian 13 for libstdc++6 only (see $pin_file).
Types: deb
URIs: $mirror
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
}
write_pin() {
  cat > "$1" <<PIN
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

# The plan: apt's own simulation (apt-get -s) against a private copy of the sources with trixie added, so nothing
# on the system changes before the user agrees. Prints one "package old -> new" line per package apt would touch.
simulate() {
  local tmp; tmp=$(mktemp -d)
  mkdir -p "$tmp/parts" "$tmp/prefs" "$tmp/lists/partial" "$tmp/cache/archives/partial"
  if [ -f /etc/apt/sources.list ]; then cp /etc/apt/sources.list "$tmp/sources.list"; else : > "$tmp/sources.list"; fi
  cp /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list "$tmp/parts/" 2>/dev/null || true
  write_sources "$tmp/parts/kdlabs-trixie.sources"
  write_pin "$tmp/prefs/kdlabs-trixie"
  local opts=(-o "Dir::Etc::SourceList=$tmp/sources.list" -o "Dir::Etc::SourceParts=$tmp/parts" -o "Dir::Etc::PreferencesParts=$tmp/prefs"
              -o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache=$tmp/cache" -o "Debug::NoLocking=1")
  local out status=0
  out=$( { "$apt_get" "${opts[@]}" update -qq >/dev/null && "$apt_get" "${opts[@]}" -s -t trixie install libstdc++6; } 2>&1) || status=$?
  rm -rf "$tmp"
  [ "$status" = 0 ] || { printf 'apt simulation failed: %s\n' "$out"; return 1; }
  # "Inst libc6 [2.36-9+deb12u10] (2.41-12 Debian:13.1/stable [amd64]) []" -> "libc6 2.36-9+deb12u10 -> 2.41-12"
  printf '%s\n' "$out" | awk '/^Inst /{ old=$3; if (old ~ /^\[/) { gsub(/[][]/, "", old); new=$4 } else { old="(new)"; new=$3 } gsub(/[()]/, "", new); print $2, old, "->", new }'
}

describe() {
  local plan changes plan_failed=0
  plan=$(simulate) || plan_failed=1
  changes=$(printf '%s\n' "$plan" | grep -c -- ' -> ' || true)
  cat >&2 <<MSG
setup: Debian 12 lacks GLIBCXX_3.4.32 (GCC 13's C++ runtime), which TorchSharp 0.107's native library needs.
setup: the fix takes libstdc++6 from Debian 13 (trixie): write $sources_file and
setup: $pin_file (trixie at pin priority 100, so nothing else moves to it later), then
setup:   apt-get update && apt-get install -t trixie libstdc++6
setup: Trixie's libstdc++6 needs trixie's C library, so this is a system upgrade of the C library and GCC runtime:
setup: on a stock Debian 12 image libc6 2.36 -> 2.41 and base-files 12 -> 13 (the machine then reports itself as
setup: Debian 13 in /etc/os-release). apt's exact list for this machine:
MSG
  if [ "$plan_failed" = 1 ]; then
    printf 'setup: apt could not simulate it here:\n%s\n' "$plan" | sed 's/^/setup:   /' >&2
  else
    printf 'setup: apt-get -s lists %s package(s):\n' "$changes" >&2
    [ "$changes" = 0 ] || printf '%s\n' "$plan" | sed 's/^/setup:   /' >&2
  fi
}

if [ "$dry_run" = 1 ]; then
  describe
  say "dry run: nothing was changed. Run 'scripts/setup.sh --yes' (as root) to apply it."
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  describe
  fail "libstdc++ lacks GLIBCXX_3.4.32 (needed by TorchSharp 0.107) and this is not root. Nothing was changed.
  Run 'sudo scripts/setup.sh --yes', or by hand: $cmds"
fi
if [ "$assume_yes" != 1 ]; then
  if { : </dev/tty; } 2>/dev/null && [ -t 2 ]; then
    describe
    printf 'setup: apply these changes now? [y/N] ' >&2
    read -r answer </dev/tty || answer=""
    case "$answer" in
      y|Y|yes|YES) ;;
      *) fail "nothing was changed. Run 'scripts/setup.sh --yes' to apply it later, or 'scripts/setup.sh --dry-run' to see the plan." ;;
    esac
  else
    describe
    fail "this would upgrade system packages, and there is no terminal to ask. Nothing was changed.
  Run 'sudo scripts/setup.sh --yes' to apply it (or set CI=true or KDLABS_ASSUME_YES=1), or 'scripts/setup.sh --dry-run' to see the plan."
  fi
fi
say "Debian 12: installing libstdc++6 from Debian 13 (trixie) with an apt pin (about 40 s)..."
mkdir -p "$(dirname "$sources_file")" "$(dirname "$pin_file")"
# Until the install succeeds, the trixie source and pin are this run's to undo: a failed update or install (or Ctrl+C)
# must not leave Debian 13 as a source for the next apt-get upgrade, unannounced. Only files this run creates are
# removed, and not once dpkg has changed anything: a half-done upgrade needs the source to be finished (apt-get -f install).
created=()
for f in "$sources_file" "$pin_file"; do [ -e "$f" ] || created+=("$f"); done
packages() { dpkg-query -W -f='${Package} ${Version} ${db:Status-Abbrev}\n' 2>/dev/null || true; }
packages_before=$(packages)
installed=0
undo_trixie() {
  [ "$installed" = 0 ] && [ "${#created[@]}" -gt 0 ] || return 0
  if [ "$(packages)" != "$packages_before" ]; then
    say "the install did not finish, but dpkg already changed packages: kept ${created[*]}, which 'apt-get -f install' needs to finish it."
    return 0
  fi
  rm -f "${created[@]}"
  say "undone: removed ${created[*]} (the install did not happen; no package was changed)."
}
trap undo_trixie EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
write_sources "$sources_file"
write_pin "$pin_file"
export DEBIAN_FRONTEND=noninteractive
"$apt_get" update -qq >/dev/null || fail "apt-get update failed with Debian 13 (trixie) added as a source (its errors are above)."
"$apt_get" install -y -qq -t trixie libstdc++6 >/dev/null || fail "apt-get install -t trixie libstdc++6 failed (its errors are above)."
installed=1
trap - EXIT INT TERM
has_glibcxx || fail "libstdc++6 was installed but still lacks GLIBCXX_3.4.32; see 'apt-cache policy libstdc++6'."
say "installed $(dpkg-query -W -f='libstdc++6 ${Version}' libstdc++6) from trixie (with the C library it needs); other packages stay on Debian 12."
