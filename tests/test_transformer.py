"""MIRTransformer: scikit-learn conventions, pipelines and grid searches on real kernels,
determinism across backends, the error policy, and the ``mirencoder embed`` command."""

from __future__ import annotations

import io
import pickle
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.utils import estimator_checks as ec

from _model_fixtures import (  # noqa: F401  (fixtures)
    fresh_memory_one_thread,
    make,
    SMALL_PROGRAMS,
    compile_count,
    counting_compiler,
    devmap_subset,
    faulty_compiler,
    real_clang,
    tiny_model_dir,
    tiny_model_dir_b,
)
from sklearn_mirencoder.model import hub, loading
from sklearn_mirencoder.cache import clear_memory
from sklearn_mirencoder.errors import (
    CompileError,
    CompilerCrashError,
    CompileTimeoutError,
    FrontendError,
    InputError,
    ModelLoadError,
)
from sklearn_mirencoder.transformer import (
    DeviceUnavailableError,
    FailedProgramsWarning,
    MIRTransformer,
    ProgramFailure,
    WorkerCrashError,
)



# --------------------------------------------------------------------------------------
# scikit-learn's own checks that need no data


DATA_FREE_CHECKS = [
    ec.check_no_attributes_set_in_init,
    ec.check_parameters_default_constructible,
    ec.check_get_params_invariance,
    ec.check_set_params,
    ec.check_estimator_repr,
    ec.check_estimator_cloneable,
    ec.check_estimator_tags_renamed,
    ec.check_valid_tag_types,
    ec.check_mixin_order,
    ec.check_do_not_raise_errors_in_init_or_set_params,
]


@pytest.mark.parametrize("check", DATA_FREE_CHECKS, ids=lambda c: c.__name__)
def test_sklearn_data_free_checks(check):
    check("MIRTransformer", MIRTransformer(language="opencl"))


def test_tags_say_strings_and_no_fit_needed():
    tags = MIRTransformer().__sklearn_tags__()
    assert tags.input_tags.string and not tags.input_tags.two_d_array and tags.input_tags.one_d_array
    assert tags.requires_fit is False and tags.target_tags.required is False


def test_init_loads_nothing_and_validates_nothing(tiny_model_dir):
    est = MIRTransformer(model="/no/such/folder", modality="colour", n_jobs=0)  # no error here
    assert not any(k.endswith("_") or k.startswith("_") for k in vars(est))
    with pytest.raises(ValueError, match="modality"):
        est.fit()
    est = make(tiny_model_dir)
    assert not hasattr(est, "_runtime")
    est.fit()
    assert hasattr(est, "_runtime") and est.n_features_out_ == 4 * 32
    again = clone(est)
    assert not hasattr(again, "_runtime") and not hasattr(again, "n_features_out_")
    assert again.get_params() == est.get_params()


@pytest.mark.parametrize(
    "params, match",
    [
        ({"modality": "both "}, "modality"),
        ({"input": "path"}, "input"),
        ({"errors": "ignore"}, "errors"),
        ({"language": "fortran"}, "unknown language"),
        ({"language": None}, "language= is required"),
        ({"opt_flags": "-O2"}, "not a single string"),
        ({"timeout": 0}, "timeout"),
        ({"batch_size": 0}, "batch_size"),
        ({"n_jobs": 0}, "n_jobs"),
        ({"cache": 3}, "cache"),
        ({"encode_in": "gpu"}, "encode_in"),
        ({"encode_in": "workers", "device": "cuda"}, "encode_in='parent'"),
    ],
)
def test_bad_parameters_raise_at_fit(tiny_model_dir, params, match):
    est = make(tiny_model_dir, **params)
    with pytest.raises(ValueError, match=match):
        est.fit()


def test_cuda_when_unavailable_is_a_clear_error(tiny_model_dir):
    import torch

    if torch.cuda.is_available():  # pragma: no cover - CPU CI
        pytest.skip("a GPU is present")
    with pytest.raises(DeviceUnavailableError, match="no CUDA GPU"):
        make(tiny_model_dir, device="cuda").fit()
    assert make(tiny_model_dir, device="auto").fit()._runtime.device == "cpu"


