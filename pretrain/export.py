"""Export a pre-training checkpoint as a Hugging Face model folder.

::

    python -m pretrain.export RUN/checkpoint --to DIR [--fp16] [--push-to-hub OWNER/NAME]

``DIR`` gets ``config.json``, ``model.safetensors`` (fp16 with ``--fp16``; loaded back as
float32; HF-style shards with ``--max-shard-size 15MB``), ``tokenizer.json`` and a ``README.md`` model card with the training summary
(steps, data, last losses and validation metrics from ``RUN/log.jsonl``).  The folder is
loaded back with ``MIREncoder.from_pretrained`` and checked on a small built-in program
before the command succeeds.  ``--push-to-hub`` uploads it with
``huggingface_hub.upload_folder`` (needs a token with write access).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

from sklearn_mirencoder.model.encoder import MODALITIES, MIREncoder, count_parameters

__all__ = ["export", "model_card", "FRONT_MATTER"]

#: The Hugging Face model card's metadata block, the first lines of every card we write.
FRONT_MATTER = [
    "---",
    "library_name: sklearn-mirencoder",
    "tags: [llvm-ir, program-representation, code-embedding, mirencoder]",
    "license: apache-2.0",
    "---",
    "",
]

#: A small canonical module used to check an exported model end to end.
_CHECK_IR = """define i32 @f(ptr %a, i32 %n) {
entry:
  %c = icmp sgt i32 %n, 0
  br i1 %c, label %loop, label %exit

loop:
  %i = phi i32 [ 0, %entry ], [ %i1, %loop ]
  %s = phi i32 [ 0, %entry ], [ %s1, %loop ]
  %p = getelementptr inbounds i32, ptr %a, i32 %i
  %v = load i32, ptr %p, align 4
  %s1 = add nsw i32 %s, %v
  %i1 = add nuw nsw i32 %i, 1
  %d = icmp eq i32 %i1, %n
  br i1 %d, label %exit, label %loop

exit:
  %r = phi i32 [ 0, %entry ], [ %s1, %loop ]
  ret i32 %r
}
"""


def _read_log(run_dir: Path) -> list[dict]:
    path = run_dir / "log.jsonl"
    records = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                continue
    return records


def model_card(model: MIREncoder, state: dict, log: list[dict], *, dtype: str) -> str:
    """The README.md of an exported model."""
    c = model.config
    last_train = next((r for r in reversed(log) if r.get("event") == "train"), {})
    last_eval = next((r for r in reversed(log) if r.get("event") == "eval"), state.get("last_eval", {}))
    args = state.get("args", {})
    feats = state.get("features", {})
    lines = [
        *FRONT_MATTER,
        "# MIREncoder (sklearn-mirencoder)",
        "",
        "A multi-modal encoder of LLVM IR (IR tokens + ProGraML-style program graph), pre-trained "
        "self-supervised with masked language modelling, graph auto-encoding and IR-graph matching "
        "(Dutta & Jannesari, PACT 2024).  Load it with",
        "",
        "```python",
        "from sklearn_mirencoder.model.encoder import MIREncoder",
        "model = MIREncoder.from_pretrained('THIS_FOLDER_OR_REPO')",
        "```",
        "",
        "## Architecture",
        "",
        f"* parameters: {count_parameters(model):,} (stored as {dtype})",
        f"* hidden {c.hidden}, text layers {c.text_layers}, heads {c.heads}, ffn {c.ffn}, "
        f"GNN layers {c.gnn_layers}, joint projection {c.embed_dim}, vocabulary {c.vocab_size}",
        f"* windows of {c.window} tokens every {c.stride}, at most {c.max_windows} per program "
        f"(evenly spaced beyond that); graphs cut to {c.max_graph_nodes} nodes (whole functions in order)",
        "* output features: " + ", ".join(f"`{m}` {c.output_dim(m)}" for m in MODALITIES),
        "",
        "## Training",
        "",
        f"* steps: {state.get('step')} of {state.get('steps')}, {state.get('world_size', 1)} process(es), "
        f"batch {args.get('batch_size')} per process, lr {args.get('lr')}, warm-up {args.get('warmup')}, "
        f"{args.get('schedule', 'cosine')} decay, seed {args.get('seed')}",
        f"* loss weights: {json.dumps(state.get('pretrain_config', {}))}",
        f"* training time: {state.get('train_seconds', 0) / 60:.1f} min; seen "
        f"{state.get('totals', {}).get('programs', 0):,} programs, {state.get('totals', {}).get('tokens', 0):,} tokens",
    ]
    for split, f in feats.items():
        if f:
            lines.append(
                f"* {split} split: {f.get('programs')} programs, {f.get('tokens')} tokens, {f.get('nodes')} nodes, "
                f"{f.get('bad_total', 0)} files skipped {json.dumps(f.get('bad', {}))}"
            )
    if last_train:
        lines.append(
            "* last training losses (step {}): total {:.4f}, MLM {:.4f}, graph AE {:.4f}, matching {:.4f}".format(
                last_train.get("step"), last_train.get("loss", float("nan")), last_train.get("loss_mlm", float("nan")),
                last_train.get("loss_gae", float("nan")), last_train.get("loss_match", float("nan")),
            )
        )
    if last_eval:
        lines.append(
            "* validation (step {}): MLM accuracy {:.4f}, matching accuracy {:.4f}, edge ROC AUC {:.4f}".format(
                last_eval.get("step"), last_eval.get("val_mlm_acc", float("nan")),
                last_eval.get("val_match_acc", float("nan")), last_eval.get("val_edge_auc", float("nan")),
            )
        )
    lines.append("")
    return "\n".join(lines)


def export(checkpoint, to, *, fp16: bool = False, check: bool = True, max_shard_size: int | str | None = None) -> dict[str, Any]:
    """Write the HF folder of a checkpoint; returns a summary (and checks the round trip)."""
    checkpoint = Path(checkpoint)
    model = MIREncoder.from_pretrained(checkpoint)
    state_file = checkpoint / "trainer_state.json"
    state = json.loads(state_file.read_text()) if state_file.is_file() else {}
    log = _read_log(checkpoint.parent)
    dtype = torch.float16 if fp16 else None
    to = Path(to)
    model.save_pretrained(to, dtype=dtype, max_shard_size=max_shard_size)
    (to / "README.md").write_text(model_card(model, state, log, dtype="float16" if fp16 else "float32"), encoding="utf-8")
    summary: dict[str, Any] = {
        "to": str(to),
        "parameters": count_parameters(model),
        "bytes": int(sum(p.stat().st_size for p in to.glob("model*.safetensors"))),
        "files": sorted(p.name for p in to.iterdir()),
        "step": state.get("step"),
    }
    if check:
        again = MIREncoder.from_pretrained(to)
        a = model.embed_ir([_CHECK_IR])
        b = again.embed_ir([_CHECK_IR])
        diff = float(np.abs(a - b).max())
        tol = 5e-2 if fp16 else 0.0
        if not np.isfinite(b).all() or diff > tol * max(1.0, float(np.abs(a).max())):
            raise SystemExit(f"export check failed: max difference {diff} after reloading {to}")
        summary["check_max_abs_diff"] = diff
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pretrain.export", description=__doc__.split("\n\n")[0])
    parser.add_argument("checkpoint", help="RUN/checkpoint")
    parser.add_argument("--to", required=True)
    parser.add_argument("--fp16", action="store_true", help="store the weights in float16")
    parser.add_argument("--no-check", action="store_true")
    parser.add_argument("--max-shard-size", default=None, help="shard the weights above this size, e.g. 15MB")
    parser.add_argument("--push-to-hub", default=None, metavar="OWNER/NAME")
    parser.add_argument("--private", action="store_true")
    args = parser.parse_args(argv)
    summary = export(args.checkpoint, args.to, fp16=args.fp16, check=not args.no_check, max_shard_size=args.max_shard_size)
    if args.push_to_hub:
        from huggingface_hub import HfApi

        api = HfApi()
        api.create_repo(args.push_to_hub, exist_ok=True, private=args.private)
        info = api.upload_folder(folder_path=args.to, repo_id=args.push_to_hub, commit_message="Upload MIREncoder")
        summary["pushed"] = str(info)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
