"""Distil a model's text encoder into a cheaper one: fewer layers, windows that overlap less.

::

    python -m pretrain.distill --teacher DIR --corpus CORPUS --to DIR [--layers 1] [--stride 512]
        [--windows 20000] [--minutes 40] [--batch 16] [--lr 3e-4] [--seed 0]
        [--loss {standardized,raw}] [--init STUDENT_DIR] [--prefer opencl cuda ...]

The student is the teacher with ``--layers`` of its text layers (evenly spaced, the first and
the last kept) and windows every ``--stride`` tokens.  Everything else -- tokenizer, token
embedding, graph encoder, joint projections -- is the teacher's, copied and frozen, so the graph
part of the embedding is the teacher's.  The student learns to give each window of IR tokens
the teacher's window vector (the mean of its final token states), by mean squared error on
windows of the corpus's training split (at most ``--per-file`` evenly spaced windows a module,
modules in the ``--prefer`` languages first).  A program's text vector is the token-weighted
mean of its window vectors, so it follows.

The loss.  ``--loss standardized`` (the default) divides each dimension's error by that
dimension's spread over the teacher's training windows, so every dimension counts alike, as it
does for the downstream heads, which standardise their inputs (``StandardScaler``).  ``raw``
(how the bundled student was trained) sums the plain squared errors: dimensions of large spread
dominate it, and that student, at window cosine 0.9957 to the teacher, still errs by 17-26% of
a typical text dimension's spread over the benchmark programs (``benchmarks/fidelity.py --task``).  Both are scaled so
that 1.0 means predicting the mean window vector; ``log.jsonl`` records both held-out figures,
``val_cos`` and ``val_r2`` (1 - the standardized loss).  ``--init`` starts the student's text
encoder from a saved student of the same shape instead of the teacher's layers.

The run is time-boxed (``--minutes``), checkpoints to ``DIR/checkpoint.pt`` and resumes from
it; ``log.jsonl`` records the loss and the held-out windows' cosine similarity to the teacher.
The folder ``DIR`` is an ordinary model folder (``MIRTransformer(model=DIR)``).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from pretrain.data import list_corpus
from pretrain.export import FRONT_MATTER
from sklearn_mirencoder.model.encoder import MIREncoder, _masked_mean, count_parameters
from sklearn_mirencoder.model.featurize import window_starts
from sklearn_mirencoder.model.quantize import quantize_int8

__all__ = ["sample_windows", "teacher_vectors", "make_student", "distill", "student_card"]


def _languages(corpus) -> dict[str, str]:
    """Module hash -> language, from the corpus manifest (empty without one)."""
    manifest = Path(corpus) / "manifest.jsonl"
    if not manifest.is_file():
        return {}
    rows = (json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip())
    return {r["hash"]: r.get("language", "") for r in rows if "hash" in r}


def sample_windows(corpus, tokenizer, *, window: int, count: int, per_file: int, seed: int,
                   prefer: Sequence[str] = ("opencl", "cuda")) -> list[np.ndarray]:
    """Up to ``count`` token windows of the corpus's training split: modules in a random order,
    those in the languages ``prefer`` first (GPU kernels, what users embed most; few in the
    corpus), at most ``per_file`` evenly spaced non-overlapping windows from each."""
    files = list_corpus(corpus, "train")
    language = _languages(corpus)
    shuffled = np.random.default_rng(seed).permutation(len(files.files))
    first = [language.get(Path(files.files[i]).stem) in prefer for i in shuffled]
    order = [i for i, f in zip(shuffled, first) if f] + [i for i, f in zip(shuffled, first) if not f]
    windows: list[np.ndarray] = []
    for i in order:
        ids = np.asarray(tokenizer.encode((files.root / files.files[i]).read_text(encoding="utf-8")), dtype=np.int64)
        if ids.size == 0:
            continue
        starts = window_starts(ids.size, window, window, per_file)
        windows += [ids[s : s + window] for s in starts]
        if len(windows) >= count:
            break
    return windows[:count]


def _batches(windows: Sequence[np.ndarray], size: int, pad: int, rng=None):
    """Batches of ``size`` windows of like length: (indices, input_ids, mask)."""
    order = np.argsort([w.size for w in windows], kind="stable")
    groups = [order[s : s + size] for s in range(0, len(order), size)]
    if rng is not None:
        rng.shuffle(groups)
    for idx in groups:
        length = max(windows[i].size for i in idx)
        ids = torch.full((len(idx), length), pad, dtype=torch.long)
        for row, i in enumerate(idx):
            ids[row, : windows[i].size] = torch.from_numpy(windows[i])
        yield torch.as_tensor(idx), ids, ids != pad


def _window_vectors(model: MIREncoder, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return _masked_mean(model.encode_windows(ids, mask), mask)


@torch.inference_mode()
def teacher_vectors(teacher: MIREncoder, windows: Sequence[np.ndarray], *, batch: int = 8) -> torch.Tensor:
    """The teacher's window vectors ``(len(windows), hidden)`` (its int8 copy: about 2x faster,
    cosine >= 0.9999 to float32, see ``tests/test_fast_path.py``)."""
    fast = quantize_int8(teacher).eval()
    out = torch.zeros(len(windows), teacher.config.hidden)
    for idx, ids, mask in _batches(windows, batch, teacher.config.pad_id):
        out[idx] = _window_vectors(fast, ids, mask)
    return out


def _kept_layers(total: int, keep: int) -> list[int]:
    return sorted({int(round(x)) for x in np.linspace(0, total - 1, keep)})


def make_student(teacher: MIREncoder, *, layers: int, stride: int) -> MIREncoder:
    """The teacher with ``layers`` of its text layers and windows every ``stride`` tokens."""
    if not 0 < layers <= teacher.config.text_layers or not 0 < stride <= teacher.config.window:
        raise ValueError(f"need 1..{teacher.config.text_layers} layers and 0 < stride <= {teacher.config.window}")
    keep = _kept_layers(teacher.config.text_layers, layers)
    config = dataclasses.replace(teacher.config, text_layers=layers, stride=stride)
    student = MIREncoder(config, teacher.tokenizer)
    state = teacher.state_dict()
    for new, old in enumerate(keep):
        prefix = f"text.layers.layers.{old}."
        state.update({f"text.layers.layers.{new}." + k[len(prefix):]: v for k, v in teacher.state_dict().items() if k.startswith(prefix)})
    student.load_state_dict({k: v for k, v in state.items() if k in student.state_dict()})
    for name, p in student.named_parameters():
        p.requires_grad_(name.startswith("text."))
    return student


def student_card(student: MIREncoder, teacher_dir, summary: dict) -> str:
    """The README.md of a distilled model: its teacher, what was kept and how it was trained."""
    import hashlib

    c = student.config
    sha = hashlib.sha256((Path(teacher_dir) / "model.safetensors").read_bytes()).hexdigest()
    return "\n".join([
        *FRONT_MATTER,
        "# MIREncoder (sklearn-mirencoder), distilled text encoder",
        "",
        f"A student of the model whose `model.safetensors` has sha256 `{sha}`, made by `python -m pretrain.distill`.",
        f"Its text encoder has {c.text_layers} layer(s) ({summary['kept']} of the teacher's {summary['teacher_layers']}) "
        f"and reads windows of {c.window} tokens every {c.stride}; the token embedding, the graph encoder and the joint "
        "projections are the teacher's, unchanged, so the graph part of the embedding is the teacher's.",
        "",
        f"* parameters: {count_parameters(student):,} (stored as float16)",
        f"* trained to give each window the teacher's window vector ({summary['loss']} mean squared error"
        + (f", starting from the student `{summary['init']}`" if summary.get("init") else "")
        + f"): {summary['windows']:,} corpus windows ({', '.join(summary['prefer'])} modules first), "
        f"{summary['step']:,} steps of {summary['batch']}, {summary['seconds'] / 60:.1f} min",
        f"* held-out windows ({summary['held_out']:,}): mean cosine similarity to the teacher {summary['val_cos']:.4f}; "
        f"R^2 of the standardized dimensions {summary['val_r2']:.4f}",
        "",
    ])


def _evaluate(student: MIREncoder, windows, targets, pad: int, spread: torch.Tensor) -> dict[str, float]:
    """Held-out figures: mean cosine to the teacher, and ``val_r2``, 1 - the standardized loss."""
    with torch.no_grad():
        got = torch.zeros_like(targets)
        for idx, ids, mask in _batches(windows, 16, pad):
            got[idx] = _window_vectors(student, ids, mask)
    return {"val_cos": float(F.cosine_similarity(got, targets).mean()),
            "val_r2": 1.0 - float((((got - targets) / spread) ** 2).mean())}


LOSSES = ("standardized", "raw")


def _loss_weights(targets: torch.Tensor, loss: str) -> torch.Tensor:
    """Per-dimension weights ``w`` of the loss ``mean_d w_d (student_d - teacher_d)^2``, scaled
    so that predicting the mean window vector costs 1.0 (see the module docs)."""
    var = targets.var(0)
    if loss == "standardized":
        return 1.0 / var.clamp_min(1e-12)
    if loss == "raw":
        return torch.full_like(var, var.numel() / float(var.sum()))
    raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")


def _windows_and_targets(teacher: MIREncoder, corpus, to: Path, *, count: int, per_file: int, seed: int,
                         prefer: Sequence[str]):
    """The training windows and their teacher vectors, computed once into ``to/windows.pt``;
    returns ``(train windows, train targets, held-out windows, held-out targets)``."""
    data_file = to / "windows.pt"
    if data_file.is_file():
        data = torch.load(data_file, weights_only=False)
    else:
        sampled = sample_windows(corpus, teacher.tokenizer, window=teacher.config.window, count=count,
                                 per_file=per_file, seed=seed, prefer=prefer)
        data = {"windows": sampled, "targets": teacher_vectors(teacher, sampled)}
        torch.save(data, data_file)
    held = max(2, len(data["windows"]) // 20)  # 5% of the windows, held out
    if len(data["windows"]) <= held:
        raise ValueError(f"{corpus}: {len(data['windows'])} windows are too few to train and check a student")
    w, t = data["windows"], data["targets"]
    return w[held:], t[held:], w[:held], t[:held]


class _Log:
    """``log.jsonl`` of a run, and the caller's ``log`` callback."""

    def __init__(self, file: Path, callback):
        self.fh, self.callback = open(file, "a", encoding="utf-8"), callback

    def __call__(self, record: dict) -> None:
        self.fh.write(json.dumps(record) + "\n")
        self.fh.flush()
        self.callback(record)


