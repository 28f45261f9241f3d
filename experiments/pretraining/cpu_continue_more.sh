#!/usr/bin/env bash
# Second part of the CPU continuation (docs/pretraining.md, "CPU continuation, part 2"): resume the
# run of experiments/pretraining/cpu_continue.sh from its last checkpoint (step 397 of 480) with a longer cosine
# schedule (1,200 steps; the learning rate goes back up to about 1.6e-4), for at most 95 minutes
# (it stopped at step 802 when sent SIGTERM), then embed the devmap IR and probe it with two fold
# partitions against the bundled weights and random weights. Run it again to go on from the last
# checkpoint (part 3 finished the schedule this way); each run embeds and probes the step it reached.
#
#   OUT=continue DEVMAP_IR=devmap_ir bash experiments/pretraining/cpu_continue_more.sh
#
# OUT: the folder experiments/pretraining/cpu_continue.sh wrote (sub/, features/, run/, P0.npz, R.npz).
set -euo pipefail
export PYTHONUNBUFFERED=1
PY=${PY:-.venv/bin/python}
OUT=${OUT:-continue}
BUDGET=${BUDGET:-95}
[ -d "$OUT/run2" ] || cp -r "$OUT/run" "$OUT/run2"   # the log of part 2 follows part 1's lines
$PY -m pretrain.train --init-from sklearn_mirencoder/_data/weights/small --corpus "$OUT/sub" --out "$OUT/run2" \
  --features "$OUT/features" --steps 1200 --batch-size 16 --lr 2e-4 --warmup 40 --match-loss contrastive \
  --hard-negatives 0.5 --device cpu --threads 2 --n-jobs 2 --eval-every 80 --eval-batches 10 --save-every 40 \
  --log-every 10 --node-budget 1024 --seed 0 --resume --time-budget-minutes "$BUDGET"
STEP=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["step"])' "$OUT/run2/checkpoint/trainer_state.json")
$PY -m pretrain.export "$OUT/run2/checkpoint" --to "$OUT/hf2-$STEP" --fp16
[ -f "$OUT/P2-$STEP.npz" ] || $PY benchmarks/embed_ir.py embed --ir "$DEVMAP_IR" --model "$OUT/hf2-$STEP" --out "$OUT/P2-$STEP.npz"
$PY benchmarks/devmap_probe.py P0="$OUT/P0.npz" P2="$OUT/P2-$STEP.npz" R="$OUT/R.npz" --seeds 2 --baseline R \
  | tee "$OUT/table2-$STEP.md"
