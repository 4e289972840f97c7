#!/usr/bin/env bash
# Installs the pinned MinIO server into .tools/bin (git-ignored) unless it is already there
# (a few minutes on 2 cores).
# Usage: scripts/minio.sh   → prints the binary's path on the last line.
set -euo pipefail
MINIO_VERSION="${MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}" # archived upstream; keep pinned
exec "$(dirname "${BASH_SOURCE[0]}")/go-tool.sh" minio github.com/minio/minio "$MINIO_VERSION"
