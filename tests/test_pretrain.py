"""Pre-training: corpus featurisation, the three tasks, resume, DDP, export."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from sklearn_mirencoder.model.encoder import MIREncoder, MIREncoderConfig
from sklearn_mirencoder.model.featurize import collate

sys.path.insert(0, str(Path(__file__).parent))
from test_encoder import compiled_programs  # noqa: E402  (the twelve compiled programs)

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pretrain import train as train_mod  # noqa: E402
from pretrain.data import PretrainBatches, ShardedPrograms, featurize_corpus, list_corpus, mask_nodes, mask_tokens  # noqa: E402
from pretrain.export import export  # noqa: E402
from pretrain.tokenizer import train_tokenizer  # noqa: E402

TRAIN_ARGS = ["--config", "tiny", "--batch-size", "4", "--lr", "3e-3", "--warmup", "3", "--seed", "0",
              "--device", "cpu", "--quiet", "--eval-batches", "2", "--node-budget", "400"]


pytestmark = pytest.mark.usefixtures("torch_one_thread")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A corpus in pretrain.corpus's layout: 12 good modules, an empty file and a non-IR file."""
    root = tmp_path_factory.mktemp("corpus")
    manifest, packages = [], {}
    for i, (name, text) in enumerate(compiled_programs()):
        h = hashlib.sha256(text.encode()).hexdigest()
        (root / "ir" / h[:2]).mkdir(parents=True, exist_ok=True)
        (root / "ir" / h[:2] / f"{h}.ll").write_text(text)
        pkg = f"pkg{i}"
        packages[pkg] = "val" if i in (3, 8) else "train"
        manifest.append({"package": pkg, "file": name, "hash": h, "outcome": "ok"})
    for h, content in (("0" * 64, ""), ("f" * 64, "this is not LLVM IR\nat all\n")):
        (root / "ir" / h[:2]).mkdir(parents=True, exist_ok=True)
        (root / "ir" / h[:2] / f"{h}.ll").write_text(content)
        manifest.append({"package": "pkgbad", "file": "bad", "hash": h, "outcome": "ok"})
    packages["pkgbad"] = "train"
    manifest.append({"package": "pkg0", "file": "broken.c", "hash": None, "outcome": "CompileError"})
    (root / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in manifest))
    split = {
        "train": sorted(p for p, s in packages.items() if s == "train"),
        "val": sorted(p for p, s in packages.items() if s == "val"),
        "seed": 0,
    }
    (root / "split.json").write_text(json.dumps(split))
    return root


@pytest.fixture(scope="module")
def prepared(corpus, tmp_path_factory):
    """Tokenizer and features of the corpus, built once."""
    work = tmp_path_factory.mktemp("prepared")
    tok, stats = train_tokenizer(corpus, vocab_size=400, min_frequency=1, log=lambda m: None)
    assert stats["texts"] == 10 + 1 and stats["bad"] == {"empty": 1}  # train split; junk text still normalises
    tok.save(work / "tokenizer.json")
    cfg = MIREncoderConfig.tiny(vocab_size=tok.vocab_size, pad_id=tok.pad_id)
    indexes = {s: featurize_corpus(corpus, tok, cfg, work / "features", split=s, log=lambda m: None) for s in ("train", "val")}
    return {"dir": work, "tokenizer": tok, "config": cfg, "indexes": indexes,
            "args": ["--tokenizer", str(work / "tokenizer.json"), "--features", str(work / "features")]}


def read_log(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]


# ----------------------------------------------------------------------------------------


def test_corpus_listing_follows_split_and_manifest(corpus):
    train, val = list_corpus(corpus, "train"), list_corpus(corpus, "val")
    assert len(train) == 12 and len(val) == 2  # 10 good + 2 bad files in train
    assert not set(train.files) & set(val.files)
    assert len(list_corpus(corpus, "all")) == 14


