#!/usr/bin/env bash
# Installs the pinned AWS Lambda Runtime Interface Emulator (the runtime API AWS ships
# for running a function locally) into .tools/bin (git-ignored) unless it is already
# there; about a minute on 2 cores. make lambda-test runs the function zips under it.
# Usage: scripts/lambda-rie.sh   → prints the binary's path on the last line.
set -euo pipefail
RIE_VERSION="${RIE_VERSION:-v0.0.0-20261030222936-bef5c4ba774d}"
exec "$(dirname "${BASH_SOURCE[0]}")/go-tool.sh" aws-lambda-rie \
	github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie "$RIE_VERSION"