def _train(student, opt, train, val, *, pad, batch, lr, seed, loss_weights, spread, state, budget, log) -> None:
    """The training loop: steps until ``budget(state)`` says stop, logging every 100 steps,
    evaluating every 500 and checkpointing every 5 minutes and at the end (``state["save"]``)."""
    (train_w, train_t), (val_w, val_t) = train, val
    params = [p for p in student.parameters() if p.requires_grad]
    rng, last_save = np.random.default_rng(seed + state["step"]), time.time()
    while not budget(state):
        for idx, ids, mask in _batches(train_w, batch, pad, rng):
            loss = (((_window_vectors(student, ids, mask) - train_t[idx]) ** 2) * loss_weights).mean()
            for group in opt.param_groups:  # cosine decay over the time box, to 10%
                group["lr"] = lr * (0.55 + 0.45 * np.cos(np.pi * state["progress"]()))
            opt.zero_grad(), loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            state["step"] += 1
            if state["step"] % 100 == 0:
                record = {"event": "train", "step": state["step"], "epoch": state["step"] * batch / len(train_w),
                          "loss": loss.item(), "seconds": round(state["elapsed"](), 1)}
                if state["step"] % 500 == 0:
                    record.update(event="eval", **_evaluate(student, val_w, val_t, pad, spread))
                log(record)
            if time.time() - last_save > 300 or budget(state):
                state["save"]()
                last_save = time.time()
            if budget(state):
                break


