"""The files of a saved model folder, in the Hugging Face layout: their names and the shard index.

Shared by :mod:`.encoder` (``save_pretrained`` / ``from_pretrained``) and :mod:`.hub`
(resolving and downloading a model), so neither imports the other for them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..errors import ModelLoadError

__all__ = ["CONFIG_NAME", "WEIGHTS_NAME", "TOKENIZER_NAME", "INDEX_NAME", "MODEL_FILES", "read_shard_index"]

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
TOKENIZER_NAME = "tokenizer.json"
#: The files a saved model folder holds (sharded weights: the index and its shards
#: instead of ``model.safetensors``, see :func:`model_files`).
MODEL_FILES = (CONFIG_NAME, WEIGHTS_NAME, TOKENIZER_NAME)
#: The shard index of weights saved in several files (``save_pretrained(max_shard_size=...)``).
INDEX_NAME = "model.safetensors.index.json"


def read_shard_index(index_file: str | os.PathLike) -> dict[str, str]:
    """The ``weight_map`` (tensor name -> shard file) of a ``model.safetensors.index.json``;
    every shard a plain file name in the index's folder.

    Raises
    ------
    ModelLoadError
        Unreadable or malformed index.
    """
    index_file = Path(index_file)
    try:
        weight_map = json.loads(index_file.read_text(encoding="utf-8"))["weight_map"]
        names = sorted(set(weight_map.values()))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ModelLoadError(f"{index_file}: malformed shard index ({exc})") from None
    bad = [n for n in names if not isinstance(n, str) or not n or "/" in n or "\\" in n or n.startswith(".")]
    if bad or not names:
        raise ModelLoadError(f"{index_file}: the shard index must list shard file names in its folder, got {bad or names}")
    return weight_map