def test_bad_files_are_skipped_and_counted(prepared, corpus):
    ix = prepared["indexes"]["train"]
    assert ix["complete"] and ix["programs"] == 10
    assert ix["bad"] == {"empty": 1, "no_function": 1} and ix["bad_total"] == 2
    assert prepared["indexes"]["val"]["programs"] == 2
    # a second run reuses the cached shards
    again = featurize_corpus(corpus, prepared["tokenizer"], prepared["config"], prepared["dir"] / "features",
                             split="train", log=lambda m: None)
    assert again["key"] == ix["key"] and again["programs"] == 10
    progs = ShardedPrograms(prepared["dir"] / "features" / "train")
    assert len(progs) == 10
    p = progs[3]
    assert p.node_tokens.shape == (p.num_nodes, prepared["config"].node_text_tokens) and p.num_tokens > 0


def test_batches_are_a_function_of_the_step(prepared):
    progs = ShardedPrograms(prepared["dir"] / "features" / "train")
    tok, cfg = prepared["tokenizer"], prepared["config"]
    b = PretrainBatches(progs, tok, cfg, batch_size=4, seed=0, node_budget=50, max_ae_edges=64)
    x, y = b(5), b(5)
    for k in ("input_ids", "mlm_labels", "gae_pos", "gae_neg", "edge_index"):
        assert torch.equal(x[k], y[k])
    assert x["input_ids"].shape[0] == 4 and x["input_ids"].shape[1] <= cfg.window  # one window each
    assert int(x["nodes_kept"].max()) <= 50
    assert x["gae_pos"].shape == x["gae_neg"].shape and x["gae_pos"].shape[1] <= 64
    # negatives are non-edges of the same graph
    edges = set(map(tuple, x["edge_index"].T.tolist()))
    batch_of = x["batch"]
    assert not any(tuple(e) in edges for e in x["gae_neg"].T.tolist())
    assert torch.equal(batch_of[x["gae_neg"][0]], batch_of[x["gae_neg"][1]])
    # ranks get disjoint programs
    r0 = PretrainBatches(progs, tok, cfg, batch_size=2, seed=0, rank=0, world_size=2).indices(1)
    r1 = PretrainBatches(progs, tok, cfg, batch_size=2, seed=0, rank=1, world_size=2).indices(1)
    assert not set(r0) & set(r1)


def test_pretraining_losses_under_bf16_autocast(prepared):
    """The mixed-precision path used on CUDA, checked with CPU autocast."""
    from pretrain.model_heads import MIREncoderForPretraining

    progs = ShardedPrograms(prepared["dir"] / "features" / "train")
    model = MIREncoderForPretraining(MIREncoder(prepared["config"], prepared["tokenizer"]))
    batch = PretrainBatches(progs, prepared["tokenizer"], prepared["config"], batch_size=3)(0)
    with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
        out = model(batch, return_scores=True)
    out["loss"].backward()
    assert torch.isfinite(out["loss"]) and out["edge_scores"].numel() == out["edge_labels"].numel() > 0
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)


def test_masking_is_bert_style():
    rng = np.random.default_rng(0)
    ids = rng.integers(5, 400, size=(64, 128))
    mask = np.ones_like(ids, dtype=bool)
    mask[:, 100:] = False
    masked, labels = mask_tokens(ids, mask, rng, mask_id=4, vocab_size=400, special_ids=[0, 1, 2, 3, 4])
    chosen = labels >= 0
    assert not chosen[:, 100:].any()
    assert 0.13 < chosen[:, :100].mean() < 0.17
    assert 0.75 < (masked[chosen] == 4).mean() < 0.85
    assert (masked[~chosen] == ids[~chosen]).all()


