"""From programs to model inputs: plain numpy arrays, then collated torch batches.

Two steps, so that the expensive one can run in worker processes:

1. :func:`encode_program` / :func:`encode_ir_text` turn a program (a
   :class:`~sklearn_mirencoder.frontend.Program`, a ``(canonical_ir_text, ProgramGraph)``
   pair, or canonical IR text) into an :class:`EncodedProgram`: only numpy arrays (plus
   the sample's name and its node count before cutting), cheap to pickle across joblib
   workers and to store in ``.npz`` shards.  Graphs above ``config.max_graph_nodes`` are
   cut here (:func:`cut_graph`); the token sequence is kept whole.
2. :func:`collate` batches encoded programs into a dict of torch tensors: the token
   sequences cut into windows (:func:`window_starts`) and the graphs merged into one
   PyG-style disjoint union with a ``batch`` vector.

Node text features
------------------
Each node's short text (opcode, type, or external function name) is tokenised with the IR
tokenizer and its first ``config.node_text_tokens`` sub-word ids are kept
(``node_tokens``, padded with ``[PAD]``).  External function names get an ``@`` in
front, as in the IR text the tokenizer was trained on (``@llvm.fmuladd.f32`` is one IR
word); named struct types (``%struct.point``) are written ``%t0``, as the normaliser
writes every named type, since their names identify programs rather than code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

__all__ = [
    "EncodedProgram",
    "encode_program",
    "encode_ir_text",
    "node_token_matrix",
    "node_feature_text",
    "cut_graph",
    "select_nodes",
    "window_starts",
    "text_coverage",
    "collate",
]

_EXTERNAL = 3
_NAMED_TYPE = re.compile(r'%(?:"[^"]*"|[-\w$.]+)')


@dataclass(eq=False)
class EncodedProgram:
    """One program as plain numpy arrays (what crosses process boundaries).

    Attributes
    ----------
    token_ids : int32 (L,)
        Sub-word ids of the normalised IR text, all of them.
    node_kind : int8 (N,)
    node_tokens : int32 (N, node_text_tokens)
        Sub-word ids of each node's text, padded with ``pad_id``.
    node_function : int32 (N,)
        Defining function of each node (-1: module level); used to cut large graphs.
    edge_index : int64 (2, E)
    edge_flow : int8 (E,)
    edge_position : int32 (E,)
    num_nodes_total : int
        Nodes before :func:`cut_graph` (equals N when nothing was cut).
    name : str
    """

    token_ids: np.ndarray
    node_kind: np.ndarray
    node_tokens: np.ndarray
    node_function: np.ndarray
    edge_index: np.ndarray
    edge_flow: np.ndarray
    edge_position: np.ndarray
    num_nodes_total: int = -1
    name: str = "<string>"

    def __post_init__(self) -> None:
        if self.num_nodes_total < 0:
            self.num_nodes_total = self.num_nodes

    @property
    def num_nodes(self) -> int:
        return int(self.node_kind.shape[0])

    @property
    def num_edges(self) -> int:
        return int(self.edge_flow.shape[0])

    @property
    def num_tokens(self) -> int:
        return int(self.token_ids.shape[0])

    @property
    def num_instructions(self) -> int:
        return int(np.count_nonzero(self.node_kind == 0))

    def __repr__(self) -> str:
        cut = "" if self.num_nodes == self.num_nodes_total else f" of {self.num_nodes_total}"
        return (
            f"EncodedProgram(name={self.name!r}, tokens={self.num_tokens}, nodes={self.num_nodes}{cut}, "
            f"edges={self.num_edges})"
        )

    def subgraph(self, keep: np.ndarray) -> "EncodedProgram":
        """The program with only the nodes ``keep`` (sorted indices) and the edges between them."""
        keep = np.asarray(keep, dtype=np.int64)
        if keep.size == self.num_nodes:
            return self
        remap = np.full(self.num_nodes, -1, dtype=np.int64)
        remap[keep] = np.arange(keep.size)
        src, dst = remap[self.edge_index[0]], remap[self.edge_index[1]]
        ok = (src >= 0) & (dst >= 0)
        return EncodedProgram(
            token_ids=self.token_ids,
            node_kind=self.node_kind[keep],
            node_tokens=self.node_tokens[keep],
            node_function=self.node_function[keep],
            edge_index=np.stack([src[ok], dst[ok]]).astype(np.int64),
            edge_flow=self.edge_flow[ok],
            edge_position=self.edge_position[ok],
            num_nodes_total=self.num_nodes_total,
            name=self.name,
        )


# ----------------------------------------------------------------------------------------
# encoding
# ----------------------------------------------------------------------------------------


def node_feature_text(kind: int, text: str) -> str:
    """The text tokenised for a node's initial state (see the module documentation)."""
    if kind == _EXTERNAL and text != "[external]":
        return "@" + text
    if "%" in text:
        return _NAMED_TYPE.sub("%t0", text)
    return text


