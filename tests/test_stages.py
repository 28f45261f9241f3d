"""The stages of ``MIRTransformer.transform`` (:mod:`sklearn_mirencoder.embedding`), each on
real programs (``tests/programs``, ``examples/programs``), and their composition, which is
``transform`` itself."""

from __future__ import annotations

import io
from collections import OrderedDict
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import numpy as np
import pytest

from _model_fixtures import fresh_memory_one_thread, tiny_model_dir  # noqa: F401  (fixtures)
from sklearn_mirencoder.cache import ProgramCache, failure_key
from sklearn_mirencoder.embedding.batching import Batcher
from sklearn_mirencoder.embedding.collect import Collector, remembered
from sklearn_mirencoder.embedding.encoding import EncoderSpec, embed
from sklearn_mirencoder.embedding.frontend_stage import (
    WorkerCrashError,
    frontend_in_process,
    is_worker_death,
    run_frontend,
)
from sklearn_mirencoder.embedding.inputs import (
    MAX_SOURCE_BYTES,
    RAISE_HINT,
    Sample,
    as_program_list,
    read_sample,
    read_samples,
)
from sklearn_mirencoder.embedding.keys import CompileSettings, compile_settings, graph_builder_id, key_samples
from sklearn_mirencoder.embedding.lookup import look_up, task_for
from sklearn_mirencoder.embedding.record import CallRecord, ProgramFailure
from sklearn_mirencoder.embedding.worker import Task, WorkerContext, frontend_task, needs_clang
from sklearn_mirencoder.errors import (
    CompileError,
    CompilerNotFoundError,
    CompileTimeoutError,
    FrontendError,
    InputError,
)

REPO = Path(__file__).resolve().parents[1]
#: Real C and C++ programs (any clang compiles them, the ziglang one too).
C_PROGRAMS = [
    REPO / "tests" / "programs" / "main_helpers.c",
    REPO / "tests" / "programs" / "features.c",
    REPO / "examples" / "programs" / "histogram.c",
    REPO / "examples" / "programs" / "stencil.cpp",
]
BROKEN_C = "int broken(int x) { return x + ; }"


def read(paths, **kw) -> list:
    kw = {"input": "filename", "language": None, "max_source_bytes": MAX_SOURCE_BYTES, **kw}
    return read_samples([str(p) for p in paths], **kw)


@pytest.fixture(scope="module")
def model(tiny_model_dir):
    from sklearn_mirencoder.model.hub import resolve_model
    from sklearn_mirencoder.model.loading import load_model

    return load_model(resolve_model(str(tiny_model_dir)), device="cpu")


@pytest.fixture(scope="module")
def ctx(model, clang):
    return WorkerContext(model.tokenizer, model.config, clang, None, (), 60.0)


@pytest.fixture(scope="module")
def settings(clang):
    return CompileSettings(clang, ("-O1",), ())


def keyed(samples, settings, modality="both") -> OrderedDict:
    return key_samples(samples, settings, weights="w" * 64, modality=modality, graph_builder=None)


class Bar:
    """A progress bar that counts."""

    def __init__(self):
        self.n, self.closed = 0, False

    def update(self, n=1):
        self.n += n

    def close(self):
        self.closed = True


# ------------------------------------------------------------------------------ 1. read


def test_read_gives_each_file_its_bytes_language_name_and_folder():
    paths = sorted((REPO / "examples" / "programs").iterdir())
    samples = read(paths)
    assert [s.index for s in samples] == list(range(len(paths)))
    by_suffix = {".c": "c", ".cpp": "c++", ".cl": "opencl", ".cu": "cuda"}
    for s, p in zip(samples, paths):
        assert isinstance(s, Sample)
        assert s.data == p.read_bytes() and s.name == str(p) and s.source_dir == str(p.parent)
        assert s.canonical == by_suffix[p.suffix] and s.compiled


