#!/usr/bin/env bash
# Benchmark prepare at ML-32M scale: bin/prepare --synthetic-rows N (default 32000000)
# into a fresh file:// bucket, under /usr/bin/time -v. Prints wall time and peak RSS.
# Target (issue 3): <= 60 s and <= 3 GiB on 2 cores.
#   scripts/bench-prepare.sh            # 32M rows
#   ROWS=4000000 scripts/bench-prepare.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-32000000}
GO=${GO:-go}
mkdir -p bin
"$GO" build -o bin/prepare ./functions/prepare
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
log="$dir.time"
trap 'rm -rf "$dir" "$log"' EXIT
if [ -x /usr/bin/time ]; then
  /usr/bin/time -v -o "$log" bin/prepare --synthetic-rows "$ROWS" --bucket "file://$dir" --log-level warn
  wall=$(grep 'Elapsed (wall clock)' "$log" | awk '{print $NF}')
  rss=$(grep 'Maximum resident set size' "$log" | awk '{print $NF}')
  cpu=$(grep 'Percent of CPU' "$log" | awk '{print $NF}')
  echo "bench-prepare: rows=$ROWS wall=$wall peak_rss=$((rss / 1024))MiB cpu=$cpu cores=$(nproc) bytes=$(du -sb "$dir" | cut -f1)"
else
  start=$(date +%s.%N)
  bin/prepare --synthetic-rows "$ROWS" --bucket "file://$dir" --log-level warn
  echo "bench-prepare: rows=$ROWS wall=$(echo "$(date +%s.%N) - $start" | bc)s (install GNU time for peak RSS)"
fi