def node_token_matrix(node_kind: np.ndarray, node_text: np.ndarray, tokenizer, n_tokens: int) -> np.ndarray:
    """``(N, n_tokens)`` int32 sub-word ids of the nodes' texts, padded with ``pad_id``.

    Each distinct text is tokenised once.
    """
    n = int(node_kind.shape[0])
    out = np.full((n, n_tokens), tokenizer.pad_id, dtype=np.int32)
    if n == 0:
        return out
    keys = [node_feature_text(int(k), str(t)) for k, t in zip(node_kind.tolist(), node_text.tolist())]
    uniq: dict[str, int] = {}
    index = np.fromiter((uniq.setdefault(k, len(uniq)) for k in keys), dtype=np.int64, count=n)
    texts = list(uniq)
    encoded = tokenizer.encode_batch(texts, normalized=True)
    table = np.full((len(texts), n_tokens), tokenizer.pad_id, dtype=np.int32)
    for i, ids in enumerate(encoded):
        ids = ids[:n_tokens]
        table[i, : ids.size] = ids
    return table[index]


def select_nodes(node_function: np.ndarray, max_nodes: int, *, start_function: int = 0) -> np.ndarray:
    """Sorted indices of the nodes kept when a graph is cut to ``max_nodes`` nodes.

    Module-level nodes (``node_function == -1``) come first, then whole functions in module
    order starting from the ``start_function``-th (wrapping around) while they fit; the
    first function that does not fit contributes its first nodes up to the budget and the
    others are dropped.  Returns all nodes when the graph is small enough.
    """
    n = int(node_function.shape[0])
    if n <= max_nodes:
        return np.arange(n, dtype=np.int64)
    module = np.flatnonzero(node_function < 0)
    if module.size >= max_nodes:
        return module[:max_nodes].astype(np.int64)
    budget = max_nodes - module.size
    funcs, counts = np.unique(node_function[node_function >= 0], return_counts=True)
    keep = np.zeros(n, dtype=bool)
    keep[module] = True
    order = np.roll(np.arange(funcs.size), -(start_function % max(funcs.size, 1)))
    for i in order:
        members = np.flatnonzero(node_function == funcs[i])
        if counts[i] <= budget:
            keep[members] = True
            budget -= int(counts[i])
        else:
            keep[members[:budget]] = True
            break
    return np.flatnonzero(keep).astype(np.int64)


def cut_graph(program: EncodedProgram, max_nodes: int, *, start_function: int = 0) -> EncodedProgram:
    """The program with its graph cut to at most ``max_nodes`` nodes (see :func:`select_nodes`)."""
    if program.num_nodes <= max_nodes:
        return program
    return program.subgraph(select_nodes(program.node_function, max_nodes, start_function=start_function))


def _unpack(program) -> tuple[str, Any, str]:
    """(canonical IR text, ProgramGraph, name) of a Program or a (text, graph) pair."""
    if isinstance(program, tuple):
        if len(program) != 2:
            raise TypeError("expected a (canonical_ir_text, ProgramGraph) pair")
        text, graph = program
        return text, graph, getattr(graph, "name", "<string>")
    ir = getattr(program, "ir", None)
    graph = getattr(program, "graph", None)
    if ir is None or graph is None:
        raise TypeError(
            f"expected a Program (from sklearn_mirencoder.frontend.process) or a (text, graph) pair, "
            f"got {type(program).__name__}"
        )
    return ir.text, graph, getattr(program, "name", graph.name)


def encode_program(program, tokenizer, config, *, name: str | None = None, token_ids=None) -> EncodedProgram:
    """Encode a :class:`~sklearn_mirencoder.frontend.Program` or a ``(canonical_ir_text,
    ProgramGraph)`` pair for the model described by ``config``.

    The IR text is tokenised with ``tokenizer`` (whole, never truncated) unless
    ``token_ids`` gives its ids already (a ``Program`` built with this ``tokenizer``: its
    ``token_ids``); each node's text gives its ``node_tokens``; the graph is cut to
    ``config.max_graph_nodes`` nodes (see :func:`cut_graph`; ``num_nodes_total`` keeps the
    original count).
    """
    text, graph, default_name = _unpack(program)
    if token_ids is None:
        token_ids = tokenizer.encode(text)
    token_ids = np.asarray(token_ids, dtype=np.int32)
    return _encode(token_ids, graph, tokenizer, config, name or default_name)


