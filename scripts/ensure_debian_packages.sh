#!/usr/bin/env bash
# What the tests need from Debian: Chromium for the browser tests (never a downloaded browser),
# Pango and the Noto fonts (Devanagari included) for WeasyPrint's PDFs, and pdftotext to read
# them back. Installs whatever is missing.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/pdftotext ] || missing+=(poppler-utils)
# Whole outputs, not a pipe into grep -q: under pipefail its early exit fails the pipe.
libraries=$(ldconfig -p)
fonts=$(fc-list 2>/dev/null || true)
[[ $libraries == *libpangoft2-1.0.so.0* ]] || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
[[ $fonts == *"Noto Sans Devanagari"* ]] || missing+=(fonts-noto-core)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "Missing Debian packages and this is not root: apt-get install ${missing[*]}" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
echo "Installed ${missing[*]}"
