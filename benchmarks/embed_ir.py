"""Embed a folder of canonical LLVM IR files with a MIREncoder model (GPU or CPU).

Used where the front end's compiler or llvmlite is absent (the GPU machine): it reads
canonical IR text (``sklearn_mirencoder.frontend.ir.to_ir(...).text``, written by
``--canonicalize``) and needs only the pure-Python graph builder, the tokenizer and torch.

    # here: canonical text of the devmap IR files
    python benchmarks/embed_ir.py canonicalize --src DIR_OF_LL --out DIR
    # anywhere: embeddings (pretrained folder, or the same architecture with random weights)
    python benchmarks/embed_ir.py embed --ir DIR --model FOLDER --out emb.npz [--device cuda]
    python benchmarks/embed_ir.py embed --ir DIR --random-init small --tokenizer tok.json --seed 0 --out rnd.npz

The .npz holds ``names`` (file stems), ``X`` (float32, modality "both": text, graph and
fused parts side by side), ``dims`` (their widths) and ``digest`` (of the weights).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

import numpy as np


def canonicalize(src: Path, out: Path) -> None:
    from sklearn_mirencoder.frontend.ir import load_file

    out.mkdir(parents=True, exist_ok=True)
    files = sorted(src.rglob("*.ll"))
    for f in files:
        (out / f.name).write_text(load_file(f).text)
    print(f"{len(files)} canonical IR files -> {out}")


def embed(args) -> None:
    import torch

    from sklearn_mirencoder.model.encoder import MIREncoder, MIREncoderConfig, random_init
    from sklearn_mirencoder.model.featurize import encode_ir_text
    from sklearn_mirencoder.frontend.tokens import IRTokenizer

    if args.model:
        model = MIREncoder.from_pretrained(args.model)
        h = hashlib.sha256()
        for name in ("config.json", "model.safetensors", "tokenizer.json"):
            h.update((Path(args.model) / name).read_bytes())
        digest = h.hexdigest()
    else:
        tok = IRTokenizer.from_file(args.tokenizer)
        if args.random_init.endswith(".json"):  # a config.json (e.g. of an ablation run)
            import json

            data = json.loads(Path(args.random_init).read_text())
            config = MIREncoderConfig.from_dict(data, source=args.random_init)
        else:
            config = MIREncoderConfig.named(args.random_init, vocab_size=tok.vocab_size, pad_id=tok.pad_id)
        model = random_init(config, tok, seed=args.seed)
        digest = f"random-init-{args.random_init}-seed{args.seed}-" + hashlib.sha256(tok.to_str().encode()).hexdigest()
    device = torch.device(args.device)
    model = model.to(device).eval()
    files = sorted(Path(args.ir).glob("*.ll"))
    t0 = time.perf_counter()
    if args.n_jobs != 1:
        from joblib import Parallel, delayed

        encoded = Parallel(n_jobs=args.n_jobs)(
            delayed(encode_ir_text)(f.read_text(), model.tokenizer, model.config, name=f.name) for f in files
        )
    else:
        encoded = [encode_ir_text(f.read_text(), model.tokenizer, model.config, name=f.name) for f in files]
    t1 = time.perf_counter()
    X = model._embed_encoded(encoded, "both", args.batch_size)
    t2 = time.perf_counter()
    c = model.config
    dims = np.array([c.output_dim("text"), c.output_dim("graph"), c.output_dim("both") - c.output_dim("text") - c.output_dim("graph")])
    np.savez_compressed(args.out, names=np.array([f.stem for f in files]), X=X.astype(np.float32), dims=dims,
                        digest=np.array(digest))
    print(f"{len(files)} programs: featurise {t1 - t0:.1f} s, embed {t2 - t1:.1f} s on {device} -> {args.out} {X.shape}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("canonicalize")
    c.add_argument("--src", type=Path, required=True)
    c.add_argument("--out", type=Path, required=True)
    e = sub.add_parser("embed")
    e.add_argument("--ir", type=Path, required=True)
    e.add_argument("--model", type=Path)
    e.add_argument("--random-init", help="config name (tiny, small, base) or config.json of a random-weight model (with --tokenizer)")
    e.add_argument("--tokenizer", type=Path)
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--out", type=Path, required=True)
    e.add_argument("--device", default="cpu")
    e.add_argument("--batch-size", type=int, default=32)
    e.add_argument("--n-jobs", type=int, default=1)
    args = ap.parse_args(argv)
    if args.cmd == "canonicalize":
        canonicalize(args.src, args.out)
    else:
        if not args.model and not (args.random_init and args.tokenizer):
            ap.error("embed needs --model, or --random-init with --tokenizer")
        embed(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
