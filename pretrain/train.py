"""Pre-train MIREncoder (masked LM + graph auto-encoding + IR-graph matching).

Single process::

    python -m pretrain.train --corpus CORPUS --config small --out RUN --steps 20000 \\
        --batch-size 32 --lr 5e-4 --warmup 1000 --seed 0 --resume --time-budget-minutes 8.5

Data parallel (DDP; ``nccl`` on CUDA, ``gloo`` on CPU; ``--batch-size`` is per process)::

    torchrun --nproc_per_node 2 -m pretrain.train --corpus CORPUS --out RUN ...

What it does, in order: loads (``--tokenizer``, ``RUN/tokenizer.json``) or trains the IR
tokenizer on the train split; featurises the corpus into ``--features`` (default
``RUN/features``; cached and resumable, see :mod:`pretrain.data`); builds the model and
the heads (:mod:`pretrain.model_heads`); trains with AdamW (betas 0.9/0.98, no weight decay on
biases, norms, embeddings and the GNN's relation gates), linear warm-up then cosine decay to ``--min-lr-ratio`` of the peak,
gradient clipping, bf16 autocast on CUDA; logs JSON lines to ``RUN/log.jsonl``.

Resumable in chunks
-------------------
``RUN/checkpoint/`` holds the encoder in the Hugging Face layout (``config.json``,
``model.safetensors``, ``tokenizer.json``: loadable by ``MIREncoder.from_pretrained``),
``heads.safetensors``, ``optimizer.pt`` (optimiser, scheduler and RNG states) and
``trainer_state.json`` (step, arguments, statistics).  It is replaced atomically.  With
``--resume`` the run continues from it (and starts fresh when there is none, so the same
command line serves every chunk); batches are a pure function of ``(seed, step, rank)``
and the global generators are re-seeded every step, so N steps in one go and N/2 + N/2
give the same model.  ``--time-budget-minutes M`` stops cleanly -- checkpoint written --
before ``M`` minutes of wall time have passed since the process started (the estimate
covers the slowest recent step, a checkpoint and a due evaluation); SIGTERM and SIGINT
also stop at the next step with a checkpoint.  ``--steps`` is the total to reach, not
the number of steps to add.

Log lines (``event``): ``start``; ``train`` every ``--log-every`` steps (per-task losses,
MLM and matching accuracy on the training batch, learning rate, gradient norm,
throughput in tokens / programs / nodes per second, summed over processes); ``eval``
every ``--eval-every`` steps and at the end (validation losses, MLM accuracy, matching
accuracy, edge-reconstruction ROC AUC on ``--eval-batches`` fixed batches of the val
split, or of the train split when there is none); ``checkpoint``; ``stop`` (why).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import signal
import sys
import time
from pathlib import Path
from typing import Any, Sequence

_T_START = time.monotonic()

import numpy as np  # noqa: E402
import torch  # noqa: E402

from sklearn_mirencoder.model.encoder import (  # noqa: E402
    MIREncoder,
    MIREncoderConfig,
    count_parameters,
    load_state_file,
    load_state_strict,
    load_weights,
)
from sklearn_mirencoder.frontend.tokens import IRTokenizer  # noqa: E402

from pretrain.data import PretrainBatches, ShardedPrograms, StepDataset, _seed, featurize_corpus  # noqa: E402
from pretrain.model_heads import MIREncoderForPretraining, PretrainConfig  # noqa: E402

CHECKPOINT = "checkpoint"
HEADS_NAME = "heads.safetensors"
OPTIMIZER_NAME = "optimizer.pt"
STATE_NAME = "trainer_state.json"


# ----------------------------------------------------------------------------------------
# small helpers
# ----------------------------------------------------------------------------------------


class JsonLog:
    """Appends JSON lines to ``RUN/log.jsonl`` (rank 0 only) and echoes a short line."""

    def __init__(self, path: Path, enabled: bool, echo: bool = True):
        self.path = path
        self.enabled = enabled
        self.echo = echo

    def __call__(self, event: str, **fields: Any) -> None:
        if not self.enabled:
            return
        rec = {"event": event, "time": round(time.time(), 3), **fields}
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(rec, default=_jsonable) + "\n")
        if self.echo:
            short = {k: (f"{v:.4g}" if isinstance(v, float) else v) for k, v in fields.items() if not isinstance(v, (dict, list))}
            print(f"[{event}] " + " ".join(f"{k}={v}" for k, v in short.items()), flush=True)


def _jsonable(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, Path):
        return str(o)
    return str(o)


def lr_lambda_factory(warmup: int, total: int, min_ratio: float, schedule: str):
    """Linear warm-up over ``warmup`` steps, then cosine (or linear) decay to ``min_ratio``."""

    def f(step: int) -> float:
        if warmup > 0 and step < warmup:
            return (step + 1) / warmup
        progress = min(1.0, (step - warmup) / max(1, total - warmup))
        if schedule == "linear":
            decay = 1.0 - progress
        elif schedule == "constant":
            decay = 1.0
        else:
            decay = 0.5 * (1.0 + math.cos(math.pi * progress))
        return min_ratio + (1.0 - min_ratio) * decay

    return f


def param_groups(model: torch.nn.Module, weight_decay: float):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        if p.ndim < 2 or any(w in name for w in ("embedding", "norm", "relation_scale", "relation_bias")) or name.endswith(".bias"):
            no_decay.append(p)
        else:
            decay.append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def to_device(batch: dict, device: torch.device, non_blocking: bool = False) -> dict:
    return {k: (v.to(device, non_blocking=non_blocking) if isinstance(v, torch.Tensor) else v) for k, v in batch.items()}


def find_checkpoint(run_dir: Path) -> Path | None:
    """``RUN/checkpoint``, or the previous one if a crash happened between the renames."""
    for name in (CHECKPOINT, CHECKPOINT + ".old"):
        p = run_dir / name
        if (p / STATE_NAME).is_file() and (p / OPTIMIZER_NAME).is_file():
            return p
    return None


# ----------------------------------------------------------------------------------------
# distributed
# ----------------------------------------------------------------------------------------


class Dist:
    def __init__(self, device_arg: str | None):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        want = device_arg or ("cuda" if torch.cuda.is_available() else "cpu")
        if want == "cuda" and not torch.cuda.is_available():
            raise SystemExit("--device cuda but CUDA is not available")
        if want == "cuda":
            torch.cuda.set_device(self.local_rank)
            self.device = torch.device("cuda", self.local_rank)
        else:
            self.device = torch.device("cpu")
        if self.world > 1:
            import torch.distributed as dist

            dist.init_process_group(backend="nccl" if want == "cuda" else "gloo")
        self.is_main = self.rank == 0

    def barrier(self) -> None:
        if self.world > 1:
            import torch.distributed as dist

            if self.device.type == "cuda":
                dist.barrier(device_ids=[self.local_rank])
            else:
                dist.barrier()

    def all_sum(self, values: list[float]) -> list[float]:
        if self.world == 1:
            return values
        import torch.distributed as dist

        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        dist.all_reduce(t)
        return t.tolist()

    def any_flag(self, flag: bool) -> bool:
        if self.world == 1:
            return flag
        return self.all_sum([1.0 if flag else 0.0])[0] > 0

    def close(self) -> None:
        if self.world > 1:
            import torch.distributed as dist

            dist.destroy_process_group()


# ----------------------------------------------------------------------------------------
# evaluation
# ----------------------------------------------------------------------------------------


@torch.no_grad()
def evaluate(model: MIREncoderForPretraining, batches: PretrainBatches, n_batches: int, device, amp: bool) -> dict:
    """Validation losses, MLM accuracy, matching accuracy and edge ROC AUC on fixed batches."""
    from sklearn.metrics import roc_auc_score

    was = model.training
    model.eval()
    sums = {"loss": 0.0, "loss_mlm": 0.0, "loss_gae": 0.0, "loss_match": 0.0, "loss_node": 0.0}
    mlm_c = mlm_n = match_c = match_n = node_c = node_n = 0
    scores, labels = [], []
    n = max(1, min(n_batches, batches.steps_per_epoch))
    for k in range(n):
        batch = to_device(batches(k), device)
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=amp):
            out = model(batch, return_scores=True)
        for key in sums:
            sums[key] += float(out[key])
        mlm_c += int(out["mlm_correct"])
        mlm_n += int(out["mlm_count"])
        match_c += int(out["match_correct"])
        match_n += int(out["match_count"])
        node_c += int(out["node_correct"])
        node_n += int(out["node_count"])
        scores.append(out["edge_scores"].float().cpu().numpy())
        labels.append(out["edge_labels"].float().cpu().numpy())
    model.train(was)
    s, y = np.concatenate(scores), np.concatenate(labels)
    auc = float(roc_auc_score(y, s)) if y.size and 0 < y.sum() < y.size else float("nan")
    res = {f"val_{k}": v / n for k, v in sums.items()}
    res.update(
        val_mlm_acc=mlm_c / max(mlm_n, 1),
        val_match_acc=match_c / max(match_n, 1),
        val_edge_auc=auc,
        val_batches=n,
    )
    if model.config.node_weight > 0:
        res["val_node_acc"] = node_c / max(node_n, 1)
    else:
        del res["val_loss_node"]
    return res


# ----------------------------------------------------------------------------------------
# checkpoints
# ----------------------------------------------------------------------------------------


def save_checkpoint(run_dir: Path, model: MIREncoderForPretraining, optimizer, scheduler, state: dict) -> float:
    """Write ``RUN/checkpoint`` atomically (via ``checkpoint.tmp``); returns the seconds taken."""
    from safetensors.torch import save_file

    t0 = time.monotonic()
    tmp = run_dir / (CHECKPOINT + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    model.encoder.save_pretrained(tmp)
    save_file({k: v.detach().cpu().contiguous() for k, v in model.heads_state_dict().items()}, str(tmp / HEADS_NAME))
    rng = {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "python": random.getstate(),
        "numpy": [x.tolist() if isinstance(x, np.ndarray) else x for x in np.random.get_state()],
    }
    torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(), "rng": rng}, tmp / OPTIMIZER_NAME)
    (tmp / STATE_NAME).write_text(json.dumps(state, indent=2, default=_jsonable) + "\n")
    final = run_dir / CHECKPOINT
    old = run_dir / (CHECKPOINT + ".old")
    if old.exists():
        shutil.rmtree(old)
    if final.exists():
        os.replace(final, old)
    os.replace(tmp, final)
    if old.exists():
        shutil.rmtree(old)
    return time.monotonic() - t0


def load_checkpoint(ckpt: Path, model: MIREncoderForPretraining, optimizer, scheduler) -> dict:
    state = json.loads((ckpt / STATE_NAME).read_text())
    enc_state, source = load_weights(ckpt)
    load_state_strict(model.encoder, enc_state, source=source)
    heads = load_state_file(ckpt / HEADS_NAME)
    expected = model.heads_state_dict()
    if set(heads) != set(expected):
        raise RuntimeError(f"{ckpt / HEADS_NAME}: heads do not match (missing {set(expected) - set(heads)}, "
                           f"unexpected {set(heads) - set(expected)})")
    model.load_state_dict({**{f"encoder.{k}": v for k, v in model.encoder.state_dict().items()}, **heads}, strict=True)
    extra = torch.load(ckpt / OPTIMIZER_NAME, map_location="cpu", weights_only=True)
    optimizer.load_state_dict(extra["optimizer"])
    scheduler.load_state_dict(extra["scheduler"])
    rng = extra.get("rng", {})
    if "torch" in rng:
        torch.set_rng_state(rng["torch"])
    if rng.get("cuda") and torch.cuda.is_available() and len(rng["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(rng["cuda"])
    if "python" in rng:
        py = rng["python"]
        random.setstate((py[0], tuple(py[1]), py[2]))
    if "numpy" in rng:
        npst = rng["numpy"]
        np.random.set_state((npst[0], np.asarray(npst[1], dtype=np.uint32), *npst[2:]))
    return state


# ----------------------------------------------------------------------------------------
# main
# ----------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m pretrain.train", description="Pre-train MIREncoder.")
    p.add_argument("--corpus", required=True, help="corpus folder (see pretrain.data)")
    p.add_argument("--out", required=True, help="run folder: log.jsonl, checkpoint/, features/")
    p.add_argument("--config", default="small", help="tiny|small|base or a config.json")
    p.add_argument("--tokenizer", default=None, help="tokenizer.json (default: RUN/tokenizer.json, trained if absent)")
    p.add_argument("--init-from", default=None, metavar="DIR",
                   help="start from the encoder of a saved model folder (config.json, model.safetensors, "
                        "tokenizer.json; e.g. the bundled weights): its configuration and tokenizer replace "
                        "--config and --tokenizer, the pre-training heads start fresh; ignored when resuming")
    p.add_argument("--features", default=None, help="feature cache folder (default: RUN/features)")
    p.add_argument("--vocab-size", type=int, default=8000, help="when the tokenizer is trained here")
    p.add_argument("--tokenizer-max-files", type=int, default=20000)
    p.add_argument("--steps", type=int, required=True, help="total optimisation steps")
    p.add_argument("--batch-size", type=int, default=32, help="programs per process and step (>= 2)")
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--warmup", type=int, default=500)
    p.add_argument("--schedule", choices=("cosine", "linear", "constant"), default="cosine")
    p.add_argument("--min-lr-ratio", type=float, default=0.1)
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--clip", type=float, default=1.0, help="gradient-norm clipping")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--resume", action="store_true", help="continue from RUN/checkpoint when it exists")
    p.add_argument("--device", choices=("cuda", "cpu"), default=None)
    p.add_argument("--no-amp", action="store_true", help="no bf16 autocast on CUDA")
    p.add_argument("--time-budget-minutes", type=float, default=None)
    p.add_argument("--stop-at", type=int, default=None, help="stop (with a checkpoint) at this step; the schedule still spans --steps")
    p.add_argument("--eval-every", type=int, default=500)
    p.add_argument("--eval-batches", type=int, default=20)
    p.add_argument("--save-every", type=int, default=1000)
    p.add_argument("--log-every", type=int, default=10)
    p.add_argument("--node-budget", type=int, default=4096, help="most graph nodes per program in training")
    p.add_argument("--mask-prob", type=float, default=0.15)
    p.add_argument("--max-ae-edges", type=int, default=8192, help="positive edges per batch for graph auto-encoding")
    p.add_argument("--mlm-weight", type=float, default=1.0)
    p.add_argument("--gae-weight", type=float, default=1.0)
    p.add_argument("--match-weight", type=float, default=1.0)
    p.add_argument("--match-loss", choices=("binary", "contrastive"), default="binary",
                   help="IR-graph matching: binary (MLP head, one rolled negative) or contrastive (InfoNCE over "
                        "the batch on the joint space)")
    p.add_argument("--node-weight", type=float, default=0.0,
                   help="weight of the masked-node-text task (0: off, the bundled weights' objective)")
    p.add_argument("--node-mask-prob", type=float, default=0.15,
                   help="fraction of graph nodes whose text is masked when --node-weight > 0")
    p.add_argument("--hard-negatives", type=float, default=0.0,
                   help="fraction of graph auto-encoding negatives drawn two hops away instead of uniformly")
    p.add_argument("--n-jobs", type=int, default=1, help="featurisation processes")
    p.add_argument("--num-workers", type=int, default=None, help="DataLoader workers (default on CUDA: up to 4 per process, 0 on CPU)")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (torch.set_num_threads)")
    p.add_argument("--quiet", action="store_true")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.batch_size < 2:
        raise SystemExit("--batch-size must be at least 2 (matching negatives come from the batch)")
    t_start = _T_START if argv is None else time.monotonic()
    if args.threads:
        torch.set_num_threads(args.threads)
    deadline = None if args.time_budget_minutes is None else t_start + 60.0 * args.time_budget_minutes
    dist = Dist(args.device)
    device = dist.device
    run_dir = Path(args.out)
    run_dir.mkdir(parents=True, exist_ok=True)
    log = JsonLog(run_dir / "log.jsonl", dist.is_main, echo=not args.quiet)
    stop_signal = {"name": None}

    def on_signal(signum, frame):  # noqa: ARG001
        stop_signal["name"] = signal.Signals(signum).name

    old_handlers = {}
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            old_handlers[sig] = signal.signal(sig, on_signal)
        except ValueError:  # not the main thread
            pass
    try:
        return _run(args, dist, device, run_dir, log, deadline, t_start, stop_signal)
    finally:
        for sig, h in old_handlers.items():
            signal.signal(sig, h)
        dist.close()


def _run(args, dist: Dist, device, run_dir: Path, log: JsonLog, deadline, t_start, stop_signal) -> int:
    ckpt = find_checkpoint(run_dir) if args.resume else None
    # -- tokenizer and configuration ------------------------------------------------------
    init_dir = Path(args.init_from) if args.init_from and ckpt is None else None
    if ckpt is not None or init_dir is not None:
        src = ckpt if ckpt is not None else init_dir
        if not (src / "config.json").is_file() or not (src / "tokenizer.json").is_file():
            raise SystemExit(f"{src}: not a saved model folder (config.json and tokenizer.json expected)")
        tokenizer = IRTokenizer.from_file(src / "tokenizer.json")
        config = MIREncoderConfig.from_dict(json.loads((src / "config.json").read_text()), source=str(src))
    else:
        tok_path = Path(args.tokenizer) if args.tokenizer else run_dir / "tokenizer.json"
        if not tok_path.is_file():
            if args.tokenizer:
                raise SystemExit(f"{tok_path}: tokenizer not found")
            if dist.is_main:
                from pretrain.tokenizer import train_tokenizer

                tok, stats = train_tokenizer(
                    args.corpus, vocab_size=args.vocab_size, max_files=args.tokenizer_max_files, n_jobs=args.n_jobs,
                    log=lambda m: None,
                )
                tok.save(tok_path)
                log("tokenizer", path=str(tok_path), **stats)
            dist.barrier()
        tokenizer = IRTokenizer.from_file(tok_path)
        if os.path.isfile(args.config):
            config = MIREncoderConfig.from_dict(json.loads(Path(args.config).read_text()), source=args.config)
        else:
            config = MIREncoderConfig.named(args.config, vocab_size=tokenizer.vocab_size, pad_id=tokenizer.pad_id)

    # -- features ---------------------------------------------------------------------------
    cache = Path(args.features) if args.features else run_dir / "features"
    indexes = {}
    if dist.is_main:
        for split in ("train", "val"):
            remaining = None if deadline is None else deadline - time.monotonic() - 30
            indexes[split] = featurize_corpus(
                args.corpus, tokenizer, config, cache, split=split, n_jobs=args.n_jobs, time_budget_s=remaining,
                log=(lambda m: None) if args.quiet else print,
            )
        incomplete = [s for s, ix in indexes.items() if not ix["complete"]]
    else:
        incomplete = []
    if dist.any_flag(bool(incomplete)):
        log("stop", reason="featurisation not finished within the time budget; run again to resume", step=None)
        return 0
    dist.barrier()
    train_set = ShardedPrograms(cache / "train")
    val_set = ShardedPrograms(cache / "val") if (cache / "val" / "index.json").is_file() else None
    if val_set is not None and len(val_set) == 0:
        val_set = None

    # -- model, optimiser, schedule --------------------------------------------------------
    torch.manual_seed(args.seed)
    encoder = MIREncoder(config, tokenizer)
    pcfg = PretrainConfig(mlm_weight=args.mlm_weight, gae_weight=args.gae_weight, match_weight=args.match_weight,
                          match_loss=args.match_loss, node_weight=args.node_weight)
    if init_dir is not None:
        init_state, init_source = load_weights(init_dir)
        load_state_strict(encoder, init_state, source=init_source)  # fp16 files are cast to the model's dtype
    model = MIREncoderForPretraining(encoder, pcfg).to(device)
    optimizer = torch.optim.AdamW(
        param_groups(model, args.weight_decay), lr=args.lr, betas=(0.9, 0.98), eps=1e-6,
        fused=device.type == "cuda",
    )
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lr_lambda_factory(args.warmup, args.steps, args.min_lr_ratio, args.schedule)
    )
    step = 0
    prev_state: dict = {}
    if ckpt is not None:
        prev_state = load_checkpoint(ckpt, model, optimizer, scheduler)
        step = int(prev_state["step"])
        if prev_state.get("world_size", dist.world) != dist.world:
            log("warning", message=f"resuming a run of {prev_state.get('world_size')} processes with {dist.world}: "
                                   "the batch order differs from an uninterrupted run")
    amp = device.type == "cuda" and not args.no_amp
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    train_model: torch.nn.Module = model
    if dist.world > 1:
        from torch.nn.parallel import DistributedDataParallel as DDP

        train_model = DDP(model, device_ids=[dist.local_rank] if device.type == "cuda" else None)

    node_mask_prob = args.node_mask_prob if args.node_weight > 0 else 0.0  # batches unchanged without the task
    batches = PretrainBatches(
        train_set, tokenizer, config, batch_size=args.batch_size, seed=args.seed, rank=dist.rank,
        world_size=dist.world, node_budget=args.node_budget, mask_prob=args.mask_prob, max_ae_edges=args.max_ae_edges,
        hard_negatives=args.hard_negatives, node_mask_prob=node_mask_prob,
    )
    eval_source = val_set if val_set is not None else train_set
    eval_batches = PretrainBatches(
        eval_source, tokenizer, config, batch_size=min(args.batch_size, max(2, len(eval_source))), seed=args.seed + 1,
        node_budget=args.node_budget, mask_prob=args.mask_prob, max_ae_edges=args.max_ae_edges,
        hard_negatives=args.hard_negatives, node_mask_prob=node_mask_prob,
    )
    n_params = count_parameters(encoder)
    log(
        "start", step=step, steps=args.steps, resumed=ckpt is not None, world_size=dist.world, device=str(device),
        amp=amp, parameters=n_params, init_from=str(init_dir) if init_dir is not None else None,
        config=config.to_dict(), pretrain_config=pcfg.to_dict(),
        train_programs=len(train_set), val_programs=len(val_set) if val_set is not None else 0,
        eval_on="val" if val_set is not None else "train",
        bad_files={s: ix.get("bad", {}) for s, ix in indexes.items()}, args=vars(args),
    )

    if args.num_workers is not None:
        num_workers = args.num_workers
    else:
        num_workers = min(4, max(1, (os.cpu_count() or 2) // (2 * dist.world))) if device.type == "cuda" else 0
    loader = torch.utils.data.DataLoader(
        StepDataset(batches, step, args.steps), batch_size=None, shuffle=False, num_workers=num_workers,
        pin_memory=device.type == "cuda", prefetch_factor=4 if num_workers else None,
    )

    totals = dict(prev_state.get("totals", {"tokens": 0, "programs": 0, "nodes": 0}))
    elapsed_before = float(prev_state.get("train_seconds", 0.0))
    window: dict[str, float] = {}
    step_times: list[float] = []
    # first guess of a checkpoint's duration: weights + two Adam moments at ~100 MB/s
    ckpt_seconds = 1.0 + 12 * sum(p.numel() for p in model.parameters()) / 100e6
    eval_seconds = 0.0
    last_eval: dict = prev_state.get("last_eval", {})
    last_saved = step
    t_window = time.monotonic()
    t_train0 = time.monotonic()
    stop_reason = None

    def state_dict_for_save() -> dict:
        return {
            "step": step, "steps": args.steps, "world_size": dist.world, "args": vars(args),
            "pretrain_config": pcfg.to_dict(), "totals": totals,
            "train_seconds": elapsed_before + time.monotonic() - t_train0,
            "last_eval": last_eval, "parameters": n_params,
            "train_programs": len(train_set), "val_programs": len(val_set) if val_set is not None else 0,
            "features": {s: {k: ix.get(k) for k in ("programs", "tokens", "nodes", "bad", "bad_total")}
                         for s, ix in indexes.items()} or prev_state.get("features", {}),
            "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }

    def do_save() -> None:
        nonlocal ckpt_seconds, last_saved
        if dist.is_main:
            secs = save_checkpoint(run_dir, model, optimizer, scheduler, state_dict_for_save())
            ckpt_seconds = max(secs, 1.0)
            log("checkpoint", step=step, seconds=round(secs, 2))
        last_saved = step
        dist.barrier()

    def do_eval() -> None:
        nonlocal eval_seconds, last_eval
        t0 = time.monotonic()
        if dist.is_main:
            with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
                res = evaluate(model, eval_batches, args.eval_batches, device, amp)
            last_eval = {"step": step, **res}
            log("eval", step=step, **res)
        dist.barrier()
        eval_seconds = time.monotonic() - t0

    model.train()
    it = iter(loader)
    while step < args.steps:
        # stop before the budget runs out (every process takes the same decision)
        want_stop = stop_signal["name"] is not None
        if deadline is not None and not want_stop:
            slowest = max(step_times[-20:], default=1.0)
            due_eval = args.eval_every and (step + 1) % args.eval_every == 0
            need = 1.5 * slowest + 1.5 * ckpt_seconds + (eval_seconds if due_eval else 0.0) + 2.0
            want_stop = time.monotonic() + need > deadline
        if dist.any_flag(want_stop):
            stop_reason = f"signal {stop_signal['name']}" if stop_signal["name"] else "time budget"
            break
        if args.stop_at is not None and step >= args.stop_at:
            stop_reason = f"--stop-at {args.stop_at}"
            break
        t0 = time.monotonic()
        batch = next(it)
        batch = to_device(batch, device, non_blocking=True)
        torch.manual_seed(_seed(args.seed, step, dist.rank, 17))  # dropout: a function of the step
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=amp):
            out = train_model(batch)
        loss = out["loss"]
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        optimizer.step()
        lr = scheduler.get_last_lr()[0]
        scheduler.step()
        step += 1
        n_tok = int(batch["attention_mask"].sum())
        n_nodes = int(batch["node_kind"].shape[0])
        n_prog = int(batch["num_programs"])
        vals = {
            "loss": float(loss.detach()), "loss_mlm": float(out["loss_mlm"]), "loss_gae": float(out["loss_gae"]),
            "loss_match": float(out["loss_match"]), "grad_norm": float(grad_norm),
            "mlm_correct": float(out["mlm_correct"]), "mlm_count": float(out["mlm_count"]),
            "match_correct": float(out["match_correct"]), "match_count": float(out["match_count"]),
            "loss_node": float(out["loss_node"]), "node_correct": float(out["node_correct"]),
            "node_count": float(out["node_count"]),
            "tokens": n_tok, "nodes": n_nodes, "programs": n_prog, "n": 1,
        }
        for k, v in vals.items():
            window[k] = window.get(k, 0.0) + v
        if not math.isfinite(vals["loss"]):
            log("stop", step=step, reason="non-finite loss", **{k: vals[k] for k in ("loss_mlm", "loss_gae", "loss_match")})
            return 1
        step_times.append(time.monotonic() - t0)

        if step % args.log_every == 0 or step == args.steps:
            keys = sorted(window)
            summed = dict(zip(keys, dist.all_sum([window[k] for k in keys])))
            dt = max(time.monotonic() - t_window, 1e-9)
            n = summed["n"]
            for k in ("tokens", "nodes", "programs"):
                totals[k] += int(summed[k])
            log(
                "train", step=step, loss=summed["loss"] / n, loss_mlm=summed["loss_mlm"] / n,
                loss_gae=summed["loss_gae"] / n, loss_match=summed["loss_match"] / n,
                mlm_acc=summed["mlm_correct"] / max(summed["mlm_count"], 1),
                match_acc=summed["match_correct"] / max(summed["match_count"], 1),
                **({"loss_node": summed["loss_node"] / n,
                    "node_acc": summed["node_correct"] / max(summed["node_count"], 1)} if pcfg.node_weight > 0 else {}),
                grad_norm=summed["grad_norm"] / n, lr=lr,
                tokens_per_s=summed["tokens"] / dt, programs_per_s=summed["programs"] / dt,
                nodes_per_s=summed["nodes"] / dt, step_seconds=dt / (n / dist.world),
                elapsed_s=round(time.monotonic() - t_start, 1),
            )
            window = {}
            t_window = time.monotonic()
        if args.eval_every and step % args.eval_every == 0 and step < args.steps:
            do_eval()
        if args.save_every and step % args.save_every == 0 and step < args.steps:
            do_save()

    if step >= args.steps and (not last_eval or last_eval.get("step") != step):
        do_eval()
    if step != last_saved or find_checkpoint(run_dir) is None:
        do_save()
    if stop_reason is not None:
        log("stop", step=step, steps=args.steps, reason=stop_reason, elapsed_s=round(time.monotonic() - t_start, 1))
    else:
        log("done", step=step, steps=args.steps, elapsed_s=round(time.monotonic() - t_start, 1),
            **{k: v for k, v in last_eval.items() if k != "step"})
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
