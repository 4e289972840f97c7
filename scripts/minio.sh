#!/usr/bin/env bash
# Installs the pinned MinIO server into .tools/bin (git-ignored) unless it is already there.
# Usage: scripts/minio.sh   → prints the binary's path on the last line.
set -euo pipefail

MINIO_VERSION="${MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}" # archived upstream; keep pinned
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin_dir="$root/.tools/bin"
bin="$bin_dir/minio"
stamp="$bin_dir/minio.version"

if [[ -x "$bin" ]] && { [[ ! -f "$stamp" ]] || [[ "$(cat "$stamp")" == "$MINIO_VERSION" ]]; }; then
	echo "minio: using $bin" >&2
	echo "$bin"
	exit 0
fi

mkdir -p "$bin_dir"
lock="$bin_dir/.minio-install.lock"
exec 9>"$lock"
if command -v flock >/dev/null; then
	echo "minio: waiting for any other install to finish" >&2
	flock 9
fi
if [[ -x "$bin" ]] && [[ -f "$stamp" ]] && [[ "$(cat "$stamp")" == "$MINIO_VERSION" ]]; then
	echo "$bin"
	exit 0
fi
echo "minio: installing github.com/minio/minio@$MINIO_VERSION into $bin_dir (a few minutes on 2 cores)" >&2
start=$SECONDS
GOBIN="$bin_dir" GOFLAGS="${GOFLAGS:-} -buildvcs=false" go install "github.com/minio/minio@$MINIO_VERSION" >&2
echo "$MINIO_VERSION" >"$stamp"
echo "minio: installed in $((SECONDS - start))s" >&2
echo "$bin"