def _encode(token_ids, graph, tokenizer, config, name) -> EncodedProgram:
    n_total = graph.num_nodes
    node_function = np.asarray(graph.node_function, dtype=np.int32)
    keep = select_nodes(node_function, config.max_graph_nodes)
    node_kind = np.asarray(graph.node_kind, dtype=np.int8)
    node_text = graph.node_text
    if keep.size < n_total:  # tokenise only the kept nodes
        node_kind, node_text, node_function = node_kind[keep], node_text[keep], node_function[keep]
    node_tokens = node_token_matrix(node_kind, node_text, tokenizer, config.node_text_tokens)
    full = EncodedProgram(
        token_ids=token_ids,
        node_kind=np.asarray(graph.node_kind, dtype=np.int8),
        node_tokens=np.zeros((n_total, 0), dtype=np.int32),
        node_function=np.asarray(graph.node_function, dtype=np.int32),
        edge_index=np.asarray(graph.edge_index, dtype=np.int64).reshape(2, -1),
        edge_flow=np.asarray(graph.edge_flow, dtype=np.int8),
        edge_position=np.asarray(graph.edge_position, dtype=np.int32),
        num_nodes_total=n_total,
        name=name,
    )
    out = full.subgraph(keep) if keep.size < n_total else full
    out.node_tokens = node_tokens
    return out


def encode_ir_text(canonical_text: str, tokenizer, config, name: str = "<string>", *, graph_builder=None) -> EncodedProgram:
    """Encode canonical IR text (``str()`` of an llvmlite module): build its ProGraML graph
    with the pure-Python builder and tokenise it.  No llvmlite or clang is needed.

    Raises
    ------
    GraphError
        If the text cannot be read as canonical IR.
    """
    from ..frontend.graph import ProGraMLBuilder

    builder = graph_builder or ProGraMLBuilder()
    graph = builder.build_from_text(canonical_text, name=name)
    token_ids = np.asarray(tokenizer.encode(canonical_text), dtype=np.int32)
    return _encode(token_ids, graph, tokenizer, config, name)


# ----------------------------------------------------------------------------------------
# collation
# ----------------------------------------------------------------------------------------


def window_starts(n_tokens: int, window: int, stride: int, max_windows: int) -> np.ndarray:
    """Start offsets of the windows that read a sequence of ``n_tokens`` tokens.

    Windows of ``window`` tokens start every ``stride`` tokens; one more window ends exactly
    at the end of the sequence if the regular ones do not reach it.  When that gives more
    than ``max_windows`` windows, ``max_windows`` of them are kept, evenly spaced (the first
    and the last included), and the tokens between kept windows are not read.
    """
    if n_tokens <= window:
        return np.zeros(1, dtype=np.int64)
    starts = np.arange(0, n_tokens - window + 1, stride, dtype=np.int64)
    if starts[-1] + window < n_tokens:
        starts = np.append(starts, n_tokens - window)
    if starts.size > max_windows:
        pick = np.unique(np.round(np.linspace(0, starts.size - 1, max_windows)).astype(np.int64))
        starts = starts[pick]
    return starts


def text_coverage(n_tokens: int, config) -> int:
    """How many of a program's ``n_tokens`` tokens the encoder reads (all of them unless
    the program needs more than ``config.max_windows`` windows)."""
    if n_tokens <= 0:
        return 0
    starts = window_starts(n_tokens, config.window, config.stride, config.max_windows)
    return _tokens_seen(starts, config.window, n_tokens)


def _tokens_seen(starts: np.ndarray, window: int, n_tokens: int) -> int:
    covered = 0
    end = 0
    for s in starts.tolist():
        e = min(s + window, n_tokens)
        covered += max(0, e - max(s, end))
        end = max(end, e)
    return covered


