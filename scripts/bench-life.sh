#!/usr/bin/env bash
# `make bench-life`: the whole life of the pipeline on synthetic ML-32M-scale data
# (issue 20), every stage its own process under /usr/bin/time, so that each stage's
# wall time and peak resident memory (the kernel's rusage maxrss) are its own:
#
#   1. prepare --synthetic-rows N (N = 32,000,000 × BENCH_LIFE_SCALE)
#   2. train-gpu --model ncf    --epochs 1 --promote  (the real training path, on the CPU)
#   3. train-gpu --model ss4rec --epochs 1 --promote
#   4. for each of the 20 days: etl-day --day d, quality-check --day d, ab-eval --day d
#      (scoring day d with the deployed NCF version of the end of day d−1), then
#      retrain --day d (the retrain step of the routing table: the version of the end
#      of day d, model/deploy)
#
# The table (per stage: processes, wall total, mean and max per process, peak RSS of
# the largest process, and the 4 GiB target) goes to the terminal and to
# logs/bench-life-<UTC time>.md (logs/ is git-ignored; the figures of the reference
# run are in docs/bench-life.md). The bucket is a file:// folder, removed at
# the end unless BENCH_LIFE_KEEP=1.
#
#   scripts/bench-life.sh                          # ML-32M scale (an hour or more on 2 cores)
#   BENCH_LIFE_SCALE=0.01 scripts/bench-life.sh    # 320k rows: the script in a minute
#   BENCH_LIFE_DIR=/tmp/x BENCH_LIFE_KEEP=1 ...    # keep the bucket
#   BENCH_LIFE_DAYS=5 ...                          # fewer days of the feed
#   BENCH_LIFE_NICE=10 ...                         # run every stage under nice
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
GO=${GO:-go}
scale=${BENCH_LIFE_SCALE:-1}
days=${BENCH_LIFE_DAYS:-20}
nice_n=${BENCH_LIFE_NICE:-0}
limit_kib=$((4 * 1024 * 1024)) # the issue's target: 4 GiB in every stage
rows=$(awk -v s="$scale" 'BEGIN { printf "%d", 32000000 * s }')
if ((rows < 20000)); then
	echo "bench-life: BENCH_LIFE_SCALE=$scale gives $rows rows; need at least 20000" >&2
	exit 2