def test_read_content_and_open_files():
    text = (REPO / "examples" / "programs" / "vector_add.cl").read_text()
    (s,) = read_samples([text], input="content", language="cl", max_source_bytes=None)
    assert s.data == text.encode() and s.name is None and s.language == "cl" and s.canonical == "opencl"
    named = io.BytesIO(text.encode())
    named.name = "kernel.cl"
    a, b = read_samples([named, io.StringIO(text)], input="file", language=None, max_source_bytes=None)
    assert a.canonical == "opencl" and a.name == "kernel.cl" and a.data == text.encode()
    assert isinstance(b, InputError) and "language= is required" in str(b) and b.index == 1


def test_a_sample_that_cannot_be_read_is_returned_named_by_its_row(tmp_path):
    small, big = sorted(C_PROGRAMS[:2], key=lambda p: p.stat().st_size)
    got = read([small, tmp_path / "missing.c", big], max_source_bytes=big.stat().st_size - 1, hint=RAISE_HINT)
    assert isinstance(got[0], Sample)
    assert isinstance(got[1], InputError) and got[1].index == 1
    assert str(got[1]).startswith(f"sample 1 ({tmp_path / 'missing.c'}): cannot read the file")
    assert str(got[1]).endswith(RAISE_HINT)
    assert isinstance(got[2], InputError) and "over the limit" in str(got[2]) and got[2].index == 2
    bad = read_sample(0, "x\udc80", input="content", language="c", max_source_bytes=None)
    assert isinstance(bad, InputError) and "UTF-8" in str(bad) and str(bad).startswith("sample 0")


def test_as_program_list_takes_sequences_and_refuses_a_single_program():
    paths = [str(p) for p in C_PROGRAMS]
    assert as_program_list(np.array(paths, dtype=object)[:, None]) == paths
    assert as_program_list(iter(paths)) == paths
    with pytest.raises(ValueError, match="wrap it in a list"):
        as_program_list(paths[0])
    with pytest.raises(ValueError, match="one-dimensional"):
        as_program_list(np.array(paths).reshape(2, 2))


# ------------------------------------------------------------------------------- 2. key


def test_duplicates_share_a_group_and_the_flags_count_only_for_sources(tmp_path, settings):
    ir = tmp_path / "prog.ll"
    from sklearn_mirencoder.frontend.ir import to_ir

    ir.write_text(to_ir(C_PROGRAMS[0].read_bytes(), language="c", name="main_helpers.c").text)
    paths = [C_PROGRAMS[0], C_PROGRAMS[1], C_PROGRAMS[0], ir]
    groups = keyed(read(paths), settings)
    assert [[s.index for s in g] for g in groups.values()] == [[0, 2], [1], [3]]
    assert all(s.ekey == key for key, g in groups.items() for s in g)

    o2 = keyed(read(paths), settings._replace(opt_flags=("-O2",)))
    assert list(o2)[:2] != list(groups)[:2] and list(o2)[2] == list(groups)[2]  # IR: no clang, no flags
    text = keyed(read(paths), settings, modality="text")
    assert [g[0].pkey for g in text.values()] == [g[0].pkey for g in groups.values()]
    assert not set(text) & set(groups)


def test_the_same_source_in_another_folder_is_another_program(tmp_path, settings):
    copy = tmp_path / C_PROGRAMS[0].name
    copy.write_bytes(C_PROGRAMS[0].read_bytes())
    assert len(keyed(read([C_PROGRAMS[0], copy]), settings)) == 2  # its #includes are read from there


def test_compile_settings_look_for_clang_only_when_a_sample_needs_it(tmp_path):
    ir = tmp_path / "p.ll"
    ir.write_text("define i32 @f(i32 %x) {\n  ret i32 %x\n}\n")
    only_ir = compile_settings(read([ir]), "/no/such/clang", None, ["-DX"])
    assert only_ir == CompileSettings(None, ("-O1",), ("-DX",))
    with pytest.raises(CompilerNotFoundError):
        compile_settings(read([C_PROGRAMS[0]]), str(tmp_path / "no-clang"), None, ())


def test_graph_builder_id_tells_builders_apart():
    from _builders import ControlFlowOnly

    from sklearn_mirencoder.frontend.graph import ProGraMLBuilder

    assert graph_builder_id(None) is None and graph_builder_id(ProGraMLBuilder()) is None
    a, b = graph_builder_id(ControlFlowOnly()), graph_builder_id(ControlFlowOnly(keep_data=True))
    assert a != b and a.startswith("_builders.ControlFlowOnly:control-flow-only:")
    assert graph_builder_id(ControlFlowOnly()) == a


