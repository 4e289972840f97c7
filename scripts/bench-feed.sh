#!/usr/bin/env bash
# Per-day cost of etl-day and quality-check on synthetic-N (default N = 32,000,000:
# 6.4M test rows, 320k a day), one process per day, measured by /usr/bin/time.
#
#   scripts/bench-feed.sh [DIR] [ROWS]
#
# DIR (default /tmp/recpipe-bench) is the file:// bucket; prepare runs once (about
# 30 s and 1.5 GiB at 32M rows) and is a no-op on later runs. The first quality-check
# builds the cached train profile (a one-off, reported on its own line).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-/tmp/recpipe-bench}
rows=${2:-32000000}
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/" ./functions/prepare ./functions/etl-day ./functions/quality-check
export BUCKET_URL="file://$dir" DATASET="synthetic-$rows" LOG_LEVEL=warn
mkdir -p "$dir"
"$bin/prepare" --synthetic-rows "$rows" >/dev/null
rm -rf "$dir/etl" "$dir/quality"
fmt='%e s wall, %U s user, %S s sys, %M KB max RSS'
for d in $(seq 1 20); do
	/usr/bin/time -f "etl-day       day $d: $fmt" "$bin/etl-day" --day "$d" >/dev/null
done
/usr/bin/time -f "quality-check day 1 (builds the train profile): $fmt" "$bin/quality-check" --day 1 >/dev/null
for d in $(seq 2 20); do
	/usr/bin/time -f "quality-check day $d: $fmt" "$bin/quality-check" --day "$d" >/dev/null
done