fi
[[ -x /usr/bin/time ]] || { echo "bench-life: needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 2; }

stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p logs
md="logs/bench-life-$stamp.md"
work=$(mktemp -d /tmp/bench-life.XXXXXX)
dir=${BENCH_LIFE_DIR:-$work/bucket}
cleanup() {
	rm -rf "$work"
	[[ "${BENCH_LIFE_KEEP:-0}" == 1 || -n "${BENCH_LIFE_DIR:-}" ]] || rm -rf "$dir"
}
trap cleanup EXIT
mkdir -p "$dir" "$work/bin" "$work/time"
"$GO" build -o "$work/bin/" ./functions/prepare ./functions/train-gpu ./functions/etl-day ./functions/quality-check ./functions/ab-eval ./functions/retrain
export BUCKET_URL="file://$dir" DATASET="synthetic-$rows" LOG_LEVEL=warn LOG_FORMAT=json

# stage NAME CMD...: run CMD under /usr/bin/time; its record goes to $work/time/NAME.N
# (wall seconds, max RSS KiB, user and system seconds). Output goes to $work/NAME.log.
declare -A runs=()
stages=()
current= current_name= current_t0= current_pid= cut_short=
stage() {
	local name=$1
	shift
	[[ -n "${runs[$name]:-}" ]] || { runs[$name]=0; stages+=("$name"); }
	local n=$((runs[$name] + 1))
	runs[$name]=$n
	current="$name #$n" current_name=$name current_t0=$SECONDS
	/usr/bin/time -f '%e %M %U %S' -o "$work/time/$name.$n" nice -n "$nice_n" "$@" >>"$work/$name.log" 2>&1 &
	current_pid=$!
	if ! wait "$current_pid"; then
		echo "bench-life: $name (run $n) failed: $*" >&2
		tail -n 20 "$work/$name.log" >&2
		exit 1
	fi
	current=
	read -r wall rss _ <"$work/time/$name.$n"
	printf '  %-14s #%-2d %8.1f s  %6d MiB  (%s)\n' "$name" "$n" "$wall" $((rss / 1024)) "$(date -u +%T)" >&2
}

# The training runs' own figures for their one epoch (metrics.jsonl of the champion's
# run), or, for a run that was interrupted, how far its epoch got.
epochs() {
	local run
	run=$(sed -n 's/.*"run": *"\([^"]*\)".*/\1/p' "$dir/models/$1/champion.json" 2>/dev/null)
	if [[ -n "$run" ]]; then
		awk -F'[:,]' '{ for (i = 1; i < NF; i++) { if ($i ~ /"epoch_seconds"/) s = $(i + 1); if ($i ~ /"samples_per_sec"/) r = $(i + 1); if ($i ~ /"val_rmse"/) v = $(i + 1) } }
			END { printf "epoch %.1f s (training and validation), %.0f samples/s during training, validation RMSE %.4f", s, r, v }' "$dir/models/$1/$run/metrics.jsonl"
	elif [[ -s "$work/train-$1.log" ]]; then
		grep '"msg":"progress"' "$work/train-$1.log" | tail -n 1 | awk -F'[:,]' '{ for (i = 1; i < NF; i++) { if ($i ~ /"batch"$/) b = $(i + 1); if ($i ~ /"of"$/) o = $(i + 1); } }
			END { if (o) printf "did not finish: batch %d of %d (%.1f%% of the epoch) at its last progress line", b, o, 100 * b / o; else printf "did not finish (no progress logged yet)" }'
	else
		printf "not run"
	fi
}

# report prints the table of the stages run so far (the interrupted one with its
# wall time so far and its peak RSS so far, from /proc).
report() {
	local note=$1
{
	echo "# bench-life $stamp"
	echo
	echo "synthetic-$rows (BENCH_LIFE_SCALE=$scale), $days days of the feed, one process per stage and day;"
	echo "$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(uname -sm), $($GO version | cut -d' ' -f3),"
	echo "load average at the end $(cut -d' ' -f1-3 /proc/loadavg), nice $nice_n. Command: \`BENCH_LIFE_SCALE=$scale scripts/bench-life.sh\`."
	[[ -z "$note" ]] || { echo; echo "**$note**"; }
	echo
	echo "| stage | processes | wall total (s) | wall mean (s) | wall max (s) | CPU user+sys (s) | peak RSS (MiB) | ≤ 4 GiB |"
	echo "|---|---:|---:|---:|---:|---:|---:|---|"
	for s in "${stages[@]}"; do
		local label=$s
		[[ "$s" != "$cut_short" ]] || label="$s (last one cut short)"
		cat "$work/time/$s".* 2>/dev/null | awk -v s="$label" -v lim="$limit_kib" '
			NF == 4 { n++; w += $1; if ($1 > wmax) wmax = $1; if ($2 > r) r = $2; c += $3 + $4 }
			END { if (n) printf "| %s | %d | %.1f | %.2f | %.2f | %.1f | %d | %s |\n", s, n, w, w / n, wmax, c, r / 1024, (r <= lim ? "yes" : "**no**") }'
	done
	cat "$work/time/"* 2>/dev/null | awk 'NF == 4 { n++; w += $1; if ($2 > r) r = $2 } END { printf "| **all** | %d | %.1f | | | | %d | |\n", n, w, r / 1024 }'
	echo
	echo "Training, from each run's metrics.jsonl (a sample: a rating for NCF, a window of a user's sequence for SS4Rec):"
	echo
	echo "- ncf: $(epochs ncf)"
	echo "- ss4rec: $(epochs ss4rec) (target: ≤ 1,200 s on 2 cores)"
} | tee "$md"
	echo "# written to $md" >&2
}

# On SIGINT/SIGTERM: stop the running stage, say how far it got, and print the table.
interrupted() {
	local note="interrupted at $(date -u +%T)"
	if [[ -n "$current" && -n "$current_pid" ]]; then
		local pid hwm
		pid=$(pgrep -P "$current_pid" | head -n 1)
		hwm=$(awk '/VmHWM/ { print int($2 / 1024) }' "/proc/$pid/status" 2>/dev/null || true)
		note="$note, during $current after $((SECONDS - current_t0)) s (peak RSS so far ${hwm:-?} MiB); its row counts that cut-short process"
		kill "$pid" 2>/dev/null || true
		wait "$current_pid" 2>/dev/null || true
		cut_short=$current_name
	fi
	report "$note"
	exit 130
}
trap interrupted INT TERM

echo "# bench-life $stamp: synthetic-$rows (scale $scale), $days days, $(nproc) cores, $(uname -sm), $($GO version | cut -d' ' -f3), nice $nice_n" >&2
stage prepare "$work/bin/prepare" --synthetic-rows "$rows"
# Training logs at info: a progress line every 15 s (how far an interrupted epoch got).
LOG_LEVEL=info stage train-ncf "$work/bin/train-gpu" --model ncf --epochs 1 --promote
LOG_LEVEL=info stage train-ss4rec "$work/bin/train-gpu" --model ss4rec --epochs 1 --promote
for d in $(seq 1 "$days"); do
	stage etl-day "$work/bin/etl-day" --day "$d"
	stage quality-check "$work/bin/quality-check" --day "$d"
	stage ab-eval "$work/bin/ab-eval" --day "$d"
	stage retrain "$work/bin/retrain" --day "$d"
done
report ""
