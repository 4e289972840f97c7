#!/usr/bin/env bash
# Starts a local MinIO (the pinned server of scripts/minio.sh) for the pipeline, in the
# background, with its data under ./.minio, and its webhook target pointed at
# `pipeline serve`; then creates the bucket and binds the notifications generated from
# the routing table (infra/minio/setup). Prints the environment to use. Idempotent: a
# server already started by this script is reused.
#
#   scripts/minio-local.sh            # or: make minio
#   scripts/minio-local.sh stop       # stop it (the data stays in ./.minio)
#
# Settings (environment): MINIO_ADDRESS (127.0.0.1:9000), MINIO_CONSOLE_ADDRESS
# (127.0.0.1:9001), MINIO_BUCKET (recpipe), RECPIPE_LISTEN (127.0.0.1:8090, where
# `pipeline serve` listens), RECPIPE_WEBHOOK_TOKEN (generated and kept in
# .minio/env when unset). Root credentials are generated once and kept in .minio/env
# (mode 600); nothing listens beyond loopback.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
dir="$root/.minio"
pidfile="$dir/minio.pid"
envfile="$dir/env"
addr=${MINIO_ADDRESS:-127.0.0.1:9000}
console=${MINIO_CONSOLE_ADDRESS:-127.0.0.1:9001}
bucket=${MINIO_BUCKET:-recpipe}
listen=${RECPIPE_LISTEN:-127.0.0.1:8090}

running() { [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

if [[ "${1:-}" == "stop" ]]; then
	if running; then
		kill -TERM "$(cat "$pidfile")"
		echo "minio-local: stopped $(cat "$pidfile")" >&2
	else
		echo "minio-local: not running" >&2
	fi
	rm -f "$pidfile"
	exit 0
fi

mkdir -p "$dir/data" "$dir/queue"
rand() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
if [[ ! -f "$envfile" ]]; then
	(
		umask 077
		{
			echo "MINIO_ROOT_USER=recpipe-$(rand 4)"
			echo "MINIO_ROOT_PASSWORD=$(rand 18)"
			echo "GENERATED_WEBHOOK_TOKEN=$(rand 18)"
		} >"$envfile"
	)
fi
# shellcheck disable=SC1090
source "$envfile"
export RECPIPE_WEBHOOK_TOKEN=${RECPIPE_WEBHOOK_TOKEN:-$GENERATED_WEBHOOK_TOKEN}
export MINIO_ROOT_USER MINIO_ROOT_PASSWORD

healthy() { curl -fsS -o /dev/null "http://$addr/minio/health/live" 2>/dev/null; }

if running; then
	echo "minio-local: MinIO already running (pid $(cat "$pidfile")) on $addr" >&2
else
	bin="$(scripts/minio.sh | tail -n1)"
	# The webhook settings come from infra/minio (the same code the tests use).
	settings="$(go run ./infra/minio/setup -print-env -webhook "http://$listen/minio/events" -queue-dir "$dir/queue")"
	eval "$settings"
	MINIO_BROWSER=off MINIO_UPDATE=off nohup "$bin" server "$dir/data" --address "$addr" \
		--console-address "$console" --quiet >"$dir/minio.log" 2>&1 &
	echo $! >"$pidfile"
	for _ in $(seq 300); do
		healthy && break
		running || { cat "$dir/minio.log" >&2; echo "minio-local: MinIO exited" >&2; exit 1; }
		sleep 0.2
	done
	healthy || { cat "$dir/minio.log" >&2; echo "minio-local: MinIO not live on $addr" >&2; exit 1; }
	echo "minio-local: MinIO $(cat "$pidfile") live on $addr, log $dir/minio.log" >&2
fi

AWS_ACCESS_KEY_ID=$MINIO_ROOT_USER AWS_SECRET_ACCESS_KEY=$MINIO_ROOT_PASSWORD \
	go run ./infra/minio/setup -endpoint "$addr" -bucket "$bucket"

shellenv="$dir/shell.env"
(
	umask 077
	cat >"$shellenv" <<EOT
export BUCKET_URL='s3://$bucket?endpoint=http://$addr&region=us-east-1'
export AWS_ACCESS_KEY_ID='$MINIO_ROOT_USER' AWS_SECRET_ACCESS_KEY='$MINIO_ROOT_PASSWORD' AWS_REGION=us-east-1
export RECPIPE_WEBHOOK_TOKEN='$RECPIPE_WEBHOOK_TOKEN' RECPIPE_LISTEN='$listen'
EOT
)
cat <<EOT
# MinIO is up; bucket $bucket, notifications bound to http://$listen/minio/events.
# In each shell that runs the pipeline against it (credentials and token, not printed):
source $shellenv     # BUCKET_URL='s3://$bucket?endpoint=http://$addr&region=us-east-1'
make build && bin/pipeline serve &   # quality-check, ab-eval and retrain, run by MinIO's events
bin/prepare
make train MODEL=ncf CONFIG=configs/ncf-demo.yaml && make train MODEL=ss4rec CONFIG=configs/ss4rec-demo.yaml
make run-etl DAY=1 && sleep 10 && bin/pipeline status
# stop: scripts/minio-local.sh stop   (the data stays in $dir; remove it to start afresh)
EOT
