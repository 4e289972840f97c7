#!/usr/bin/env bash
# Trains SS4Rec and its three ablations with the committed config (configs/ss4rec.yaml)
# through train-gpu, one after another, and prints their validation and test figures.
# Every variant is a config switch of the same command:
#   full        the model as committed
#   s5_only     blocks without the Mamba layer      (--set net.s5_only=true)
#   mamba_only  blocks without the S5 layer         (--set net.mamba_only=true)
#   time_blind  every gap τ forced to 1             (--set net.time_blind=true)
# Usage: scripts/ss4rec-ablations.sh [extra train-gpu flags]   (BUCKET_URL as for train-gpu)
set -euo pipefail
bin=${BIN:-bin}
[[ -x $bin/train-gpu ]] || { echo "build first: make build" >&2; exit 2; }
for variant in full s5_only mamba_only time_blind; do
  sets=()
  [[ $variant != full ]] && sets=(--set "net.$variant=true")
  echo "== $variant"
  "$bin/train-gpu" --model ss4rec --config configs/ss4rec.yaml "${sets[@]}" "$@"
done
