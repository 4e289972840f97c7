#!/usr/bin/env bash
# `make bench`: the measurements behind the README's figures, in one run.
#   1. every scripts/bench-*.sh (prepare, the daily feed, ...; each says what it measures)
#      but bench-life.sh, which is make bench-life;
#   2. the Go benchmarks of every package that has some (BENCHTIME, default 1x: one
#      iteration each, since several are minutes of work at full scale);
#   3. `pipeline demo` from an empty bucket and again (the rerun must be quick), under
#      /usr/bin/time -v: wall time and peak memory.
# Output goes to the terminal and to logs/bench-<UTC time>.log (logs/ is git-ignored).
#
#   scripts/bench.sh                   # everything
#   ONLY=go BENCH=Release scripts/bench.sh   # just the Go benchmarks matching Release
#   ONLY=scripts|go|demo
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
GO=${GO:-go}
BENCHTIME=${BENCHTIME:-1x}
BENCH=${BENCH:-.}
ONLY=${ONLY:-}
mkdir -p logs
log="logs/bench-$(date -u +%Y%m%dT%H%M%SZ).log"
exec > >(tee "$log") 2>&1
echo "# recpipe bench $(date -u +%FT%TZ) on $(nproc) cores, $(uname -sm), $($GO version)"

want() { [[ -z "$ONLY" || "$ONLY" == "$1" ]]; }

if want scripts; then
	for s in scripts/bench-*.sh; do
		[[ -e "$s" ]] || continue
		[[ "$s" == scripts/bench-life.sh ]] && continue # its own target, make bench-life (an hour)
		echo "## $s"
		bash "$s" || echo "!! $s failed with status $?"
	done
fi

if want go; then
	mapfile -t pkgs < <(grep -rl --include='*_test.go' '^func Benchmark' . | grep -v '/cuda/' | xargs -n1 dirname | sort -u)
	echo "## go test -bench '$BENCH' -benchtime $BENCHTIME -benchmem ${pkgs[*]}"
	"$GO" test -run '^$' -bench "$BENCH" -benchtime "$BENCHTIME" -benchmem -timeout 60m "${pkgs[@]}" || echo "!! go benchmarks failed with status $?"
fi

if want demo; then
	echo "## pipeline demo from an empty bucket, then again"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	"$GO" build -o "$tmp/pipeline" ./functions/pipeline
	for run in first rerun; do
		/usr/bin/time -v -o "$tmp/time.$run" "$tmp/pipeline" demo --bucket "file://$tmp/data" --log-level warn >"$tmp/out.$run"
		tail -n 12 "$tmp/out.$run"
		echo "demo $run: wall $(awk -F': ' '/Elapsed \(wall clock\)/{print $2}' "$tmp/time.$run"), peak RSS $(awk -F': ' '/Maximum resident/{print $2}' "$tmp/time.$run") KiB"
	done
fi
echo "# log: $log"
