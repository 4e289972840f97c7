#!/usr/bin/env bash
# SS4Rec's ablations on ml-latest-small (docs/results.md): the committed config
# (configs/ss4rec.yaml) as full, S5-only, Mamba-only and time-blind, each with the
# seeds of SEEDS (default 1,2,3); mean ± sd of validation and test RMSE, returning and
# new users apart. About 40 minutes on 2 busy cores. Needs the prepared dataset: PREPARED
# (default data/prepared/ml-latest-small, written by `make demo` or bin/prepare).
# Writes OUT (default docs/ss4rec-ablations.json), which make results quotes in
# docs/results.md; the table is printed too.
#
#   bin/prepare --bucket file://./data && scripts/ss4rec-ablations.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PREPARED=${PREPARED:-data/prepared/ml-latest-small}
out=$(realpath -m "${OUT:-docs/ss4rec-ablations.json}")
SS4REC_ABLATIONS=1 SS4REC_PREPARED=$(realpath "$PREPARED") SS4REC_SEEDS=${SEEDS:-1,2,3} SS4REC_ABLATIONS_OUT=$out \
	${GO:-go} test -count=1 -timeout 3h -run '^TestAblationsMovieLens$' -v ./model/ss4rec
echo "written: $out"
