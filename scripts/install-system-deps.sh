#!/usr/bin/env bash
# Install the Debian packages the test suite needs beyond Python:
#   gnome-keyring    gnome-keyring-daemon, a real Secret Service for the keyring tests
#   dbus             dbus-run-session (via dbus-daemon), a private session bus per test
#   libsecret-tools  secret-tool, to check what landed in the keyring
#   chromium         a real browser for the RSVP page tests (headless, driven by Selenium)
#   chromium-driver  chromedriver, the WebDriver for that chromium (no downloaded browsers)
#
# Idempotent: does nothing when the commands are already there. Uses apt-get as root, or
# through `sudo -n` when that works without a password. Otherwise it prints what to install
# and exits 0 (the tests that need the daemon then skip, saying why) -- except in CI
# (CI=true), where a missing daemon is an error.
set -euo pipefail

# command -> Debian package
declare -A PACKAGE_OF=(
  [gnome-keyring-daemon]=gnome-keyring
  [dbus-run-session]=dbus
  [secret-tool]=libsecret-tools
  [chromium]=chromium
  [chromedriver]=chromium-driver
)
COMMANDS=(gnome-keyring-daemon dbus-run-session secret-tool chromium chromedriver)

in_ci() {
  case "${CI:-}" in
    true | TRUE | True | 1 | yes) return 0 ;;
    *) return 1 ;;
  esac
}

missing=()
for cmd in "${COMMANDS[@]}"; do
  if ! command -v "$cmd" >/dev/null 2>&1; then
    pkg=${PACKAGE_OF[$cmd]}
    [[ " ${missing[*]-} " == *" $pkg "* ]] || missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-system-deps: gnome-keyring, dbus, libsecret-tools and chromium already installed"
  exit 0
fi

give_up() {
  echo "install-system-deps: $1" >&2
  echo "install-system-deps: please install: ${missing[*]}" >&2
  echo "  (Debian/Ubuntu: sudo apt-get install ${missing[*]})" >&2
  if in_ci; then
    echo "install-system-deps: CI=true, so this is an error" >&2
    exit 1
  fi
  echo "install-system-deps: the Secret Service and browser tests will be skipped" >&2
  exit 0
}

if ! command -v apt-get >/dev/null 2>&1; then
  give_up "apt-get not found (not a Debian-like system)"
fi

if [[ $(id -u) -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
  as_root=(sudo -n)
else
  give_up "not root and sudo is not available without a password"
fi

echo "install-system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -qq --no-install-recommends -o Dpkg::Use-Pty=0)
# Try without refreshing first (fast on a warm machine); refresh the lists if that fails.
if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install "${apt_opts[@]}" "${missing[@]}" >/dev/null 2>&1; then
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install "${apt_opts[@]}" "${missing[@]}"
fi

for cmd in "${COMMANDS[@]}"; do
  if ! command -v "$cmd" >/dev/null 2>&1; then
    echo "install-system-deps: $cmd is still missing after installing" >&2
    exit 1
  fi
done
echo "install-system-deps: done"
