#!/usr/bin/env bash
# SS4Rec on planted time effects (model/planted): per shape the test RMSE of the
# oracle, the oracle-feature baseline, the time-aware and time-blind SS4Rec and the
# history-aware bias; fails unless the time-aware model comes within 10% of the
# oracle-feature baseline and the time-blind one does not. About 8 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SS4REC_PLANTED=1 ${GO:-go} test -count=1 -timeout 1h -run '^TestPlantedTimeEffects$' -v ./model/ss4rec | grep -E '^\s+planted_test.go:[0-9]+: \||FAIL|PASS|ok '
