"""Pre-training data: a corpus of canonical ``.ll`` files -> cached numpy shards -> batches.

Corpus layout (what :mod:`pretrain.corpus` writes; only the ``.ll`` files are required)::

    CORPUS/ir/**/<hash>.ll     canonical IR text, one module per file
    CORPUS/manifest.jsonl      optional: {"package", "hash", "outcome", ...} per line
    CORPUS/split.json          optional: {"train": [packages], "val": [packages], ...}

A folder without ``ir/`` is searched for ``*.ll`` directly.  With ``split.json`` and the
manifest, a file belongs to the split of the package that first produced its hash; files
the manifest does not know are skipped (counted as ``unassigned``).  Without
``split.json`` files are split by a hash of their relative path (``val_fraction``,
default 5%).

Featurising (:func:`featurize_corpus`, ``python -m pretrain.data``) runs the pure-Python
graph builder and the IR tokenizer in ``n_jobs`` joblib processes, shard by shard
(``shard_size`` files each), and writes ``CACHE/<split>/shard-NNNNN.npz`` plus
``CACHE/<split>/index.json``.  Each shard is written atomically and carries the cache key
(tokenizer, featurisation settings, file list), so an interrupted run resumes where it
stopped and a changed tokenizer or corpus rebuilds.  Bad files -- unreadable, not UTF-8,
empty, too large, not canonical IR, without any defined function -- are skipped and
counted by reason, never fatal.

Batches (:class:`PretrainBatches`) are a pure function of ``(seed, step, rank)``: each
program is cut to one random window of ``config.window`` tokens and, above
``node_budget`` nodes, to whole functions from a random starting function (see
:func:`sklearn_mirencoder.model.featurize.select_nodes`); MLM masking (15%: 80% ``[MASK]``, 10%
random token, 10% unchanged) and graph auto-encoding edges (positives: the graph's edges,
negatives: :func:`sample_negative_edges`, a vectorised within-graph sampler equivalent to
:func:`torch_geometric.utils.batched_negative_sampling`) are drawn on the fly.
Resuming at step ``k`` therefore replays exactly the batches a single run would have seen.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from sklearn_mirencoder.model.featurize import EncodedProgram, collate, cut_graph, encode_ir_text

__all__ = [
    "CorpusFiles",
    "list_corpus",
    "featurize_corpus",
    "ShardedPrograms",
    "PretrainBatches",
    "StepDataset",
    "mask_tokens",
    "crop_program",
    "sample_negative_edges",
    "sample_two_hop_negatives",
    "FEATURES_VERSION",
]

#: Version of the shard format and featurisation; a change rebuilds caches.
FEATURES_VERSION = 1
#: Files larger than this are skipped as ``too_large`` by default.
DEFAULT_MAX_BYTES = 32 * 2**20
#: Files per shard when neither the caller nor an existing cache says otherwise.
DEFAULT_SHARD_SIZE = 256


# ----------------------------------------------------------------------------------------
# corpus listing
# ----------------------------------------------------------------------------------------


@dataclass
class CorpusFiles:
    """The ``.ll`` files of one split: paths relative to ``root``, and what was left out."""

    root: Path
    files: list[str]
    split: str
    skipped: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.files)


def _hash_fraction(text: str) -> float:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) / 2**32


def list_corpus(corpus, split: str | None = "train", *, val_fraction: float = 0.05) -> CorpusFiles:
    """List a corpus folder's ``.ll`` files for ``split`` (``None`` or ``"all"``: all files).

    See the module documentation for how files are assigned to splits.
    """
    corpus = Path(corpus)
    if not corpus.is_dir():
        raise FileNotFoundError(f"{corpus}: corpus folder not found")
    root = corpus / "ir" if (corpus / "ir").is_dir() else corpus
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.ll") if p.is_file())
    skipped: Counter = Counter()
    if split in (None, "all"):
        return CorpusFiles(root, files, "all", {})
    split_file = corpus / "split.json"
    if split_file.is_file():
        info = json.loads(split_file.read_text(encoding="utf-8"))
        if split not in info or not isinstance(info[split], list):
            known = [k for k, v in info.items() if isinstance(v, list)]
            raise KeyError(f"{split_file}: no split {split!r} (known: {known})")
        packages = set(info[split])
        owner: dict[str, str] = {}
        manifest = corpus / "manifest.jsonl"
        if manifest.is_file():
            with open(manifest, encoding="utf-8") as fh:
                for line in fh:
                    try:
                        rec = json.loads(line)
                    except ValueError:
                        continue  # a torn line
                    h = rec.get("hash")
                    if h and rec.get("outcome", "ok") == "ok" and h not in owner:
                        owner[h] = rec.get("package")
        kept = []
        for f in files:
            pkg = owner.get(Path(f).stem)
            if pkg is None:
                skipped["unassigned"] += 1
            elif pkg in packages:
                kept.append(f)
        return CorpusFiles(root, kept, split, dict(skipped))
    # no split.json: a stable pseudo-random split by path
    is_val = [_hash_fraction(f) < val_fraction for f in files]
    if split in ("val", "validation"):
        kept = [f for f, v in zip(files, is_val) if v]
    elif split == "train":
        kept = [f for f, v in zip(files, is_val) if not v]
    else:
        raise KeyError(f"{corpus}: no split.json, so only 'train', 'val' and 'all' exist (got {split!r})")
    return CorpusFiles(root, kept, split, {})


def read_ir_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The text of one ``.ll`` file; raises ValueError with a short reason if unusable."""
    size = path.stat().st_size
    if size == 0:
        raise ValueError("empty")
    if size > max_bytes:
        raise ValueError("too_large")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("not_utf8") from None
    if not text.strip():
        raise ValueError("empty")
    return text


