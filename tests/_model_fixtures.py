"""Helpers for the transformer, hub and cache tests: a tiny saved model, real kernels, fake
compilers.

Import the fixtures into a test module with ``from _model_fixtures import *`` (the tests
folder is on ``sys.path`` under pytest's default import mode).
"""

from __future__ import annotations

import csv
import functools
import os
import stat
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

__all__ = [
    "SMALL_PROGRAMS",
    "tiny_model_dir",
    "tiny_model_dir_b",
    "devmap_subset",
    "real_clang",
    "write_script",
    "counting_compiler",
    "faulty_compiler",
    "compile_count",
    "fresh_memory_one_thread",
    "make",
]

#: A few small OpenCL kernels (distinct, all compile).
SMALL_PROGRAMS: list[str] = [
    """__kernel void vadd(__global const float *a, __global const float *b, __global float *c, int n) {
  int i = get_global_id(0);
  if (i < n) c[i] = a[i] + b[i];
}""",
    """__kernel void scale(__global float *x, float s, int n) {
  int i = get_global_id(0);
  if (i < n) x[i] = x[i] * s;
}""",
    """__kernel void stencil(__global const float *in, __global float *out, int w, int h) {
  int x = get_global_id(0), y = get_global_id(1);
  if (x < 1 || y < 1 || x >= w - 1 || y >= h - 1) return;
  out[y * w + x] = 0.2f * (in[y * w + x] + in[y * w + x - 1] + in[y * w + x + 1]
                           + in[(y - 1) * w + x] + in[(y + 1) * w + x]);
}""",
    """__kernel void reduce(__global const float *in, __global float *out, __local float *tmp, int n) {
  int g = get_global_id(0), l = get_local_id(0);
  tmp[l] = g < n ? in[g] : 0.0f;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int s = get_local_size(0) / 2; s > 0; s >>= 1) {
    if (l < s) tmp[l] += tmp[l + s];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (l == 0) out[get_group_id(0)] = tmp[0];
}""",
    """__kernel void matmul(__global const float *a, __global const float *b, __global float *c, int n) {
  int i = get_global_id(0), j = get_global_id(1);
  float s = 0.0f;
  for (int k = 0; k < n; k++) s += a[i * n + k] * b[k * n + j];
  c[i * n + j] = s;
}""",
    """__kernel void hist(__global const uchar *in, __global int *bins, int n) {
  int i = get_global_id(0);
  if (i < n) atomic_inc(&bins[in[i]]);
}""",
]


def shared_dir() -> Path:
    return Path(os.environ.get("MIRENCODER_SHARED", REPO.parent / "shared"))


