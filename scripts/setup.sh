#!/usr/bin/env bash
# Prepares a machine to run the tests: the Debian packages they use (Chromium for Playwright; sox, ffmpeg and
# espeak-ng for test audio), then the npm dependencies exactly as locked. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(chromium sox espeak-ng ffmpeg)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  missing=()
  for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$package")
    fi
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    echo "setup: ${packages[*]} already installed"
  elif [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
    echo "setup: installing ${missing[*]} needs root or sudo; install them, then run this again." >&2
    exit 1
  else
    echo "setup: installing ${missing[*]}"
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  fi
else
  echo "setup: not a Debian-like system; skipping system packages. Install ${packages[*]} yourself" \
    "(the end-to-end tests expect Chromium at /usr/bin/chromium)."
fi

# better-sqlite3 compiles from source. Where npm has no nodedir yet and the system's Node headers match the
# running Node, point it there instead of letting it try to download headers (see stack-notes).
configured_nodedir="$(npm config get nodedir 2>/dev/null || true)"
if { [ -z "$configured_nodedir" ] || [ "$configured_nodedir" = undefined ] || [ "$configured_nodedir" = null ]; } &&
  [ -f /usr/include/node/node_version.h ]; then
  headers_major="$(sed -n 's/^#define NODE_MAJOR_VERSION \([0-9]*\).*/\1/p' /usr/include/node/node_version.h)"
  node_major="$(node -p 'process.versions.node.split(".")[0]')"
  if [ "$headers_major" = "$node_major" ]; then export npm_config_nodedir=/usr; fi
fi

npm ci
