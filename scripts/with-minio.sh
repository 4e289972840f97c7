#!/usr/bin/env bash
# Runs CMD with a throw-away MinIO server on 127.0.0.1 and stops it however CMD ends.
# Usage: scripts/with-minio.sh CMD [ARGS...]
# CMD sees RECPIPE_TEST_S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION
# and RECPIPE_MINIO_BIN; the exit status is CMD's.
set -euo pipefail

if [[ $# -eq 0 ]]; then
	echo "usage: $0 CMD [ARGS...]" >&2
	exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$("$here/minio.sh" | tail -n1)"

data="$(mktemp -d "${TMPDIR:-/tmp}/recpipe-minio.XXXXXX")"
pid=""
# shellcheck disable=SC2317 # invoked by the trap
cleanup() {
	if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$data"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

healthy() { # GET /minio/health/live answers 200
	if command -v curl >/dev/null; then
		curl -fsS -o /dev/null "http://127.0.0.1:$1/minio/health/live" 2>/dev/null
		return
	fi
	local status
	status="$( (exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'GET /minio/health/live HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3 && head -n1 <&3) 2>/dev/null)" || return 1
	[[ "$status" == *" 200 "* ]]
}
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_port() {
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 40000))
		if port_free "$p"; then echo "$p"; return 0; fi
	done
	echo "with-minio: no free port found" >&2
	return 1
}

user="recpipe-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
pass="$(od -An -N18 -tx1 /dev/urandom | tr -d ' \n')"
ready=""
for try in 1 2 3; do
	port="$(pick_port)"
	cport="$(pick_port)"
	MINIO_ROOT_USER="$user" MINIO_ROOT_PASSWORD="$pass" MINIO_BROWSER=off MINIO_UPDATE=off \
		"$bin" server "$data/data" --address "127.0.0.1:$port" --console-address "127.0.0.1:$cport" --quiet \
		>"$data/minio.log" 2>&1 &
	pid=$!
	start=$SECONDS
	while ((SECONDS - start < 60)); do
		if ! kill -0 "$pid" 2>/dev/null; then break; fi
		if healthy "$port"; then
			ready=1
			break
		fi
		sleep 0.2
	done
	[[ -n "$ready" ]] && break
	echo "with-minio: MinIO did not start (try $try); log:" >&2
	cat "$data/minio.log" >&2 || true
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	pid=""
done
if [[ -z "$ready" ]]; then
	echo "with-minio: giving up" >&2
	exit 1
fi
echo "with-minio: MinIO ready on 127.0.0.1:$port in $((SECONDS - start))s" >&2

export RECPIPE_TEST_S3_ENDPOINT="http://127.0.0.1:$port"
export AWS_ACCESS_KEY_ID="$user"
export AWS_SECRET_ACCESS_KEY="$pass"
export AWS_REGION=us-east-1
export RECPIPE_MINIO_BIN="$bin"
# CMD runs in the background so that a TERM/INT reaches the trap at once (bash defers
# traps until a foreground command ends); the trap passes the signal on to CMD.
"$@" &
cmd=$!
trap 'kill -TERM "$cmd" 2>/dev/null; wait "$cmd"; exit 143' TERM
trap 'kill -INT "$cmd" 2>/dev/null; wait "$cmd"; exit 130' INT
status=0
wait "$cmd" || status=$?
exit "$status"
