#!/usr/bin/env bash
# Browser tests drive Debian's Chromium (never a downloaded browser); install it when missing.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "Chromium is missing and this is not root: apt-get install chromium" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-core >/dev/null
echo "Installed $(/usr/bin/chromium --version)"
