"""The benchmark suite (benchmarks/suite.py and benchmarks/suitelib): paired statistics, the
feature sets, the device-mapping folds, the retrieval score, and one small end-to-end run."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from _benchmarks import REPO  # noqa: F401  (puts the repository and benchmarks/ on sys.path)
from _model_fixtures import shared_dir, tiny_model_dir  # noqa: F401

import suite  # noqa: E402
from suitelib import features as F  # noqa: E402
from suitelib import task_devmap, task_retrieval  # noqa: E402
from suitelib.core import Program, Result, TaskData, paired  # noqa: E402


def _r(fs, score, seed=0, setting="s", head="logreg", task="t"):
    return Result(task, setting, fs, head, seed, "accuracy %", score)


# ============================================================================ statistics


def test_paired_counts_cells_both_sets_have():
    rs = [_r("A", 80, 0), _r("A", 70, 1), _r("A", 60, 2), _r("B", 75, 0), _r("B", 72, 1)]
    p = paired(rs, "A", "B")
    assert p == {"mean_diff": pytest.approx((5 - 2) / 2), "se": pytest.approx(3.5), "ahead": 1, "behind": 1,
                 "n": 2}
    assert paired(rs, "A", "missing")["n"] == 0 and np.isnan(paired(rs, "A", "missing")["mean_diff"])


def test_jittered_vectors_differ_only_in_their_last_bits():
    X = np.random.default_rng(1).standard_normal((20, 8)).astype(np.float32)
    X[3] = np.nan
    J = F.jittered(X)
    assert J.dtype == np.float32 and np.isnan(J[3]).all()
    ok = np.isfinite(X)
    rel = np.abs(J[ok] - X[ok]) / np.abs(X[ok])
    assert 0 < rel.max() < 1e-5 and (J[ok] != X[ok]).mean() > 0.9
    np.testing.assert_array_equal(F.jittered(X), J)  # a fixed seed
    assert not np.array_equal(F.jittered(X, seed=1), J)


def test_family_splits_model_part_and_aux():
    assert suite.family("MIREncoder text+graph + aux") == ("MIREncoder", " text+graph + aux")
    assert suite.family("MIREncoder text + aux") == ("MIREncoder", " text + aux")
    assert suite.family("random weights") == ("random weights", "")
    assert suite.family("opcode counts + aux") == ("opcode counts", " + aux")


def test_paired_rows_against_random_and_best_baseline():
    rs = []
    for seed in range(3):
        rs += [_r("MIREncoder", 70 + seed, seed), _r("random weights", 68, seed),
               _r("bag of IR words", 72, seed), _r("opcode counts", 60, seed), _r("IR2Vec", 65, seed),
               _r("MIREncoder text", 50, seed), _r("random weights text", 55, seed)]
    rows = {r["feature set"]: r for r in suite.paired_rows(rs, "MIREncoder")}
    full = rows["MIREncoder"]
    assert full["random"] == {"mean_diff": pytest.approx(3.0), "se": pytest.approx(1 / 3**0.5), "ahead": 3, "behind": 0,
                              "n": 3}
    assert full["best"] == "bag of IR words" and full["best_mean"] == pytest.approx(72)
    assert full["baseline"]["mean_diff"] == pytest.approx(-1.0) and full["baseline"]["ahead"] == 0
    assert rows["MIREncoder text"]["random"] == {"mean_diff": pytest.approx(-5.0), "se": 0.0, "ahead": 0, "behind": 3,
                                                 "n": 3}
    assert "random" not in suite.paired_rows(rs, "random weights")[0]  # not against itself


def test_best_baseline_keeps_the_aux_variant():
    rs = [_r("bag of IR words", 90), _r("opcode counts + aux", 70), _r("IR2Vec + aux", 80)]
    assert suite.best_baseline(rs, " + aux") == "IR2Vec + aux"
    assert suite.best_baseline(rs, " text") == "bag of IR words"
    assert suite.best_baseline([], "") is None


def test_parse_models_rejects_bad_specs(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    assert suite.parse_models([f"X={tmp_path}"]) == {"X": suite.F.ModelSpec(tmp_path)}
    assert suite.parse_models([f"X={tmp_path}@precision=float32,max_windows=4"]) == {
        "X": suite.F.ModelSpec(tmp_path, (("precision", "float32"), ("max_windows", 4)))
    }
    for bad in ["X", f"={tmp_path}", f"MIREncoder={tmp_path}", f"{suite.FULL}={tmp_path}", f"Y={tmp_path / 'none'}",
                f"Z={tmp_path}@threads=2", f"Z={tmp_path}@max_windows"]:
        with pytest.raises(SystemExit):
            suite.parse_models([bad])


# ============================================================================ feature sets


def test_split_parts_slices_the_both_vector():
    h = 2
    Z = np.arange(3 * 10, dtype=np.float32).reshape(3, 10)  # text 2, graph 4, fused 4
    parts = F.split_parts("M", Z, h)
    assert list(parts) == ["M", "M text", "M graph", "M fused", "M text+graph"]
    np.testing.assert_array_equal(parts["M text"], Z[:, :2])
    np.testing.assert_array_equal(parts["M graph"], Z[:, 2:6])
    np.testing.assert_array_equal(parts["M fused"], Z[:, 6:])
    np.testing.assert_array_equal(parts["M text+graph"], Z[:, :6])
    with pytest.raises(ValueError, match="3 x hidden"):
        F.split_parts("M", Z[:, :6], h)


_IR = """define i32 @f(i32 %0, ptr %1) {
  %3 = add i32 %0, 1
  %4 = load float, ptr %1, align 4
  %5 = fadd float %4, 1.000000e+00
  store float %5, ptr %1, align 4
  ret i32 %3
}
"""


def test_opcode_histogram_counts_opcodes_and_result_types():
    from sklearn_mirencoder.frontend.ir import to_ir

    h = F.opcode_histogram(to_ir(_IR, language="llvm-ir").text)
    assert h["op:add"] == 1 and h["op:load"] == 1 and h["op:store"] == 1 and h["op:ret"] == 1
    assert h["type:i32"] == 1 and h["type:float"] == 2


def test_text_features_give_nan_rows_to_failed_programs(tmp_path):
    from sklearn_mirencoder.frontend.ir import to_ir

    ir = to_ir(_IR, language="llvm-ir").text
    progs = [Program("a", "llvm-ir", ir), Program("b", "llvm-ir", None, "CompileError: no"),
             Program("c", "llvm-ir", ir.replace("add i32 %0, 1", "mul i32 %0, 3"))]
    for fn in (F.bag_of_ir_words, F.opcode_counts):
        X, _ = fn(progs, tmp_path)
        assert X.shape[0] == 3 and np.isnan(X[1]).all() and np.isfinite(X[[0, 2]]).all()
        X2, _ = fn(progs, tmp_path)  # from the disk cache
        np.testing.assert_array_equal(X, X2)


def test_ir2vec_compatible_drops_new_syntax():
    text = ("define void @f(ptr readonly captures(none) %0) #0 {\n  %2 = getelementptr inbounds nuw i8, ptr %0, i64 1\n"
            "  %3 = zext nneg i8 1 to i32\n  %4 = icmp samesign ult i32 %3, 2\n"
            "  %5 = add <2 x i32> splat (i32 1), splat (i32 1)\n  ret void\n}\n"
            "attributes #0 = { nounwind memory(argmem: read) }\n")
    out = F.ir2vec_compatible(text)
    for gone in ("captures", "nuw", "nneg", "samesign", "memory(", "splat"):
        assert gone not in out
    assert "<2 x i32> <i32 1, i32 1>" in out and "getelementptr inbounds i8" in out


_FAKE_IR2VEC = """
__version__ = "fake"
class _E:
    def __init__(self, path):
        self.text = open(path).read()
    def getProgramVector(self):
        return [float(len(self.text)), 1.0, 2.0]
