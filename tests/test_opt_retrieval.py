"""benchmarks/opt_retrieval.py: pair selection, the rank computation, and the whole path
(corpus build at -O0/-O1 -> pairs -> embeddings -> table) on real compiled C."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from _benchmarks import REPO, load_benchmark

ret = load_benchmark("opt_retrieval")


def _rec(package, file, opt, instructions, outcome="ok"):
    return {"package": package, "file": file, "opt": opt, "instructions": instructions, "outcome": outcome,
            "hash": f"{package}-{file}-{opt}"}


def test_select_pairs_keeps_validation_files_at_both_levels_within_bounds():
    manifest = [
        _rec("v", "a.c", "O0", 50), _rec("v", "a.c", "O1", 20),
        _rec("v", "b.c", "O0", 5), _rec("v", "b.c", "O1", 3),          # too small at -O0
        _rec("v", "c.c", "O0", 9000), _rec("v", "c.c", "O1", 4000),    # too large
        _rec("v", "d.c", "O0", 60),                                    # one level only
        _rec("v", "e.c", "O0", 70), _rec("v", "e.c", "O1", 30, outcome="duplicate"),
        _rec("w", "f.c", "O1", 40), _rec("w", "f.c", "O0", 80), _rec("w", "f.c", "O2", 35),
        _rec("t", "g.c", "O0", 50), _rec("t", "g.c", "O1", 20),        # a training package
    ]
    pairs = ret.select_pairs(manifest, {"v", "w"}, max_pairs=10, min_instructions=20, max_instructions=2000)
    assert [(p0["package"], p0["file"]) for p0, _ in pairs] == [("v", "a.c"), ("w", "f.c")]
    assert all(p0["opt"] == "O0" and p1["opt"] == "O1" and p0["file"] == p1["file"] for p0, p1 in pairs)


def test_select_pairs_caps_evenly_over_the_sorted_files():
    manifest = [_rec("v", f"{i:02d}.c", o, 100) for i in range(10) for o in ("O0", "O1")]
    pairs = ret.select_pairs(manifest, {"v"}, max_pairs=4, min_instructions=1, max_instructions=1000)
    assert [p0["file"] for p0, _ in pairs] == ["00.c", "03.c", "06.c", "09.c"]


def test_ranks_of_exact_and_shuffled_partners():
    rng = np.random.default_rng(0)
    Q = rng.normal(size=(30, 16))
    assert (ret.retrieval(Q, Q + 1e-6 * rng.normal(size=Q.shape)) == 1).all()
    # every candidate the same: all tie, and ties count against the query
    assert (ret.retrieval(Q, np.ones_like(Q)) == 30).all()
    # partners swapped in pairs: the true partner is never first when the swapped one is identical
    swapped = Q[np.arange(30) ^ 1]
    assert (ret.retrieval(Q, swapped) > 1).all()
    s = ret.summary(np.array([1, 2, 10]))
    assert s["top1"] == pytest.approx(100 / 3) and s["top5"] == pytest.approx(200 / 3)
    assert s["mrr"] == pytest.approx((1 + 0.5 + 0.1) / 3)


@settings(max_examples=40)
@given(seed=st.integers(0, 2**31 - 1), scale_log=st.lists(st.floats(-3, 3), min_size=6, max_size=6),
       shift=st.lists(st.floats(-100, 100), min_size=6, max_size=6))
def test_ranks_ignore_per_feature_scale_and_shift(seed, scale_log, shift):
    """Features are standardised over the pool, so a positive affine map of any feature
    (units, offsets: what differs between embedding parts) leaves every rank unchanged."""
    rng = np.random.default_rng(seed)
    Q = rng.normal(size=(12, 6))
    C = Q + 0.5 * rng.normal(size=Q.shape)
    a, b = np.exp(np.array(scale_log)), np.array(shift)
    np.testing.assert_array_equal(ret.retrieval(Q, C), ret.retrieval(a * Q + b, a * C + b))


PROGRAMS = {
    "sum.c": "double sum(int n, const double *x) { double s = 0; for (int i = 0; i < n; ++i) s += x[i]; return s; }\n",
    "max.c": "int max(int n, const int *x) { int m = x[0]; for (int i = 1; i < n; ++i) if (x[i] > m) m = x[i];"
             " return m; }\n",
    "axpy.c": "void axpy(int n, float a, const float *x, float *y) { for (int i = 0; i < n; ++i) y[i] += a * x[i]; }\n",
    "fib.c": "long fib(int n) { long a = 0, b = 1; while (n-- > 0) { long t = a + b; a = b; b = t; } return a; }\n",
    "str.c": "int count(const char *s, char c) { int k = 0; for (; *s; ++s) k += *s == c; return k; }\n",
}


def test_pairs_embed_evaluate_on_compiled_c(tmp_path, clang, capsys):
    corpus = pytest.importorskip("pretrain.corpus")
    for name, text in PROGRAMS.items():
        (tmp_path / "src" / "pkg" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "src" / "pkg" / name).write_text(text)
    out = tmp_path / "corpus"
    corpus.build([str(tmp_path / "src" / "pkg")], out=out, opts=["O0", "O1"], jobs=1, timeout=30,
                 log=lambda *a, **k: None)
    (out / "split.json").write_text(json.dumps({"train": [], "val": ["pkg"]}))
    ir = tmp_path / "pairs"
    ret.main(["pairs", "--corpus", str(out), "--out", str(ir), "--min-instructions", "1"])
    listing = json.loads((ir / "pairs.json").read_text())
    assert sorted(p["file"] for p in listing) == sorted(PROGRAMS)
    assert len(list(ir.glob("*.O0.ll"))) == len(list(ir.glob("*.O1.ll"))) == len(PROGRAMS)

    embed_ir = load_benchmark("embed_ir")
    tok = REPO / "sklearn_mirencoder" / "_data" / "weights" / "small" / "tokenizer.json"
    if not tok.is_file():
        pytest.skip("no bundled tokenizer")
    for seed in (0, 1):
        embed_ir.main(["embed", "--ir", str(ir), "--random-init", "tiny", "--tokenizer", str(tok),
                       "--seed", str(seed), "--out", str(tmp_path / f"r{seed}.npz")])
    table = tmp_path / "table.md"
    ret.main(["evaluate", "--ir", str(ir), f"A={tmp_path / 'r0.npz'}", f"B={tmp_path / 'r1.npz'}", "--bag",
              "--baseline", "B", "--out", str(table)])
    text = table.read_text()
    assert text.startswith(f"{len(PROGRAMS)} pairs, {2 * len(PROGRAMS)} queries")
    for label, part in [("A", "text"), ("A", "graph"), ("A", "fused"), ("A", "full"), ("B", "full"),
                        ("bag of IR tokens", "-")]:
        assert f"| {label} | {part} |" in text
    assert "Paired against B" in text and "| B | full | " in text.split("Paired against B")[0]
    assert text in capsys.readouterr().out + "\n"

    # per-layer graph readout: a saved model folder against random weights of its configuration
    from sklearn_mirencoder.model.encoder import MIREncoderConfig, random_init
    from sklearn_mirencoder.frontend.tokens import IRTokenizer

    tokenizer = IRTokenizer.from_file(tok)
    config = MIREncoderConfig.tiny(vocab_size=tokenizer.vocab_size, pad_id=tokenizer.pad_id)
    folder = tmp_path / "model"
    random_init(config, tokenizer, seed=3).save_pretrained(folder)
    ret.main(["layers", "--ir", str(ir), f"M={folder}", f"R=random:{folder}", "--out", str(table)])
    rows = [line for line in table.read_text().splitlines() if line.startswith(("| M |", "| R |"))]
    assert len(rows) == 2 * (config.gnn_layers + 1)
    assert [r.split("|")[2].strip() for r in rows[: config.gnn_layers + 1]] == [
        str(k) for k in range(config.gnn_layers + 1)]
