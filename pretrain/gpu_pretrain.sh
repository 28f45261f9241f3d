#!/usr/bin/env bash
# One GPU session of pre-training, as run for the bundled weights (docs/pretraining.md).
#
# Inputs (made on the CPU machine, see docs/pretraining.md):
#   .carry/corpus.tar.xz    python -m pretrain.corpus build/split + the pack step (modules <= 256 KiB)
#   .carry/tokenizer.json   python -m pretrain.tokenizer --split train --max-files 3000
#   .carry/devmap_ir.tar.xz python benchmarks/embed_ir.py canonicalize (for the downstream check)
# Output ($OUT): small/ (the Hugging Face folder), log.jsonl, devmap_{pretrained,random}.npz
set -euo pipefail
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
OUT=${OUT:-out}
STEPS=${STEPS:-7000}
BUDGET=${BUDGET:-7.3}
# extra pretrain.train flags, e.g. OBJECTIVE="--match-loss contrastive --hard-negatives 0.5 --node-weight 1"
# (empty: the bundled weights' objective)
OBJECTIVE=${OBJECTIVE:-}
t0=$(date +%s)
mkdir -p /tmp/c /tmp/dv "$OUT"
tar xJf .carry/corpus.tar.xz -C /tmp/c
tar xJf .carry/devmap_ir.tar.xz -C /tmp/dv
echo "extracted in $(( $(date +%s) - t0 )) s"
python3 -m pretrain.train --corpus /tmp/c/corpus --tokenizer .carry/tokenizer.json --features /tmp/feats \
  --out /tmp/run --config small --steps "$STEPS" --batch-size 64 --lr 5e-4 --warmup 500 --seed 0 \
  --device cuda --resume --time-budget-minutes "$BUDGET" --eval-every 1000 --save-every 2000 \
  --log-every 100 --n-jobs 16 $OBJECTIVE
cp /tmp/run/log.jsonl "$OUT/log.jsonl"
python3 -m pretrain.export /tmp/run/checkpoint --to "$OUT/small" --fp16
python3 benchmarks/embed_ir.py embed --ir /tmp/dv/devmap_ir --model "$OUT/small" \
  --out "$OUT/devmap_pretrained.npz" --device cuda --n-jobs 16
python3 benchmarks/embed_ir.py embed --ir /tmp/dv/devmap_ir --random-init small \
  --tokenizer .carry/tokenizer.json --seed 0 --out "$OUT/devmap_random.npz" --device cuda --n-jobs 16
echo "total $(( $(date +%s) - t0 )) s"