def initEmbedding(path, mode, level):
    if "CRASH" in open(path).read():
        os._exit(3)  # as IR2Vec does on IR it cannot parse
    if "RAISE" in open(path).read():
        raise RuntimeError("no")
    return _E(path)
"""


def test_ir2vec_rejects_give_nan_rows_and_the_batch_goes_on(tmp_path, monkeypatch):
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "ir2vec.py").write_text(_FAKE_IR2VEC)
    monkeypatch.setenv("PYTHONPATH", str(fake))
    progs = [Program("a", "llvm-ir", "; one\n"), Program("b", "llvm-ir", "; CRASH\n"),
             Program("c", "llvm-ir", "; RAISE\n"), Program("d", "llvm-ir", None, "x"),
             Program("e", "llvm-ir", "; three\n")]
    X, info = F.ir2vec_features(progs, sys.executable, tmp_path / "cache", inputs={"e": "; other text\n"})
    assert info["version"] == "fake" and info["described"] == 2 and info["rejected"] == 2
    assert np.isfinite(X[[0, 4]]).all() and np.isnan(X[[1, 2, 3]]).all()
    assert X[4, 0] == len("; other text\n")  # the task's own input, not the canonical IR
    X2, info2 = F.ir2vec_features(progs, sys.executable, tmp_path / "cache", inputs={"e": "; other text\n"})
    assert info2["computed"] == 0
    np.testing.assert_array_equal(np.isnan(X), np.isnan(X2))


def test_build_features_leaves_out_a_set_with_low_coverage(tmp_path, monkeypatch):
    from sklearn_mirencoder.frontend.ir import to_ir

    ir = to_ir(_IR, language="llvm-ir").text
    task = TaskData("t", [Program(str(i), "llvm-ir", ir.replace("1.0", f"{i}.0")) for i in range(4)])
    monkeypatch.setattr(F, "ir2vec_features", lambda programs, *a, **k: (
        np.array([[1.0], [np.nan], [np.nan], [np.nan]], np.float32), {}))
    feats, info = F.build_features(task, {}, cache_dir=tmp_path, ir2vec_python="python")
    assert F.IR2VEC not in feats and set(feats) == {F.BAG, F.OPCODES}
    assert any("IR2Vec left out" in n for n in info["notes"])


# ============================================================================ tasks


def _devmap_task(tmp_path, monkeypatch, rows=80):
    if task_devmap.find_data(None) is None:
        pytest.skip(f"no devmap data under {shared_dir()} (set MIRENCODER_SHARED)")
    monkeypatch.setattr(task_devmap, "ROW_LIMIT", rows)
    return task_devmap.load(None, cache_dir=tmp_path, quick=True)


def test_devmap_grouped_folds_never_share_a_kernel(tmp_path, monkeypatch):
    task = _devmap_task(tmp_path, monkeypatch)
    for bunch in task.meta["bunches"].values():
        kernel = np.asarray(bunch.kernel)
        for seed in range(3):
            fs = task_devmap.folds(bunch, "grouped", 5, seed)
            tested = np.concatenate([te for _, te in fs])
            assert sorted(tested) == list(range(len(kernel)))  # every row tested once
            for train, test in fs:
                assert not set(kernel[train]) & set(kernel[test])
        # the stratified protocol does share kernels (why the grouped one exists)
        shared = [set(kernel[tr]) & set(kernel[te]) for tr, te in task_devmap.folds(bunch, "stratified", 5, 0)]
        assert any(shared)


def test_devmap_programs_are_the_distinct_ir_files(tmp_path, monkeypatch):
    task = _devmap_task(tmp_path, monkeypatch)
    files = set()
    for b in task.meta["bunches"].values():
        files |= set(b.ir_file)
    assert sorted(task.ids) == sorted(files)
    assert all(p.ir is not None and "ModuleID" not in p.ir[:200] or p.failure for p in task.programs)
    assert set(task.meta["ir2vec_input"]) == files


def test_devmap_feature_sets_add_aux_and_keep_parts_with_aux_only():
    X = np.ones((3, 2))
    sets = task_devmap.feature_sets({"bag of IR words": X, "M": X, "M text": X}, np.array([0, 1, 1, 2]),
                                    np.zeros((4, 2)))
    assert set(sets) == {"aux only", "bag of IR words", "M", "bag of IR words + aux", "M + aux", "M text + aux"}
    code, aux = sets["M + aux"]
    assert code.shape == (4, 2) and aux.shape == (4, 2)


def test_retrieval_identical_partners_rank_first():
    rng = np.random.default_rng(0)
    X0 = rng.normal(size=(20, 8))
    s = task_retrieval.scores(X0, X0.copy())
    for d in task_retrieval.DIRECTIONS:
        assert s[d] == {"top1": 100.0, "top5": 100.0, "mrr": 1.0}
    # partners shifted by one: nobody finds their own
    s = task_retrieval.scores(X0, np.roll(X0, 1, axis=0))
    assert s["O0 -> O1"]["top1"] == 0.0


def test_retrieval_evaluate_scores_every_set_on_each_seed_pool():
    rng = np.random.default_rng(1)
    n = 10
    base = rng.normal(size=(n, 6))
    good = np.repeat(base, 2, axis=0)  # rows 2i and 2i+1 identical: O0 and O1 of pair i
    noise = rng.normal(size=(2 * n, 6))
    task = TaskData("retrieval", [Program(f"{i // 2:04d}.O{i % 2}", "llvm-ir", "x") for i in range(2 * n)])
    res = task_retrieval.evaluate(task, {"good": good, "noise": noise}, seeds=[0, 1], heads=["logreg"], quick=True)
    assert len(res) == 2 * 2 * 2  # sets x seeds x directions
    assert all(r.score == 100.0 for r in res if r.feature_set == "good")
    assert {r.head for r in res} == {"cosine"}
    pools = task_retrieval.pools(n, [0, 1])
    assert all(len(p) == 8 for p in pools.values()) and not np.array_equal(pools[0], pools[1])
    # a pair with a NaN row is left out, and said so
    good[3] = np.nan
    res = task_retrieval.evaluate(task, {"good": good}, seeds=[0], heads=[], quick=True)
    assert any("1 of 10 pairs left out" in n for n in task.notes)


def test_retrieval_is_unavailable_without_the_corpus(tmp_path, monkeypatch):
    from suitelib.core import TaskUnavailable

    monkeypatch.setenv("MIRENCODER_SHARED", str(tmp_path))
    with pytest.raises(TaskUnavailable, match="corpus-debian-small"):
        task_retrieval.load(None, cache_dir=tmp_path, quick=True)


# ============================================================================ end to end


def test_suite_quick_devmap_end_to_end(tmp_path, monkeypatch, tiny_model_dir):  # noqa: F811
    if task_devmap.find_data(None) is None:
        pytest.skip(f"no devmap data under {shared_dir()} (set MIRENCODER_SHARED)")
    monkeypatch.setattr(task_devmap, "ROW_LIMIT", 40)
    monkeypatch.setattr(task_devmap, "PLATFORMS", ("amd",))  # one platform keeps the test near a minute
    monkeypatch.delenv("IR2VEC_PYTHON", raising=False)
    out = tmp_path / "out"
    argv = ["--quick", "--tasks", "devmap", "--seeds", "1", "--weights", str(tiny_model_dir), "--out-dir", str(out),
            "--cache-dir", str(tmp_path / "cache"), "--n-jobs", "1", "--model", f"other={tiny_model_dir}"]
    assert suite.main(argv) == 0
    md = (out / "benchmarks.md").read_text()
    for section in ("# Benchmark suite (quick run)", "- Command:", "- Versions:", "- Hardware:", "## Headline",
                    "## Paired statistics", "## Task: devmap", "IR2Vec not run", "Notes and failures"):
        assert section in md, section
    assert "| devmap | MIREncoder + aux |" in md and "| devmap | other + aux |" in md
    assert (out / "figures" / "benchmarks-devmap.png").stat().st_size > 0
    import pandas as pd

    df = pd.read_csv(out / "benchmarks.csv")
    assert set(df["setting"]) == {"amd/stratified", "amd/grouped"}
    assert set(df["seed"]) == {0} and set(df["head"]) == {"logreg"}
    expected = {"aux only", "MIREncoder + aux", "random weights text + aux", "bag of IR words + aux"}
    assert expected <= set(df["feature_set"])
    # a rerun takes the results from the cache
    assert suite.main(argv) == 0
    assert "results from the cache" in (out / "benchmarks.md").read_text()


def test_statistics_never_mix_metrics():
    rs = [Result("g", "grouped", "MIREncoder", "logreg", 0, "accuracy %", 60),
          Result("g", "grouped", "random weights", "logreg", 0, "accuracy %", 50),
          Result("g", "grouped/r2", "MIREncoder", "logreg", 0, "R^2 x 100", -40),
          Result("g", "grouped/r2", "random weights", "logreg", 0, "R^2 x 100", 10)]
    run = suite.TaskRun("g", results=rs)
    assert list(suite.blocks(run)) == ["g (accuracy %)", "g (R^2 x 100)"]
    lines = "\n".join(suite.headline([run], ["MIREncoder"]))
    assert "| g (accuracy %) | accuracy % | MIREncoder | 60.0 | +10.00 (1/1) |" in lines
    assert "| g (R^2 x 100) | R^2 x 100 | MIREncoder | -40.0 | -50.00 (0/1) |" in lines