# ---------------------------------------------------------------------------- 3. look up


def test_look_up_fills_hits_fails_known_failures_and_makes_tasks(tmp_path, settings):
    groups = keyed(read(C_PROGRAMS), settings)
    (a, b, c, d) = groups.values()
    cache = ProgramCache(tmp_path / "cache")
    cache.put_embedding(a[0].ekey, np.arange(4, dtype=np.float32), (True, False))
    cache.put_failure(failure_key(b[0].pkey), CompileError("no", sample="x"))
    cache.put_ir(c[0].pkey, "; the IR of c")
    record = CallRecord(4, 4, raising=False)
    tasks = look_up(groups, cache, record, dim=4, graph_builder=None)
    np.testing.assert_array_equal(record.out[0], np.arange(4))
    assert record.stats["memory_hits"] == 1 and record.truncated["text"] == [0]
    assert [f.index for f in record.failures()] == [1] and record.failures()[0].message.startswith("sample 1 (")
    assert [t.key for t in tasks] == [c[0].ekey, d[0].ekey] and record.stats["ir_hits"] == 1
    assert tasks[0].ir_text == "; the IR of c" and tasks[0].data is None and not needs_clang(tasks[0])
    assert tasks[1].data == d[0].data and tasks[1].name == str(C_PROGRAMS[3]) and needs_clang(tasks[1])
    with pytest.raises(CompileError, match=r"^sample 1 \(.*errors='nan'"):
        look_up(groups, cache, CallRecord(4, 4, raising=True), dim=4, graph_builder=None)
    # another width misses the vector; another graph builder misses the remembered failure
    assert len(look_up(groups, cache, CallRecord(4, 5, raising=False), dim=5, graph_builder="other")) == 4


def test_task_for_names_content_by_its_row():
    (s,) = read_samples(["int f(void) { return 1; }"], input="content", language="c", max_source_bytes=None)
    s.ekey, s.pkey = "e", "p"
    assert task_for([s]) == Task("e", "p", "sample 0", "c", s.data, None, None)


# ---------------------------------------------------------------------------- 4. front end


def test_frontend_task_compiles_parses_and_encodes_a_real_program(ctx, settings):
    (task,) = look_up(keyed(read(C_PROGRAMS[:1]), settings), ProgramCache(None), CallRecord(1, 1, raising=False),
                      dim=1, graph_builder=None)
    status, encoded, new_ir, (text_partial, graph_cut) = frontend_task(task, ctx)
    assert status == "ok" and "define" in new_ir and "@variance" in new_ir
    assert len(encoded.token_ids) > 0 and encoded.edge_index.shape[0] == 2 and len(encoded.node_kind) > 0
    again = frontend_task(Task(task.key, task.program_key, task.name, task.language, None, ir_text=new_ir), ctx)
    assert again[0] == "ok" and again[2] is None  # from the cached IR: nothing new to store
    np.testing.assert_array_equal(again[1].token_ids, encoded.token_ids)


def test_frontend_task_returns_a_sample_error_instead_of_raising(ctx):
    status, exc = frontend_task(Task("k", "p", "broken.c", "c", BROKEN_C.encode()), ctx)
    assert status == "error" and isinstance(exc, CompileError) and exc.sample == "broken.c"


def test_run_frontend_keeps_task_order_in_process_and_in_workers(ctx, settings):
    programs = [*C_PROGRAMS[:3], None]
    samples = read(programs[:3]) + read_samples([BROKEN_C], input="content", language="c", max_source_bytes=None)
    samples[3].index = 3
    tasks = look_up(keyed(samples, settings), ProgramCache(None), CallRecord(4, 1, raising=False), dim=1,
                    graph_builder=None)
    alone = [frontend_task(t, ctx) for t in tasks]
    for n_jobs in (1, 2):
        got = list(run_frontend(tasks, ctx, n_jobs=n_jobs, batch_size=2))
        assert [t.key for t, _ in got] == [t.key for t in tasks]
        assert [r[0] for _, r in got] == [r[0] for r in alone] == ["ok", "ok", "ok", "error"]
        for (_, r), ref in zip(got[:3], alone):
            np.testing.assert_array_equal(r[1].token_ids, ref[1].token_ids)
    in_process = list(frontend_in_process(tasks, ctx, ahead=0))
    assert [r[0] for _, r in in_process] == ["ok", "ok", "ok", "error"]