# ----------------------------------------------------------------------------------------
# featurisation into shards
# ----------------------------------------------------------------------------------------


def _programs_to_arrays(programs: Sequence[EncodedProgram]) -> dict[str, np.ndarray]:
    """Concatenate programs; node tokens are stored once per distinct row of each program."""
    tok_off, node_off, edge_off, table_off = [0], [0], [0], [0]
    tokens, kinds, funcs, text_index, tables, edges, flows, positions, totals = [], [], [], [], [], [], [], [], []
    width = max((p.node_tokens.shape[1] for p in programs), default=0)
    for p in programs:
        tokens.append(p.token_ids.astype(np.int32))
        kinds.append(p.node_kind.astype(np.int8))
        funcs.append(p.node_function.astype(np.int32))
        if p.num_nodes:
            table, inverse = np.unique(p.node_tokens, axis=0, return_inverse=True)
        else:
            table, inverse = np.zeros((0, width), np.int32), np.zeros(0, np.int64)
        tables.append(table.astype(np.int32))
        text_index.append(inverse.reshape(-1).astype(np.int32))
        edges.append(p.edge_index.astype(np.int32))
        flows.append(p.edge_flow.astype(np.int8))
        positions.append(p.edge_position.astype(np.int32))
        totals.append(p.num_nodes_total)
        tok_off.append(tok_off[-1] + p.num_tokens)
        node_off.append(node_off[-1] + p.num_nodes)
        edge_off.append(edge_off[-1] + p.num_edges)
        table_off.append(table_off[-1] + table.shape[0])

    def cat(parts, dtype, shape=(0,)):
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(shape, dtype)

    return {
        "token_offsets": np.asarray(tok_off, np.int64),
        "tokens": cat(tokens, np.int32),
        "node_offsets": np.asarray(node_off, np.int64),
        "node_kind": cat(kinds, np.int8),
        "node_function": cat(funcs, np.int32),
        "node_text_index": cat(text_index, np.int32),
        "table_offsets": np.asarray(table_off, np.int64),
        "table": cat(tables, np.int32, (0, width)).reshape(-1, width),
        "edge_offsets": np.asarray(edge_off, np.int64),
        "edge_index": np.concatenate(edges, axis=1).astype(np.int32) if edges else np.zeros((2, 0), np.int32),
        "edge_flow": cat(flows, np.int8),
        "edge_position": cat(positions, np.int32),
        "num_nodes_total": np.asarray(totals, np.int64),
    }