def test_bundled_weights_missing_or_present(tiny_model_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(hub, "bundled_dir", lambda name="small": tmp_path / "absent")
    with pytest.raises(hub.WeightsNotInstalledError, match="installed without its bundled weights"):
        MIRTransformer(language="opencl").fit()
    monkeypatch.setattr(hub, "bundled_dir", lambda name="small": tiny_model_dir)
    est = MIRTransformer(language="opencl").fit()
    assert est.model_info_["kind"] == "bundled"
    assert est.transform(SMALL_PROGRAMS[:2]).shape == (2, 128)


# --------------------------------------------------------------------------------------
# the transform itself (ported data checks)


def test_transform_shape_dtype_names_and_fit_returns_self(tiny_model_dir):
    est = make(tiny_model_dir)
    assert est.fit(SMALL_PROGRAMS) is est
    Z = est.transform(SMALL_PROGRAMS)
    assert Z.dtype == np.float32 and Z.shape == (len(SMALL_PROGRAMS), est.n_features_out_)
    assert np.isfinite(Z).all() and len({row.tobytes() for row in Z}) == len(SMALL_PROGRAMS)
    names = est.get_feature_names_out()
    assert names.dtype == object and len(names) == Z.shape[1]
    assert list(names[:2]) == ["mir_text0", "mir_text1"] and names[-1] == "mir_fused31"
    assert sum(n.startswith("mir_graph") for n in names) == 64
    for modality, columns in [("text", slice(0, 32)), ("graph", slice(32, 96)), ("text+graph", slice(0, 96))]:
        e = make(tiny_model_dir, modality=modality)
        dim = columns.stop - columns.start
        assert e.fit_transform(SMALL_PROGRAMS[:2]).shape == (2, dim) == (2, len(e.get_feature_names_out()))
        np.testing.assert_array_equal(e.transform(SMALL_PROGRAMS[:2]), Z[:2, columns])
        assert list(e.get_feature_names_out()) == list(names[columns])
    assert est.get_params()["model"] == str(tiny_model_dir)  # fit changed no parameter


def test_unfitted_transform_and_feature_names_work(tiny_model_dir):
    est = make(tiny_model_dir)
    assert len(est.get_feature_names_out()) == 128 and not hasattr(est, "_runtime")
    Z = est.transform(SMALL_PROGRAMS[:3])
    np.testing.assert_array_equal(Z, make(tiny_model_dir).fit_transform(SMALL_PROGRAMS[:3]))


def test_order_subset_and_duplicate_invariance(tiny_model_dir):
    est = make(tiny_model_dir, cache=False)
    Z = est.fit_transform(SMALL_PROGRAMS)
    perm = [3, 0, 5, 1, 4, 2]
    np.testing.assert_allclose(est.transform([SMALL_PROGRAMS[i] for i in perm]), Z[perm], rtol=0, atol=1e-6)
    np.testing.assert_allclose(est.transform(SMALL_PROGRAMS[2:4]), Z[2:4], rtol=0, atol=1e-6)
    dup = est.transform([SMALL_PROGRAMS[1], SMALL_PROGRAMS[1], SMALL_PROGRAMS[0]])
    assert est.transform_stats_["duplicates"] == 1 and est.transform_stats_["computed"] == 2
    np.testing.assert_array_equal(dup[0], dup[1])
    np.testing.assert_allclose(dup, Z[[1, 1, 0]], rtol=0, atol=1e-6)


def test_truncation_is_reported(tiny_model_dir, tmp_path):
    """Programs longer than the model reads, or with graphs cut, are counted and named."""
    import json
    import shutil

    folder = tmp_path / "cut-model"
    shutil.copytree(tiny_model_dir, folder)
    cfg = json.loads((folder / "config.json").read_text())
    cfg.update(max_windows=2, max_graph_nodes=20)  # reads at most 64 + 48 tokens, keeps 20 nodes
    (folder / "config.json").write_text(json.dumps(cfg))
    small = "__kernel void z(__global int *a) { a[0] = 0; }"  # 54 tokens, 5 nodes
    big = SMALL_PROGRAMS[1]  # 144 tokens, 28 nodes
    est = make(folder, cache=False)
    Z = est.fit_transform([small, big, big])
    assert np.isfinite(Z).all()
    st = est.transform_stats_
    assert st["text_partial"] == 1 and st["graph_cut"] == 1  # one computation for the two copies
    assert est.truncated_ == {"text": [1, 2], "graph": [1, 2]}
    full = make(tiny_model_dir, cache=False)
    full.fit_transform([big])
    assert full.transform_stats_["text_partial"] == 0 and full.truncated_ == {"text": [], "graph": []}
    # served from the cache (memory, then a folder in a fresh process's place): still reported
    cached = make(folder, cache=tmp_path / "cache")
    cached.fit_transform([big, small])
    assert cached.truncated_ == {"text": [0], "graph": [0]} and cached.transform_stats_["computed"] == 2
    cached.transform([small, big])
    assert cached.transform_stats_["memory_hits"] == 2 and cached.truncated_ == {"text": [1], "graph": [1]}
    clear_memory()
    cached.transform([small, small, big])
    st = cached.transform_stats_
    assert st["disk_hits"] == 3 and st["text_partial"] == st["graph_cut"] == 1
    assert cached.truncated_ == {"text": [2], "graph": [2]}


def test_input_kinds(tiny_model_dir, tmp_path):
    paths = []
    for i, src in enumerate(SMALL_PROGRAMS[:3]):
        p = tmp_path / f"k{i}.cl"
        p.write_text(src)
        paths.append(p)
    ref = make(tiny_model_dir).fit_transform(SMALL_PROGRAMS[:3])
    est = MIRTransformer(model=str(tiny_model_dir), input="filename")  # language from the extension
    np.testing.assert_allclose(est.fit_transform(paths), ref, atol=1e-6)
    np.testing.assert_allclose(est.transform([str(p) for p in paths]), ref, atol=1e-6)
    with open(paths[0], "rb") as f0, open(paths[1], "rb") as f1:
        Z = MIRTransformer(model=str(tiny_model_dir), input="file").fit_transform([f0, f1])
    np.testing.assert_allclose(Z, ref[:2], atol=1e-6)
    Z = make(tiny_model_dir, input="file").fit_transform([io.BytesIO(SMALL_PROGRAMS[2].encode())])
    np.testing.assert_allclose(Z, ref[2:], atol=1e-6)
    bytes_in = make(tiny_model_dir).fit_transform([s.encode() for s in SMALL_PROGRAMS[:3]])
    np.testing.assert_array_equal(bytes_in, ref)
    # containers: numpy, pandas Series, one-column DataFrame
    pd = pytest.importorskip("pandas")
    arr = np.array(SMALL_PROGRAMS[:3], dtype=object)
    np.testing.assert_array_equal(make(tiny_model_dir).fit_transform(arr), ref)
    np.testing.assert_array_equal(make(tiny_model_dir).fit_transform(pd.Series(SMALL_PROGRAMS[:3])), ref)
    np.testing.assert_array_equal(make(tiny_model_dir).fit_transform(pd.DataFrame({"src": SMALL_PROGRAMS[:3]})), ref)
    # LLVM IR input needs no compiler
    from sklearn_mirencoder.frontend.ir import to_ir

    ir = [to_ir(s, language="opencl").text for s in SMALL_PROGRAMS[:3]]
    np.testing.assert_allclose(make(tiny_model_dir, language="llvm-ir").fit_transform(ir), ref, atol=1e-6)
    with pytest.raises(ValueError, match="single str"):
        make(tiny_model_dir).fit_transform(SMALL_PROGRAMS[0])
    missing = MIRTransformer(model=str(tiny_model_dir), input="filename", errors="nan")
    with pytest.warns(FailedProgramsWarning):
        Z = missing.fit_transform([paths[0], tmp_path / "nope.cl", tmp_path / "x.f90"])
    assert np.isnan(Z[1:]).all() and np.isfinite(Z[0]).all()
    assert [f.error for f in missing.failures_] == ["InputError", "InputError"]
    assert "sample 1 (" in missing.failures_[0].message and "nope.cl" in missing.failures_[0].message
    assert "extension" in missing.failures_[1].message


def test_clone_pickle_and_unpickled_transform(tiny_model_dir):
    est = make(tiny_model_dir, cache=False).fit()
    Z = est.transform(SMALL_PROGRAMS)
    blob = pickle.dumps(est)
    assert len(blob) < 10_000  # parameters and fitted attributes only, no weights
    loading.clear_loaded_models()
    again = pickle.loads(blob)
    assert not hasattr(again, "_runtime") and again.n_features_out_ == est.n_features_out_
    np.testing.assert_array_equal(again.transform(SMALL_PROGRAMS), Z)
    c = clone(again)
    assert not hasattr(c, "_runtime") and not hasattr(c, "model_info_")
    np.testing.assert_array_equal(c.fit_transform(SMALL_PROGRAMS), Z)


def test_fitted_weights_changed_on_disk_is_an_error(tiny_model_dir, tiny_model_dir_b, tmp_path):
    import shutil

    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    est = make(folder).fit()
    blob = pickle.dumps(est)
    for name in hub.MODEL_FILES:
        shutil.copy(tiny_model_dir_b / name, folder / name)
    with pytest.raises(ModelLoadError, match="not the ones this transformer was fitted with"):
        pickle.loads(blob).transform(SMALL_PROGRAMS[:1])
    assert make(folder).fit().transform(SMALL_PROGRAMS[:1]).shape == (1, 128)  # refitting is fine


def test_set_output_pandas(tiny_model_dir):
    pd = pytest.importorskip("pandas")
    est = make(tiny_model_dir).set_output(transform="pandas")
    X = pd.Series(SMALL_PROGRAMS[:3], index=["a", "b", "c"])
    df = est.fit_transform(X)
    assert isinstance(df, pd.DataFrame) and list(df.index) == ["a", "b", "c"]
    assert list(df.columns) == list(est.get_feature_names_out())
    assert isinstance(est.transform(SMALL_PROGRAMS[:2]), pd.DataFrame)


# --------------------------------------------------------------------------------------
# pipelines and grid searches on real kernels


def test_pipeline_grid_search_embeds_each_program_once(tiny_model_dir, devmap_subset, counting_compiler):
    X, y = devmap_subset
    assert len(X) >= 36 and set(y) == {"CPU", "GPU"}
    compiler, log = counting_compiler
    pipe = Pipeline([("emb", make(tiny_model_dir, compiler=compiler)), ("clf", LogisticRegression(max_iter=300))])
    grid = [
        {"clf": [LogisticRegression(max_iter=300)], "clf__C": [0.1, 1.0]},
        {"clf": [HistGradientBoostingClassifier(max_iter=15, min_samples_leaf=3)]},
    ]
    search = GridSearchCV(pipe, grid, cv=StratifiedKFold(3, shuffle=True, random_state=0), n_jobs=1)
    search.fit(X, y)
    # 3 candidates x 3 folds (fit on the training part, predict on the test part) + the
    # refit, each a fresh clone: still every distinct program went through clang once
    assert compile_count(log) == len(set(X))
    assert 0.0 <= search.best_score_ <= 1.0
    assert search.predict(X[:5]).shape == (5,)
    assert compile_count(log) == len(set(X))


def test_pipeline_memory_alone_caches_the_embedding_step(tiny_model_dir, counting_compiler, tmp_path):
    compiler, log = counting_compiler
    X, y = SMALL_PROGRAMS, [0, 1, 0, 1, 0, 1]
    pipe = Pipeline(
        [("emb", make(tiny_model_dir, compiler=compiler, cache=False)), ("clf", LogisticRegression())],
        memory=str(tmp_path / "m"),
    )
    pipe.fit(X, y)
    assert compile_count(log) == len(X)
    clone(pipe).fit(X, y)  # Pipeline(memory=) hashes the (weight-free) transformer: no recompute
    assert compile_count(log) == len(X)
    assert clone(pipe).fit(X, y).predict(X[:2]).shape == (2,)  # predict transforms: cache=False recomputes
    assert compile_count(log) == len(X) + 2


# --------------------------------------------------------------------------------------
# determinism across runs and backends


def test_deterministic_across_runs_jobs_and_dask(tiny_model_dir, devmap_subset):
    X = SMALL_PROGRAMS + devmap_subset[0][:4]
    ref = make(tiny_model_dir, cache=False, n_jobs=1).fit_transform(X)
    np.testing.assert_array_equal(make(tiny_model_dir, cache=False, n_jobs=1).fit_transform(X), ref)
    np.testing.assert_array_equal(make(tiny_model_dir, cache=False, n_jobs=2).fit_transform(X), ref)
    # the model in the parent (batches) or in the workers (one program at a time): the same bits
    for n_jobs in (1, 2):
        for where in ("parent", "workers"):
            Z = make(tiny_model_dir, cache=False, n_jobs=n_jobs, encode_in=where).fit_transform(X)
            np.testing.assert_array_equal(Z, ref, err_msg=f"n_jobs={n_jobs}, encode_in={where}")

    distributed = pytest.importorskip("distributed")
    from joblib import parallel_config

    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None, silence_logs=40
    ) as cluster, distributed.Client(cluster) as client:
        est = make(tiny_model_dir, cache=False)  # n_jobs=None: the active backend decides
        with parallel_config("dask"):
            Z = est.fit_transform(X)
        # the front end really ran on the cluster's workers, and so did the model (encode_in="auto")
        assert any(client.run(lambda: "sklearn_mirencoder.frontend" in __import__("sys").modules).values())
        assert any(client.run(lambda: len(__import__("sklearn_mirencoder.model.loading").model.loading._MODELS)).values())
    np.testing.assert_array_equal(Z, ref)


