#!/usr/bin/env bash
# Continue pre-training the bundled `small` weights on this 2-core CPU with the harder objectives
# (contrastive matching + two-hop negatives) on a corpus enriched with -O2 OpenCL/CUDA, as reported
# in docs/pretraining.md ("CPU continuation").  About 75 minutes of training plus about 10 to build
# and featurise; then embeds the devmap IR and probes it against random weights.
#
#   CORPUS=corpus/out SRC=corpus/src DEVMAP_IR=devmap_ir OUT=continue bash experiments/pretraining/cpu_continue.sh
#
# CORPUS: the built main corpus (with split.json); SRC: the fetched source packages;
# DEVMAP_IR: canonical IR of the devmap files (python benchmarks/embed_ir.py canonicalize).
set -euo pipefail
export PYTHONUNBUFFERED=1
PY=${PY:-.venv/bin/python}
OUT=${OUT:-continue}
BUDGET=${BUDGET:-68}
mkdir -p "$OUT"
[ -f "$OUT/o2/manifest.jsonl" ] || $PY -m pretrain.corpus build --packages-dir "$SRC" --packages darktable opencv lammps \
  oclgrind intel-compute-runtime clfft hashcat --opt O2 --out "$OUT/o2" --jobs 2 --time-limit 900
[ -f "$OUT/sub/split.json" ] || $PY -m pretrain.corpus subset "$CORPUS" "$OUT/o2" --out "$OUT/sub" --train 4000 --val 400 \
  --keep-language opencl --keep-language cuda --max-bytes 262144
$PY -m pretrain.train --init-from sklearn_mirencoder/_data/weights/small --corpus "$OUT/sub" --out "$OUT/run" \
  --features "$OUT/features" --steps 480 --batch-size 16 --lr 2e-4 --warmup 40 --match-loss contrastive \
  --hard-negatives 0.5 --device cpu --threads 2 --n-jobs 2 --eval-every 80 --eval-batches 10 --save-every 80 \
  --log-every 10 --node-budget 1024 --seed 0 --resume --time-budget-minutes "$BUDGET"
$PY -m pretrain.export "$OUT/run/checkpoint" --to "$OUT/hf" --fp16
[ -f "$OUT/P1.npz" ] || $PY benchmarks/embed_ir.py embed --ir "$DEVMAP_IR" --model "$OUT/hf" --out "$OUT/P1.npz"
[ -f "$OUT/P0.npz" ] || $PY benchmarks/embed_ir.py embed --ir "$DEVMAP_IR" --model sklearn_mirencoder/_data/weights/small --out "$OUT/P0.npz"
[ -f "$OUT/R.npz" ] || $PY benchmarks/embed_ir.py embed --ir "$DEVMAP_IR" --random-init small \
  --tokenizer sklearn_mirencoder/_data/weights/small/tokenizer.json --seed 0 --out "$OUT/R.npz"
$PY benchmarks/devmap_probe.py P0="$OUT/P0.npz" P1="$OUT/P1.npz" R="$OUT/R.npz" --baseline R | tee "$OUT/table.md"
