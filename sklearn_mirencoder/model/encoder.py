"""The MIREncoder model: a multi-modal encoder of LLVM IR (text + program graph).

MIREncoder (Dutta & Jannesari, PACT 2024) reads a program twice: as the sub-word tokens of
its normalised IR text (:mod:`sklearn_mirencoder.frontend.tokens`) and as its ProGraML-style
program graph (:mod:`sklearn_mirencoder.frontend.graph`).  It is pre-trained self-supervised
(masked language modelling, graph auto-encoding, IR-graph matching: see ``pretrain/``) and
then used frozen: :meth:`MIREncoder.embed` turns programs into fixed-size vectors for
scikit-learn models.

Architecture
------------
Token embedding
    One ``nn.Embedding(vocab_size, hidden)`` shared by the text encoder and by the initial
    states of graph nodes (a node's text is tokenised with the same IR tokenizer), so a
    name the graph has never seen -- an unknown library function -- still gets the vector
    of its sub-words.

Text encoder (long IR handled by windows)
    The token sequence of a program is cut into windows of ``window`` tokens that start
    every ``stride`` tokens (the last window is aligned with the end of the sequence, so
    every token is covered; windows overlap by ``window - stride`` tokens).  Each window
    gets learned positions ``0..window-1`` and goes through a pre-LN
    ``nn.TransformerEncoder`` (``text_layers`` layers, ``heads`` heads, feed-forward
    ``ffn``, GELU, final LayerNorm); its token states are mean-pooled over its real (not
    padding) tokens, and the program's text vector is the mean of its window vectors
    weighted by their token counts.  **A program with more than ``max_windows`` windows is
    not read in full**: ``max_windows`` windows are kept, evenly spaced over the sequence
    (always including the first and the last), and the tokens between them are not seen.
    The collated batch reports ``tokens_total`` and ``tokens_seen`` per program (see
    :func:`sklearn_mirencoder.model.featurize.collate`); with the default ``window=512``,
    ``stride=384`` and ``max_windows=32`` everything up to 12,416 tokens is read.

Graph encoder
    Node initial state ``LayerNorm(kind_embedding[kind] + W · mean(token_embedding[t] for t
    in the first node_text_tokens sub-word tokens of node_text))``.  Then ``gnn_layers``
    layers of relational message passing over 6 relations: the three ProGraML flows
    (control, data, call), each forward and reversed (reverse edges are added inside the
    model).  A message from ``j`` to ``i`` along relation ``r`` with operand position ``p``
    is ``s_r ⊙ (W_dir x_j) + b_r + P[min(p, max_position - 1)]``: a direction-specific
    linear map (forward / reverse), a relation-specific diagonal gate ``s_r`` and bias
    ``b_r``, and a learned operand-position embedding ``P``.  Messages are averaged per
    (target node, relation) and summed over relations (R-GCN normalisation); the update is
    ``x_i <- LayerNorm(x_i + W_o GELU(W_s x_i + m_i))`` (residual + LayerNorm).  The graph
    vector is the concatenation of the mean and the max of the final node states.
    **Graphs above ``max_graph_nodes`` nodes are cut** (by
    :func:`sklearn_mirencoder.model.featurize.cut_graph`): module-level nodes (the external root,
    globals, declared functions) first, then whole functions in their order in the module
    while they fit; the first function that does not fit is cut to the remaining budget
    (keeping its first nodes) and the rest are dropped.  Edges to dropped nodes are dropped.

Fusion and output
    ``z_text = W_t · text`` and ``z_graph = W_g · graph`` project both modalities to a
    shared ``embed_dim`` space; the IR-graph matching task trains these projections.
    :meth:`MIREncoder.embed` returns, per program:

    ================  =======================================  ===========================
    modality          features                                 ``output_dim`` (small/base)
    ================  =======================================  ===========================
    ``"text"``        text vector                              hidden (256 / 512)
    ``"graph"``       [mean ; max] of node states              2 * hidden (512 / 1024)
    ``"text+graph"``  [text ; graph]                           3 * hidden (768 / 1536)
    ``"both"``        [text ; graph ; (z_text + z_graph) / 2]  3 * hidden + embed_dim
                                                               (1024 / 2048)
    ================  =======================================  ===========================

Inference is deterministic: :meth:`MIREncoder.embed` runs in ``eval()`` mode (no dropout)
under :func:`torch.inference_mode`; on CPU the same batch gives bitwise the same output,
whatever the number of torch threads.  A program's vector does not depend on the other
programs of its batch when they have as many text tokens up to the window as it has (how
:class:`~sklearn_mirencoder.transformer.MIRTransformer` batches): the fused projection is
computed one program at a time, since a matrix product over a batch rounds differently from
one over a single row.

Saving and loading use the Hugging Face layout: ``config.json``, ``model.safetensors``
(or HF-style shards with ``model.safetensors.index.json``) and ``tokenizer.json`` in one
folder (no pickle).  Loading is strict.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Iterable, NamedTuple, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..errors import ModelLoadError, TokenizerError
from .config import FORMAT_VERSION, MODALITIES, MODEL_TYPE, NUM_NODE_KINDS, NUM_RELATIONS, MIREncoderConfig
from .files import CONFIG_NAME, INDEX_NAME, TOKENIZER_NAME, WEIGHTS_NAME, read_shard_index

__all__ = [
    "MIREncoderConfig",
    "MIREncoder",
    "TextEncoder",
    "GraphEncoder",
    "RelationalLayer",
    "INFERENCE_REVISION",
    "MODALITIES",
    "NUM_RELATIONS",
    "count_parameters",
    "random_init",
    "CONFIG_NAME",
    "WEIGHTS_NAME",
    "TOKENIZER_NAME",
]

# ----------------------------------------------------------------------------------------
# text encoder
# ----------------------------------------------------------------------------------------


class TextEncoder(nn.Module):
    """Pre-LN transformer over windows of token embeddings (the embedding is the caller's)."""

    def __init__(self, config: MIREncoderConfig):
        super().__init__()
        h = config.hidden
        self.position_embedding = nn.Embedding(config.window, h)
        self.dropout = nn.Dropout(config.dropout)
        layer = nn.TransformerEncoderLayer(
            d_model=h,
            nhead=config.heads,
            dim_feedforward=config.ffn,
            dropout=config.dropout,
            activation="gelu",
            batch_first=True,
            norm_first=True,
        )
        self.layers = nn.TransformerEncoder(
            layer, num_layers=config.text_layers, norm=nn.LayerNorm(h), enable_nested_tensor=False
        )

    def forward(self, token_embeddings: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Token states ``(W, L, hidden)`` of windows ``(W, L, hidden)`` (mask True = real).

        In training mode the windows go through ``nn.TransformerEncoder``; in eval mode
        through :meth:`eval_layers`, the same layers without dropout, with attention by
        :func:`torch.nn.functional.scaled_dot_product_attention`.
        """
        length = token_embeddings.shape[1]
        pos = torch.arange(length, device=token_embeddings.device)
        x = token_embeddings + self.position_embedding(pos)[None]
        if not self.training:
            return self.eval_layers(x, attention_mask)
        return self.layers(self.dropout(x), src_key_padding_mask=~attention_mask)

    def eval_layers(self, x: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """The pre-LN layers and final norm of :attr:`layers` in eval mode (no dropout).

        ``x LayerNorm -> self-attention -> + x``, then ``LayerNorm -> linear -> GELU ->
        linear -> + x``, per layer, with the weights of ``nn.TransformerEncoderLayer``.
        The attention is :func:`~torch.nn.functional.scaled_dot_product_attention` with
        the padding keys masked out: a fused kernel (flash attention on CPU) instead of the
        score matrix and masked softmax of PyTorch's fast path, which took 40% of the
        model's CPU time (on 2026-11-24 the model row of ``docs/embed-speed.md``, 48 kernels
        on 2 cores, went from 24.95 s before to 18.64 s after).  Equal to ``nn.TransformerEncoder`` in eval mode up
        to float rounding (tested).
        """
        w, length, hidden = x.shape
        keep = attention_mask[:, None, None, :]
        for layer in self.layers.layers:
            attn = layer.self_attn
            heads = attn.num_heads
            qkv = _in_projection(attn, layer.norm1(x))
            q, k, v = qkv.view(w, length, 3, heads, hidden // heads).permute(2, 0, 3, 1, 4)
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)
            x = x + attn.out_proj(a.transpose(1, 2).reshape(w, length, hidden))
            x = x + layer.linear2(F.gelu(layer.linear1(layer.norm2(x))))
        return self.layers.norm(x)


def _in_projection(attn: nn.MultiheadAttention, x: torch.Tensor) -> torch.Tensor:
    """The query/key/value projection of ``x``: the int8 one that
    :func:`~sklearn_mirencoder.model.quantize.quantize_int8` attaches, else the float weights."""
    int8 = getattr(attn, "int8_in_proj", None)
    if int8 is not None:
        return int8(x)
    return F.linear(x, attn.in_proj_weight, attn.in_proj_bias)


# ----------------------------------------------------------------------------------------
# graph encoder
# ----------------------------------------------------------------------------------------


class RelationalLayer(nn.Module):
    """One layer of relational message passing with operand positions (see the module doc)."""

    def __init__(self, hidden: int, max_position: int, dropout: float):
        super().__init__()
        self.lin_forward = nn.Linear(hidden, hidden, bias=False)
        self.lin_reverse = nn.Linear(hidden, hidden, bias=False)
        self.relation_scale = nn.Parameter(torch.ones(NUM_RELATIONS, hidden))
        self.relation_bias = nn.Parameter(torch.zeros(NUM_RELATIONS, hidden))
        self.position_embedding = nn.Embedding(max_position, hidden)
        self.lin_self = nn.Linear(hidden, hidden)
        self.lin_out = nn.Linear(hidden, hidden)
        self.norm = nn.LayerNorm(hidden)
        self.dropout = nn.Dropout(dropout)

    def forward(
        self,
        x: torch.Tensor,
        src: torch.Tensor,
        dst: torch.Tensor,
        relation: torch.Tensor,
        position: torch.Tensor,
        weight: torch.Tensor,
        n_forward: int,
    ) -> torch.Tensor:
        """``x`` (N, H); edges ``src -> dst`` (the first ``n_forward`` are forward edges)."""
        xf = self.lin_forward(x)
        xr = self.lin_reverse(x)
        msg = torch.cat([xf.index_select(0, src[:n_forward]), xr.index_select(0, src[n_forward:])])
        # F.embedding, not parameter[relation]: the backward of advanced indexing into 6 rows
        # with millions of repeats is a slow sort-based kernel on CUDA
        msg = msg * F.embedding(relation, self.relation_scale) + F.embedding(relation, self.relation_bias)
        msg = msg + self.position_embedding(position)
        msg = msg * weight.unsqueeze(1).to(msg.dtype)
        agg = msg.new_zeros(x.shape[0], msg.shape[1]).index_add_(0, dst, msg)
        update = self.lin_out(F.gelu(self.lin_self(x) + agg))
        return self.norm(x + self.dropout(update))

    def infer(self, x: torch.Tensor, plan: "EdgePlan") -> torch.Tensor:
        """:meth:`forward` in eval mode without autograd, in fewer passes over the edges.

        The same sum, regrouped: a message's bias and position terms do not depend on the
        source node, so their weighted sums per target node are a weighted sum of rows of
        a 14-row table (one :func:`~torch.nn.functional.embedding_bag` over the plan's
        coefficients); the gathered source states are scaled in place, relation by
        relation, and added to their targets.  Equal to :meth:`forward` up to float
        rounding (tested); 3x faster on a CPU, where the per-edge tensors that
        :meth:`forward` builds for autograd cost more than the arithmetic.
        """
        msg = torch.cat([self.lin_forward(x), self.lin_reverse(x)]).index_select(0, plan.src)
        start = 0
        for r, count in enumerate(plan.relation_counts):
            if count:
                msg[start : start + count].mul_(self.relation_scale[r])
            start += count
        msg.mul_(plan.weight)
        table = torch.cat([self.relation_bias, self.position_embedding.weight])
        agg = F.embedding_bag(plan.term, table, plan.term_offsets, mode="sum", per_sample_weights=plan.term_weight)
        agg.index_add_(0, plan.dst, msg)
        update = self.lin_out(F.gelu(self.lin_self(x) + agg))
        return self.norm(x + update)


class EdgePlan(NamedTuple):
    """The edges of a batch as :meth:`RelationalLayer.infer` reads them, computed once for
    all layers by :func:`edge_plan`.

    ``src`` indexes the rows of ``[W_forward x ; W_reverse x]`` (forward edges, then the
    reversed ones with ``N`` added), ``dst`` the target nodes and ``weight`` ``(E, 1)`` the
    R-GCN normalisation, all ordered by relation (stably, so each program keeps its own
    order in any batch); ``relation_counts`` has the number of edges of each relation.
    ``term``, ``term_weight`` and ``term_offsets`` are, per node, the bags of
    :func:`~torch.nn.functional.embedding_bag` that sum its messages' bias and position
    terms: rows of ``[relation_bias ; position_embedding]`` and their total weights.
    """

    src: torch.Tensor
    dst: torch.Tensor
    weight: torch.Tensor
    relation_counts: list
    term: torch.Tensor
    term_weight: torch.Tensor
    term_offsets: torch.Tensor


def edge_plan(n: int, src, dst, relation, position, weight, max_position: int) -> EdgePlan:
    """The :class:`EdgePlan` of ``n`` nodes and directed edges ``src -> dst`` (the reversed
    ones included) with their relation, clamped operand position and normalisation."""
    n_forward = src.shape[0] // 2
    rows = torch.cat([src[:n_forward], src[n_forward:] + n])
    order = torch.argsort(relation, stable=True)
    width = NUM_RELATIONS + max_position
    coef = weight.new_zeros(n * width)
    coef.index_add_(0, dst * width + relation, weight)
    coef.index_add_(0, dst * width + NUM_RELATIONS + position, weight)
    coef = coef.view(n, width)
    node, term = coef.nonzero(as_tuple=True)  # row-major: each node's terms together
    offsets = torch.zeros(n, dtype=torch.long)
    offsets[1:] = torch.bincount(node, minlength=n).cumsum(0)[:-1]
    return EdgePlan(
        rows[order], dst[order], weight[order].unsqueeze(1),
        torch.bincount(relation, minlength=NUM_RELATIONS).tolist(), term, coef[node, term], offsets,
    )


class GraphEncoder(nn.Module):
    """Node initial states from kinds and node-text sub-words, then relational layers."""

    def __init__(self, config: MIREncoderConfig):
        super().__init__()
        h = config.hidden
        self.max_position = config.max_position
        self.pad_id = config.pad_id
        self.kind_embedding = nn.Embedding(NUM_NODE_KINDS, h)
        self.text_projection = nn.Linear(h, h)
        self.input_norm = nn.LayerNorm(h)
        self.dropout = nn.Dropout(config.dropout)
        self.layers = nn.ModuleList(
            RelationalLayer(h, config.max_position, config.dropout) for _ in range(config.gnn_layers)
        )

    def initial_states(self, token_embedding: nn.Embedding, node_kind, node_tokens) -> torch.Tensor:
        if _fast_inference(self, node_tokens):  # the same mean, without the (N, 8, H) tensor
            mean = F.embedding_bag(node_tokens, token_embedding.weight, mode="mean", padding_idx=self.pad_id)
        else:
            mask = (node_tokens != self.pad_id).unsqueeze(-1)
            emb = token_embedding(node_tokens).masked_fill(~mask, 0.0)
            mean = emb.sum(1) / mask.sum(1).clamp(min=1).to(emb.dtype)
        return self.dropout(self.input_norm(self.kind_embedding(node_kind) + self.text_projection(mean)))

    def forward(
        self,
        token_embedding: nn.Embedding,
        node_kind: torch.Tensor,
        node_tokens: torch.Tensor,
        edge_index: torch.Tensor,
        edge_flow: torch.Tensor,
        edge_position: torch.Tensor,
        *,
        every_layer: bool = False,
    ) -> torch.Tensor | list[torch.Tensor]:
        """Final node states ``(N, hidden)``; with ``every_layer``, the list of the initial
        states and the states after each layer (``gnn_layers + 1`` tensors, diagnostics)."""
        x = self.initial_states(token_embedding, node_kind, node_tokens)
        states = [x]
        n = x.shape[0]
        e = edge_index.shape[1]
        src = torch.cat([edge_index[0], edge_index[1]])
        dst = torch.cat([edge_index[1], edge_index[0]])
        flow = edge_flow.long()
        relation = torch.cat([flow, flow + 3])
        pos = edge_position.long().clamp(0, self.max_position - 1)
        position = torch.cat([pos, pos])
        # R-GCN normalisation: 1 / in-degree of the target for that relation
        key = dst * NUM_RELATIONS + relation
        degree = torch.bincount(key, minlength=n * NUM_RELATIONS)
        weight = 1.0 / degree[key].clamp(min=1).to(x.dtype)
        fast = _fast_inference(self, x)
        plan = edge_plan(n, src, dst, relation, position, weight, self.max_position) if fast else None
        for layer in self.layers:
            x = layer(x, src, dst, relation, position, weight, e) if plan is None else layer.infer(x, plan)
            states.append(x)
        return states if every_layer else x


#: The revision of the computation from a program to its vector: bumped whenever a change of
#: the code (not of the weights) -- how the model computes, or what the front end makes of a
#: program -- changes the bits of the vectors, so that the vectors cached before miss
#: (:class:`~sklearn_mirencoder.transformer.MIRTransformer` names it in its cache keys).
#: 2: the graph encoder's inference path (:meth:`RelationalLayer.infer`).
INFERENCE_REVISION = 2


def _fast_inference(module: nn.Module, like: torch.Tensor) -> bool:
    """Whether the graph encoder takes its inference path: eval mode, no autograd, on a CPU
    (on a GPU the path stays as it was trained)."""
    return not module.training and not torch.is_grad_enabled() and like.device.type == "cpu"


# ----------------------------------------------------------------------------------------
# the model
# ----------------------------------------------------------------------------------------


@contextlib.contextmanager
def _one_cpu_thread(device: torch.device):
    """Run torch on one CPU thread inside the block.  The graph encoder's small matrix
    products (a few nodes by ``hidden``) round differently on one thread and on two (up
    to 6e-8 on a 5-node graph, seen with 2 cores), so a worker on one thread and the parent
    on two would disagree; on one thread they agree, and the graph part is about 2% of the
    model's work (``docs/model-profile.md``)."""
    if device.type != "cpu" or torch.get_num_threads() == 1:
        yield
        return
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _masked_mean(states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of ``states`` (W, L, H) over the positions where ``mask`` (W, L) is True."""
    m = mask.unsqueeze(-1).to(states.dtype)
    return (states * m).sum(1) / m.sum(1).clamp(min=1)


def _readout(nodes: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """The graph vector ``[mean ; max]`` ``(B, 2 * hidden)`` of each program's node states."""
    return torch.cat(_segment_mean_max(nodes, batch["batch"], int(batch["num_programs"])), dim=1)


def _segment_mean_max(x: torch.Tensor, index: torch.Tensor, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and max of the rows of ``x`` grouped by ``index`` (empty groups give 0)."""
    h = x.shape[1]
    count = torch.bincount(index, minlength=size).clamp(min=1).to(x.dtype).unsqueeze(1)
    total = torch.zeros(size, h, dtype=x.dtype, device=x.device).index_add_(0, index, x)
    mx = torch.full((size, h), float("-inf"), dtype=x.dtype, device=x.device)
    mx = mx.scatter_reduce(0, index.unsqueeze(1).expand(-1, h), x, reduce="amax", include_self=True)
    mx = torch.where(torch.isinf(mx), torch.zeros_like(mx), mx)
    return total / count, mx


class MIREncoder(nn.Module):
    """The multi-modal IR encoder (see the module documentation for the architecture).

    Parameters
    ----------
    config : MIREncoderConfig
    tokenizer : IRTokenizer, optional
        Kept with the model (saved as ``tokenizer.json``); needed by :meth:`embed_programs`
        and :meth:`embed_ir`.  Its vocabulary size must equal ``config.vocab_size``.

    Use :meth:`from_pretrained` to load a trained model, :func:`random_init` for the same
    architecture with random weights.
    """

    #: ``"float32"``, or ``"int8"`` for the copy :func:`~sklearn_mirencoder.model.quantize.quantize_int8` makes.
    precision = "float32"
    #: Windows :meth:`embed` encodes at a time by default on a GPU ...
    window_chunk = 64
    #: ... and on a CPU, where smaller pieces stay in the caches: the float32 passes over the 196
    #: devmap kernels took 30.0 s with 8 against 37.1 s with 64 (``docs/embed-speed.md``, now
    #: and on 2026-12-05 02:48), the same bits; the int8 copy: 4.
    cpu_window_chunk = 8

    def __init__(self, config: MIREncoderConfig, tokenizer=None):
        super().__init__()
        if tokenizer is not None:
            _check_tokenizer(config, tokenizer)
        self.config = config
        self.tokenizer = tokenizer
        h = config.hidden
        self.token_embedding = nn.Embedding(config.vocab_size, h, padding_idx=config.pad_id)
        self.text = TextEncoder(config)
        self.graph = GraphEncoder(config)
        self.text_projection = nn.Linear(h, config.embed_dim)
        self.graph_projection = nn.Linear(2 * h, config.embed_dim)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """BERT-style initialisation: normal(0, 0.02) weights, zero biases, unit norms
        (the joint projections: normal(0, 1/sqrt(fan_in)))."""
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, std=0.02)
                if isinstance(m, nn.Linear) and m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.MultiheadAttention):
                nn.init.normal_(m.in_proj_weight, std=0.02)
                nn.init.zeros_(m.in_proj_bias)
        for layer in self.graph.layers:
            nn.init.ones_(layer.relation_scale)
            nn.init.zeros_(layer.relation_bias)
        # the joint projections feed the matching head and the "both" output: unit gain
        # (std 1/sqrt(fan_in)), so small models do not start with near-zero vectors
        for proj in (self.text_projection, self.graph_projection):
            nn.init.normal_(proj.weight, std=proj.in_features**-0.5)
        with torch.no_grad():
            self.token_embedding.weight[self.config.pad_id].zero_()

    @property
    def device(self) -> torch.device:
        return self.token_embedding.weight.device

    # -- the forward pass ------------------------------------------------------------------
    def encode_windows(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Token states ``(W, L, hidden)`` of a batch of windows."""
        return self.text(self.token_embedding(input_ids), attention_mask)

    def encode_nodes(self, batch: dict[str, torch.Tensor], *, every_layer: bool = False):
        """Final node states ``(N, hidden)`` of a collated batch (with ``every_layer``: the
        initial states and those after each layer, a list)."""
        return self.graph(
            self.token_embedding,
            batch["node_kind"],
            batch["node_tokens"],
            batch["edge_index"],
            batch["edge_flow"],
            batch["edge_position"],
            every_layer=every_layer,
        )

    def text_vectors(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        window_program: torch.Tensor,
        window_weight: torch.Tensor,
        num_programs: int,
        *,
        window_chunk: int | None = None,
        return_states: bool = False,
    ):
        """Program text vectors ``(B, hidden)``: masked mean over each window's tokens, then
        the mean of a program's windows weighted by ``window_weight`` (token counts).

        ``window_chunk`` encodes that many windows at a time (memory, not the result);
        ``return_states`` also returns the token states ``(W, L, hidden)``.
        """
        n = input_ids.shape[0]
        h = self.config.hidden
        if return_states or window_chunk is None:
            states = self.encode_windows(input_ids, attention_mask)
            windows = _masked_mean(states, attention_mask)
        else:
            # inference: windows sorted by length, each chunk cut to its longest window
            # (padding is trailing and masked, so dropping it changes nothing but the cost:
            # a 100-token program no longer pays for a 512-token window)
            windows = self.token_embedding.weight.new_zeros(n, h)
            lengths = attention_mask.sum(1)
            order = torch.argsort(lengths, stable=True)
            chunk = max(1, window_chunk)
            for s in range(0, n, chunk):
                idx = order[s : s + chunk]
                width = max(1, int(lengths[idx].max()))
                width = min(input_ids.shape[1], -(-width // 16) * 16)
                mask = attention_mask[idx, :width]
                windows[idx] = _masked_mean(self.encode_windows(input_ids[idx, :width], mask), mask)
            states = None
        w = window_weight.to(windows.dtype)
        total = windows.new_zeros(num_programs, h).index_add_(0, window_program, windows * w.unsqueeze(1))
        norm = w.new_zeros(num_programs).index_add_(0, window_program, w)
        text = total / norm.clamp(min=1e-6).unsqueeze(1)
        return (text, states) if return_states else text

    def graph_vectors(self, batch: dict[str, torch.Tensor], *, return_states: bool = False):
        """Program graph vectors ``(B, 2 * hidden)``: [mean ; max] of the final node states."""
        nodes = self.encode_nodes(batch)
        graph = _readout(nodes, batch)
        return (graph, nodes) if return_states else graph

    @torch.inference_mode()
    def graph_vectors_by_layer(self, batch: dict[str, torch.Tensor]) -> list[torch.Tensor]:
        """The graph readout ``[mean ; max]`` ``(B, 2 * hidden)`` of the initial node states
        and of the states after each graph layer (``gnn_layers + 1`` tensors; the last is
        :meth:`graph_vectors`): what each round of message passing adds or loses. Eval mode."""
        was_training = self.training
        self.eval()
        try:
            batch = _to_device(batch, self.device)
            return [_readout(states, batch) for states in self.encode_nodes(batch, every_layer=True)]
        finally:
            self.train(was_training)

    def forward(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Run both encoders on a collated batch (:func:`~sklearn_mirencoder.model.featurize.collate`).

        Used by pre-training; returns a dict with ``token_states`` (W, L, H), ``text``
        (B, H), ``node_states`` (N, H), ``graph`` (B, 2H), ``z_text`` and ``z_graph``
        (B, embed_dim).
        """
        b = int(batch["num_programs"])
        text, token_states = self.text_vectors(
            batch["input_ids"], batch["attention_mask"], batch["window_program"], batch["window_weight"], b,
            return_states=True,
        )
        graph, nodes = self.graph_vectors(batch, return_states=True)
        return {
            "token_states": token_states,
            "text": text,
            "node_states": nodes,
            "graph": graph,
            "z_text": self.text_projection(text),
            "z_graph": self.graph_projection(graph),
        }

    # -- inference -------------------------------------------------------------------------
    @torch.inference_mode()
    def embed(
        self, batch: dict[str, torch.Tensor], modality: str = "both", *, window_chunk: int | None = None
    ) -> torch.Tensor:
        """Embeddings ``(B, config.output_dim(modality))`` of a collated batch.

        Runs in ``eval()`` mode (the model's mode is restored afterwards) under
        :func:`torch.inference_mode`; deterministic.  ``window_chunk`` (default: the model's
        :attr:`cpu_window_chunk` on a CPU, else :attr:`window_chunk`) bounds how many windows
        go through the transformer at once (memory and speed), not the result.
        """
        if modality not in MODALITIES:
            raise ValueError(f"modality must be one of {MODALITIES}, got {modality!r}")
        was_training = self.training
        self.eval()
        try:
            batch = _to_device(batch, self.device)
            b = int(batch["num_programs"])
            parts = []
            if modality != "graph":
                text = self.text_vectors(
                    batch["input_ids"], batch["attention_mask"], batch["window_program"], batch["window_weight"], b,
                    window_chunk=window_chunk or self._default_chunk(),
                )
                parts.append(text)
            if modality != "text":
                # int8 products are exact, so the graph part may use every thread
                threads = contextlib.nullcontext() if self.precision == "int8" else _one_cpu_thread(self.device)
                with threads:
                    graph = self.graph_vectors(batch)
                parts.append(graph)
            if modality == "both":
                # row by row: as a (1, H) product a program's fused vector is bitwise the same
                # in any batch (a (B, H) matrix product rounds differently with B)
                parts.append(torch.cat([
                    0.5 * (self.text_projection(text[i : i + 1]) + self.graph_projection(graph[i : i + 1]))
                    for i in range(b)
                ]))
            return torch.cat(parts, dim=1).float()
        finally:
            self.train(was_training)

    def _default_chunk(self) -> int:
        return self.cpu_window_chunk if self.device.type == "cpu" else self.window_chunk

    def embed_programs(
        self,
        programs: Iterable,
        modality: str = "both",
        *,
        batch_size: int = 16,
    ) -> np.ndarray:
        """Embed :class:`~sklearn_mirencoder.frontend.Program` objects, ``(text, graph)``
        pairs or :class:`~sklearn_mirencoder.model.featurize.EncodedProgram` objects; returns a
        float32 array ``(n, output_dim(modality))``."""
        from .featurize import EncodedProgram, encode_program

        if self.tokenizer is None:
            raise TokenizerError("this MIREncoder has no tokenizer; pass one to the constructor")
        encoded = [
            p if isinstance(p, EncodedProgram) else encode_program(p, self.tokenizer, self.config)
            for p in programs
        ]
        return self._embed_encoded(encoded, modality, batch_size)

    def embed_ir(self, texts: Sequence[str], modality: str = "both", *, batch_size: int = 16) -> np.ndarray:
        """Embed canonical IR texts (``str()`` of llvmlite modules, see :func:`~.ir.to_ir`)."""
        from .featurize import encode_ir_text

        if self.tokenizer is None:
            raise TokenizerError("this MIREncoder has no tokenizer; pass one to the constructor")
        encoded = [encode_ir_text(t, self.tokenizer, self.config, name=f"sample {i}") for i, t in enumerate(texts)]
        return self._embed_encoded(encoded, modality, batch_size)

    def _embed_encoded(self, encoded, modality: str, batch_size: int) -> np.ndarray:
        from .featurize import collate

        out = np.zeros((len(encoded), self.config.output_dim(modality)), dtype=np.float32)
        for s in range(0, len(encoded), batch_size):
            batch = collate(encoded[s : s + batch_size], self.config)
            out[s : s + batch_size] = self.embed(batch, modality).cpu().numpy()
        return out

    # -- persistence -----------------------------------------------------------------------
    def save_pretrained(
        self,
        save_directory,
        *,
        dtype: torch.dtype | None = None,
        tokenizer=None,
        max_shard_size: int | str | None = None,
    ) -> Path:
        """Write ``config.json``, ``model.safetensors`` and ``tokenizer.json`` to a folder.

        Parameters
        ----------
        save_directory : path
            Created if needed; existing files of these names are replaced.
        dtype : torch.dtype, optional
            Storage type of floating-point weights (``torch.float16`` halves the file);
            :meth:`from_pretrained` converts back to float32 by default.
        tokenizer : IRTokenizer, optional
            Defaults to the model's own.
        max_shard_size : int or str, optional
            When the weights exceed this size (bytes, or ``"15MB"``, ``"2GiB"``...), write
            them as Hugging Face shards ``model-00001-of-0000N.safetensors`` with a
            ``model.safetensors.index.json`` instead of one ``model.safetensors``.
        """
        from safetensors.torch import save_file

        tokenizer = tokenizer if tokenizer is not None else self.tokenizer
        if tokenizer is None:
            raise TokenizerError("cannot save a model without its tokenizer; pass tokenizer=")
        _check_tokenizer(self.config, tokenizer)
        path = Path(save_directory)
        path.mkdir(parents=True, exist_ok=True)
        state = {}
        for k, v in self.state_dict().items():
            v = v.detach().cpu()
            if dtype is not None and v.is_floating_point():
                v = v.to(dtype)
            state[k] = v.contiguous()
        stored = str(dtype or next(iter(state.values())).dtype).replace("torch.", "")
        from .. import __version__

        config = {
            "model_type": MODEL_TYPE,
            "architectures": ["MIREncoder"],
            "format_version": FORMAT_VERSION,
            "torch_dtype": stored,
            "library_version": __version__,
            "num_parameters": count_parameters(self),
            **self.config.to_dict(),
        }
        _atomic_write_text(path / CONFIG_NAME, json.dumps(config, indent=2, sort_keys=True) + "\n")
        for stale in [path / WEIGHTS_NAME, path / INDEX_NAME, *path.glob("model-*-of-*.safetensors")]:
            if stale.is_file():
                stale.unlink()
        limit = _parse_size(max_shard_size) if max_shard_size is not None else None
        total = sum(v.numel() * v.element_size() for v in state.values())
        meta = {"format": "pt", "model_type": MODEL_TYPE}
        if limit is None or total <= limit:
            tmp = path / (WEIGHTS_NAME + ".tmp")
            save_file(state, str(tmp), metadata=meta)
            os.replace(tmp, path / WEIGHTS_NAME)
        else:
            shards: list[dict[str, torch.Tensor]] = [{}]
            size = 0
            for k, v in state.items():
                nbytes = v.numel() * v.element_size()
                if shards[-1] and size + nbytes > limit:
                    shards.append({})
                    size = 0
                shards[-1][k] = v
                size += nbytes
            weight_map = {}
            for i, shard in enumerate(shards):
                name = f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors"
                save_file(shard, str(path / name), metadata=meta)
                weight_map.update({k: name for k in shard})
            index = {"metadata": {"total_size": total}, "weight_map": weight_map}
            _atomic_write_text(path / INDEX_NAME, json.dumps(index, indent=2, sort_keys=True) + "\n")
        tokenizer.save(path / TOKENIZER_NAME)
        return path

    @classmethod
    def from_pretrained(
        cls,
        pretrained: str | os.PathLike,
        *,
        torch_dtype: torch.dtype = torch.float32,
        device: str | torch.device = "cpu",
        revision: str | None = None,
    ) -> "MIREncoder":
        """Load a model saved by :meth:`save_pretrained` (a folder or a Hub repository id).

        Loading is strict: a missing or unexpected tensor, or one of the wrong shape, raises
        :class:`~sklearn_mirencoder.errors.ModelLoadError`; a missing or malformed
        ``tokenizer.json`` raises :class:`~sklearn_mirencoder.errors.TokenizerError`.
        Weights are converted to ``torch_dtype`` (float32 by default, whatever the storage
        type).  The model is returned in ``eval()`` mode.
        """
        from ..frontend.tokens import IRTokenizer

        path = Path(os.fspath(pretrained))
        if not path.is_dir():  # a Hub repository id: the same download, cache and checks as MIRTransformer
            from .hub import resolve_model

            path = resolve_model(str(pretrained), revision=revision).path
        cfg_file = path / CONFIG_NAME
        if not cfg_file.is_file():
            raise ModelLoadError(f"{path}: no {CONFIG_NAME}; not a saved MIREncoder folder")
        try:
            data = json.loads(cfg_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelLoadError(f"{cfg_file}: unreadable configuration ({exc})") from None
        config = MIREncoderConfig.from_dict(data, source=str(cfg_file))
        tok_file = path / TOKENIZER_NAME
        if not tok_file.is_file():
            raise TokenizerError(f"{path}: no {TOKENIZER_NAME}; the model cannot be used without its tokenizer")
        tokenizer = IRTokenizer.from_file(tok_file)
        state, source = load_weights(path)
        model = cls(config, tokenizer)
        load_state_strict(model, state, source=source)
        return model.to(device=device, dtype=torch_dtype).eval()


# ----------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------


def _check_tokenizer(config: MIREncoderConfig, tokenizer) -> None:
    if tokenizer.vocab_size != config.vocab_size:
        raise TokenizerError(
            f"tokenizer {getattr(tokenizer, 'source', '')!s} has {tokenizer.vocab_size} tokens but the model "
            f"expects vocab_size={config.vocab_size}"
        )
    if tokenizer.pad_id != config.pad_id:
        raise TokenizerError(f"tokenizer pad_id {tokenizer.pad_id} differs from the model's {config.pad_id}")


def load_state_file(file: Path) -> dict[str, torch.Tensor]:
    """Read a safetensors file; raise :class:`ModelLoadError` if it is missing or corrupt."""
    from safetensors.torch import load_file

    if not Path(file).is_file():
        raise ModelLoadError(f"{file}: weights file not found")
    try:
        return load_file(str(file), device="cpu")
    except Exception as exc:  # safetensors raises its own SafetensorError and OSError
        raise ModelLoadError(f"{file}: unreadable safetensors file ({exc})") from None


def load_weights(folder: Path) -> tuple[dict[str, torch.Tensor], str]:
    """The tensors of a saved folder: ``model.safetensors`` or the shards listed in
    ``model.safetensors.index.json``.  Returns (state, description for messages)."""
    folder = Path(folder)
    single, index_file = folder / WEIGHTS_NAME, folder / INDEX_NAME
    if single.is_file() or not index_file.is_file():
        return load_state_file(single), str(single)
    weight_map = read_shard_index(index_file)
    files = sorted(set(weight_map.values()))
    state: dict[str, torch.Tensor] = {}
    for name in files:
        part = load_state_file(folder / name)
        wrong = sorted(k for k in part if weight_map.get(k) != name)
        if wrong:
            raise ModelLoadError(f"{folder / name}: tensors the index does not place here: {_short(wrong)}")
        state.update(part)
    listed = sorted(set(weight_map) - set(state))
    if listed:
        raise ModelLoadError(f"{index_file}: listed tensors missing from the shards: {_short(listed)}")
    return state, str(index_file)


def _parse_size(size: int | str) -> int:
    if isinstance(size, int):
        return size
    import re

    m = re.fullmatch(r"\s*([0-9.]+)\s*([KMGT]?)(i?)B?\s*", str(size), re.I)
    if not m:
        raise ValueError(f"cannot read a size from {size!r} (e.g. 15MB, 2GiB, 1000000)")
    unit = {"": 0, "K": 1, "M": 2, "G": 3, "T": 4}[m.group(2).upper()]
    base = 1024 if m.group(3) else 1000
    return int(float(m.group(1)) * base**unit)


def load_state_strict(module: nn.Module, state: dict[str, torch.Tensor], *, source: str) -> None:
    """Load ``state`` into ``module``: every key, nothing more, same shapes (else ModelLoadError)."""
    expected = module.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    shapes = sorted(k for k in set(expected) & set(state) if tuple(expected[k].shape) != tuple(state[k].shape))
    problems = []
    if missing:
        problems.append(f"missing tensors {_short(missing)}")
    if unexpected:
        problems.append(f"unexpected tensors {_short(unexpected)}")
    if shapes:
        problems.append(
            "wrong shapes " + _short([f"{k} {tuple(state[k].shape)} != {tuple(expected[k].shape)}" for k in shapes])
        )
    if problems:
        raise ModelLoadError(f"{source}: weights do not match the configuration: " + "; ".join(problems))
    converted = {k: v.to(expected[k].dtype) for k, v in state.items()}
    module.load_state_dict(converted, strict=True)


def _short(items: list[str], n: int = 8) -> str:
    return ", ".join(items[:n]) + (f" and {len(items) - n} more" if len(items) > n else "")


def _atomic_write_text(file: Path, text: str) -> None:
    tmp = file.with_name(file.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, file)


def _to_device(batch: dict, device: torch.device) -> dict:
    return {k: (v.to(device) if isinstance(v, torch.Tensor) else v) for k, v in batch.items()}


def count_parameters(model_or_config: nn.Module | MIREncoderConfig, *, trainable_only: bool = False) -> int:
    """Number of parameters of a model, or of the :class:`MIREncoder` a configuration builds.

    Shared tensors are counted once.
    """
    if isinstance(model_or_config, MIREncoderConfig):
        with torch.device("meta"):
            model_or_config = MIREncoder(model_or_config)
    seen = set()
    total = 0
    for p in model_or_config.parameters():
        if trainable_only and not p.requires_grad:
            continue
        if id(p) in seen:
            continue
        seen.add(id(p))
        total += p.numel()
    return total


def random_init(config: MIREncoderConfig, tokenizer=None, seed: int = 0) -> MIREncoder:
    """The same architecture with random (initial) weights: the untrained baseline.

    Deterministic for a given ``seed`` and does not touch the global random state.  The
    model is returned in ``eval()`` mode.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = MIREncoder(config, tokenizer)
    return model.eval()


if __name__ == "__main__":  # pragma: no cover - prints the parameter counts for the docs
    for name in ("tiny", "small", "base"):
        cfg = MIREncoderConfig.named(name)
        n = count_parameters(cfg)
        print(f"{name}: {n:,} parameters ({n * 2 / 2**20:.1f} MiB in fp16); output dims "
              + ", ".join(f"{m}={cfg.output_dim(m)}" for m in MODALITIES))