def test_auto_encodes_in_workers_only_with_several_workers_on_cpu(tiny_model_dir):
    from joblib import parallel_config

    rt = make(tiny_model_dir).fit()._runtime
    assert not make(tiny_model_dir)._encode_in_workers(rt)  # n_jobs=None: one job
    assert make(tiny_model_dir, n_jobs=2)._encode_in_workers(rt)
    assert not make(tiny_model_dir, n_jobs=2, encode_in="parent")._encode_in_workers(rt)
    assert make(tiny_model_dir, encode_in="workers")._encode_in_workers(rt)
    with parallel_config(n_jobs=2):
        assert make(tiny_model_dir)._encode_in_workers(rt)
    assert not make(tiny_model_dir, n_jobs=2)._encode_in_workers(rt._replace(device="cuda"))


def test_worker_model_finds_the_same_weights_or_says_what_to_do(tiny_model_dir, tmp_path):
    import shutil

    from sklearn_mirencoder.embedding.encoding import EncoderSpec as _EncoderSpec
    from sklearn_mirencoder.embedding.encoding import worker_model as _worker_model

    digest = hub.weights_digest(tiny_model_dir)
    loading.clear_loaded_models()
    spec = _EncoderSpec("folder", str(tiny_model_dir), None, None, digest, "both", False)
    model = _worker_model(spec)
    assert _worker_model(spec) is model  # once per process
    loading.clear_loaded_models()
    gone = tmp_path / "elsewhere"
    with pytest.raises(ModelLoadError, match=r"cannot be read by the worker.*encode_in='parent'"):
        _worker_model(spec._replace(path=str(gone)))
    copy = tmp_path / "copy"
    shutil.copytree(tiny_model_dir, copy)
    with pytest.raises(ModelLoadError, match="other weights"):
        _worker_model(spec._replace(path=str(copy), digest="0" * 64))
    for name in hub.BUNDLED_MODELS:  # a bundled model is found again, by its name, in this installation
        if hub.bundled_dir(name).is_dir():
            bundled = hub.resolve_model("bundled:" + name)
            spec_b = _EncoderSpec("bundled", str(gone / name), None, None, hub.weights_digest(bundled.path), "both", False)
            assert _worker_model(spec_b).config == loading.load_config(bundled)
    loading.clear_loaded_models()


