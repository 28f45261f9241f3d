"""Train the IR tokenizer on the train split of a corpus of canonical ``.ll`` files.

::

    python -m pretrain.tokenizer --corpus CORPUS --out CORPUS/tokenizer.json --vocab-size 8000

Files are read and normalised (:func:`sklearn_mirencoder.frontend.tokens.normalize_ir`) in
``n_jobs`` processes; unreadable files are skipped and counted.  ``--max-files`` trains on
an evenly spaced subset (the vocabulary saturates long before a large corpus is read).
Only the train split is read (see :func:`pretrain.data.list_corpus`), so validation
programs never shape the vocabulary.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Sequence

import numpy as np

from pretrain.data import DEFAULT_MAX_BYTES, list_corpus, read_ir_file

__all__ = ["train_tokenizer"]


def _normalise_chunk(root: str, files: list[str], max_bytes: int) -> tuple[list[str], list[tuple[str, str]]]:
    from sklearn_mirencoder.frontend.tokens import normalize_ir

    texts, bad = [], []
    for rel in files:
        try:
            text = normalize_ir(read_ir_file(Path(root) / rel, max_bytes))
        except ValueError as exc:
            bad.append((rel, str(exc)))
            continue
        except Exception as exc:  # noqa: BLE001 - never fatal
            bad.append((rel, type(exc).__name__))
            continue
        if text.strip():
            texts.append(text)
        else:
            bad.append((rel, "empty"))
    return texts, bad


def train_tokenizer(
    corpus,
    *,
    vocab_size: int = 8000,
    model: str = "wordpiece",
    split: str = "train",
    min_frequency: int = 2,
    max_files: int | None = None,
    n_jobs: int = 1,
    max_bytes: int = DEFAULT_MAX_BYTES,
    log=print,
):
    """Train an :class:`~sklearn_mirencoder.frontend.tokens.IRTokenizer` on the ``split`` files.

    Returns ``(tokenizer, stats)`` where ``stats`` has ``files``, ``texts`` and ``bad``
    (count by reason).
    """
    from joblib import Parallel, delayed

    from sklearn_mirencoder.frontend.tokens import IRTokenizer

    t0 = time.monotonic()
    listing = list_corpus(corpus, split)
    files = listing.files
    if max_files is not None and len(files) > max_files:
        pick = np.unique(np.linspace(0, len(files) - 1, max_files).round().astype(int))
        files = [files[i] for i in pick]
    if not files:
        raise ValueError(f"{corpus}: no .ll files in split {split!r}")
    chunks = [files[i : i + 256] for i in range(0, len(files), 256)]
    results = Parallel(n_jobs=n_jobs)(delayed(_normalise_chunk)(str(listing.root), c, max_bytes) for c in chunks)
    texts = [t for ts, _ in results for t in ts]
    bad = Counter(reason for _, b in results for _, reason in b)
    log(f"training a {model} vocabulary of {vocab_size} on {len(texts)} files ({sum(bad.values())} bad)")
    tok = IRTokenizer.train(texts, vocab_size=vocab_size, model=model, min_frequency=min_frequency, normalized=True)
    stats = {
        "files": len(files),
        "texts": len(texts),
        "bad": dict(bad),
        "vocab_size": tok.vocab_size,
        "seconds": round(time.monotonic() - t0, 1),
    }
    return tok, stats


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pretrain.tokenizer", description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--out", required=True, help="the tokenizer.json to write")
    parser.add_argument("--vocab-size", type=int, default=8000)
    parser.add_argument("--model", choices=("wordpiece", "bpe"), default="wordpiece")
    parser.add_argument("--split", default="train")
    parser.add_argument("--min-frequency", type=int, default=2)
    parser.add_argument("--max-files", type=int, default=None)
    parser.add_argument("--n-jobs", type=int, default=1)
    args = parser.parse_args(argv)
    tok, stats = train_tokenizer(
        args.corpus, vocab_size=args.vocab_size, model=args.model, split=args.split,
        min_frequency=args.min_frequency, max_files=args.max_files, n_jobs=args.n_jobs,
    )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    tok.save(args.out)
    print(json.dumps({"out": args.out, **stats}))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