def _featurize_shard(
    shard_path: str, root: str, files: list[str], tokenizer, config, key: str, max_bytes: int
) -> dict[str, Any]:
    """Featurise ``files`` into one shard file (runs in a worker); returns its summary."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    programs, names, bad = [], [], []
    for rel in files:
        try:
            text = read_ir_file(Path(root) / rel, max_bytes)
            enc = encode_ir_text(text, tokenizer, config, name=rel)
            if enc.num_instructions == 0:
                raise ValueError("no_function")
            if enc.num_tokens == 0:
                raise ValueError("no_tokens")
        except ValueError as exc:  # read_ir_file / the checks above (GraphError is not one)
            reason = str(exc) if str(exc) in ("empty", "too_large", "not_utf8", "no_function", "no_tokens") else (
                type(exc).__name__
            )
            bad.append((rel, reason))
            continue
        except Exception as exc:  # noqa: BLE001 - a bad file is counted, never fatal
            bad.append((rel, type(exc).__name__))
            continue
        programs.append(enc)
        names.append(rel)
    arrays = _programs_to_arrays(programs)
    arrays["names"] = np.asarray(json.dumps(names))
    arrays["bad"] = np.asarray(json.dumps(bad))
    arrays["key"] = np.asarray(key)
    tmp = shard_path + ".tmp.npz"
    np.savez(tmp, **arrays)
    os.replace(tmp, shard_path)
    return _shard_summary(arrays)


def _shard_summary(arrays) -> dict[str, Any]:
    bad = json.loads(str(arrays["bad"]))
    return {
        "programs": int(arrays["token_offsets"].shape[0] - 1),
        "tokens": int(arrays["tokens"].shape[0]),
        "nodes": int(arrays["node_kind"].shape[0]),
        "edges": int(arrays["edge_flow"].shape[0]),
        "bad": bad,
    }


def _cache_key(listing: CorpusFiles, tokenizer, config, shard_size: int, max_bytes: int) -> str:
    h = hashlib.sha256()
    h.update(json.dumps({
        "version": FEATURES_VERSION,
        "node_text_tokens": config.node_text_tokens,
        "max_graph_nodes": config.max_graph_nodes,
        "pad_id": config.pad_id,
        "shard_size": shard_size,
        "max_bytes": max_bytes,
    }, sort_keys=True).encode())
    h.update(hashlib.sha256(tokenizer.to_str().encode()).digest())
    for f in listing.files:
        h.update(f.encode() + b"\0")
    return h.hexdigest()


def featurize_corpus(
    corpus,
    tokenizer,
    config,
    cache_dir,
    *,
    split: str | None = "train",
    n_jobs: int = 1,
    shard_size: int | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_files: int | None = None,
    time_budget_s: float | None = None,
    log=print,
) -> dict[str, Any]:
    """Featurise the ``split`` files of ``corpus`` into ``cache_dir/<split>/`` shards.

    Shards already present with the same cache key are kept (resume); the others are built
    in ``n_jobs`` processes.  With ``time_budget_s`` it stops cleanly after the shard that
    crosses the budget (``index["complete"]`` is then False; run again to finish).

    Returns the index (also written to ``index.json``): ``programs``, ``bad`` (count by
    reason), ``bad_files`` (the first 200 as ``[path, reason]``), ``tokens``, ``nodes``,
    ``edges``, ``shards``, ``complete``.
    """
    from joblib import Parallel, delayed

    t0 = time.monotonic()
    listing = list_corpus(corpus, split)
    if max_files is not None:
        listing.files = listing.files[:max_files]
    out = Path(cache_dir) / listing.split
    out.mkdir(parents=True, exist_ok=True)
    if shard_size is None:  # keep the cache's shard size (so a training run reuses any cache)
        try:
            shard_size = int(json.loads((out / "index.json").read_text())["shard_size"])
        except (OSError, ValueError, KeyError, TypeError):
            shard_size = DEFAULT_SHARD_SIZE
    key = _cache_key(listing, tokenizer, config, shard_size, max_bytes)
    chunks = [listing.files[i : i + shard_size] for i in range(0, len(listing.files), shard_size)]
    paths = [out / f"shard-{i:05d}.npz" for i in range(len(chunks))]
    summaries: dict[int, dict] = {}
    for i, p in enumerate(paths):
        if p.is_file():
            try:
                with np.load(p) as z:
                    if str(z["key"]) == key:
                        summaries[i] = _shard_summary(z)
            except Exception:  # noqa: BLE001 - a torn or foreign shard is rebuilt
                pass
    for stale in out.glob("shard-*.npz"):  # shards of another key or beyond the list
        idx = int(stale.stem.split("-")[1]) if stale.stem.split("-")[1].isdigit() else -1
        if idx not in summaries and (idx >= len(paths) or idx < 0):
            stale.unlink()
    todo = [i for i in range(len(chunks)) if i not in summaries]
    if todo:
        log(f"featurising {sum(len(chunks[i]) for i in todo)} files of split {listing.split!r} into "
            f"{len(todo)} shards with {n_jobs} jobs ({len(summaries)} shards cached)")
    stopped = False
    if todo:
        jobs = (
            delayed(_featurize_shard)(str(paths[i]), str(listing.root), chunks[i], tokenizer, config, key, max_bytes)
            for i in todo
        )
        results = Parallel(n_jobs=n_jobs, return_as="generator")(jobs)
        for k, (i, summary) in enumerate(zip(todo, results)):
            summaries[i] = summary
            if (k + 1) % max(1, len(todo) // 20) == 0 or k + 1 == len(todo):
                log(f"  {k + 1}/{len(todo)} shards ({time.monotonic() - t0:.0f} s)")
            if time_budget_s is not None and time.monotonic() - t0 > time_budget_s and k + 1 < len(todo):
                stopped = True
                log(f"time budget reached after {k + 1} of {len(todo)} shards; run again to resume")
                break
        del results
    bad = Counter()
    bad_files = []
    for i in sorted(summaries):
        for rel, reason in summaries[i]["bad"]:
            bad[reason] += 1
            if len(bad_files) < 200:
                bad_files.append([rel, reason])
    for reason, n in listing.skipped.items():
        bad[reason] += n
    index = {
        "version": FEATURES_VERSION,
        "key": key,
        "corpus": str(Path(corpus).resolve()),
        "split": listing.split,
        "files": len(listing.files),
        "shard_size": shard_size,
        "shards": [paths[i].name for i in sorted(summaries)],
        "complete": not stopped and len(summaries) == len(chunks),
        "programs": sum(s["programs"] for s in summaries.values()),
        "tokens": sum(s["tokens"] for s in summaries.values()),
        "nodes": sum(s["nodes"] for s in summaries.values()),
        "edges": sum(s["edges"] for s in summaries.values()),
        "bad": dict(sorted(bad.items())),
        "bad_total": int(sum(bad.values())),
        "bad_files": bad_files,
        "seconds": round(time.monotonic() - t0, 1),
    }
    tmp = out / "index.json.tmp"
    tmp.write_text(json.dumps(index, indent=2) + "\n")
    os.replace(tmp, out / "index.json")
    log(f"split {listing.split!r}: {index['programs']} programs, {index['bad_total']} bad files {index['bad']}")
    return index


class ShardedPrograms:
    """The featurised programs of one split, loaded in memory from ``CACHE/<split>/``.

    ``programs[i]`` is an :class:`~sklearn_mirencoder.model.featurize.EncodedProgram`.
    """

    def __init__(self, split_dir, *, require_complete: bool = True):
        split_dir = Path(split_dir)
        index_file = split_dir / "index.json"
        if not index_file.is_file():
            raise FileNotFoundError(f"{split_dir}: no index.json; featurise the corpus first (python -m pretrain.data)")
        self.index = json.loads(index_file.read_text())
        if require_complete and not self.index.get("complete", False):
            raise RuntimeError(f"{split_dir}: featurisation is incomplete; run python -m pretrain.data again")
        self.shards: list[dict[str, np.ndarray]] = []
        self.names: list[str] = []
        owner = []
        for s, name in enumerate(self.index["shards"]):
            with np.load(split_dir / name) as z:
                if str(z["key"]) != self.index["key"]:
                    raise RuntimeError(f"{split_dir / name}: belongs to another featurisation; run pretrain.data again")
                arrays = {k: z[k] for k in z.files if k not in ("names", "bad", "key")}
                names = json.loads(str(z["names"]))
            self.shards.append(arrays)
            self.names.extend(names)
            owner.extend((s, j) for j in range(len(names)))
        self._owner = np.asarray(owner, dtype=np.int64).reshape(-1, 2)

    def __len__(self) -> int:
        return int(self._owner.shape[0])

    def __getitem__(self, i: int) -> EncodedProgram:
        s, j = self._owner[int(i)]
        a = self.shards[int(s)]
        t0, t1 = a["token_offsets"][j : j + 2]
        n0, n1 = a["node_offsets"][j : j + 2]
        e0, e1 = a["edge_offsets"][j : j + 2]
        b0, b1 = a["table_offsets"][j : j + 2]
        table = a["table"][b0:b1]
        return EncodedProgram(
            token_ids=a["tokens"][t0:t1],
            node_kind=a["node_kind"][n0:n1],
            node_tokens=table[a["node_text_index"][n0:n1]],
            node_function=a["node_function"][n0:n1],
            edge_index=a["edge_index"][:, e0:e1].astype(np.int64),
            edge_flow=a["edge_flow"][e0:e1],
            edge_position=a["edge_position"][e0:e1],
            num_nodes_total=int(a["num_nodes_total"][j]),
            name=self.names[int(i)],
        )

    def num_tokens(self) -> np.ndarray:
        return np.concatenate([np.diff(a["token_offsets"]) for a in self.shards]) if self.shards else np.zeros(0, np.int64)


# ----------------------------------------------------------------------------------------
# pre-training batches
# ----------------------------------------------------------------------------------------


def crop_program(program: EncodedProgram, rng: np.random.Generator, window: int, node_budget: int) -> EncodedProgram:
    """One random window of ``window`` tokens, and at most ``node_budget`` nodes (whole
    functions from a random first function)."""
    ids = program.token_ids
    if ids.shape[0] > window:
        s = int(rng.integers(0, ids.shape[0] - window + 1))
        ids = ids[s : s + window]
    p = program
    if p.num_nodes > node_budget:
        n_funcs = int(np.unique(p.node_function[p.node_function >= 0]).size)
        start = int(rng.integers(0, max(n_funcs, 1)))
        p = cut_graph(p, node_budget, start_function=start)
    if ids is not program.token_ids or p is not program:
        p = EncodedProgram(
            token_ids=ids, node_kind=p.node_kind, node_tokens=p.node_tokens, node_function=p.node_function,
            edge_index=p.edge_index, edge_flow=p.edge_flow, edge_position=p.edge_position,
            num_nodes_total=p.num_nodes_total, name=p.name,
        )
    return p


def mask_tokens(
    input_ids: np.ndarray,
    attention_mask: np.ndarray,
    rng: np.random.Generator,
    *,
    mask_id: int,
    vocab_size: int,
    special_ids: Sequence[int],
    prob: float = 0.15,
) -> tuple[np.ndarray, np.ndarray]:
    """BERT masking: choose ``prob`` of the real, non-special tokens; of those 80% become
    ``[MASK]``, 10% a random non-special token, 10% stay.  Returns (masked ids, labels)
    with labels -100 where nothing is predicted.  At least one token is chosen when any can be."""
    ids = input_ids.copy()
    candidates = attention_mask & ~np.isin(ids, np.asarray(special_ids))
    chosen = candidates & (rng.random(ids.shape) < prob)
    if not chosen.any() and candidates.any():
        flat = np.flatnonzero(candidates)
        chosen.flat[flat[rng.integers(0, flat.size)]] = True
    labels = np.where(chosen, ids, -100)
    r = rng.random(ids.shape)
    ids[chosen & (r < 0.8)] = mask_id
    rand = chosen & (r >= 0.8) & (r < 0.9)
    low = max(special_ids) + 1 if len(special_ids) else 0
    ids[rand] = rng.integers(low, vocab_size, size=int(rand.sum()))
    return ids, labels


def mask_nodes(
    node_tokens: np.ndarray, rng: np.random.Generator, *, mask_id: int, pad_id: int, prob: float
) -> tuple[np.ndarray, np.ndarray]:
    """Masked node text (GraphMAE-style): choose ``prob`` of the nodes that have text; their
    sub-words become one ``[MASK]`` followed by padding, so only the graph around a node can
    tell what it was.  Returns (masked node tokens, labels ``(N, T)``: the chosen nodes'
    original sub-word ids, -100 elsewhere).  At least one node is chosen when any can be."""
    tokens = node_tokens.copy()
    has_text = tokens[:, 0] != pad_id
    chosen = has_text & (rng.random(tokens.shape[0]) < prob)
    if prob > 0 and not chosen.any() and has_text.any():
        flat = np.flatnonzero(has_text)
        chosen[flat[rng.integers(0, flat.size)]] = True
    labels = np.where(chosen[:, None] & (tokens != pad_id), tokens, -100).astype(np.int64)
    tokens[chosen] = pad_id
    tokens[chosen, 0] = mask_id
    return tokens, labels


def _seed(*parts: int) -> int:
    return int.from_bytes(hashlib.sha256(repr(parts).encode()).digest()[:8], "little") & (2**63 - 1)


class PretrainBatches:
    """Batches of pre-training as a pure function of the step: ``batches(step)``.

    Each epoch is a permutation of the programs (seeded by ``(seed, epoch)``) cut into
    global batches of ``batch_size * world_size``; rank ``r`` takes its slice.  Cropping,
    masking and negative sampling use generators seeded by ``(seed, step, rank)``.

    Parameters
    ----------
    programs : ShardedPrograms or sequence of EncodedProgram
    tokenizer : IRTokenizer
    config : MIREncoderConfig
    batch_size : int
        Programs per process and step.
    node_budget : int
        Most nodes per program in a batch.
    max_ae_edges : int
        Most positive edges per batch for the graph auto-encoding task (as many negatives).
    hard_negatives : float
        Fraction of the negatives drawn two hops away (:func:`sample_two_hop_negatives`:
        ``u -> v -> w`` with no edge ``u -> w``) instead of uniformly from the graph.  Uniform
        negatives are mostly far apart and easy to reject (edge AUC about 0.99 within 1,000
        steps); two-hop negatives make the decoder, and the node states, tell an edge from
        its neighbourhood.  0 (the default) reproduces the bundled weights' objective.
    node_mask_prob : float
        Fraction of the graph nodes whose text is masked for the masked-node task
        (:func:`mask_nodes`; ``node_labels`` in the batch).  0 (the default) masks none and
        reproduces the bundled weights' batches.
    """

    def __init__(
        self,
        programs,
        tokenizer,
        config,
        *,
        batch_size: int,
        seed: int = 0,
        rank: int = 0,
        world_size: int = 1,
        node_budget: int = 4096,
        mask_prob: float = 0.15,
        max_ae_edges: int = 4096,
        hard_negatives: float = 0.0,
        node_mask_prob: float = 0.0,
    ):
        if len(programs) == 0:
            raise ValueError("no programs to pre-train on")
        self.programs = programs
        self.config = config
        self.batch_size = batch_size
        self.seed = seed
        self.rank = rank
        self.world_size = world_size
        self.node_budget = node_budget
        self.mask_prob = mask_prob
        self.max_ae_edges = max_ae_edges
        if not 0.0 <= hard_negatives <= 1.0:
            raise ValueError(f"hard_negatives must be in [0, 1], got {hard_negatives}")
        self.hard_negatives = hard_negatives
        if not 0.0 <= node_mask_prob < 1.0:
            raise ValueError(f"node_mask_prob must be in [0, 1), got {node_mask_prob}")
        self.node_mask_prob = node_mask_prob
        self.pad_id = tokenizer.pad_id
        self.mask_id = tokenizer.mask_id
        self.vocab_size = tokenizer.vocab_size
        self.special_ids = sorted({tokenizer.pad_id, tokenizer.unk_id, tokenizer.cls_id, tokenizer.sep_id, tokenizer.mask_id})
        n = len(programs)
        self.global_batch = batch_size * world_size
        self.steps_per_epoch = max(1, n // self.global_batch)
        self._perm_cache: tuple[int, np.ndarray] | None = None

    def indices(self, step: int) -> np.ndarray:
        """Program indices of this rank's batch at ``step``."""
        n = len(self.programs)
        epoch, k = divmod(step, self.steps_per_epoch)
        if self._perm_cache is None or self._perm_cache[0] != epoch:
            perm = np.random.default_rng(_seed(self.seed, epoch, 7)).permutation(n)
            if n < self.global_batch:  # tiny corpora: repeat the permutation
                perm = np.resize(perm, self.global_batch)
            self._perm_cache = (epoch, perm)
        perm = self._perm_cache[1]
        start = k * self.global_batch + self.rank * self.batch_size
        return perm[start : start + self.batch_size]

    def __call__(self, step: int) -> dict[str, Any]:
        import torch

        rng = np.random.default_rng(_seed(self.seed, step, self.rank, 11))
        progs = [crop_program(self.programs[int(i)], rng, self.config.window, self.node_budget) for i in self.indices(step)]
        batch = collate(progs, self.config)
        ids, labels = mask_tokens(
            batch["input_ids"].numpy(), batch["attention_mask"].numpy(), rng,
            mask_id=self.mask_id, vocab_size=self.vocab_size, special_ids=self.special_ids, prob=self.mask_prob,
        )
        batch["input_ids"] = torch.from_numpy(ids)
        batch["mlm_labels"] = torch.from_numpy(labels)
        pos, neg = self.edge_samples(batch, rng)
        batch["gae_pos"] = pos
        batch["gae_neg"] = neg
        node_tokens = batch["node_tokens"].numpy()
        if self.node_mask_prob > 0:  # drawn last: the other tasks' samples do not change with it
            node_tokens, node_labels = mask_nodes(
                node_tokens, rng, mask_id=self.mask_id, pad_id=self.pad_id, prob=self.node_mask_prob
            )
            batch["node_tokens"] = torch.from_numpy(node_tokens)
        else:
            node_labels = np.full(node_tokens.shape, -100, dtype=np.int64)
        batch["node_labels"] = torch.from_numpy(node_labels)
        batch["step"] = step
        return batch

    def edge_samples(self, batch, rng: np.random.Generator, seed: int = 0):
        """Positive edges (the graphs' own, at most ``max_ae_edges``) and as many negatives
        (:func:`sample_negative_edges`: same graph, not an edge)."""
        import torch

        edge_index = batch["edge_index"].numpy()
        e = edge_index.shape[1]
        if e == 0:
            empty = torch.zeros((2, 0), dtype=torch.long)
            return empty, empty
        pos = edge_index
        if e > self.max_ae_edges:
            pos = edge_index[:, np.sort(rng.choice(e, self.max_ae_edges, replace=False))]
        ptr, node_graph = batch["ptr"].numpy(), batch["batch"].numpy()
        n_hard = int(round(self.hard_negatives * pos.shape[1]))
        if n_hard:
            pick = rng.choice(pos.shape[1], n_hard, replace=False)
            hard, missed = sample_two_hop_negatives(edge_index, int(ptr[-1]), pos[:, pick], rng)
            rest = np.setdiff1d(np.arange(pos.shape[1]), pick[~missed], assume_unique=True)
            easy = sample_negative_edges(edge_index, ptr, node_graph, pos[0, rest], rng)
            neg = np.concatenate([hard, easy], axis=1)
        else:
            neg = sample_negative_edges(edge_index, ptr, node_graph, pos[0], rng)
        return torch.from_numpy(np.ascontiguousarray(pos)), torch.from_numpy(neg)


