#!/usr/bin/env bash
# Screenshot an ab-eval report (abtest/report.html) in headless Chromium, so a person
# can look at the page as a browser renders it.
#
#   scripts/report-screenshot.sh REPORT.html OUT.png
#
# Installs Debian's chromium with apt-get when /usr/bin/chromium is missing (needs root
# and the Debian mirror). The page is self-contained (inline SVG, no scripts, no
# network), so Chromium runs with networking features off.
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 REPORT.html OUT.png" >&2
  exit 2
fi
report=$(realpath "$1")
out=$(realpath -m "$2")
[ -f "$report" ] || { echo "$0: no such report: $report" >&2; exit 2; }
chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  echo "$0: $chromium missing; installing Debian's chromium" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# Chromium logs D-Bus noise in containers: keep its output, show it only on failure.
if ! "$chromium" --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --no-first-run --user-data-dir="$profile" \
  --screenshot="$out" --window-size=1200,1600 "file://$report" >"$profile/chromium.log" 2>&1 || [ ! -s "$out" ]; then
  cat "$profile/chromium.log" >&2
  echo "$0: chromium wrote no screenshot to $out" >&2
  exit 1
fi
echo "$out"