def collate(programs: Sequence[EncodedProgram], config=None) -> dict[str, Any]:
    """Batch encoded programs into torch tensors for :class:`~sklearn_mirencoder.model.encoder.MIREncoder`.

    Returns a dict with

    * text: ``input_ids`` (W, L) int64 and ``attention_mask`` (W, L) bool (True = real
      token), one row per window (L = the longest window in the batch),
      ``window_program`` (W,) the program of each window, ``window_weight`` (W,) float
      (real tokens per window), ``window_start`` (W,), and per program ``tokens_total`` and
      ``tokens_seen`` (tokens covered by the windows; below ``tokens_total`` only when
      ``max_windows`` was reached);
    * graph: the disjoint union of the graphs -- ``node_kind`` (N,), ``node_tokens``
      (N, T), ``edge_index`` (2, E) with node indices offset per program, ``edge_flow``
      (E,), ``edge_position`` (E,), ``batch`` (N,) the program of each node, ``ptr``
      (B+1,), and per program ``nodes_total`` and ``nodes_kept``;
    * ``num_programs`` (int).

    Graphs are cut to ``config.max_graph_nodes`` here too (if they were not already).
    A program without tokens gets one window holding a single ``[PAD]`` token.
    ``config`` (the model's :class:`~sklearn_mirencoder.model.encoder.MIREncoderConfig`) gives
    the window sizes; by default those of ``MIREncoderConfig()``.
    """
    import torch

    if config is None:
        from .config import MIREncoderConfig

        config = MIREncoderConfig()

    b = len(programs)
    window, stride, max_windows = config.window, config.stride, config.max_windows
    pad = config.pad_id
    rows, prog, weight, wstart = [], [], [], []
    tokens_total = np.zeros(b, dtype=np.int64)
    tokens_seen = np.zeros(b, dtype=np.int64)
    for i, p in enumerate(programs):
        ids = p.token_ids
        n = int(ids.shape[0])
        tokens_total[i] = n
        if n == 0:
            rows.append(np.array([pad], dtype=np.int64))
            prog.append(i)
            weight.append(1.0)
            wstart.append(0)
            continue
        starts = window_starts(n, window, stride, max_windows)
        tokens_seen[i] = _tokens_seen(starts, window, n)
        for s in starts.tolist():
            r = ids[s : s + window]
            rows.append(r)
            prog.append(i)
            weight.append(float(r.shape[0]))
            wstart.append(s)
    length = max((r.shape[0] for r in rows), default=1)
    input_ids = np.full((len(rows), length), pad, dtype=np.int64)
    mask = np.zeros((len(rows), length), dtype=bool)
    for j, r in enumerate(rows):
        input_ids[j, : r.shape[0]] = r
        mask[j, : r.shape[0]] = True

    graphs = [cut_graph(p, config.max_graph_nodes) for p in programs]
    counts = np.array([g.num_nodes for g in graphs], dtype=np.int64)
    ptr = np.concatenate([[0], np.cumsum(counts)])
    t = config.node_text_tokens
    node_tokens = np.concatenate(
        [g.node_tokens[:, :t] for g in graphs] or [np.zeros((0, t), np.int32)]
    )
    if node_tokens.shape[1] < t:  # encoded with fewer node tokens than the config reads
        node_tokens = np.pad(node_tokens, ((0, 0), (0, t - node_tokens.shape[1])), constant_values=pad)
    edge_index = np.concatenate(
        [g.edge_index + ptr[i] for i, g in enumerate(graphs)] or [np.zeros((2, 0), np.int64)], axis=1
    )
    return {
        "input_ids": torch.from_numpy(input_ids),
        "attention_mask": torch.from_numpy(mask),
        "window_program": torch.tensor(prog, dtype=torch.long),
        "window_weight": torch.tensor(weight, dtype=torch.float32),
        "window_start": torch.tensor(wstart, dtype=torch.long),
        "tokens_total": torch.from_numpy(tokens_total),
        "tokens_seen": torch.from_numpy(tokens_seen),
        "node_kind": torch.from_numpy(np.concatenate([g.node_kind for g in graphs] or [np.zeros(0, np.int8)]).astype(np.int64)),
        "node_tokens": torch.from_numpy(node_tokens.astype(np.int64)),
        "edge_index": torch.from_numpy(edge_index.astype(np.int64)),
        "edge_flow": torch.from_numpy(np.concatenate([g.edge_flow for g in graphs] or [np.zeros(0, np.int8)]).astype(np.int64)),
        "edge_position": torch.from_numpy(
            np.concatenate([g.edge_position for g in graphs] or [np.zeros(0, np.int32)]).astype(np.int64)
        ),
        "batch": torch.from_numpy(np.repeat(np.arange(b, dtype=np.int64), counts)),
        "ptr": torch.from_numpy(ptr.astype(np.int64)),
        "nodes_total": torch.tensor([p.num_nodes_total for p in programs], dtype=torch.long),
        "nodes_kept": torch.from_numpy(counts),
        "num_programs": b,
    }
