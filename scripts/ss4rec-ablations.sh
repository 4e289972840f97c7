#!/usr/bin/env bash
# SS4Rec's ablations on ml-latest-small (docs/results.md): the committed config
# (configs/ss4rec.yaml) as full, S5-only, Mamba-only and time-blind, each with the
# seeds of SEEDS (default 1,2,3); mean ± sd of validation and test RMSE, returning and
# new users apart. Tens of minutes on 2 cores. Needs the prepared dataset: PREPARED
# (default data/prepared/ml-latest-small, written by `make demo` or bin/prepare).
#
#   scripts/ss4rec-ablations.sh            # table in logs/ss4rec-ablations.md
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PREPARED=${PREPARED:-data/prepared/ml-latest-small}
mkdir -p logs
out=$PWD/logs/ss4rec-ablations.md
SS4REC_ABLATIONS=1 SS4REC_PREPARED=$(realpath "$PREPARED") SS4REC_SEEDS=${SEEDS:-1,2,3} SS4REC_ABLATIONS_OUT=$out \
	${GO:-go} test -count=1 -timeout 3h -run '^TestAblationsMovieLens$' -v ./model/ss4rec
echo "table: $out"
