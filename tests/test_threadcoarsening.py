"""The thread-coarsening loader (local copy, checksums, download from a local mirror, the
offline message, hand-checked labels) and the suite's task (splits, metrics, evaluate).
Never touches the network: downloads go to a server on 127.0.0.1."""

from __future__ import annotations

import csv
import shutil
import tarfile
from pathlib import Path

import numpy as np
import pytest

import _benchmarks  # noqa: F401  (puts the repository and benchmarks/ on sys.path)
from sklearn_mirencoder import datasets
from sklearn_mirencoder.datasets import TASKS, DatasetError, load_threadcoarsening
from suitelib import task_threadcoarsening as T
from suitelib.core import Result

from conftest import shared_dir
from test_datasets import _Mirror, _origin_path, make_fake_origin, unreachable_origin

SPEC = TASKS["threadcoarsening-pact14"]
IR_SET = SPEC.file_sets[0]
PLATFORMS = ["Cypress", "Tahiti", "Fermi", "Kepler"]
FACTORS = [1, 2, 4, 8, 16, 32]


def _local() -> Path:
    d = shared_dir() / "data" / "threadcoarsening-pact14"
    if not all((d / n).is_file() for n in ("pact-2014-runtimes.csv", "pact-2014-oracles.csv", "kernels_ir.tar.gz")):
        pytest.skip(f"{d} is absent: set MIRENCODER_SHARED to the folder holding data/threadcoarsening-pact14")
    return d


@pytest.fixture(scope="module")
def tc():
    return load_threadcoarsening(local_path=_local())


