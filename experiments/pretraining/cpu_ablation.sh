#!/usr/bin/env bash
# CPU ablation of the pre-training objective at a 1.66M-parameter scale (experiments/pretraining/mini.json),
# as reported in docs/pretraining.md: run A = the bundled weights' objective, run B = contrastive
# matching + two-hop negatives, R = the same architecture with random weights; each embeds the 669
# devmap IR files and benchmarks/devmap_probe.py compares them.  About 30 minutes on 2 cores.
#
#   CORPUS=corpus/sub DEVMAP_IR=devmap_ir OUT=ablation bash experiments/pretraining/cpu_ablation.sh
#
# CORPUS: a corpus folder (ir/, manifest.jsonl, split.json; the report used 3,000 train modules of at
# most 48 KiB, every OpenCL/CUDA one included, and 300 validation ones); DEVMAP_IR: canonical IR of
# the devmap files (python benchmarks/embed_ir.py canonicalize).
set -euo pipefail
export PYTHONUNBUFFERED=1
PY=${PY:-.venv/bin/python}
OUT=${OUT:-ablation}
STEPS=${STEPS:-600}
TOK=sklearn_mirencoder/_data/weights/small/tokenizer.json
common=(--corpus "$CORPUS" --tokenizer $TOK --features "$OUT/features" --config experiments/pretraining/mini.json
        --steps "$STEPS" --batch-size 16 --lr 1e-3 --warmup 60 --seed 0 --device cpu --threads 2
        --eval-every 300 --eval-batches 10 --save-every 250 --log-every 25 --node-budget 1024 --resume --quiet)
for run in A B; do
  if [ $run = A ]; then extra=(); else extra=(--match-loss contrastive --hard-negatives 0.5); fi
  grep -q '"event": "done"' "$OUT/$run/log.jsonl" 2>/dev/null || $PY -m pretrain.train --out "$OUT/$run" "${common[@]}" "${extra[@]}"
  [ -d "$OUT/$run-hf" ] || $PY -m pretrain.export "$OUT/$run/checkpoint" --to "$OUT/$run-hf"
  [ -f "$OUT/$run.npz" ] || $PY benchmarks/embed_ir.py embed --ir "$DEVMAP_IR" --model "$OUT/$run-hf" --out "$OUT/$run.npz"
done
[ -f "$OUT/R.npz" ] || $PY benchmarks/embed_ir.py embed --ir "$DEVMAP_IR" --random-init experiments/pretraining/mini.json \
  --tokenizer $TOK --seed 0 --out "$OUT/R.npz"
$PY benchmarks/devmap_probe.py A="$OUT/A.npz" B="$OUT/B.npz" R="$OUT/R.npz" | tee "$OUT/table.md"