def test_a_model_that_cannot_load_in_the_workers_raises(tiny_model_dir, monkeypatch):
    from sklearn_mirencoder.embedding import worker

    def boom(spec):
        raise ModelLoadError("no weights here")

    monkeypatch.setattr(worker, "worker_model", boom)
    with pytest.raises(ModelLoadError, match="no weights here"):  # not a sample's failure, not a NaN row
        make(tiny_model_dir, cache=False, encode_in="workers", errors="nan").fit_transform(SMALL_PROGRAMS[:2])


def test_a_new_inference_revision_misses_the_vectors_cached_before(tiny_model_dir, monkeypatch, tmp_path):
    """Vectors computed by an older inference arithmetic are not served from the cache."""
    from sklearn_mirencoder import transformer

    X = SMALL_PROGRAMS[:2]
    first = make(tiny_model_dir, cache=str(tmp_path))
    Z = first.fit_transform(X)
    again = make(tiny_model_dir, cache=str(tmp_path))
    again.fit_transform(X)
    assert again.transform_stats_["disk_hits"] + again.transform_stats_["memory_hits"] == len(X)
    monkeypatch.setattr(transformer, "INFERENCE_REVISION", transformer.INFERENCE_REVISION + 1)
    later = make(tiny_model_dir, cache=str(tmp_path))
    np.testing.assert_array_equal(later.fit_transform(X), Z)  # the same arithmetic here, recomputed
    assert later.transform_stats_["computed"] == len(X)


