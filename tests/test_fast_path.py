"""The CPU fast path (``precision="int8"``, the default on a CPU) and the token budget
(``max_windows``): exact integer products, vectors close to full precision on real programs,
bitwise determinism, and the parameters' checks and cache keys."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from _model_fixtures import *  # noqa: F401,F403  (fixtures)
from _model_fixtures import make
from sklearn_mirencoder.model import quantize
from sklearn_mirencoder.model.quantize import Int8Linear, quantize_int8

PROGRAMS = Path(__file__).parent / "programs"

#: The stated tolerance of the fast path against float32, per program and per part of the
#: ``both`` vector (text, graph, fused): cosine at least this...
MIN_COSINE = 0.999
#: ... and a relative L2 error at most this (measured on the 196 devmap kernels clang 22
#: compiles: cosine >= 0.99997, relative error <= 0.7%).
MAX_RELATIVE_ERROR = 0.02

finite = st.floats(-50, 50, allow_nan=False, width=32)


@settings(max_examples=40, deadline=None)
@given(
    w=arrays(np.float32, (12, 40), elements=finite),
    x=arrays(np.float32, (20, 40), elements=finite),
    bias=st.booleans(),
)
def test_int8_linear_is_exact_row_independent_and_close(w, x, bias):
    b = torch.linspace(-1, 1, 12) if bias else None
    lin = Int8Linear(torch.from_numpy(w), b)
    xs = torch.from_numpy(x)
    y = lin(xs)  # 20 rows: torch._int_mm where this torch has it
    # a row's output depends on that row alone, bitwise (here through the float fallback)
    for i in (0, 7, 19):
        assert torch.equal(lin(xs[i : i + 1])[0], y[i])
    # close to the float product: per row, the error is bounded by the two roundings
    ref = xs @ torch.from_numpy(w).T + (b if b is not None else 0)
    bound = (xs.abs().amax(1, keepdim=True) * torch.from_numpy(w).abs().amax(1) * 40 / 127 + 1e-4)
    assert bool(((y - ref).abs() <= bound).all())


def test_integer_product_paths_agree_bitwise(monkeypatch):
    g = torch.Generator().manual_seed(0)
    lin = Int8Linear(torch.randn(64, 1024, generator=g), torch.randn(64, generator=g))
    x = torch.randn(48, 1024, generator=g) * 3
    fast = lin(x)
    monkeypatch.setattr(quantize, "_INT_MM", False)  # the float32 route: integers below 2**24, exact
    assert torch.equal(lin(x), fast)


def test_int8_linear_refuses_widths_it_cannot_sum_exactly():
    with pytest.raises(ValueError, match="exactly"):
        Int8Linear(torch.zeros(2, 2048), None)


@pytest.fixture(scope="module")
def bundled():
    from sklearn_mirencoder.model.hub import resolve_model
    from sklearn_mirencoder.errors import ModelLoadError

    try:
        return resolve_model(None)
    except ModelLoadError as exc:
        pytest.skip(f"no bundled weights: {exc}")


def test_quantize_int8_copies_and_marks_the_model(bundled):
    from sklearn_mirencoder.model.encoder import MIREncoder

    model = MIREncoder.from_pretrained(bundled.path)
    q = quantize_int8(model)
    assert q.precision == "int8" and model.precision == "float32"
    assert isinstance(model.text.layers.layers[0].linear1, torch.nn.Linear)  # the original is untouched
    assert isinstance(q.text.layers.layers[0].linear1, Int8Linear)
    assert sum(isinstance(m, Int8Linear) for m in q.modules()) == 4 * 4 + 1 + 3 * 4 + 2  # text layers, node input, graph layers, projections


def _real_programs(devmap_subset) -> tuple[list[str], list[str]]:
    files = sorted(PROGRAMS.glob("*.c")) + sorted(PROGRAMS.glob("*.cu"))
    return [str(f) for f in files] + devmap_subset[0][:12], ["file"] * len(files) + ["opencl"] * 12


def _embed(items, kinds, **kw):
    from sklearn_mirencoder.transformer import MIRTransformer

    files = [x for x, k in zip(items, kinds) if k == "file"]
    kernels = [x for x, k in zip(items, kinds) if k == "opencl"]
    a = MIRTransformer(input="filename", cache=False, **kw).fit_transform(files)
    b = MIRTransformer(language="opencl", cache=False, **kw).fit_transform(kernels)
    return np.vstack([a, b])


def test_fast_path_is_close_to_float32_on_real_programs(bundled, devmap_subset):
    items, kinds = _real_programs(devmap_subset)
    full = _embed(items, kinds, precision="float32")
    fast = _embed(items, kinds)  # the default on a CPU: int8
    assert fast.shape == full.shape and np.isfinite(fast).all()
    assert not np.array_equal(fast, full)  # really another path
    h = 256
    for part, cols in {"text": slice(0, h), "graph": slice(h, 3 * h), "fused": slice(3 * h, None)}.items():
        a, b = fast[:, cols], full[:, cols]
        cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
        rel = np.linalg.norm(a - b, axis=1) / np.linalg.norm(b, axis=1)
        assert cos.min() >= MIN_COSINE, (part, cos.min())
        assert rel.max() <= MAX_RELATIVE_ERROR, (part, rel.max())


def test_fast_path_is_bitwise_deterministic_across_runs_jobs_and_threads(bundled, devmap_subset):
    items, kinds = _real_programs(devmap_subset)
    items, kinds = items[:4] + items[-6:], kinds[:4] + kinds[-6:]
    ref = _embed(items, kinds, precision="int8", n_jobs=1)
    np.testing.assert_array_equal(_embed(items, kinds, precision="int8", n_jobs=1), ref)
    Z = _embed(items, kinds, precision="int8", n_jobs=2)  # the model in the workers, one program at a time
    np.testing.assert_array_equal(Z, ref)
    torch.set_num_threads(2)  # the graph part uses every thread on this path
    np.testing.assert_array_equal(_embed(items, kinds, precision="int8", n_jobs=1), ref)


def test_precision_and_budget_are_checked_at_fit(tiny_model_dir):
    for params, match in [
        ({"precision": "fp16"}, "precision must be one of"),
        ({"precision": "int8", "device": "cuda"}, "CPU only"),
        ({"max_windows": 0}, "max_windows"),
        ({"max_windows": 2.5}, "max_windows"),
        ({"max_windows": True}, "max_windows"),
    ]:
        with pytest.raises(ValueError, match=match):
            make(tiny_model_dir, **params).fit()


def test_fitted_info_names_the_precision(tiny_model_dir):
    assert make(tiny_model_dir).fit().model_info_["precision"] == "int8"
    assert make(tiny_model_dir, precision="float32").fit().model_info_["precision"] == "float32"


def test_precision_and_budget_are_part_of_the_cache_key(tiny_model_dir, tmp_path):
    X = ["__kernel void k(__global float* a) { a[get_global_id(0)] *= 2.0f; }"]
    fast = make(tiny_model_dir, cache=str(tmp_path)).fit_transform(X)
    full = make(tiny_model_dir, cache=str(tmp_path), precision="float32").fit_transform(X)
    assert not np.array_equal(fast, full)
    np.testing.assert_array_equal(make(tiny_model_dir, cache=False, precision="float32").fit_transform(X), full)
    est = make(tiny_model_dir, cache=str(tmp_path), max_windows=1)
    est.fit_transform(X)
    assert est.transform_stats_["computed"] == 1  # not served the vector read with more windows


def test_max_windows_budget_reads_evenly_spaced_windows(tiny_model_dir):
    from sklearn_mirencoder.model.featurize import window_starts

    body = "".join(f"  a[{i}] = a[{i + 1}] * {i}.5f + b[{i}];\n" for i in range(3))  # about 300 tokens: 6 windows of the tiny model
    X = ["__kernel void k(__global float* a, __global float* b) {\n" + body + "}"]
    full = make(tiny_model_dir, cache=False)
    Z = full.fit_transform(X)
    budget = make(tiny_model_dir, cache=False, max_windows=2)
    Zb = budget.fit_transform(X)
    config = budget._load().model.config
    assert config.max_windows == 2 and full._load().model.config.max_windows > 2
    assert budget.truncated_["text"] == [0] and full.truncated_["text"] == []
    assert not np.array_equal(Z, Zb)
    # the windows kept: the first, the last, none between
    starts = window_starts(10_000, config.window, config.stride, 2)
    assert starts[0] == 0 and starts[-1] == 10_000 - config.window and len(starts) == 2


@pytest.mark.parametrize("precision", ["float32", "int8"])
def test_window_chunk_changes_the_speed_not_the_bits(bundled, precision):
    """On a CPU the model encodes a few windows at a time (``cpu_window_chunk``); a long
    program's vector is bitwise the one it gets with all its windows in one piece."""
    from sklearn_mirencoder.frontend import process
    from sklearn_mirencoder.model.featurize import collate, encode_program
    from sklearn_mirencoder.model.loading import load_model

    model = load_model(bundled, device="cpu", precision=precision)
    assert model._default_chunk() == model.cpu_window_chunk < 64
    batches = [collate([encode_program(process(str(f), input="filename"), model.tokenizer, model.config)], model.config)
               for f in sorted(PROGRAMS.glob("*.c*"))]
    long_ones = [b for b in batches if len(b["window_program"]) > model.cpu_window_chunk]  # really cut into pieces
    assert long_ones
    for batch in long_ones:
        np.testing.assert_array_equal(model.embed(batch).numpy(), model.embed(batch, window_chunk=64).numpy())
