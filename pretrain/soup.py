"""Average the weights of model folders that share one initialisation (a "model soup").

::

    python -m pretrain.soup A B [C ...] --to DIR [--mix 0.5 0.5 ...] [--fp16]

Continuations of one pre-trained model (``pretrain.train --init-from``) stay in the same basin
of the loss, so the average of their weights is a working model that often keeps what each
continuation learned (Wortsman et al., *Model soups*, ICML 2022).  ``--mix`` gives each
folder's weight in the average (default: equal; normalised to sum 1).  The folders must have
the same configuration and tokenizer; the soup gets both, ``model.safetensors`` and a model
card naming every ingredient by the sha256 of its weights.  Pure weight arithmetic: no data,
no training, seconds on a CPU.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Sequence

import torch

from pretrain.export import FRONT_MATTER
from sklearn_mirencoder.model.encoder import MIREncoder, count_parameters, load_weights

__all__ = ["soup", "soup_card"]


def _sha256(folder: Path) -> str:
    digest = hashlib.sha256()
    for file in sorted(folder.glob("model*.safetensors")):
        digest.update(file.read_bytes())
    return digest.hexdigest()


def _mix(n: int, mix: Sequence[float] | None) -> list[float]:
    weights = [1.0] * n if mix is None else [float(w) for w in mix]
    if len(weights) != n or min(weights) < 0 or sum(weights) <= 0:
        raise ValueError(f"--mix needs {n} non-negative weights with a positive sum, got {list(mix or [])}")
    return [w / sum(weights) for w in weights]


def _same_model(folders: list[Path]) -> None:
    first = [json.loads((folders[0] / name).read_text()) for name in ("config.json", "tokenizer.json")]
    for folder in folders[1:]:
        other = [json.loads((folder / name).read_text()) for name in ("config.json", "tokenizer.json")]
        first_cfg = {k: v for k, v in first[0].items() if k != "torch_dtype"}
        other_cfg = {k: v for k, v in other[0].items() if k != "torch_dtype"}
        if first_cfg != other_cfg or first[1] != other[1]:
            raise ValueError(f"{folder} has another configuration or tokenizer than {folders[0]}: a soup needs one model")


def soup_card(model: MIREncoder, ingredients: list[tuple[Path, str, float]], *, dtype: str) -> str:
    """The README.md of a soup: what went in, with which weight."""
    lines = [
        *FRONT_MATTER,
        "# MIREncoder (sklearn-mirencoder), weight average",
        "",
        f"Parameters: {count_parameters(model):,} (stored as {dtype}).  The weights are the weighted mean of",
        "these model folders' weights (`python -m pretrain.soup`), all continuations of one pre-trained model:",
        "",
        "| weight | folder | model.safetensors sha256 |",
        "|---:|---|---|",
    ]
    lines += [f"| {w:.3f} | `{folder.name}` | {sha} |" for folder, sha, w in ingredients]
    lines.append("")
    return "\n".join(lines)


def soup(folders: Sequence[str | Path], to: str | Path, *, mix: Sequence[float] | None = None, fp16: bool = False) -> dict:
    """Write the weighted average of ``folders`` to ``to``; returns a summary."""
    folders = [Path(f) for f in folders]
    if len(folders) < 2:
        raise ValueError("a soup needs at least two model folders")
    _same_model(folders)
    weights = _mix(len(folders), mix)
    model = MIREncoder.from_pretrained(folders[0])
    states = [load_weights(folder)[0] for folder in folders]
    average = {k: sum(w * s[k].float() for w, s in zip(weights, states)) for k in states[0]}
    model.load_state_dict(average)
    to = Path(to)
    model.save_pretrained(to, dtype=torch.float16 if fp16 else None)
    ingredients = [(f, _sha256(f), w) for f, w in zip(folders, weights)]
    card = soup_card(model, ingredients, dtype="float16" if fp16 else "float32")
    (to / "README.md").write_text(card, encoding="utf-8")
    return {"to": str(to), "sha256": _sha256(to), "mix": weights, "folders": [str(f) for f in folders]}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pretrain.soup", description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", help="model folders (config.json, model.safetensors, tokenizer.json)")
    parser.add_argument("--to", required=True)
    parser.add_argument("--mix", nargs="+", type=float, default=None, help="one weight per folder (default equal)")
    parser.add_argument("--fp16", action="store_true", help="store the weights in float16")
    args = parser.parse_args(argv)
    print(json.dumps(soup(args.folders, args.to, mix=args.mix, fp16=args.fp16)))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
