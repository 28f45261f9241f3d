"""pretrain.distill: a cheaper text encoder learnt from a model's window vectors."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from sklearn_mirencoder.model.encoder import MIREncoder, MIREncoderConfig, random_init
from sklearn_mirencoder.model.featurize import collate, encode_ir_text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pretrain.data import list_corpus  # noqa: E402
from pretrain.distill import (_initial_student, _loss_weights, distill, make_student,  # noqa: E402
                              sample_windows, teacher_vectors)
from test_pretrain import corpus, prepared  # noqa: E402,F401  (fixtures)

pytestmark = pytest.mark.usefixtures("torch_one_thread")


@pytest.fixture(scope="module")
def teacher_dir(prepared, tmp_path_factory):
    config = MIREncoderConfig.tiny(vocab_size=prepared["tokenizer"].vocab_size,
                                                pad_id=prepared["tokenizer"].pad_id, text_layers=3, window=32, stride=24)
    folder = tmp_path_factory.mktemp("teacher")
    random_init(config, prepared["tokenizer"], seed=3).save_pretrained(folder)
    return folder


def test_student_keeps_the_first_and_last_layers_and_freezes_the_rest(teacher_dir):
    teacher = MIREncoder.from_pretrained(teacher_dir)
    student = make_student(teacher, layers=2, stride=32)
    assert (student.config.text_layers, student.config.stride, student.config.window) == (2, 32, 32)
    t, s = teacher.state_dict(), student.state_dict()
    for new, old in ((0, 0), (1, 2)):
        for k in (k for k in s if k.startswith(f"text.layers.layers.{new}.")):
            assert torch.equal(s[k], t[k.replace(f"layers.layers.{new}.", f"layers.layers.{old}.")])
    assert all(torch.equal(s[k], t[k]) for k in s if not k.startswith("text.layers.layers."))
    trainable = {n for n, p in student.named_parameters() if p.requires_grad}
    assert trainable and all(n.startswith("text.") for n in trainable)
    for layers, stride in ((0, 32), (4, 32), (1, 0), (1, 33)):
        with pytest.raises(ValueError, match="layers and 0 < stride"):
            make_student(teacher, layers=layers, stride=stride)


def test_windows_come_from_the_training_split_and_do_not_overlap(corpus, prepared):
    tok = prepared["tokenizer"]
    windows = sample_windows(corpus, tok, window=32, count=10_000, per_file=3, seed=0)
    files = list_corpus(corpus, "train")
    ids = [np.asarray(tok.encode((files.root / f).read_text()), dtype=np.int64) for f in files.files]
    expected = sum(min(3, max(1, -(-i.size // 32))) for i in ids if i.size)
    assert len(windows) == expected and all(0 < w.size <= 32 for w in windows)
    joined = [i.tobytes() for i in ids]
    assert all(any(w.tobytes() in j for j in joined) for w in windows)
    assert len(sample_windows(corpus, tok, window=32, count=5, per_file=3, seed=0)) == 5


def test_teacher_vectors_are_the_window_means_of_the_model(teacher_dir, corpus, prepared):
    teacher = MIREncoder.from_pretrained(teacher_dir).eval()
    windows = sample_windows(corpus, prepared["tokenizer"], window=32, count=6, per_file=1, seed=0)
    got = teacher_vectors(teacher, windows)
    for i, w in enumerate(windows):
        ids = torch.from_numpy(w)[None]
        with torch.no_grad():
            want = teacher.encode_windows(ids, torch.ones_like(ids, dtype=torch.bool)).mean(1)[0]
        assert torch.nn.functional.cosine_similarity(got[i], want, dim=0) > 0.999  # int8 copy of the teacher


def test_distillation_brings_the_student_closer_and_resumes(teacher_dir, corpus, prepared, tmp_path):
    out = tmp_path / "student"
    summary = distill(teacher_dir, corpus, out, layers=1, stride=32, windows=400, per_file=4, minutes=5, steps=60,
                      batch=8, lr=3e-3, log=lambda r: None)
    log = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert summary["step"] == 60 and log[0]["step"] == 0 and log[-1]["step"] == 60
    assert log[-1]["val_cos"] > log[0]["val_cos"] and log[-1]["val_r2"] > log[0]["val_r2"]
    again = distill(teacher_dir, corpus, out, layers=1, stride=32, windows=400, per_file=4, minutes=5, steps=80,
                    batch=8, lr=3e-3, log=lambda r: None)
    assert again["step"] == 80
    student, teacher = MIREncoder.from_pretrained(summary["to"]), MIREncoder.from_pretrained(teacher_dir)
    assert (student.config.text_layers, student.config.stride) == (1, 32)
    card = (Path(summary["to"]) / "README.md").read_text()
    assert hashlib.sha256((teacher_dir / "model.safetensors").read_bytes()).hexdigest() in card and "80 steps" in card
    program = encode_ir_text(next(iter(_train_texts(corpus))), teacher.tokenizer, teacher.config)
    s_graph, t_graph = (m.embed(collate([program], m.config), "graph") for m in (student, teacher))
    torch.testing.assert_close(s_graph, t_graph, atol=5e-3, rtol=5e-3)  # the teacher's graph part (fp16 copy)


def _train_texts(corpus):
    files = list_corpus(corpus, "train")
    return ((files.root / f).read_text() for f in files.files if (files.root / f).stat().st_size > 100)


@pytest.mark.parametrize("loss", ["standardized", "raw"])
def test_both_losses_cost_one_for_the_mean_vector_and_standardized_weighs_dimensions_alike(loss):
    gen = torch.Generator().manual_seed(0)
    targets = torch.randn(500, 6, generator=gen) * torch.tensor([10.0, 1.0, 1.0, 0.1, 0.1, 0.01])
    w = _loss_weights(targets, loss)
    assert float(((targets - targets.mean(0)) ** 2 * w).mean()) == pytest.approx(1.0, rel=0.01)
    error = torch.zeros(6)
    error[-1] = 0.01  # one spread of the smallest dimension
    small = float((error**2 * w).mean())
    assert small == pytest.approx(1 / 6, rel=0.1) if loss == "standardized" else small < 1e-5
    with pytest.raises(ValueError, match="loss must be one of"):
        _loss_weights(targets, "cosine")
    with pytest.raises(ValueError, match="loss must be one of"):  # at once, before sampling windows
        distill("no-teacher", "no-corpus", "no-output", loss="cosine")


def test_a_student_can_start_from_a_saved_student_of_its_shape(teacher_dir, tmp_path):
    teacher = MIREncoder.from_pretrained(teacher_dir)
    saved = make_student(teacher, layers=1, stride=32)
    with torch.no_grad():
        for p in saved.text.parameters():
            p.add_(0.5)
    saved.save_pretrained(tmp_path / "s")
    started = _initial_student(teacher, layers=1, stride=32, init=tmp_path / "s")
    s, want, t = started.state_dict(), saved.state_dict(), teacher.state_dict()
    trained = {n for n, p in started.named_parameters() if p.requires_grad}
    assert trained == {k for k in s if k.startswith("text.")}
    assert all(torch.allclose(s[k], want[k], atol=1e-6) and not torch.equal(s[k], t[k]) for k in trained)
    assert all(torch.equal(s[k], t[k]) for k in s if k not in trained)
    assert not started.training
    with pytest.raises(ValueError, match="are not those asked for"):
        _initial_student(teacher, layers=1, stride=24, init=tmp_path / "s")
