"""Plot a pre-training log (RUN/log.jsonl) as PNG loss and validation curves.

    python -m pretrain.plot_log docs/pretraining/log-small.jsonl --out docs/figures/pretrain-small.png
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("log", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    events = [json.loads(line) for line in args.log.read_text().splitlines() if line.strip()]
    train = [e for e in events if e.get("event") == "train"]
    evals = [e for e in events if e.get("event") == "eval"]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    step = [e["step"] for e in train]
    for key, label in (("loss_mlm", "masked LM"), ("loss_gae", "graph auto-encoding"), ("loss_match", "IR-graph matching")):
        axes[0].plot(step, [e[key] for e in train], label=f"train {label}")
    vstep = [e["step"] for e in evals]
    for key, label in (("val_loss_mlm", "masked LM"), ("val_loss_gae", "graph auto-encoding"), ("val_loss_match", "matching")):
        axes[0].plot(vstep, [e[key] for e in evals], "o--", label=f"validation {label}")
    axes[0].set_yscale("log")
    axes[0].set_xlabel("step")
    axes[0].set_title("losses")
    axes[0].legend(fontsize=7)
    for key, label in (("val_mlm_acc", "MLM accuracy"), ("val_match_acc", "matching accuracy"), ("val_edge_auc", "edge ROC AUC")):
        axes[1].plot(vstep, [e[key] for e in evals], "o-", label=label)
    axes[1].set_ylim(0, 1)
    axes[1].set_xlabel("step")
    axes[1].set_title("validation (held-out packages)")
    axes[1].legend(fontsize=8)
    axes[2].plot(step, [e["lr"] for e in train])
    axes[2].set_xlabel("step")
    axes[2].set_title("learning rate")
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