def _csv(name: str) -> list[dict]:
    with open(_local() / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


# ---------------------------------------------------------------------------- local copy


def test_local_copy_counts_fields(tc):
    assert list(tc.kernel) == sorted(r["kernel"] for r in _csv("pact-2014-oracles.csv"))
    assert len(tc.kernel) == len(tc.ir) == len(tc.src) == 17
    assert list(tc.ir_file) == [f"{k}.ll" for k in tc.kernel]
    assert all("define spir_kernel" in t for t in tc.ir)
    assert tc.platforms == PLATFORMS and list(tc.target_names) == PLATFORMS
    assert list(tc.coarsening_factors) == FACTORS
    assert tc.target.shape == (17, 4) and tc.runtime.shape == (17, 4, 6) and tc.pca.shape == (17, 6, 7)
    assert np.isnan(tc.runtime).sum() == 54  # 408 cells, 89 rows x 4 platforms - 2 empty
    assert np.isfinite(tc.runtime[:, :, 0]).all()  # factor 1 always measured
    k = list(tc.kernel)
    # nbody: no factor 16 on the NVIDIA cards, measured on the AMD ones
    nb = k.index("nbody")
    assert np.isnan(tc.runtime[nb, 2:, 4]).all() and np.isfinite(tc.runtime[nb, :2, 4]).all()
    assert {k[i] for i in np.flatnonzero(np.isfinite(tc.runtime[:, 0, 5]))} == {
        "floydWarshall", "mt", "mtLocal", "sgemm", "sobel"}
    assert np.isnan(tc.runtime[k.index("blackscholes"), :, 4:]).all()
    assert np.allclose(tc.speedup[:, :, 0], 1.0)
    assert np.array_equal(np.isnan(tc.pca[:, :, 0]), np.isnan(tc.runtime[:, 0, :]))
    assert "Thread coarsening" in tc.DESCR and "mtLocal" in tc.DESCR
    assert np.array_equal(tc.data, tc.ir)


def test_oracle_table_agrees_with_runtime_table():
    """Read straight from the two CSVs (not through the loader): the oracle table's factor is
    the fastest measured factor of the runtime table, with the same run time, no ties."""
    runs = _csv("pact-2014-runtimes.csv")
    oracles = _csv("pact-2014-oracles.csv")
    assert len(runs) == 89 and len(oracles) == 17
    for o in oracles:
        for p in PLATFORMS:
            times = {int(r["cf"]): float(r[f"runtime_{p}"]) for r in runs if r["kernel"] == o["kernel"] and r[f"runtime_{p}"]}
            best = min(times, key=times.get)
            assert int(float(o[f"cf_{p}"])) == best, (o["kernel"], p)
            assert float(o[f"runtime_{p}"]) == times[best]
            assert sorted(times.values()).count(times[best]) == 1


def test_labels_hand_checked(tc):
    k = list(tc.kernel)
    # sgemm on Fermi (GTX 480): the runtime CSV's rows give cf 1 -> 18125632.0 ns and
    # cf 32 -> 4899872.0, the smallest of its six; the oracle CSV says cf_Fermi = 32.0.
    # 18125632 / 4899872 = 3.6992
    i, j = k.index("sgemm"), PLATFORMS.index("Fermi")
    assert tc.target[i, j] == 32 and tc.oracle_runtime[i, j] == 4899872.0
    assert tc.runtime[i, j, 0] == 18125632.0
    assert tc.oracle_speedup[i, j] == pytest.approx(3.6992, rel=1e-4)
    # nbody on Kepler (K20c): cf 1 28226752, cf 2 21404416, cf 4 23252352, cf 8 30859456,
    # cf 16 empty: oracle 2, speedup 28226752 / 21404416 = 1.3187
    i, j = k.index("nbody"), PLATFORMS.index("Kepler")
    assert tc.target[i, j] == 2 and tc.oracle_speedup[i, j] == pytest.approx(1.3187, rel=1e-4)
    # mtLocal on Cypress: cf 32 (171445) beats cf 1 (293333) by 1.7109; mt's best there is 4
    i, j = k.index("mtLocal"), PLATFORMS.index("Cypress")
    assert tc.target[i, j] == 32 and tc.oracle_speedup[i, j] == pytest.approx(1.7109, rel=1e-4)
    assert tc.target[k.index("mt"), j] == 4
    # blackscholes on Cypress: no coarsening at all is best
    assert tc.target[k.index("blackscholes"), j] == 1 and tc.oracle_speedup[k.index("blackscholes"), j] == 1.0
    # the whole target from the oracle CSV
    oracles = {r["kernel"]: r for r in _csv("pact-2014-oracles.csv")}
    assert tc.target.tolist() == [[int(float(oracles[kk][f"cf_{p}"])) for p in PLATFORMS] for kk in k]


def test_mt_and_mtlocal_share_source_and_ir(tc):
    """The published IR set has the same file for both (its README and the issue said
    otherwise): one group, different labels."""
    k = list(tc.kernel)
    a, b = k.index("mt"), k.index("mtLocal")
    assert tc.src[a] == tc.src[b] and tc.ir[a] == tc.ir[b]
    assert not np.array_equal(tc.target[a], tc.target[b])
    assert tc.group[a] == tc.group[b] == "mt"
    assert len(set(tc.group)) == 16
    assert [g for g, kk in zip(tc.group, k) if kk not in ("mt", "mtLocal")] == [kk for kk in k if kk not in ("mt", "mtLocal")]


def test_as_frame_and_return_x_y(tc):
    pytest.importorskip("pandas")
    X, y = load_threadcoarsening(local_path=_local(), return_X_y=True)
    assert len(X) == 17 and np.array_equal(y, tc.target)
    f = load_threadcoarsening(local_path=_local(), as_frame=True)
    assert f.frame.shape[0] == 17 and {"kernel", "ir", "cf_Fermi", "runtime_Kepler_cf16"} <= set(f.frame.columns)
    assert list(f.target.columns) == [f"cf_{p}" for p in PLATFORMS]
    assert np.isnan(f.frame.loc[f.frame.kernel == "nbody", "runtime_Kepler_cf16"]).all()


def test_local_copy_as_folder_and_corrupted_copies(tmp_path):
    d = _local()
    for t in SPEC.tables:
        shutil.copy(d / t.name, tmp_path / t.name)
    with tarfile.open(d / "kernels_ir.tar.gz") as tar:
        tar.extractall(tmp_path, filter="data")
    assert len(list((tmp_path / "kernels_ir").glob("*.ll"))) == 17
    assert len(load_threadcoarsening(local_path=tmp_path).kernel) == 17
    # a damaged IR file is caught by the manifest
    victim = tmp_path / "kernels_ir" / "sgemm.ll"
    victim.write_text(victim.read_text() + "\n; changed\n")
    with pytest.raises(DatasetError, match="checksum mismatch for the 17 files of kernels_ir/"):
        load_threadcoarsening(local_path=tmp_path)
    shutil.rmtree(tmp_path / "kernels_ir")
    shutil.copy(d / "kernels_ir.tar.gz", tmp_path / "kernels_ir.tar.gz")
    assert len(load_threadcoarsening(local_path=tmp_path).kernel) == 17  # the archive instead
    # a changed oracle label: the table's checksum refuses it, with the reason
    oracles = tmp_path / "pact-2014-oracles.csv"
    oracles.write_text(oracles.read_text().replace("sgemm,32.0", "sgemm,16.0"))
    with pytest.raises(DatasetError) as info:
        load_threadcoarsening(local_path=tmp_path)
    msg = str(info.value)
    assert "checksum mismatch" in msg and "pact-2014-oracles.csv" in msg and "not the published file" in msg
    oracles.unlink()
    with pytest.raises(DatasetError, match="pact-2014-oracles.csv is missing"):
        load_threadcoarsening(local_path=tmp_path)


# ---------------------------------------------------------------------------- download and offline


@pytest.fixture(scope="module")
def fake_origin(tmp_path_factory) -> Path:
    """The raw.githubusercontent.com layout of the pinned origins, from the local copy."""
    return make_fake_origin(tmp_path_factory.mktemp("origin"), SPEC, IR_SET, _local())


def test_download_verify_cache(fake_origin, tmp_path, tc):
    home = tmp_path / "home"
    with _Mirror(fake_origin) as mirror:
        b = load_threadcoarsening(data_home=home, base_url=mirror.url)
        assert len(mirror.requests) == 2 + 17
        assert any(r.endswith("/df6fa690cbf18bdcab23f26c5832f36884f037b5/data/case-study-b/pact-2014-runtimes.csv")
                   for r in mirror.requests)
        assert any("/IITH-Compilers/IR2Vec/76b3142a5d845d9d7caef548698f47a7a372e8c8/experiments/Thread_Coarsening/"
                   "data/kernels_ir/mtLocal.ll" in r for r in mirror.requests)
        assert np.array_equal(b.target, tc.target) and list(b.ir) == list(tc.ir)
        assert np.array_equal(b.runtime, tc.runtime, equal_nan=True)
        assert len(list((home / "threadcoarsening-pact14" / "kernels_ir").glob("*.ll"))) == 17
        load_threadcoarsening(data_home=home, base_url=mirror.url)
        assert len(mirror.requests) == 19  # the cache served the second load
    assert len(load_threadcoarsening(data_home=home, download=False).kernel) == 17


def test_download_checksum_mismatch(fake_origin, tmp_path, monkeypatch):
    monkeypatch.setattr(datasets._fetch, "_RETRIES", 1)
    tampered = tmp_path / "origin"
    shutil.copytree(fake_origin, tampered)
    ir_file = _origin_path(tampered, IR_SET.origin, "nbody.ll")
    ir_file.write_bytes(ir_file.read_bytes() + b"\n")
    home = tmp_path / "home"
    with _Mirror(tampered) as mirror:
        with pytest.raises(DatasetError, match="checksum mismatch for the 17 files"):
            load_threadcoarsening(data_home=home, base_url=mirror.url)
    assert (home / "threadcoarsening-pact14" / "pact-2014-runtimes.csv").is_file()  # the tables were fine
    assert not (home / "threadcoarsening-pact14" / "kernels_ir").exists()


def test_offline_error_message(tmp_path, monkeypatch):
    port = unreachable_origin(monkeypatch)
    with pytest.raises(DatasetError) as info:
        load_threadcoarsening(data_home=tmp_path)
    msg = str(info.value)
    assert f"127.0.0.1:{port}/ChrisCummins/paper-end2end-dl/df6fa690cbf18bdcab23f26c5832f36884f037b5/" \
           "data/case-study-b/pact-2014-runtimes.csv" in msg
    assert "local_path=" in msg and "kernels_ir.tar.gz" in msg and "Nothing was cached" in msg
    assert not (tmp_path / "threadcoarsening-pact14" / "pact-2014-runtimes.csv").exists()
    # never downloading: the message names the data home and the ways to get the data
    with pytest.raises(DatasetError) as info:
        load_threadcoarsening(data_home=tmp_path / "home", download=False)
    msg = str(info.value)
    assert str(tmp_path / "home") in msg and "download=True" in msg and "local_path=" in msg


# ---------------------------------------------------------------------------- the suite's task


def test_leave_one_kernel_out_never_trains_on_the_held_out_kernel(tc):
    groups = np.asarray(tc.group, dtype=object)
    k = list(tc.kernel)
    splits = T.loko_splits(groups)
    assert len(splits) == 17
    assert sorted(int(t[0]) for _, t in splits) == list(range(17))
    for train, test in splits:
        i = int(test[0])
        assert len(test) == 1 and i not in train
        assert tc.ir[i] not in [tc.ir[j] for j in train]  # not even its twin's identical IR
        assert tc.src[i] not in [tc.src[j] for j in train]
        assert len(train) == (15 if k[i] in ("mt", "mtLocal") else 16)


def test_pooled_protocol_leaks_by_construction():
    n = 17
    kernel, platform = T.pooled_rows(n)
    splits = T.pooled_splits(n)
    assert len(kernel) == len(splits) == 68
    for train, test in splits:
        r = int(test[0])
        assert r not in train and len(train) == 67
        # the held-out kernel is in training on the three other platforms: the leak
        assert sorted(platform[train][kernel[train] == kernel[r]]) == sorted(set(range(4)) - {platform[r]})


def test_metrics_on_hand_made_predictions(tc):
    for j in range(4):
        m = T.platform_metrics(tc.target[:, j], tc.runtime[:, j], tc.target[:, j])
        assert m["score"] == pytest.approx(100.0) and m["accuracy %"] == 100.0
        assert m["speedup geomean"] == pytest.approx(m["oracle speedup geomean"])
        assert m["speedup mean"] == pytest.approx(np.mean(tc.oracle_speedup[:, j]))
        ones = T.platform_metrics(np.ones(17, int), tc.runtime[:, j], tc.target[:, j])
        assert ones["speedup geomean"] == pytest.approx(1.0)
        assert ones["score"] == pytest.approx(100.0 / m["oracle speedup geomean"])
    # two kernels by hand: A runs 100 / 50 / 25 at factors 1 / 2 / 4 (best 4); B runs 100 / 200
    # at 1 / 2 and has no factor 4 (best 1).  Predicting 2 for A and 4 for B: B falls back to 2.
    rt = np.full((2, 6), np.nan)
    rt[0, :3] = [100, 50, 25]
    rt[1, :2] = [100, 200]
    m = T.platform_metrics([2, 4], rt, [4, 1])
    assert m["speedup geomean"] == pytest.approx(1.0)  # sqrt(2 x 0.5)
    assert m["speedup mean"] == pytest.approx(1.25)
    assert m["oracle speedup geomean"] == pytest.approx(2.0)  # sqrt(4 x 1)
    assert m["score"] == pytest.approx(50.0)  # sqrt(25/50 x 100/200) x 100
    assert m["accuracy %"] == 0.0 and m["unmeasured predictions"] == 1.0
    # nbody on Fermi: a prediction of 16 (not measured) runs at 8
    nb = list(tc.kernel).index("nbody")
    assert T.effective_factors([16, 32, 1], tc.runtime[[nb, nb, nb], 2]).tolist() == [8, 8, 1]


@pytest.mark.parametrize("head", ["logreg", "hgb"])
def test_held_out_label_never_reaches_the_head(tc, head):
    """Changing the held-out kernel's label (and its twin's) changes nothing about its
    prediction, inner tuning included."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(17, 80))  # > 64 columns: hgb's PCA path too
    groups = np.asarray(tc.group, dtype=object)
    j = PLATFORMS.index("Tahiti")
    y, rt = tc.target[:, j].copy(), tc.runtime[:, j]
    splits = T.loko_splits(groups)
    for i in (list(tc.kernel).index("mt"), list(tc.kernel).index("sgemm")):
        train, test = splits[i]
        p1, _ = T.fit_predict(X, y, rt, groups, train, test, head, seed=0)
        y2 = y.copy()
        y2[groups == groups[i]] = 32
        p2, _ = T.fit_predict(X, y2, rt, groups, train, test, head, seed=0)
        assert p1.tolist() == p2.tolist()


def test_rowspace_logreg_is_devmaps_logreg():
    import devmap

    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(16, 300)), rng.choice([1, 2, 4, 8], size=16)
    Xt = rng.normal(size=(40, 300))
    a, _ = devmap.make_head("logreg")
    b, _ = T.make_head("logreg", 300)
    for est in (a, b):
        est.set_params(clf__C=0.1, clf__tol=1e-10, clf__max_iter=100000).fit(X, y)
    assert np.allclose(a.predict_proba(Xt), b.predict_proba(Xt), atol=1e-4)


def _bag_of_ir_words(programs) -> np.ndarray:
    from sklearn.feature_extraction.text import CountVectorizer

    from sklearn_mirencoder.frontend.tokens import ir_words, normalize_ir

    docs = [" ".join(ir_words(normalize_ir(p.ir))) for p in programs]
    vec = CountVectorizer(tokenizer=str.split, token_pattern=None, lowercase=False, min_df=2)
    return np.log1p(vec.fit_transform(docs).toarray()).astype(np.float32)


def test_evaluate_end_to_end(tmp_path, monkeypatch):
    from sklearn.ensemble import HistGradientBoostingClassifier

    task = T.load(_local(), cache_dir=tmp_path, quick=False)
    assert T.NAME == "threadcoarsening" and task.name == T.NAME
    assert [p.id for p in task.programs] == sorted(p.id for p in task.programs) and len(task.programs) == 17
    assert not task.failures() and all("define" in p.ir for p in task.programs)
    defines = [ln for p in task.programs for ln in p.ir.splitlines() if ln.startswith("define")]
    assert len(defines) == 17 and all("ptr " in ln and "*" not in ln for ln in defines)  # typed pointers upgraded
    assert set(task.meta["ir2vec_input"]) == set(task.ids)
    assert any("mt and mtLocal" in n for n in task.notes)
    assert set(T.PUBLISHED) == set(PLATFORMS) and T.PUBLISHED["Tahiti"] == 1.301
    # the pooled head's 68 fits, made cheap for the test
    monkeypatch.setattr(T, "pooled_head", lambda seed=0: HistGradientBoostingClassifier(
        max_depth=1, max_iter=5, min_samples_leaf=1, early_stopping=False, random_state=seed))
    rng = np.random.default_rng(0)
    random = rng.normal(size=(17, 8)).astype(np.float32)
    random[task.ids.index("spmv")] = np.nan  # a kernel one set cannot describe: left out everywhere
    feats = {"random": random, "bag of IR words": _bag_of_ir_words(task.programs)}
    results = T.evaluate(task, feats, seeds=[0], heads=["logreg"], quick=False, n_jobs=1)
    assert all(isinstance(r, Result) and r.task == "threadcoarsening" for r in results)
    keys = sorted((r.setting, r.feature_set, r.head, r.seed) for r in results)
    expected = sorted(
        [(f"{p}/leave-one-kernel-out", T.STATIC, "-", 0) for p in PLATFORMS]
        + [(f"{p}/leave-one-kernel-out", f, "logreg", 0) for p in PLATFORMS for f in feats]
        + [(f"{p}/pooled (leaks the held-out kernel)", f, "ir2vec-gbm", 0) for p in PLATFORMS for f in feats]
    )
    assert keys == expected
    for r in results:
        assert r.metric == "% of oracle speedup" and 0 < r.score <= 100 + 1e-9
        assert r.extra["kernels"] == 16 and 0 <= r.extra["accuracy %"] <= 100
        assert r.extra["speedup geomean"] == pytest.approx(r.score / 100 * r.extra["oracle speedup geomean"])
    assert any("spmv" in n and "left out" in n for n in task.notes)
    # quick: leave-one-kernel-out only
    quick = T.evaluate(task, {"random": random}, seeds=[0, 1], heads=["logreg"], quick=True, n_jobs=1)
    assert {r.setting.split("/")[1] for r in quick} == {"leave-one-kernel-out"} and len(quick) == 2 * 4 * 2


def test_task_unavailable_and_data_lookup(tmp_path):
    from suitelib.core import TaskUnavailable

    with pytest.raises(TaskUnavailable, match="threadcoarsening-pact14"):
        T.load(tmp_path / "nowhere", cache_dir=tmp_path, quick=True)
    d = _local()
    # the task's folder, or a folder above it
    assert T.find_data(d) == d and T.find_data(d.parent.parent) == d and T.find_data(d.parent) == d
