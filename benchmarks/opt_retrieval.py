"""Cross-optimisation retrieval: does an embedding recognise a program after clang -O1 rewrote it?

An intrinsic check of pre-training that does not touch the device-mapping data. Every query
is a module of the pre-training corpus's *validation packages* (never trained on) compiled at
``-O0``; its answer is the same source file compiled at ``-O1`` (mem2reg, inlining, loop and
instcombine rewrites), among the ``-O1`` modules of all selected files. Embeddings that encode
what a program computes, rather than the surface of its IR, rank the partner first.

    # 1. pick the pairs and write their canonical IR (needs the corpus: pretrain.corpus build)
    python benchmarks/opt_retrieval.py pairs --corpus CORPUS --out DIR
    # 2. embed them with each model (benchmarks/embed_ir.py)
    python benchmarks/embed_ir.py embed --ir DIR --model FOLDER --out p.npz
    python benchmarks/embed_ir.py embed --ir DIR --random-init small --tokenizer tok.json --out r.npz
    # 3. score: top-1, top-5 and mean reciprocal rank per embedding part, both directions
    python benchmarks/opt_retrieval.py evaluate --ir DIR P=p.npz R=r.npz [--bag] [--baseline R]
    # where the graph modality wins or loses it: the readout after each message-passing layer
    python benchmarks/opt_retrieval.py layers --ir DIR P=FOLDER R=random:FOLDER

Similarity is the cosine of vectors standardised per feature over the pool of all selected
modules (both levels), the retrieval analogue of the probes' ``StandardScaler``. ``--bag`` adds
a bag of normalised IR words and word bigrams (log1p counts, the devmap benchmark's baseline,
scored the same way) as a reference for what surface statistics alone achieve.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

PARTS = ("text", "graph", "fused", "full")


# ============================================================================ pairs


def select_pairs(manifest: list[dict], val_packages: set[str], *, max_pairs: int, min_instructions: int,
                 max_instructions: int) -> list[tuple[dict, dict]]:
    """(O0 record, O1 record) of each validation-package file compiled at both levels, with
    ``min_instructions <= instructions at -O0 <= max_instructions``; at most ``max_pairs``,
    evenly spaced over the files sorted by (package, file) so that every package is sampled."""
    by_file: dict[tuple[str, str], dict[str, dict]] = defaultdict(dict)
    for r in manifest:
        if r.get("outcome") == "ok" and r["package"] in val_packages:
            by_file[r["package"], r["file"]][r["opt"]] = r
    pairs = [
        (v["O0"], v["O1"]) for _, v in sorted(by_file.items())
        if "O0" in v and "O1" in v and min_instructions <= v["O0"]["instructions"] <= max_instructions
    ]
    if len(pairs) > max_pairs:
        keep = np.linspace(0, len(pairs) - 1, max_pairs).round().astype(int)
        pairs = [pairs[i] for i in keep]
    return pairs


def write_pairs(args) -> None:
    from sklearn_mirencoder.frontend.ir import load_file

    corpus = Path(args.corpus)
    manifest = [json.loads(line) for line in (corpus / "manifest.jsonl").read_text().splitlines() if line]
    split = json.loads((corpus / "split.json").read_text())
    pairs = select_pairs(manifest, set(split["val"]), max_pairs=args.max_pairs,
                         min_instructions=args.min_instructions, max_instructions=args.max_instructions)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    listing = []
    for i, (r0, r1) in enumerate(pairs):
        for level, r in (("O0", r0), ("O1", r1)):
            h = r["hash"]
            (out / f"{i:04d}.{level}.ll").write_text(load_file(corpus / "ir" / h[:2] / f"{h}.ll").text)
        listing.append({"pair": f"{i:04d}", "package": r0["package"], "file": r0["file"],
                        "instructions": [r0["instructions"], r1["instructions"]]})
    (out / "pairs.json").write_text(json.dumps(listing, indent=1))
    packages = sorted({p["package"] for p in listing})
    print(f"{len(pairs)} pairs from {len(packages)} validation packages ({', '.join(packages)}) -> {out}")


# ============================================================================ scoring


def retrieval(Q: np.ndarray, C: np.ndarray) -> np.ndarray:
    """Rank (1 = first) of candidate ``i`` for query ``i`` under the cosine of features
    standardised over the pool ``[Q; C]``; ties count against the query."""
    pool = np.vstack([Q, C]).astype(np.float64)
    mu, sd = pool.mean(0), pool.std(0)
    sd[sd == 0] = 1.0

    def unit(X):
        Z = (X - mu) / sd
        return Z / np.maximum(np.linalg.norm(Z, axis=1, keepdims=True), 1e-12)

    S = unit(Q) @ unit(C).T
    true = np.diag(S)
    return (S >= true[:, None]).sum(1)  # the partner itself counts once: rank 1 when nothing ties or beats it


def both_ways(X0: np.ndarray, X1: np.ndarray) -> np.ndarray:
    """Ranks of O0 -> O1 queries followed by O1 -> O0 queries."""
    return np.concatenate([retrieval(X0, X1), retrieval(X1, X0)])


def summary(ranks: np.ndarray) -> dict[str, float]:
    return {"top1": 100 * float((ranks == 1).mean()), "top5": 100 * float((ranks <= 5).mean()),
            "mrr": float((1.0 / ranks).mean())}


def parts_of(npz) -> dict[str, tuple[list[str], np.ndarray]]:
    d = np.load(npz)
    names = [str(n) for n in d["names"]]
    X = d["X"]
    t, g, _ = (int(x) for x in d["dims"])
    return {"text": X[:, :t], "graph": X[:, t:t + g], "fused": X[:, t + g:], "full": X}, names


def split_levels(names: list[str], X: np.ndarray, pairs: list[str]) -> tuple[np.ndarray, np.ndarray]:
    pos = {n: i for i, n in enumerate(names)}
    return X[[pos[f"{p}.O0"] for p in pairs]], X[[pos[f"{p}.O1"] for p in pairs]]


def bag_features(ir_dir: Path, pairs: list[str]) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.feature_extraction.text import CountVectorizer

    from sklearn_mirencoder.frontend.tokens import ir_words, normalize_ir

    docs = {lvl: [" ".join(ir_words(normalize_ir((ir_dir / f"{p}.{lvl}.ll").read_text()))) for p in pairs]
            for lvl in ("O0", "O1")}
    vec = CountVectorizer(tokenizer=str.split, token_pattern=None, lowercase=False, ngram_range=(1, 2), min_df=2,
                          dtype=np.float32)
    counts = np.log1p(vec.fit_transform(docs["O0"] + docs["O1"]).toarray())
    return counts[: len(pairs)], counts[len(pairs):]


def evaluate(args) -> None:
    ir_dir = Path(args.ir)
    pairs = [p["pair"] for p in json.loads((ir_dir / "pairs.json").read_text())]
    runs = dict(r.split("=", 1) for r in args.runs)
    ranks: dict[tuple[str, str], np.ndarray] = {}
    for label, path in runs.items():
        parts, names = parts_of(path)
        for part, X in parts.items():
            ranks[label, part] = both_ways(*split_levels(names, X, pairs))
    if args.bag:
        ranks["bag of IR tokens", "-"] = both_ways(*bag_features(ir_dir, pairs))
    n = len(pairs)
    lines = [f"{n} pairs, {2 * n} queries (O0 -> O1 and O1 -> O0), each among {n} candidates; "
             f"chance top-1 {100 / n:.2f}%", "",
             "| embedding | part | top-1 % | top-5 % | MRR |", "|---|---|---:|---:|---:|"]
    for (label, part), r in ranks.items():
        s = summary(r)
        lines.append(f"| {label} | {part} | {s['top1']:.1f} | {s['top5']:.1f} | {s['mrr']:.3f} |")
    if args.baseline:
        lines += ["", f"Paired against {args.baseline} (same part): queries where the true partner ranks "
                  "higher / lower than under the baseline", "",
                  "| embedding | part | higher | lower | same |", "|---|---|---:|---:|---:|"]
        for (label, part), r in ranks.items():
            if label == args.baseline or (args.baseline, part) not in ranks:
                continue
            b = ranks[args.baseline, part]
            lines.append(f"| {label} | {part} | {(r < b).sum()} | {(r > b).sum()} | {(r == b).sum()} |")
    text = "\n".join(lines)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


def load_run(spec: str):
    """A model folder, or ``random:FOLDER``: the folder's configuration and tokenizer with
    random weights (``random_init(config, tokenizer, seed=0)``, the devmap baseline)."""
    from sklearn_mirencoder.model.encoder import MIREncoder, random_init

    if spec.startswith("random:"):
        ref = MIREncoder.from_pretrained(spec[len("random:"):])
        return random_init(ref.config, ref.tokenizer, seed=0)
    return MIREncoder.from_pretrained(spec)


def layers(args) -> None:
    """Retrieval by the graph readout after each round of message passing."""
    from sklearn_mirencoder.model.featurize import collate, encode_ir_text

    ir_dir = Path(args.ir)
    pairs = [p["pair"] for p in json.loads((ir_dir / "pairs.json").read_text())]
    names = [f"{p}.{lvl}" for lvl in ("O0", "O1") for p in pairs]
    runs = dict(r.split("=", 1) for r in args.runs)
    n = len(pairs)
    lines = [f"{n} pairs, {2 * n} queries; graph readout after each layer (0 = initial node states: node kind "
             "and the node text's sub-word embeddings, before any message passing)", "",
             "| model | layer | max: top-1 % | max: MRR | mean: top-1 % | mean: MRR | [mean ; max]: top-1 % | "
             "[mean ; max]: MRR |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    encoded = None
    for label, spec in runs.items():
        model = load_run(spec)
        if encoded is None:  # the same tokenizer and graph limits for every run (checked below)
            cfg, tok_json = model.config, model.tokenizer.to_str()
            encoded = [encode_ir_text((ir_dir / f"{m}.ll").read_text(), model.tokenizer, cfg, name=m) for m in names]
        if model.tokenizer.to_str() != tok_json or model.config.max_graph_nodes != cfg.max_graph_nodes:
            raise SystemExit(f"{label}: another tokenizer or graph limit than the first run; compare like with like")
        per_layer: list[list[np.ndarray]] = []
        for s in range(0, len(encoded), args.batch_size):
            vecs = model.graph_vectors_by_layer(collate(encoded[s:s + args.batch_size], model.config))
            per_layer.append([v.float().numpy() for v in vecs])
        h = model.config.hidden
        for layer, V in enumerate(np.vstack(x) for x in zip(*per_layer)):
            cells = []
            for X in (V[:, h:], V[:, :h], V):
                s = summary(both_ways(X[:n], X[n:]))
                cells += [f"{s['top1']:.1f}", f"{s['mrr']:.3f}"]
            lines.append(f"| {label} | {layer} | " + " | ".join(cells) + " |")
    text = "\n".join(lines)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pairs", help="select -O0/-O1 pairs of validation packages and write their canonical IR")
    p.add_argument("--corpus", required=True, help="corpus folder (manifest.jsonl, split.json, ir/)")
    p.add_argument("--out", required=True)
    p.add_argument("--max-pairs", type=int, default=300)
    p.add_argument("--min-instructions", type=int, default=20, help="at -O0 (tiny modules are ambiguous)")
    p.add_argument("--max-instructions", type=int, default=2000, help="at -O0 (bounds the embedding time)")
    e = sub.add_parser("evaluate", help="retrieval scores of embedding files")
    e.add_argument("runs", nargs="+", help="LABEL=embeddings.npz (benchmarks/embed_ir.py)")
    e.add_argument("--ir", required=True, help="the folder written by `pairs`")
    e.add_argument("--bag", action="store_true", help="add the bag-of-IR-tokens reference")
    e.add_argument("--baseline", help="label to compare the others with, query by query")
    e.add_argument("--out", help="also write the table here")
    g = sub.add_parser("layers", help="graph-readout retrieval after each message-passing layer")
    g.add_argument("runs", nargs="+", help="LABEL=MODEL_FOLDER or LABEL=random:MODEL_FOLDER (random weights)")
    g.add_argument("--ir", required=True, help="the folder written by `pairs`")
    g.add_argument("--batch-size", type=int, default=32)
    g.add_argument("--out", help="also write the table here")
    args = ap.parse_args(argv)
    {"pairs": write_pairs, "evaluate": evaluate, "layers": layers}[args.cmd](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