def _save_tiny(folder: Path, seed: int) -> Path:
    from sklearn_mirencoder.model.encoder import MIREncoderConfig, random_init
    from sklearn_mirencoder.frontend.ir import to_ir
    from sklearn_mirencoder.frontend.tokens import IRTokenizer

    texts = [to_ir(src, language="opencl", name=f"k{i}.cl").text for i, src in enumerate(SMALL_PROGRAMS)]
    tok = IRTokenizer.train(texts, vocab_size=300, min_frequency=1)
    config = MIREncoderConfig.tiny(vocab_size=tok.vocab_size, pad_id=tok.pad_id)
    model = random_init(config, tok, seed=seed)
    model.save_pretrained(folder, tokenizer=tok)
    return folder


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A folder with a tiny random-init MIREncoder (config.json, model.safetensors,
    tokenizer.json), tokenizer trained on :data:`SMALL_PROGRAMS`."""
    return _save_tiny(tmp_path_factory.mktemp("tiny-model"), seed=0)


@pytest.fixture(scope="session")
def tiny_model_dir_b(tmp_path_factory) -> Path:
    """Another tiny model (other random weights)."""
    return _save_tiny(tmp_path_factory.mktemp("tiny-model-b"), seed=1)


@pytest.fixture(scope="session")
def real_clang() -> str:
    from sklearn_mirencoder.frontend.compile import find_compiler
    from sklearn_mirencoder.errors import CompilerNotFoundError

    try:
        return find_compiler().path
    except CompilerNotFoundError as exc:  # pragma: no cover
        pytest.skip(f"no clang: {exc}")


@functools.lru_cache(maxsize=None)
def _devmap_rows(limit_per_class: int) -> tuple[tuple[str, str, str], ...]:
    """(benchmark, src, oracle) of distinct kernels that compile, stratified by oracle."""
    from sklearn_mirencoder.errors import FrontendError
    from sklearn_mirencoder.frontend.ir import to_ir

    path = shared_dir() / "data" / "devmap-cgo17" / "cgo17-amd.csv"
    if not path.exists():
        pytest.skip(f"{path} is absent: set MIRENCODER_SHARED to the folder holding data/devmap-cgo17")
    csv.field_size_limit(sys.maxsize)
    seen: set[str] = set()
    by_class: dict[str, list] = {"CPU": [], "GPU": []}
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    # a deterministic, spread-out order: sort by benchmark name
    rows.sort(key=lambda r: (r["benchmark"], r["dataset"]))
    for r in rows:
        src, oracle = r["src"], r["oracle"]
        if src in seen or oracle not in by_class or len(by_class[oracle]) >= limit_per_class:
            continue
        seen.add(src)
        try:
            to_ir(src, language="opencl", name=r["benchmark"])
        except FrontendError:
            continue
        by_class[oracle].append((r["benchmark"], src, oracle))
        if all(len(v) >= limit_per_class for v in by_class.values()):
            break
    return tuple(by_class["CPU"] + by_class["GPU"])


@pytest.fixture(scope="session")
def devmap_subset() -> tuple[list[str], list[str]]:
    """About 40 distinct devmap kernels that compile (20 per oracle class): (sources, labels)."""
    rows = _devmap_rows(20)
    return [r[1] for r in rows], [r[2] for r in rows]


def write_script(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


@pytest.fixture
def counting_compiler(tmp_path, real_clang):
    """A clang wrapper that logs each compile (not the version probes) to a file:
    ``(path, log)``; count with :func:`compile_count`.  Works across processes."""
    log = tmp_path / "compiles.log"
    log.write_text("")
    script = write_script(
        tmp_path / "counting-clang",
        f"""#!/bin/sh
case " $* " in *" -emit-llvm "*) echo x >> "{log}";; esac
exec "{real_clang}" "$@"
""",
    )
    return str(script), log


def compile_count(log: Path) -> int:
    return len(Path(log).read_text().split())


@pytest.fixture
def faulty_compiler(tmp_path, real_clang):
    """A clang wrapper that misbehaves on sources holding a marker:
    ``MIRENCODER_SLEEP`` sleeps 30 s (a timeout), ``MIRENCODER_SEGV`` kills itself with
    SIGSEGV (a compiler crash), ``MIRENCODER_KILL_WORKER`` kills the process that ran it
    (the joblib worker; it first removes the compile's temporary folder, which the SIGKILLed
    worker cannot).  Everything else goes to the real clang."""
    return str(
        write_script(
            tmp_path / "faulty-clang",
            f"""#!/bin/sh
for last; do :; done
if [ -f "$last" ]; then
  if grep -q MIRENCODER_SLEEP "$last"; then sleep 30; fi
  if grep -q MIRENCODER_SEGV "$last"; then kill -SEGV $$; fi
  if grep -q MIRENCODER_KILL_WORKER "$last"; then rm -rf "$PWD"; kill -KILL $PPID; sleep 5; exit 1; fi
fi
exec "{real_clang}" "$@"
""",
        )
    )


@pytest.fixture(autouse=True)
def fresh_memory_one_thread():
    """Autouse where imported: an empty in-memory cache, and tiny models on one torch thread
    (faster on a shared 2-core machine)."""
    import torch

    from sklearn_mirencoder.cache import clear_memory

    clear_memory()
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def make(model_dir, **kw):
    """A :class:`MIRTransformer` on the model in ``model_dir``, OpenCL input by default."""
    from sklearn_mirencoder.transformer import MIRTransformer

    kw.setdefault("language", "opencl")
    return MIRTransformer(model=str(model_dir), **kw)