def _initial_student(teacher: MIREncoder, *, layers: int, stride: int, init) -> MIREncoder:
    """:func:`make_student`, its text encoder (layers and position embedding: what distillation
    trains) taken from the saved student ``init`` when given."""
    student = make_student(teacher, layers=layers, stride=stride)
    if init is not None:
        start = MIREncoder.from_pretrained(init)
        if (start.config.text_layers, start.config.stride) != (layers, stride):
            raise ValueError(f"--init {init}: its text layers and stride ({start.config.text_layers}, "
                             f"{start.config.stride}) are not those asked for ({layers}, {stride})")
        own = student.state_dict()
        student.load_state_dict({**own, **{k: v.float() for k, v in start.state_dict().items()
                                           if k.startswith("text.")}})
    return student.eval()  # eval: no dropout


def distill(teacher_dir, corpus, to, *, layers=1, stride=512, windows=20000, per_file=8, minutes=40.0,
            steps=None, batch=16, lr=3e-4, seed=0, loss="standardized", init=None,
            prefer=("opencl", "cuda"), log=print) -> dict:
    """Train (or resume) a student in ``to`` for ``minutes`` (or ``steps`` steps, whichever
    comes first); returns a summary.  See the module docs."""
    if loss not in LOSSES:  # before the windows, which take minutes
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    torch.manual_seed(seed)
    to = Path(to)
    to.mkdir(parents=True, exist_ok=True)
    teacher = MIREncoder.from_pretrained(teacher_dir).eval()
    train_w, train_t, val_w, val_t = _windows_and_targets(teacher, corpus, to, count=windows, per_file=per_file,
                                                          seed=seed, prefer=prefer)
    weights, spread = _loss_weights(train_t, loss), train_t.std(0).clamp_min(1e-6)
    student = _initial_student(teacher, layers=layers, stride=stride, init=init)
    opt = torch.optim.AdamW([p for p in student.parameters() if p.requires_grad], lr=lr, weight_decay=0.0)
    ckpt, step, spent = to / "checkpoint.pt", 0, 0.0
    if ckpt.is_file():
        saved = torch.load(ckpt, weights_only=False)
        student.load_state_dict(saved["model"]), opt.load_state_dict(saved["opt"])
        step, spent = saved["step"], saved["seconds"]
    started, pad, record = time.time() - spent, teacher.config.pad_id, _Log(to / "log.jsonl", log)
    state = {"step": step, "elapsed": lambda: time.time() - started,
             "progress": lambda: min(1.0, (time.time() - started) / (minutes * 60))}
    state["save"] = lambda: torch.save({"model": student.state_dict(), "opt": opt.state_dict(), "step": state["step"],
                                        "seconds": state["elapsed"]()}, ckpt)
    if step == 0:
        record({"event": "eval", "step": 0, **_evaluate(student, val_w, val_t, pad, spread)})
    _train(student, opt, (train_w, train_t), (val_w, val_t), pad=pad, batch=batch, lr=lr, seed=seed,
           loss_weights=weights, spread=spread, state=state, log=record,
           budget=lambda st: st["progress"]() >= 1.0 or (steps is not None and st["step"] >= steps))
    final = _evaluate(student, val_w, val_t, pad, spread)
    record({"event": "eval", "step": state["step"], **final, "seconds": round(state["elapsed"](), 1)})
    record.fh.close()
    student.save_pretrained(to / "model", dtype=torch.float16)
    summary = {"to": str(to / "model"), "step": state["step"], **final, "parameters": count_parameters(student),
               "windows": len(train_w), "held_out": len(val_w), "batch": batch, "seconds": state["elapsed"](),
               "loss": loss, "init": str(init) if init else None, "prefer": list(prefer),
               "kept": _kept_layers(teacher.config.text_layers, layers), "teacher_layers": teacher.config.text_layers}
    (to / "model" / "README.md").write_text(student_card(student, teacher_dir, summary), encoding="utf-8")
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pretrain.distill", description=__doc__.split("\n\n")[0])
    ap.add_argument("--teacher", required=True)
    ap.add_argument("--corpus", required=True, help="a corpus folder (pretrain.corpus build/unpack)")
    ap.add_argument("--to", required=True)
    ap.add_argument("--layers", type=int, default=1)
    ap.add_argument("--stride", type=int, default=512)
    ap.add_argument("--windows", type=int, default=20000)
    ap.add_argument("--per-file", type=int, default=8)
    ap.add_argument("--minutes", type=float, default=40.0, help="time box of the training (default 40)")
    ap.add_argument("--steps", type=int, default=None, help="stop after this many steps (default: the time box)")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--loss", choices=LOSSES, default="standardized", help="see the module docs (default standardized)")
    ap.add_argument("--init", default=None, help="a saved student (same layers and stride) to start from")
    ap.add_argument("--prefer", nargs="+", default=["opencl", "cuda"],
                    help="languages whose modules are sampled first (default opencl cuda)")
    a = ap.parse_args(argv)
    print(json.dumps(distill(a.teacher, a.corpus, a.to, layers=a.layers, stride=a.stride, windows=a.windows,
                             per_file=a.per_file, minutes=a.minutes, steps=a.steps, batch=a.batch, lr=a.lr, seed=a.seed,
                             loss=a.loss, init=a.init, prefer=tuple(a.prefer), log=lambda r: print(json.dumps(r), flush=True))))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
