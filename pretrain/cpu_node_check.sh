#!/usr/bin/env bash
# A short CPU check of the masked-node-text task (docs/pretraining.md, "Why the graph modality
# gains little"): two 60-step continuations of the bundled `small` weights on the continuation
# corpus, the bundled objective with and without `--node-weight 1` (same seed, batches and
# schedule), then the graph readout's retrieval layer by layer on the -O0/-O1 pairs.  About 20
# minutes on 2 cores, plus 2 for the table.
#
#   SUB=continue/sub FEATURES=continue/features PAIRS=pairs OUT=node-check bash pretrain/cpu_node_check.sh
#
# SUB: the corpus of pretrain/cpu_continue.sh (`pretrain.corpus subset`); FEATURES: its feature
# cache (optional); PAIRS: the folder of `python benchmarks/opt_retrieval.py pairs`.
set -euo pipefail
export PYTHONUNBUFFERED=1
PY=${PY:-.venv/bin/python}
OUT=${OUT:-node-check}
W=sklearn_mirencoder/_data/weights/small
mkdir -p "$OUT"
for arm in control node; do
  extra=()
  [ "$arm" = node ] && extra=(--node-weight 1)
  [ -d "$OUT/$arm-hf" ] && continue
  $PY -m pretrain.train --init-from "$W" --corpus "$SUB" --out "$OUT/$arm" --features "${FEATURES:-$OUT/features}" \
    --steps 60 --batch-size 16 --lr 2e-4 --warmup 10 --schedule constant --device cpu --threads 2 --n-jobs 2 \
    --eval-every 0 --eval-batches 10 --save-every 60 --log-every 10 --node-budget 1024 --seed 0 "${extra[@]}"
  $PY -m pretrain.export "$OUT/$arm/checkpoint" --to "$OUT/$arm-hf" --fp16
done
$PY benchmarks/opt_retrieval.py layers --ir "$PAIRS" P0="$W" control="$OUT/control-hf" node="$OUT/node-hf" \
  --out "$OUT/layers.md"
