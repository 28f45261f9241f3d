"""Loading a model found by :mod:`.hub`: its configuration, the network (shared per process)
and the summary ``mirencoder info`` prints.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import threading
from collections import OrderedDict
from typing import Any

from ..errors import ModelLoadError
from .config import MODALITIES, MIREncoderConfig
from .encoder import MIREncoder, count_parameters
from .files import CONFIG_NAME, INDEX_NAME, TOKENIZER_NAME
from .hub import ModelSource, model_files, weights_digest

__all__ = ["load_config", "load_model", "loaded_model", "inference_variant", "clear_loaded_models", "model_summary", "MAX_LOADED_MODELS"]



def load_config(source: ModelSource):
    """The :class:`~sklearn_mirencoder.model.encoder.MIREncoderConfig` of a model (reads
    ``config.json`` only)."""
    file = source.path / CONFIG_NAME
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"{file}: unreadable configuration ({exc})") from None
    return MIREncoderConfig.from_dict(data, source=str(file))


_MODELS: OrderedDict[tuple[str, str], Any] = OrderedDict()
_MODELS_LOCK = threading.Lock()
#: How many loaded models a process keeps for reuse (clones in a grid search share them).
MAX_LOADED_MODELS = 2


def load_model(
    source: ModelSource,
    *,
    device: str = "cpu",
    digest: str | None = None,
    precision: str = "float32",
    max_windows: int | None = None,
):
    """Load the model of ``source`` on ``device`` (an ``eval()``-mode
    :class:`~sklearn_mirencoder.model.encoder.MIREncoder`).

    ``precision="int8"`` gives the CPU fast path (:func:`~.quantize.quantize_int8`);
    ``max_windows`` replaces the configuration's (a token budget: at most that many windows
    per program, evenly spaced, see :func:`~.featurize.window_starts`).  Loaded models are
    kept per (weights digest, device, precision, max_windows) -- the last
    :data:`MAX_LOADED_MODELS` of them -- and shared: they are only read (inference mode).
    """
    digest = digest or weights_digest(source.path)
    memo = _memo(digest, device, precision, max_windows)
    with _MODELS_LOCK:
        model = _MODELS.get(memo)
        if model is not None:
            _MODELS.move_to_end(memo)
            return model
    model = inference_variant(MIREncoder.from_pretrained(source.path, device=device), precision, max_windows)
    with _MODELS_LOCK:
        _MODELS[memo] = model
        while len(_MODELS) > MAX_LOADED_MODELS:
            _MODELS.popitem(last=False)
    return model


def _memo(digest: str, device, precision: str, max_windows: int | None) -> tuple:
    return (digest, str(device), precision, None if max_windows is None else int(max_windows))


def inference_variant(model: MIREncoder, precision: str = "float32", max_windows: int | None = None) -> MIREncoder:
    """``model`` as :func:`load_model` serves it: quantised for ``precision="int8"`` (a
    copy), with ``max_windows`` in its configuration (a shallow copy sharing the weights)."""
    if precision not in ("float32", "int8"):
        raise ValueError(f"precision must be 'float32' or 'int8' here, got {precision!r}")
    if precision == "int8":
        if model.device.type != "cpu":
            raise ValueError(f"precision='int8' runs on the CPU only, the model is on {model.device}; use float32")
        from .quantize import quantize_int8

        model = quantize_int8(model)
    if max_windows is not None and int(max_windows) != model.config.max_windows:
        model = copy.copy(model)  # the same modules, another configuration
        model.config = dataclasses.replace(model.config, max_windows=int(max_windows))
    return model


def loaded_model(digest: str, device: str = "cpu", precision: str = "float32", max_windows: int | None = None):
    """The model :func:`load_model` keeps for these arguments, or None."""
    with _MODELS_LOCK:
        return _MODELS.get(_memo(digest, device, precision, max_windows))


def clear_loaded_models() -> None:
    """Forget the models :func:`load_model` keeps."""
    with _MODELS_LOCK:
        _MODELS.clear()


def _preset_name(config) -> str:
    arch = ("hidden", "text_layers", "heads", "ffn", "gnn_layers", "embed_dim")
    for name in ("tiny", "small", "base"):
        preset = MIREncoderConfig.named(name)
        if all(getattr(preset, k) == getattr(config, k) for k in arch):
            return name
    return "custom"


def model_summary(source: ModelSource) -> dict[str, Any]:
    """What ``mirencoder info`` prints: where the weights are, their configuration name,
    parameter count, output sizes and digest."""
    config = load_config(source)
    try:
        meta = json.loads((source.path / CONFIG_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # pragma: no cover - load_config read it
        meta = {}
    n = meta.get("num_parameters")
    if not isinstance(n, int):
        n = count_parameters(config)
    weights = [source.path / f for f in model_files(source.path) if f not in (CONFIG_NAME, TOKENIZER_NAME, INDEX_NAME)]
    return {
        "source": str(source),
        "kind": source.kind,
        "path": str(source.path),
        "config": _preset_name(config),
        "parameters": n,
        "dtype": meta.get("torch_dtype", "?"),
        "size_bytes": sum(w.stat().st_size for w in weights) if all(w.exists() for w in weights) else None,
        "vocab_size": config.vocab_size,
        "output_dims": {m: config.output_dim(m) for m in MODALITIES},
        "digest": weights_digest(source.path),
    }