# --------------------------------------------------------------------------------------
# another graph builder


def test_graph_builder_swaps_the_graph_in_workers_and_the_cache_key(tiny_model_dir):
    from _builders import ControlFlowOnly, UnknownKinds

    from sklearn_mirencoder.frontend.graph import register_graph_builder

    X = SMALL_PROGRAMS[:4]
    default = make(tiny_model_dir, cache=False).fit_transform(X)
    est = make(tiny_model_dir, graph_builder=ControlFlowOnly())
    Z = est.fit_transform(X)
    h = 32  # the tiny model: text 32, graph 64, fused 32
    np.testing.assert_array_equal(Z[:, :h], default[:, :h])  # the text part does not use the graph
    assert not np.allclose(Z[:, h : 3 * h], default[:, h : 3 * h])
    # the builder goes to the worker processes, the model too: the same bits
    np.testing.assert_array_equal(make(tiny_model_dir, cache=False, graph_builder=ControlFlowOnly(), n_jobs=2)
                                  .fit_transform(X), Z)
    # by registered name (resolved in the calling process, so workers need not know the name)
    register_graph_builder("cfo-test", ControlFlowOnly)
    np.testing.assert_array_equal(make(tiny_model_dir, cache=False, graph_builder="cfo-test", n_jobs=2)
                                  .fit_transform(X), Z)
    # the builder and its settings are part of the cache key; the text modality ignores it
    again = make(tiny_model_dir)
    np.testing.assert_array_equal(again.fit_transform(X), default)
    assert again.transform_stats_["memory_hits"] == 0
    other = make(tiny_model_dir, graph_builder=ControlFlowOnly(keep_data=True))
    other.fit_transform(X)
    assert other.transform_stats_["memory_hits"] == 0
    est.transform(X)
    assert est.transform_stats_["memory_hits"] == len(X)
    make(tiny_model_dir, modality="text").fit_transform(X)
    text = make(tiny_model_dir, modality="text", graph_builder=ControlFlowOnly())
    text.fit_transform(X)
    assert text.transform_stats_["memory_hits"] == len(X)
    # clone and pickle keep the builder
    assert isinstance(pickle.loads(pickle.dumps(est)).graph_builder, ControlFlowOnly)
    assert clone(est).get_params()["graph_builder"].keep_data is False

    # a builder that breaks the graph contract fails per sample, and is not remembered for others
    fresh = SMALL_PROGRAMS[4:6]
    bad = make(tiny_model_dir, graph_builder=UnknownKinds(), errors="nan")
    with pytest.warns(FailedProgramsWarning):
        Zb = bad.fit_transform(fresh)
    assert np.isnan(Zb).all() and {f.error for f in bad.failures_} == {"GraphError"}
    assert "unknown node kind" in bad.failures_[0].message and bad.failures_[0].message.startswith("sample 0")
    assert np.isfinite(make(tiny_model_dir).fit_transform(fresh)).all()  # the default builder is not refused