def test_node_masking_hides_whole_node_texts_and_leaves_the_other_tasks_alone(prepared):
    rng = np.random.default_rng(0)
    tokens = rng.integers(5, 400, size=(500, 8))
    tokens[:, 5:] = 0
    tokens[:50] = 0  # nodes without text are never chosen
    masked, labels = mask_nodes(tokens, rng, mask_id=4, pad_id=0, prob=0.15)
    chosen = (labels >= 0).any(1)
    assert not chosen[:50].any() and 0.10 < chosen[50:].mean() < 0.20
    assert (masked[chosen, 0] == 4).all() and (masked[chosen, 1:] == 0).all()
    assert (masked[~chosen] == tokens[~chosen]).all()
    assert (labels[chosen] == np.where(tokens[chosen] != 0, tokens[chosen], -100)).all()
    one, lab = mask_nodes(tokens[48:52], rng, mask_id=4, pad_id=0, prob=1e-9)  # at least one node
    assert (lab >= 0).any(1).sum() == 1

    progs = ShardedPrograms(prepared["dir"] / "features" / "train")
    tok, cfg = prepared["tokenizer"], prepared["config"]
    plain = PretrainBatches(progs, tok, cfg, batch_size=4, seed=0, max_ae_edges=64)(3)
    node = PretrainBatches(progs, tok, cfg, batch_size=4, seed=0, max_ae_edges=64, node_mask_prob=0.3)(3)
    for k in ("input_ids", "mlm_labels", "gae_pos", "gae_neg", "edge_index", "node_kind"):
        assert torch.equal(plain[k], node[k]), k
    assert (plain["node_labels"] == -100).all() and (node["node_labels"] >= 0).any()
    hidden = (node["node_labels"] >= 0).any(1)
    assert torch.equal(node["node_tokens"][~hidden], plain["node_tokens"][~hidden])
    assert (node["node_tokens"][hidden, 0] == tok.mask_id).all()


@pytest.mark.parametrize("objective", [[], ["--match-loss", "contrastive", "--hard-negatives", "0.5"],
                                       ["--node-weight", "1"]],
                         ids=["bundled", "contrastive+hard", "masked-nodes"])
def test_every_loss_goes_down(prepared, corpus, tmp_path, objective):
    run = tmp_path / "run"
    steps = 60
    # the tiny configuration with windows of 128 tokens, so that a window says enough
    # about its program for the matching task to be learnt in a few dozen steps
    cfg = MIREncoderConfig.tiny(vocab_size=prepared["tokenizer"].vocab_size, pad_id=prepared["tokenizer"].pad_id,
                                window=128, stride=96)
    (tmp_path / "config.json").write_text(cfg.to_json())
    rc = train_mod.main(["--corpus", str(corpus), "--out", str(run), "--steps", str(steps), "--log-every", "1",
                         "--eval-every", "0", "--save-every", "0", *TRAIN_ARGS, *prepared["args"],
                         "--config", str(tmp_path / "config.json"), "--batch-size", "8", *objective])
    assert rc == 0
    log = read_log(run)
    train = [r for r in log if r["event"] == "train"]
    assert [r["step"] for r in train] == list(range(1, steps + 1))
    k = 10
    keys = ("loss_mlm", "loss_gae", "loss_match", "loss") + (("loss_node",) if "--node-weight" in objective else ())
    for key in keys:
        first = np.mean([r[key] for r in train[:k]])
        last = np.mean([r[key] for r in train[-k:]])
        assert last < 0.95 * first, (key, first, last)
    chance = np.log(8) if "contrastive" in objective else np.log(2)  # InfoNCE over 8 programs / one binary decision
    assert np.mean([r["loss_match"] for r in train[-k:]]) < 0.85 * chance
    assert all(r["tokens_per_s"] > 0 and r["lr"] > 0 for r in train)
    ev = [r for r in log if r["event"] == "eval"]
    assert ev and {"val_mlm_acc", "val_match_acc", "val_edge_auc"} <= set(ev[-1])
    assert ev[-1]["val_edge_auc"] > 0.5
    assert ("val_node_acc" in ev[-1]) == ("--node-weight" in objective)
    assert log[-1]["event"] == "done"
    # the checkpoint is a loadable HF folder
    model = MIREncoder.from_pretrained(run / "checkpoint")
    assert model.config == cfg


