"""The three self-supervised pre-training tasks of MIREncoder, as heads on the encoder.

* **Masked language modelling** (:class:`MLMHead`): predict the masked IR tokens from the
  text encoder's token states; ``dense -> GELU -> LayerNorm -> logits`` with the output
  matrix *tied* to the shared token embedding (plus a bias).  Cross-entropy over the
  masked positions.
* **Graph auto-encoding** (:class:`EdgeDecoder`): score a directed node pair ``(u, v)``
  from the final node states with a low-rank bilinear decoder
  ``<W_s h_u, W_d h_v> / sqrt(d) + b``; positives are the graph's own edges (any flow),
  negatives pairs of the same graph that are not edges
  (:func:`torch_geometric.utils.batched_negative_sampling`).  Binary cross-entropy.
* **IR-graph matching** (:class:`MatchingHead`): does this token window come from the
  same program as this graph?  ``MLP([t, g, |t - g|, t * g])`` on the encoder's joint
  projections ``t = z_text``, ``g = z_graph`` (standardised over the batch first); positives are the aligned pairs of the
  batch, negatives pair each text with the graph of the next program (the graph vectors
  rolled by one).  Binary cross-entropy.  With ``match_loss="contrastive"`` the task is
  asked of the joint space itself: a symmetric InfoNCE loss (CLIP's) over the cosine
  similarities of every text and every graph of the batch, with a learned temperature, so
  each program's text must pick its own graph among all ``B`` (and vice versa).  The MLP
  head of the binary form can learn the matching on its own, leaving the embedding space
  little structured; the contrastive form puts the signal where the frozen embeddings are
  read.

* **Masked node text** (optional, ``node_weight > 0``; not one of the paper's three): the
  text of a fraction of the graph nodes is replaced by ``[MASK]``
  (:func:`pretrain.data.mask_nodes`) and a second :class:`MLMHead` (tied to the token
  embedding, detached, so that this task does not move the text's output space) predicts
  the node's sub-words from its final state: cross-entropy averaged
  over the masked nodes' sub-words.  Edge reconstruction alone rewards neighbouring node
  states for being alike, and in the bundled weights each round of message passing *loses*
  program identity (``benchmarks/opt_retrieval.py layers``); this task asks the final
  states to say what each node is, from its neighbourhood.

The loss is ``mlm_weight * L_mlm + gae_weight * L_gae + match_weight * L_match
+ node_weight * L_node`` (:class:`PretrainConfig`; the first three weights default to 1.0,
the plain sum of the paper, ``node_weight`` to 0).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from sklearn_mirencoder.model.encoder import MIREncoder

__all__ = ["PretrainConfig", "MLMHead", "EdgeDecoder", "MatchingHead", "MIREncoderForPretraining"]


@dataclass
class PretrainConfig:
    """Loss weights and head sizes of pre-training.

    Attributes
    ----------
    mlm_weight, gae_weight, match_weight : float
        Weights of the masked-LM, graph auto-encoding and IR-graph matching losses.
    decoder_dim : int
        Width of the edge decoder's projections (0: the encoder's hidden size).
    match_loss : {"binary", "contrastive"}
        The IR-graph matching objective (see the module doc); ``"binary"`` is the bundled
        weights'.
    node_weight : float
        Weight of the masked-node-text loss (0: off, the bundled weights' objective; the
        batches must then mask nodes, ``PretrainBatches(node_mask_prob=...)``).
    """

    mlm_weight: float = 1.0
    gae_weight: float = 1.0
    match_weight: float = 1.0
    decoder_dim: int = 0
    match_loss: str = "binary"
    node_weight: float = 0.0

    def __post_init__(self):
        if self.match_loss not in ("binary", "contrastive"):
            raise ValueError(f"match_loss must be 'binary' or 'contrastive', got {self.match_loss!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "PretrainConfig":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


class MLMHead(nn.Module):
    """Token prediction with the output matrix tied to the token embedding."""

    def __init__(self, hidden: int, vocab_size: int):
        super().__init__()
        self.dense = nn.Linear(hidden, hidden)
        self.norm = nn.LayerNorm(hidden)
        self.bias = nn.Parameter(torch.zeros(vocab_size))

    def forward(self, states: torch.Tensor, embedding_weight: torch.Tensor) -> torch.Tensor:
        x = self.norm(F.gelu(self.dense(states)))
        return F.linear(x, embedding_weight, self.bias)


class EdgeDecoder(nn.Module):
    """Low-rank bilinear score of a directed node pair."""

    def __init__(self, hidden: int, dim: int):
        super().__init__()
        self.src = nn.Linear(hidden, dim)
        self.dst = nn.Linear(hidden, dim)
        self.bias = nn.Parameter(torch.zeros(()))
        self.scale = 1.0 / math.sqrt(dim)

    def forward(self, nodes: torch.Tensor, pairs: torch.Tensor) -> torch.Tensor:
        s = self.src(nodes.index_select(0, pairs[0]))
        d = self.dst(nodes.index_select(0, pairs[1]))
        return (s * d).sum(-1) * self.scale + self.bias


class MatchingHead(nn.Module):
    """MLP on ``[t, g, |t - g|, t * g]`` -> one logit.

    ``t`` and ``g`` are first standardised over the batch (``BatchNorm1d`` without affine
    parameters; running statistics in ``eval()``).  Mean-pooled vectors of different
    programs share a large common component, which otherwise keeps the task at chance
    level (loss ln 2) for a long time.  The head is used in pre-training only, so this
    changes nothing in the encoder's embeddings.
    """

    def __init__(self, dim: int):
        super().__init__()
        self.norm_text = nn.BatchNorm1d(dim, affine=False)
        self.norm_graph = nn.BatchNorm1d(dim, affine=False)
        self.mlp = nn.Sequential(nn.Linear(4 * dim, dim), nn.GELU(), nn.Linear(dim, 1))

    def standardise(self, t: torch.Tensor, g: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.norm_text(t.float()), self.norm_graph(g.float())

    def pair_logits(self, t: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
        """Logits of (already standardised) pairs ``(t[i], g[i])``."""
        return self.mlp(torch.cat([t, g, (t - g).abs(), t * g], dim=-1)).squeeze(-1)

    def forward(self, t: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
        t, g = self.standardise(t, g)
        return self.pair_logits(t, g)


class MIREncoderForPretraining(nn.Module):
    """The encoder with its three pre-training heads (four with ``node_weight > 0``);
    ``forward(batch)`` returns the losses.

    ``batch`` comes from :class:`pretrain.data.PretrainBatches`: a collated batch with
    masked ``input_ids``, ``mlm_labels`` (-100: not predicted), ``gae_pos`` and
    ``gae_neg`` (2, K) node pairs, and ``node_labels`` (N, T) (-100: not predicted; the
    masked nodes' sub-words, with ``node_tokens`` masked to match).
    """

    def __init__(self, encoder: MIREncoder, config: PretrainConfig | None = None):
        super().__init__()
        self.encoder = encoder
        self.config = config or PretrainConfig()
        c = encoder.config
        self.mlm = MLMHead(c.hidden, c.vocab_size)
        self.edge_decoder = EdgeDecoder(c.hidden, self.config.decoder_dim or c.hidden)
        self.matching = MatchingHead(c.embed_dim)
        heads = [self.mlm, self.edge_decoder, self.matching]
        if self.config.node_weight > 0:  # only then: checkpoints without the task keep their keys
            self.node_mlm = MLMHead(c.hidden, c.vocab_size)
            heads.append(self.node_mlm)
        # heads: unit-gain initialisation (std 1/sqrt(fan_in)); BERT's 0.02 would start the
        # small configurations with near-zero logits and vanishing gradients
        for m in heads:
            for mod in m.modules():
                if isinstance(mod, nn.Linear):
                    nn.init.normal_(mod.weight, std=mod.in_features**-0.5)
                    nn.init.zeros_(mod.bias)
        if self.config.match_loss == "contrastive":
            # CLIP's learned inverse temperature, starting at 1/0.07, capped at 100
            self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    def heads_state_dict(self) -> dict[str, torch.Tensor]:
        """The heads' tensors only (the encoder is saved on its own)."""
        return {k: v for k, v in self.state_dict().items() if not k.startswith("encoder.")}

    def forward(self, batch: dict[str, Any], *, return_scores: bool = False) -> dict[str, torch.Tensor]:
        out = self.encoder(batch)
        cfg = self.config
        zero = out["text"].sum() * 0.0  # keeps every branch in the graph (DDP) when a task is empty

        # masked language modelling
        labels = batch["mlm_labels"].reshape(-1)
        sel = torch.nonzero(labels >= 0).squeeze(1)
        token_states = out["token_states"]
        states = token_states.reshape(-1, token_states.shape[-1]).index_select(0, sel)
        target = labels.index_select(0, sel)
        if target.numel():
            logits = self.mlm(states, self.encoder.token_embedding.weight).float()
            loss_mlm = F.cross_entropy(logits, target)
            mlm_correct = (logits.argmax(-1) == target).sum()
        else:
            loss_mlm = zero + sum(p.sum() for p in self.mlm.parameters()) * 0.0
            mlm_correct = torch.zeros((), dtype=torch.long, device=labels.device)

        # graph auto-encoding
        nodes = out["node_states"]
        pos, neg = batch["gae_pos"], batch["gae_neg"]
        if pos.shape[1] and neg.shape[1]:
            s_pos = self.edge_decoder(nodes, pos).float()
            s_neg = self.edge_decoder(nodes, neg).float()
            scores = torch.cat([s_pos, s_neg])
            edge_labels = torch.cat([torch.ones_like(s_pos), torch.zeros_like(s_neg)])
            # positives and negatives weigh the same whatever their counts
            loss_gae = 0.5 * (
                F.binary_cross_entropy_with_logits(s_pos, torch.ones_like(s_pos))
                + F.binary_cross_entropy_with_logits(s_neg, torch.zeros_like(s_neg))
            )
        else:
            scores = edge_labels = nodes.new_zeros(0)
            loss_gae = zero + sum(p.sum() for p in self.edge_decoder.parameters()) * 0.0

        # IR-graph matching
        t, g = out["z_text"], out["z_graph"]
        b = t.shape[0]
        if b >= 2 and cfg.match_loss == "contrastive":
            ts, gs = F.normalize(t.float(), dim=-1), F.normalize(g.float(), dim=-1)
            sim = self.logit_scale.clamp(max=math.log(100.0)).exp() * ts @ gs.T
            target_ids = torch.arange(b, device=sim.device)
            loss_match = 0.5 * (F.cross_entropy(sim, target_ids) + F.cross_entropy(sim.T, target_ids))
            # a text (graph) is matched when its own graph (text) scores highest: 2B decisions
            match_correct = (sim.argmax(1) == target_ids).sum() + (sim.argmax(0) == target_ids).sum()
        elif b >= 2:
            ts, gs = self.matching.standardise(t, g)
            m_pos = self.matching.pair_logits(ts, gs).float()
            m_neg = self.matching.pair_logits(ts, gs.roll(1, dims=0)).float()
            loss_match = 0.5 * (
                F.binary_cross_entropy_with_logits(m_pos, torch.ones_like(m_pos))
                + F.binary_cross_entropy_with_logits(m_neg, torch.zeros_like(m_neg))
            )
            match_correct = (m_pos > 0).sum() + (m_neg <= 0).sum()
        else:
            loss_match = zero + sum(p.sum() for p in self.matching.parameters()) * 0.0
            if cfg.match_loss == "contrastive":
                loss_match = loss_match + self.logit_scale * 0.0
            match_correct = torch.zeros((), dtype=torch.long, device=t.device)

        # masked node text
        node_correct = torch.zeros((), dtype=torch.long, device=nodes.device)
        node_count = 0
        loss_node = zero
        if cfg.node_weight > 0:
            node_labels = batch["node_labels"]
            masked = torch.nonzero((node_labels >= 0).any(1)).squeeze(1)
            node_count = int(masked.numel())
            if node_count:
                lab = node_labels.index_select(0, masked)  # (M, T)
                # the output matrix is the token embedding, detached: this task trains the graph
                # encoder (and the embedding through the node inputs), not the output space that
                # masked language modelling shares
                logits = self.node_mlm(nodes.index_select(0, masked), self.encoder.token_embedding.weight.detach())
                logits = logits.float()  # (M, V): one prediction per node, scored against each of its sub-words
                loss_node = F.cross_entropy(logits.unsqueeze(-1).expand(-1, -1, lab.shape[1]), lab)
                # a node is recognised when the most likely sub-word is one of its own
                node_correct = ((lab == logits.argmax(-1, keepdim=True)) & (lab >= 0)).any(1).sum()
            else:
                loss_node = zero + sum(p.sum() for p in self.node_mlm.parameters()) * 0.0

        loss = (cfg.mlm_weight * loss_mlm + cfg.gae_weight * loss_gae + cfg.match_weight * loss_match
                + cfg.node_weight * loss_node)
        result = {
            "loss": loss,
            "loss_mlm": loss_mlm.detach(),
            "loss_gae": loss_gae.detach(),
            "loss_match": loss_match.detach(),
            "mlm_correct": mlm_correct.detach(),
            "mlm_count": torch.tensor(int(target.numel()), device=labels.device),
            "match_correct": match_correct.detach(),
            "match_count": torch.tensor(2 * b if b >= 2 else 0, device=labels.device),
            "loss_node": loss_node.detach(),
            "node_correct": node_correct.detach(),
            "node_count": torch.tensor(node_count, device=labels.device),
        }
        if return_scores:
            result["edge_scores"] = scores.detach()
            result["edge_labels"] = edge_labels.detach()
        return result