@pytest.mark.parametrize("builder, error", [("no-such-builder", ValueError), (42, TypeError)])
def test_bad_graph_builder_raises_at_fit(tiny_model_dir, builder, error):
    with pytest.raises(error, match="graph_builder"):
        make(tiny_model_dir, graph_builder=builder).fit()


# --------------------------------------------------------------------------------------
# the error policy


def _bad_mix():
    good = SMALL_PROGRAMS
    return [
        good[0],
        "__kernel void broken(__global float *x) { x[0] = ; }",  # invalid OpenCL
        "",  # empty
        good[1] + "\n// MIRENCODER_SLEEP\n",  # clang hangs: a timeout
        good[2] + "\n// MIRENCODER_SEGV\n",  # clang dies of SIGSEGV
        good[3],
    ]


def test_errors_nan_keeps_rows_in_place(tiny_model_dir, faulty_compiler):
    X = _bad_mix()
    est = make(tiny_model_dir, compiler=faulty_compiler, timeout=3, errors="nan")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Z = est.fit_transform(X)
    ours = [w for w in caught if issubclass(w.category, FailedProgramsWarning)]
    assert len(ours) == 1 and "4 of 6 programs" in str(ours[0].message)
    assert Z.shape == (6, 128)
    assert np.isnan(Z[1:5]).all() and np.isfinite(Z[[0, 5]]).all()
    good = make(tiny_model_dir).fit_transform([SMALL_PROGRAMS[0], SMALL_PROGRAMS[3]])
    np.testing.assert_allclose(Z[[0, 5]], good, atol=1e-6)
    assert [(f.index, f.error) for f in est.failures_] == [
        (1, "CompileError"),
        (2, "InputError"),
        (3, "CompileTimeoutError"),
        (4, "CompilerCrashError"),
    ]
    assert all(isinstance(f, ProgramFailure) and f.message.startswith(f"sample {f.index}") for f in est.failures_)
    assert "SIGSEGV" in est.failures_[3].message and "timeout" in est.failures_[2].message


_BAD = {
    "__kernel void broken(__global float *x) { x[0] = ; }": "CompileError",
    "": "InputError",
    "  \n": "InputError",
}


@pytest.fixture(scope="module")
def small_programs_embedded(tiny_model_dir):
    """SMALL_PROGRAMS embedded with the tiny model, no cache."""
    return make(tiny_model_dir, cache=False).fit_transform(SMALL_PROGRAMS)