def test_resume_gives_the_same_result(prepared, corpus, tmp_path):
    common = ["--corpus", str(corpus), "--steps", "10", "--log-every", "1", "--eval-every", "0",
              "--save-every", "0", *TRAIN_ARGS, *prepared["args"]]
    a, b = tmp_path / "a", tmp_path / "b"
    assert train_mod.main(["--out", str(a), *common]) == 0
    assert train_mod.main(["--out", str(b), "--stop-at", "5", *common]) == 0
    stop = [r for r in read_log(b) if r["event"] == "stop"]
    assert stop and stop[-1]["step"] == 5
    assert json.loads((b / "checkpoint" / "trainer_state.json").read_text())["step"] == 5
    assert train_mod.main(["--out", str(b), "--resume", *common]) == 0
    la = [r for r in read_log(a) if r["event"] == "train"]
    lb = [r for r in read_log(b) if r["event"] == "train"]
    assert [r["step"] for r in lb] == list(range(1, 11))
    for ra, rb in zip(la, lb):
        assert ra["loss"] == pytest.approx(rb["loss"], rel=1e-5, abs=1e-6)
    from safetensors.torch import load_file

    wa, wb = load_file(str(a / "checkpoint" / "model.safetensors")), load_file(str(b / "checkpoint" / "model.safetensors"))
    for k in wa:
        torch.testing.assert_close(wa[k], wb[k], rtol=1e-5, atol=1e-6)
    # resuming a finished run does nothing more
    assert train_mod.main(["--out", str(b), "--resume", *common]) == 0
    assert json.loads((b / "checkpoint" / "trainer_state.json").read_text())["step"] == 10


def test_time_budget_stops_cleanly_with_a_checkpoint(prepared, corpus, tmp_path):
    run = tmp_path / "budget"
    rc = train_mod.main(["--corpus", str(corpus), "--out", str(run), "--steps", "100000", "--eval-every", "0",
                         "--save-every", "0", "--log-every", "5", "--time-budget-minutes", "0.15",
                         *TRAIN_ARGS, *prepared["args"]])
    assert rc == 0
    log = read_log(run)
    stop = [r for r in log if r["event"] == "stop"]
    assert stop and stop[-1]["reason"] == "time budget"
    assert stop[-1]["elapsed_s"] < 0.15 * 60 + 1
    state = json.loads((run / "checkpoint" / "trainer_state.json").read_text())
    assert 0 < state["step"] == stop[-1]["step"]


def test_export_writes_a_loadable_hf_folder(prepared, corpus, tmp_path):
    run = tmp_path / "run"
    assert train_mod.main(["--corpus", str(corpus), "--out", str(run), "--steps", "4", "--eval-every", "0",
                           "--save-every", "0", *TRAIN_ARGS, *prepared["args"]]) == 0
    for fp16 in (False, True):
        out = tmp_path / f"export{int(fp16)}"
        summary = export(run / "checkpoint", out, fp16=fp16)
        assert {"config.json", "model.safetensors", "tokenizer.json", "README.md"} <= {p.name for p in out.iterdir()}
        assert "validation" in (out / "README.md").read_text()
        model = MIREncoder.from_pretrained(out)
        ref = MIREncoder.from_pretrained(run / "checkpoint")
        progs = ShardedPrograms(prepared["dir"] / "features" / "val")
        batch = collate([progs[0], progs[1]], model.config)
        if fp16:
            torch.testing.assert_close(model.embed(batch), ref.embed(batch), rtol=0.05, atol=0.05)
        else:
            assert torch.equal(model.embed(batch), ref.embed(batch))
        assert summary["parameters"] > 0