def sample_two_hop_negatives(
    edge_index: np.ndarray, num_nodes: int, pairs: np.ndarray, rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Hard negatives: for each edge ``u -> v`` of ``pairs``, ``u -> w`` with ``w`` a random
    successor of ``v`` (any flow) that is neither ``u`` nor already a successor of ``u``.

    Two-hop pairs are in the same function and usually of the kinds an edge joins, so only
    node states that encode the exact neighbourhood score them below real edges.  Returns
    ``(negatives (2, K), missed (len(pairs),) bool)``: pairs whose ``v`` has no valid
    successor (one draw per pair) are ``missed`` and have no negative here.
    """
    m = pairs.shape[1]
    if m == 0 or edge_index.shape[1] == 0:
        return np.zeros((2, 0), dtype=np.int64), np.ones(m, dtype=bool)
    src, dst = edge_index[0].astype(np.int64), edge_index[1].astype(np.int64)
    order = np.argsort(src, kind="stable")
    succ = dst[order]
    start = np.searchsorted(src[order], np.arange(num_nodes + 1))
    u, v = pairs[0].astype(np.int64), pairs[1].astype(np.int64)
    deg = start[v + 1] - start[v]
    has = deg > 0
    w = np.full(m, -1, dtype=np.int64)
    w[has] = succ[start[v[has]] + (rng.random(int(has.sum())) * deg[has]).astype(np.int64)]
    ok = has & (w != u) & ~_edge_membership(edge_index, num_nodes)(u, np.maximum(w, 0))
    return np.stack([u[ok], w[ok]]), ~ok


def _edge_membership(edge_index: np.ndarray, num_nodes: int):
    """``is_edge(u, v) -> bool array``: vectorised membership of node pairs in ``edge_index``."""
    keys = np.sort(edge_index[0].astype(np.int64) * num_nodes + edge_index[1])

    def is_edge(u: np.ndarray, v: np.ndarray) -> np.ndarray:
        if keys.size == 0:
            return np.zeros(np.shape(u), dtype=bool)
        q = np.asarray(u, dtype=np.int64) * num_nodes + v
        return keys[np.minimum(np.searchsorted(keys, q), keys.size - 1)] == q

    return is_edge


def sample_negative_edges(
    edge_index: np.ndarray, ptr: np.ndarray, node_graph: np.ndarray, sources: np.ndarray,
    rng: np.random.Generator, tries: int = 4,
) -> np.ndarray:
    """For each source node, a random node of the same graph that it has no edge to.

    The batched, vectorised equivalent of
    :func:`torch_geometric.utils.batched_negative_sampling` with the sources of the
    positive edges kept (the destination is corrupted): candidates are drawn uniformly
    from the source's graph and redrawn up to ``tries`` times when they are the source
    itself or an existing edge; sources left without a valid candidate are dropped.
    (PyG's own sampler draws with Python's ``random.sample`` graph by graph, which took
    over 90% of the time to build a batch.)  Returns ``(2, K)`` int64, ``K <= len(sources)``.
    """
    n = int(ptr[-1])
    if n == 0 or sources.size == 0:
        return np.zeros((2, 0), dtype=np.int64)
    is_edge = _edge_membership(edge_index, n)
    g = node_graph[sources]
    lo, size = ptr[g], ptr[g + 1] - ptr[g]
    dst = np.full(sources.size, -1, dtype=np.int64)
    todo = np.arange(sources.size)
    for _ in range(tries):
        cand = lo[todo] + (rng.random(todo.size) * size[todo]).astype(np.int64)
        ok = (cand != sources[todo]) & ~is_edge(sources[todo], cand)
        dst[todo[ok]] = cand[ok]
        todo = todo[~ok]
        if todo.size == 0:
            break
    keep = dst >= 0
    return np.stack([sources[keep].astype(np.int64), dst[keep]])


class StepDataset:
    """A map-style dataset over steps ``start..stop-1`` (for a ``DataLoader`` with
    ``batch_size=None`` and worker processes): item ``k`` is ``batches(start + k)``."""

    def __init__(self, batches: PretrainBatches, start: int, stop: int):
        self.batches = batches
        self.start = start
        self.stop = stop

    def __len__(self) -> int:
        return max(0, self.stop - self.start)

    def __getitem__(self, k: int):
        if not 0 <= k < len(self):
            raise IndexError(k)
        return self.batches(self.start + k)


# ----------------------------------------------------------------------------------------
# command line
# ----------------------------------------------------------------------------------------


def _config_for(name_or_path: str, tokenizer):
    from sklearn_mirencoder.model.encoder import MIREncoderConfig

    if os.path.isfile(name_or_path):
        return MIREncoderConfig.from_dict(json.loads(Path(name_or_path).read_text()), source=name_or_path)
    return MIREncoderConfig.named(name_or_path, vocab_size=tokenizer.vocab_size, pad_id=tokenizer.pad_id)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pretrain.data",
        description="Featurise a corpus of canonical .ll files into cached numpy shards (resumable).",
    )
    parser.add_argument("--corpus", required=True, help="corpus folder (ir/**.ll [+ manifest.jsonl, split.json])")
    parser.add_argument("--tokenizer", required=True, help="tokenizer.json (python -m pretrain.tokenizer)")
    parser.add_argument("--out", required=True, help="cache folder; shards go to OUT/<split>/")
    parser.add_argument("--config", default="small", help="tiny|small|base or a config.json (node_text_tokens, max_graph_nodes)")
    parser.add_argument("--splits", nargs="+", default=["train", "val"])
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--shard-size", type=int, default=None, help=f"files per shard (default {DEFAULT_SHARD_SIZE})")
    parser.add_argument("--max-files", type=int, default=None)
    parser.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES)
    parser.add_argument("--time-budget-minutes", type=float, default=None)
    args = parser.parse_args(argv)

    from sklearn_mirencoder.frontend.tokens import IRTokenizer

    tokenizer = IRTokenizer.from_file(args.tokenizer)
    config = _config_for(args.config, tokenizer)
    t0 = time.monotonic()
    complete = True
    for split in args.splits:
        budget = None
        if args.time_budget_minutes is not None:
            budget = args.time_budget_minutes * 60 - (time.monotonic() - t0)
        index = featurize_corpus(
            args.corpus, tokenizer, config, args.out, split=split, n_jobs=args.n_jobs,
            shard_size=args.shard_size, max_files=args.max_files, max_bytes=args.max_bytes, time_budget_s=budget,
        )
        summary = {k: index[k] for k in ("split", "files", "programs", "tokens", "nodes", "bad", "complete", "seconds")}
        print(json.dumps(summary))
        complete = complete and index["complete"]
        if not index["complete"]:
            break
    return 0 if complete else 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