@settings(max_examples=25)
@given(picks=st.lists(st.integers(0, len(SMALL_PROGRAMS) + len(_BAD) - 1), min_size=1, max_size=10))
def test_errors_nan_never_drops_or_reorders_rows(tiny_model_dir, small_programs_embedded, picks):
    """Any mix of good and bad programs, repeats included: one row per input in input order,
    NaN exactly where the input is bad, each good row bitwise its program's embedding."""
    pool = SMALL_PROGRAMS + list(_BAD)
    X = [pool[i] for i in picks]
    ref = small_programs_embedded
    est = make(tiny_model_dir, errors="nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FailedProgramsWarning)
        Z = est.fit_transform(X)
    assert Z.shape == (len(X), ref.shape[1]) and Z.dtype == np.float32
    is_bad = [i >= len(SMALL_PROGRAMS) for i in picks]
    assert [f.index for f in est.failures_] == [k for k, b in enumerate(is_bad) if b]
    assert [f.error for f in est.failures_] == [_BAD[pool[i]] for i in picks if i >= len(SMALL_PROGRAMS)]
    for k, i in enumerate(picks):
        if is_bad[k]:
            assert np.isnan(Z[k]).all()
        else:
            np.testing.assert_array_equal(Z[k], ref[i])


def test_errors_raise_names_the_sample(tiny_model_dir, faulty_compiler):
    X = _bad_mix()
    est = make(tiny_model_dir, compiler=faulty_compiler, timeout=3)
    with pytest.raises(CompileError, match=r"^sample 1: .*rejected") as info:
        est.fit_transform(X)
    assert info.value.index == 1 and "errors='nan'" in str(info.value)
    with pytest.raises(InputError, match=r"^sample 0: .*empty"):
        est.transform(X[2:])
    with pytest.raises(CompilerCrashError, match=r"^sample 1: .*SIGSEGV"):
        est.transform([X[0], X[4]])
    with pytest.raises(CompileTimeoutError, match=r"^sample 0: "):
        make(tiny_model_dir, compiler=faulty_compiler, timeout=1).fit_transform([X[3]])


def test_compile_ahead_thread_keeps_order_errors_and_its_bound(tiny_model_dir, monkeypatch):
    """In one process clang runs ahead in a thread: the results come in task order, equal to
    running each task alone, a compile error stays with its sample, at most ``ahead``
    programs are compiled beyond the one handed out, and closing the generator cancels the
    rest."""
    import threading
    import time

    from sklearn_mirencoder.frontend import compile as compile_module
    from sklearn_mirencoder.model.hub import resolve_model
    from sklearn_mirencoder.model.loading import load_model
    from sklearn_mirencoder.embedding.frontend_stage import frontend_in_process as _frontend_in_process
    from sklearn_mirencoder.embedding.worker import Task as _Task
    from sklearn_mirencoder.embedding.worker import WorkerContext as _WorkerContext
    from sklearn_mirencoder.embedding.worker import frontend_task as _frontend_task

    model = load_model(resolve_model(str(tiny_model_dir)), device="cpu")
    ctx = _WorkerContext(model.tokenizer, model.config, None, None, (), 60.0)
    sources = list(SMALL_PROGRAMS[:3]) + ["__kernel void broken(__global float *x) { x[0] = ; }"]
    sources += list(SMALL_PROGRAMS[3:6])
    tasks = [_Task(f"k{i}", f"p{i}", f"sample {i}", "opencl", src.encode()) for i, src in enumerate(sources)]
    alone = [_frontend_task(t, ctx) for t in tasks]

    started = []
    real = compile_module.compile_source

    def recording(*args, **kw):
        started.append((kw["name"], threading.current_thread().name))
        return real(*args, **kw)

    monkeypatch.setattr(compile_module, "compile_source", recording)
    got = list(_frontend_in_process(tasks, ctx, ahead=2))
    assert [t.name for t, _ in got] == [t.name for t in tasks]
    assert [name for name, _ in started] == [t.name for t in tasks]  # clang ran them in order
    assert all(thread.startswith("mirencoder-clang") for _, thread in started)
    for (_, result), ref in zip(got, alone):
        assert result[0] == ref[0]
        if result[0] == "ok":
            np.testing.assert_array_equal(result[1].token_ids, ref[1].token_ids)
            np.testing.assert_array_equal(result[1].edge_index, ref[1].edge_index)
            assert result[2] == ref[2]
    assert isinstance(got[3][1][1], CompileError) and got[3][1][1].sample == "sample 3"

    started.clear()
    gen = _frontend_in_process(tasks, ctx, ahead=2)
    next(gen)
    time.sleep(1.0)
    assert len(started) <= 3  # the one handed out and two ahead
    gen.close()
    deadline = time.monotonic() + 30
    while any(t.name.startswith("mirencoder-clang") for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(t.name.startswith("mirencoder-clang") for t in threading.enumerate())
    assert len(started) <= 3  # no compile started after the close


def test_killed_worker_costs_one_sample(tiny_model_dir, faulty_compiler):
    X = list(SMALL_PROGRAMS[:2]) + [SMALL_PROGRAMS[2] + "\n// MIRENCODER_KILL_WORKER\n"] + list(SMALL_PROGRAMS[3:])
    est = make(tiny_model_dir, compiler=faulty_compiler, n_jobs=2, errors="nan", cache=False)
    with pytest.warns(FailedProgramsWarning, match="1 of 6"):
        Z = est.fit_transform(X)
    assert np.isnan(Z[2]).all() and np.isfinite(np.delete(Z, 2, axis=0)).all()
    assert [(f.index, f.error) for f in est.failures_] == [(2, "WorkerCrashError")]
    ref = make(tiny_model_dir).fit_transform([x for i, x in enumerate(X) if i != 2])
    np.testing.assert_allclose(np.delete(Z, 2, axis=0), ref, atol=1e-6)
    assert issubclass(WorkerCrashError, FrontendError)


# --------------------------------------------------------------------------------------
# the command line


def test_cli_embed_writes_npy_csv_parquet(tiny_model_dir, tmp_path, capsys):
    from sklearn_mirencoder.cli import main

    folder = tmp_path / "kernels"
    folder.mkdir()
    files = []
    for i, src in enumerate(SMALL_PROGRAMS[:3]):
        (folder / f"k{i}.cl").write_text(src)
        files.append(str(folder / f"k{i}.cl"))
    ref = make(tiny_model_dir).fit_transform(SMALL_PROGRAMS[:3])
    out = tmp_path / "emb.npy"
    assert main(["embed", *files, "-o", str(out), "--model", str(tiny_model_dir), "-q"]) == 0
    np.testing.assert_allclose(np.load(out), ref, atol=1e-6)
    assert main(["embed", *files, "-o", str(out), "--model", str(tiny_model_dir), "-q", "--encode-in", "workers",
                 "--no-cache"]) == 0
    np.testing.assert_array_equal(np.load(out), ref)
    (folder / "common.h").write_text("#define N 4\n")  # a header in the folder is not a program
    out = tmp_path / "emb.csv"
    assert main(["embed", str(folder), "-o", str(out), "--model", str(tiny_model_dir), "--modality", "text"]) == 0
    lines = out.read_text().splitlines()
    assert lines[0].startswith("file,mir_text0,mir_text1") and len(lines) == 4 and lines[1].startswith(files[0])
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    bad = tmp_path / "bad.cl"
    bad.write_text("__kernel void f( {")
    out = tmp_path / "emb.parquet"
    rc = main(["embed", files[0], str(bad), "-o", str(out), "--model", str(tiny_model_dir), "--errors", "nan", "-j", "1"])
    assert rc == 1  # written, but a program failed
    df = pd.read_parquet(out)
    assert list(df["file"]) == [files[0], str(bad)] and df.shape == (2, 129)
    assert df.iloc[1, 1:].isna().all() and np.allclose(df.iloc[0, 1:].to_numpy(float), ref[0], atol=1e-6)
    assert "FAILED CompileError" in capsys.readouterr().err
    assert main(["embed", str(bad), "-o", str(tmp_path / "x.npy"), "--model", str(tiny_model_dir)]) == 1
    assert not (tmp_path / "x.npy").exists()
    assert main(["embed", files[0], "-o", str(tmp_path / "x.txt"), "--model", str(tiny_model_dir)]) == 2


def test_cli_info_prints_the_weights(tiny_model_dir, capsys):
    from sklearn_mirencoder.cli import main

    assert main(["info", "--model", str(tiny_model_dir)]) == 0
    out = capsys.readouterr().out
    assert f"weights: folder {tiny_model_dir}" in out and "config: tiny" in out and "parameters" in out


def test_max_source_bytes_limits_each_program(tiny_model_dir, tmp_path):
    big = SMALL_PROGRAMS[0] + "\n" + "// padding\n" * 200
    est = make(tiny_model_dir, max_source_bytes=len(SMALL_PROGRAMS[0]) + 10, errors="nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Z = est.fit_transform([SMALL_PROGRAMS[0], big])
    assert np.isfinite(Z[0]).all() and np.isnan(Z[1]).all()
    (failure,) = est.failures_
    assert failure.index == 1 and failure.error == "InputError" and "max_source_bytes=" in failure.message
    path = tmp_path / "big.cl"
    path.write_text(big)
    with pytest.raises(InputError, match="over the limit"):
        make(tiny_model_dir, input="filename", language=None, max_source_bytes=100).fit_transform([str(path)])
    Z = make(tiny_model_dir, max_source_bytes=None).fit_transform([big])  # no limit
    assert np.isfinite(Z).all()
    with pytest.raises(ValueError, match="max_source_bytes"):
        make(tiny_model_dir, max_source_bytes=0).fit()


def test_the_distilled_bundled_model_shares_the_graph_part_and_keeps_its_name():
    if not all(hub.bundled_dir(n).is_dir() for n in hub.BUNDLED_MODELS):
        pytest.skip("this installation has no bundled weights")
    source = hub.resolve_model("bundled:small-distilled")
    assert (source.kind, source.name, source.reference()) == ("bundled", "small-distilled", ("bundled:small-distilled", None))
    assert "'small-distilled'" in str(source) and hub.resolve_model(None).reference() == (None, None)
    with pytest.raises(ModelLoadError, match="no such bundled model.*'bundled:small-distilled'"):
        hub.resolve_model("bundled:large")
    with pytest.raises(ValueError, match="revision="):
        hub.resolve_model("bundled:small", revision="main")
    fast = MIRTransformer(model="bundled:small-distilled", language="opencl")
    Z = fast.fit_transform(SMALL_PROGRAMS)
    ref = MIRTransformer(language="opencl").fit_transform(SMALL_PROGRAMS)
    assert fast.model_info_["kind"] == "bundled" and fast.model_info_["digest"] != hub.weights_digest(hub.bundled_dir())
    np.testing.assert_array_equal(Z[:, 256:768], ref[:, 256:768])  # the teacher's graph encoder, unchanged
    text = (Z[:, :256] * ref[:, :256]).sum(1) / np.linalg.norm(Z[:, :256], axis=1) / np.linalg.norm(ref[:, :256], axis=1)
    assert text.min() > 0.98
    again = pickle.loads(pickle.dumps(clone(fast))).fit()
    assert again.model_info_["digest"] == fast.model_info_["digest"]
    np.testing.assert_array_equal(again.transform(SMALL_PROGRAMS[:2]), Z[:2])
