"""The model's configuration: sizes, windows and limits of a MIREncoder, as in ``config.json``.

No torch here: the front end's featurizer (:mod:`.featurize`) and the Hub loader
(:mod:`.hub`) read a configuration without building the network (:mod:`.encoder`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any

from ..errors import ModelLoadError

__all__ = ["MIREncoderConfig", "MODALITIES", "PRECISIONS", "resolve_precision", "NUM_RELATIONS", "NUM_NODE_KINDS", "MODEL_TYPE", "FORMAT_VERSION"]

#: What :meth:`MIREncoder.embed` can return.
MODALITIES = ("both", "text", "graph", "text+graph")
#: Number of edge relations: 3 flows (control, data, call) x 2 directions.
NUM_RELATIONS = 6
NUM_NODE_KINDS = 4
#: How the network may compute (``MIRTransformer(precision=...)``).
PRECISIONS = ("auto", "float32", "int8")


def resolve_precision(precision: str, device: str) -> str:
    """What ``precision`` means on ``device``: ``"int8"`` on the CPU unless ``"float32"`` is
    asked for; a GPU (also one ``device="auto"`` found) always runs ``"float32"``."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    return "int8" if str(device) == "cpu" and precision != "float32" else "float32"


MODEL_TYPE = "mirencoder"
FORMAT_VERSION = 1
_META_KEYS = ("model_type", "format_version", "architectures", "torch_dtype", "library_version", "num_parameters")


# ----------------------------------------------------------------------------------------
# configuration
# ----------------------------------------------------------------------------------------


@dataclass
class MIREncoderConfig:
    """Hyper-parameters of :class:`MIREncoder` (JSON-serialisable).

    Attributes
    ----------
    vocab_size : int
        Size of the IR tokenizer's vocabulary (must equal ``tokenizer.vocab_size``).
    hidden : int
        Width of token and node states.
    text_layers, heads, ffn : int
        Transformer depth, attention heads and feed-forward width.
    dropout : float
        Dropout in training (never at inference).
    window, stride, max_windows : int
        Long-sequence handling: windows of ``window`` tokens every ``stride`` tokens, at
        most ``max_windows`` per program (evenly spaced beyond that; see the module doc).
    gnn_layers : int
        Relational message-passing layers.
    max_position : int
        Operand positions ``>= max_position - 1`` share the last position embedding.
    max_graph_nodes : int
        Graphs are cut to this many nodes (whole functions in order; see the module doc).
    node_text_tokens : int
        Sub-word tokens of a node's text used for its initial state (the rest are dropped).
    embed_dim : int
        Width of the joint text/graph projections (the fused part of ``"both"``).
    pad_id : int
        Id of ``[PAD]`` in the tokenizer.
    """

    vocab_size: int = 8000
    hidden: int = 256
    text_layers: int = 4
    heads: int = 4
    ffn: int = 1024
    dropout: float = 0.1
    window: int = 512
    stride: int = 384
    max_windows: int = 32
    gnn_layers: int = 3
    max_position: int = 8
    max_graph_nodes: int = 50_000
    node_text_tokens: int = 8
    embed_dim: int = 256
    pad_id: int = 0

    def __post_init__(self) -> None:
        problems = []
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "dropout":
                if not (isinstance(v, (int, float)) and 0.0 <= v < 1.0):
                    problems.append(f"dropout must be in [0, 1), got {v!r}")
            elif f.name == "pad_id":
                if not isinstance(v, int) or v < 0:
                    problems.append(f"pad_id must be a non-negative int, got {v!r}")
            elif not isinstance(v, int) or isinstance(v, bool) or v < 1:
                problems.append(f"{f.name} must be a positive int, got {v!r}")
        if not problems:
            if self.hidden % self.heads:
                problems.append(f"hidden ({self.hidden}) must be a multiple of heads ({self.heads})")
            if self.stride > self.window:
                problems.append(f"stride ({self.stride}) must not exceed window ({self.window})")
            if self.pad_id >= self.vocab_size:
                problems.append(f"pad_id ({self.pad_id}) must be below vocab_size ({self.vocab_size})")
        if problems:
            raise ValueError("invalid MIREncoderConfig: " + "; ".join(problems))

    # -- presets ---------------------------------------------------------------------------
    @classmethod
    def tiny(cls, **overrides: Any) -> "MIREncoderConfig":
        """A toy configuration for tests (hidden 32, one layer each)."""
        base = dict(
            hidden=32, text_layers=1, heads=2, ffn=64, dropout=0.0, window=64, stride=48,
            max_windows=8, gnn_layers=1, max_graph_nodes=5000, node_text_tokens=8, embed_dim=32,
        )
        base.update(overrides)
        return cls(**base)

    @classmethod
    def small(cls, **overrides: Any) -> "MIREncoderConfig":
        """The bundled model: trainable on CPU, 6.4M parameters with an 8000-token vocabulary
        (12.2 MiB in fp16)."""
        base = dict(hidden=256, text_layers=4, heads=4, ffn=1024, gnn_layers=3, embed_dim=256)
        base.update(overrides)
        return cls(**base)

    @classmethod
    def base(cls, **overrides: Any) -> "MIREncoderConfig":
        """The paper's scale: 22.3M parameters with an 8000-token vocabulary (hidden 512,
        4 transformer layers, 4 GNN layers)."""
        base = dict(hidden=512, text_layers=4, heads=8, ffn=2048, gnn_layers=4, embed_dim=512)
        base.update(overrides)
        return cls(**base)

    @classmethod
    def named(cls, name: str, **overrides: Any) -> "MIREncoderConfig":
        """``"tiny"``, ``"small"`` or ``"base"``."""
        presets = {"tiny": cls.tiny, "small": cls.small, "base": cls.base}
        if name not in presets:
            raise ValueError(f"unknown configuration {name!r}; known: {sorted(presets)}")
        return presets[name](**overrides)

    # -- output sizes ----------------------------------------------------------------------
    def output_dim(self, modality: str = "both") -> int:
        """Number of features :meth:`MIREncoder.embed` returns for ``modality``."""
        if modality == "text":
            return self.hidden
        if modality == "graph":
            return 2 * self.hidden
        if modality == "text+graph":
            return 3 * self.hidden
        if modality == "both":
            return 3 * self.hidden + self.embed_dim
        raise ValueError(f"modality must be one of {MODALITIES}, got {modality!r}")

    # -- serialisation ---------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "<config>") -> "MIREncoderConfig":
        """Build a configuration from a dict; unknown keys are an error (a newer format)."""
        if not isinstance(data, dict):
            raise ModelLoadError(f"{source}: the configuration must be a JSON object")
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        unknown = sorted(k for k in data if k not in known and k not in _META_KEYS)
        if unknown:
            raise ModelLoadError(f"{source}: unknown configuration key(s) {unknown}")
        if data.get("model_type", MODEL_TYPE) != MODEL_TYPE:
            raise ModelLoadError(f"{source}: model_type is {data.get('model_type')!r}, expected {MODEL_TYPE!r}")
        if data.get("format_version", FORMAT_VERSION) > FORMAT_VERSION:
            raise ModelLoadError(
                f"{source}: format_version {data['format_version']} is newer than this library "
                f"reads ({FORMAT_VERSION}); upgrade sklearn-mirencoder"
            )
        try:
            return cls(**values)
        except (TypeError, ValueError) as exc:
            raise ModelLoadError(f"{source}: {exc}") from None

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)
