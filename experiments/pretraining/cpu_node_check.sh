#!/usr/bin/env bash
# A short CPU check of the masked-node-text task (docs/pretraining.md, "Why the graph modality
# gains little"): two continuations of the bundled `small` weights on the continuation corpus, the
# bundled objective with and without `--node-weight 1` (same seed, batches and constant learning
# rate), then the graph readout's retrieval layer by layer on the -O0/-O1 pairs.  About 8 s a step
# and arm on 2 cores, plus 2 minutes for the table.  Rerun with a larger STEPS to extend both runs
# (they resume from their checkpoints; the schedule is constant).
#
#   SUB=continue/sub FEATURES=continue/features PAIRS=pairs OUT=node-check STEPS=60 bash experiments/pretraining/cpu_node_check.sh
#
# SUB: the corpus of experiments/pretraining/cpu_continue.sh (`pretrain.corpus subset`); FEATURES: its feature
# cache (optional); PAIRS: the folder of `python benchmarks/opt_retrieval.py pairs`.
# Optional device-mapping probe (11 minutes per arm to embed): DEVMAP_IR, the canonical devmap IR
# (`python benchmarks/embed_ir.py canonicalize`), with P0_NPZ and R_NPZ, the embeddings of the
# bundled and of random weights (`benchmarks/embed_ir.py embed`), writes $OUT/devmap-$STEPS.md.
set -euo pipefail
export PYTHONUNBUFFERED=1
PY=${PY:-.venv/bin/python}
OUT=${OUT:-node-check}
STEPS=${STEPS:-60}
W=sklearn_mirencoder/_data/weights/small
mkdir -p "$OUT"
for arm in control node; do
  extra=()
  [ "$arm" = node ] && extra=(--node-weight 1)
  [ -d "$OUT/$arm-hf-$STEPS" ] && continue
  $PY -m pretrain.train --init-from "$W" --corpus "$SUB" --out "$OUT/$arm" --features "${FEATURES:-$OUT/features}" \
    --steps "$STEPS" --batch-size 16 --lr 2e-4 --warmup 10 --schedule constant --device cpu --threads 2 --n-jobs 2 \
    --eval-every 0 --eval-batches 10 --save-every 30 --log-every 10 --node-budget 1024 --seed 0 --resume "${extra[@]}"
  $PY -m pretrain.export "$OUT/$arm/checkpoint" --to "$OUT/$arm-hf-$STEPS" --fp16
done
$PY benchmarks/opt_retrieval.py layers --ir "$PAIRS" P0="$W" "control-$STEPS=$OUT/control-hf-$STEPS" \
  "node-$STEPS=$OUT/node-hf-$STEPS" --out "$OUT/layers-$STEPS.md"
[ -n "${DEVMAP_IR:-}" ] || exit 0
for arm in control node; do
  [ -f "$OUT/$arm-$STEPS.npz" ] || $PY benchmarks/embed_ir.py embed --ir "$DEVMAP_IR" --model "$OUT/$arm-hf-$STEPS" \
    --out "$OUT/$arm-$STEPS.npz"
done
$PY benchmarks/devmap_probe.py P0="$P0_NPZ" "control-$STEPS=$OUT/control-$STEPS.npz" "node-$STEPS=$OUT/node-$STEPS.npz" \
  R="$R_NPZ" --seeds 2 --baseline R | tee "$OUT/devmap-$STEPS.md"