def test_init_from_a_saved_folder_starts_from_its_weights(prepared, corpus, tmp_path):
    """--init-from continues pre-training from exported (e.g. the bundled) weights."""
    from safetensors.torch import load_file

    run = tmp_path / "first"
    common = ["--corpus", str(corpus), "--eval-every", "0", "--save-every", "0", *TRAIN_ARGS, *prepared["args"]]
    assert train_mod.main(["--out", str(run), "--steps", "3", *common]) == 0
    export(run / "checkpoint", tmp_path / "hf", fp16=False)
    # stop at step 0: the checkpoint holds exactly the weights it started from
    cont = tmp_path / "cont"
    assert train_mod.main(["--out", str(cont), "--steps", "6", "--stop-at", "0", "--init-from", str(tmp_path / "hf"),
                           *common]) == 0
    start = [r for r in read_log(cont) if r["event"] == "start"][0]
    assert start["init_from"] == str(tmp_path / "hf")
    w0, w1 = load_file(str(tmp_path / "hf" / "model.safetensors")), load_file(str(cont / "checkpoint" / "model.safetensors"))
    assert w0.keys() == w1.keys() and all(torch.equal(w0[k], w1[k]) for k in w0)
    # and trains on from there
    assert train_mod.main(["--out", str(cont), "--steps", "6", "--resume", "--init-from", str(tmp_path / "hf"), *common]) == 0
    assert json.loads((cont / "checkpoint" / "trainer_state.json").read_text())["step"] == 6
    with pytest.raises(SystemExit, match="not a saved model folder"):
        train_mod.main(["--out", str(tmp_path / "bad"), "--steps", "2", "--init-from", str(tmp_path), *common])


def test_ddp_with_two_gloo_processes(prepared, corpus, tmp_path):
    run = tmp_path / "ddp"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           "-m", "pretrain.train", "--corpus", str(corpus), "--out", str(run), "--steps", "3", "--log-every", "1",
           "--eval-every", "0", "--save-every", "0", *TRAIN_ARGS, *prepared["args"]]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = read_log(run)
    start = [r for r in log if r["event"] == "start"]
    assert len(start) == 1 and start[0]["world_size"] == 2  # rank 0 logs alone
    train = [r for r in log if r["event"] == "train"]
    assert [r["step"] for r in train] == [1, 2, 3]
    state = json.loads((run / "checkpoint" / "trainer_state.json").read_text())
    assert state["step"] == 3 and state["world_size"] == 2
    MIREncoder.from_pretrained(run / "checkpoint")


def test_two_hop_negatives_are_two_hops_away_and_never_edges():
    from pretrain.data import sample_two_hop_negatives

    rng = np.random.default_rng(0)
    n = 60
    edges = np.unique(rng.integers(0, n, size=(2, 300)), axis=1)
    edges = edges[:, edges[0] != edges[1]]
    pairs = edges[:, rng.choice(edges.shape[1], 100, replace=False)]
    neg, missed = sample_two_hop_negatives(edges, n, pairs, rng)
    existing = set(map(tuple, edges.T))
    succ = {u: {int(v) for a, v in edges.T if a == u} for u in range(n)}
    assert neg.shape == (2, int((~missed).sum())) and neg.dtype == np.int64
    assert (~missed).sum() > 50
    np.testing.assert_array_equal(neg[0], pairs[0][~missed])
    for (u, w), v in zip(neg.T, pairs[1][~missed]):
        assert (u, w) not in existing and u != w
        assert w in succ[int(v)]  # u -> v -> w


def test_hard_negative_batches_keep_one_negative_per_positive(prepared):
    from pretrain.data import PretrainBatches, ShardedPrograms

    programs = ShardedPrograms(prepared["dir"] / "features" / "train")
    tok, cfg = prepared["tokenizer"], prepared["config"]
    easy = PretrainBatches(programs, tok, cfg, batch_size=4, seed=0)(0)
    hard = PretrainBatches(programs, tok, cfg, batch_size=4, seed=0, hard_negatives=1.0)(0)
    np.testing.assert_array_equal(easy["gae_pos"].numpy(), hard["gae_pos"].numpy())
    edges = set(map(tuple, hard["edge_index"].numpy().T))
    neg = hard["gae_neg"].numpy()
    assert neg.shape[1] >= 0.9 * hard["gae_pos"].shape[1]
    assert not any(tuple(p) in edges for p in neg.T)
    with pytest.raises(ValueError, match="hard_negatives"):
        PretrainBatches(programs, tok, cfg, batch_size=4, hard_negatives=2.0)