def test_worker_death_is_recognised():
    assert is_worker_death(BrokenProcessPool("gone"))
    assert not is_worker_death(ValueError("no")) and not is_worker_death(KeyboardInterrupt())
    assert issubclass(WorkerCrashError, FrontendError)


# ------------------------------------------------------------------ 5. route, 6. batch and encode


def test_batcher_batches_by_text_length_and_gives_the_vectors_of_single_programs(ctx, model):
    tasks = [Task(f"k{i}", f"p{i}", p.name, p.suffix[1:], p.read_bytes()) for i, p in enumerate(C_PROGRAMS)]
    encoded = {t.key: frontend_task(t, ctx)[1] for t in tasks}
    length = {k: max(1, min(e.num_tokens, model.config.window)) for k, e in encoded.items()}
    batcher = Batcher(model, "both", batch_size=16)
    assert all(batcher.add(key, enc) == [] for key, enc in encoded.items())
    assert set(batcher.buckets) == set(length.values())
    assert all(length[k] == n for n, items in batcher.buckets.items() for k, _ in items)
    done = list(batcher.flush())
    assert sorted(k for k, _ in done) == sorted(encoded) and not batcher.buckets
    assert [length[k] for k, _ in done] == sorted(length[k] for k, _ in done)  # shortest first
    for key, vec in done:
        assert vec.dtype == np.float32 and vec.shape == (model.config.output_dim("both"),)
        np.testing.assert_allclose(vec, embed(model, [encoded[key]], "both")[0], atol=1e-6)


def test_batcher_runs_a_bucket_as_soon_as_it_is_full(ctx, model):
    enc = frontend_task(Task("k", "p", "a.c", "c", C_PROGRAMS[0].read_bytes()), ctx)[1]
    batcher = Batcher(model, "text", batch_size=2)
    assert batcher.add("a", enc) == []
    full = batcher.add("b", enc)  # the same length: the same bucket
    assert [k for k, _ in full] == ["a", "b"] and list(batcher.flush()) == []
    np.testing.assert_array_equal(full[0][1], full[1][1])


def test_encoder_spec_names_the_loaded_weights(tiny_model_dir):
    from sklearn_mirencoder.model.hub import resolve_model, weights_digest

    source = resolve_model(str(tiny_model_dir))
    spec = EncoderSpec.of(source, weights_digest(source.path), "graph", 1)
    assert spec.kind == source.kind and spec.path == str(source.path) and spec.modality == "graph"
    assert spec.local_files_only is True and len(spec.digest) == 64


def test_collector_routes_vectors_ir_and_failures(tmp_path, ctx, model, settings):
    samples = read([C_PROGRAMS[0], C_PROGRAMS[2], C_PROGRAMS[0]])
    samples += read_samples([BROKEN_C], input="content", language="c", max_source_bytes=None)
    samples[3].index = 3
    groups = keyed(samples, settings)
    cache = ProgramCache(tmp_path / "cache")
    dim = model.config.output_dim("both")
    record = CallRecord(4, dim, raising=False, progress=Bar())
    tasks = look_up(groups, cache, record, dim=dim, graph_builder=None)
    collector = Collector(groups, Batcher(model, "both", 16), cache, record, graph_builder=None)
    collector.collect(run_frontend(tasks, ctx))
    assert np.isfinite(record.out[:3]).all() and np.isnan(record.out[3]).all()
    np.testing.assert_array_equal(record.out[0], record.out[2])  # one group, one vector
    assert record.stats["computed"] == 2 and record.stats["compiled"] == 2 and record.progress.n == 4
    assert [(f.index, f.error) for f in record.failures()] == [(3, "CompileError")]
    assert cache.get_ir(samples[0].pkey) and cache.get_embedding(samples[0].ekey, dim)[0] is not None
    assert isinstance(cache.get_failure(samples[3].pkey), CompileError)  # remembered: it would fail again


def test_collector_raises_what_is_not_the_samples_problem(ctx, model):
    task = Task("k", "p", "x.c", "c", b"")
    groups = {"k": read_samples([""], input="content", language="c", max_source_bytes=None)}
    collector = Collector(groups, Batcher(model, "both", 16), ProgramCache(None), CallRecord(1, 4, raising=False),
                          graph_builder=None)
    with pytest.raises(CompilerNotFoundError):
        collector.error(task, CompilerNotFoundError("no clang"))
    with pytest.raises(MemoryError):
        collector.error(task, MemoryError())
    assert remembered(CompileError("x")) and remembered(InputError("x"))
    assert not remembered(CompileTimeoutError("x")) and not remembered(WorkerCrashError("x"))


# -------------------------------------------------------------------------------- 7. record


def test_record_applies_the_error_policy_and_gives_the_fitted_attributes():
    group = read_samples(["a", "b"], input="content", language="c", max_source_bytes=None)
    bar = Bar()
    with CallRecord(3, 2, raising=False, progress=bar) as record:
        record.computed(group[:1], np.ones(2, dtype=np.float32))
        record.note_truncation(group[:1], True, True)
        record.failed(group[1:], CompileError("bad", sample="sample 1"))
    assert bar.closed and bar.n == 2
    failures, stats, truncated = record.finish(1.4996)
    assert failures == [ProgramFailure(1, "CompileError", "sample 1: bad")]
    assert stats["failed"] == 1 and stats["seconds"] == 1.5 and stats["computed"] == 1 and stats["n_samples"] == 3
    assert list(stats)[-1] == "seconds" and truncated == {"text": [0], "graph": [0]}
    assert record.warning().startswith("1 of 3 programs could not be embedded")
    assert record.summary().startswith("[MIRTransformer] 3 programs in 1.50 s: 1 embedded")
    np.testing.assert_array_equal(record.out[0], [1, 1])
    assert np.isnan(record.out[1:]).all()


def test_record_raises_the_first_failure_with_the_hint():
    unread = read_sample(0, 42, input="content", language="c", max_source_bytes=None, hint=RAISE_HINT)
    (ok,) = read_samples(["int x;"], input="content", language="c", max_source_bytes=None)
    assert CallRecord(2, 1, raising=False).readable([unread, ok]) == [ok]
    with pytest.raises(InputError, match=r"^sample 0: expected program text"):
        CallRecord(2, 1, raising=True).readable([unread, ok])
    cause = CompileError("bad")
    with pytest.raises(CompileError, match=r"^sample 0: bad \(pass errors='nan'") as info:
        CallRecord(1, 1, raising=True).failed([ok], cause, cause=cause)
    assert info.value.__cause__ is cause and info.value.index == 0


# ------------------------------------------------------------------------- all the stages


def test_the_stages_in_order_are_transform(tiny_model_dir, model, ctx, settings):
    """Read, key, look up, front end, route, batch and encode, record: by hand, the same
    matrix as ``MIRTransformer.transform``."""
    from _model_fixtures import make

    paths = [*C_PROGRAMS, C_PROGRAMS[1]]
    ref = make(tiny_model_dir, language=None, input="filename", cache=False, errors="nan", precision="float32").fit_transform(
        [str(p) for p in paths]
    )
    dim = model.config.output_dim("both")
    record = CallRecord(len(paths), dim, raising=False)
    cache = ProgramCache.from_param(False)
    samples = record.readable(read(paths))
    groups = key_samples(samples, settings, weights="w" * 64, modality="both", graph_builder=None)
    tasks = look_up(groups, cache, record, dim=dim, graph_builder=None)
    Collector(groups, Batcher(model, "both", 16), cache, record, graph_builder=None).collect(run_frontend(tasks, ctx))
    np.testing.assert_array_equal(record.out, ref)
    assert len(groups) == len(paths) - 1 and record.stats["computed"] == len(groups)
