"""The allocator's thresholds while the model runs on a CPU (``model.allocator``): set once per
process on glibc, left alone when asked or elsewhere, and the vectors are the same either way."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys

import numpy as np
import pytest

from _model_fixtures import *  # noqa: F401,F403  (fixtures)
from _model_fixtures import SMALL_PROGRAMS, make
from sklearn_mirencoder.model import allocator

glibc = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="the thresholds are glibc's"
)


@glibc
def test_embedding_on_a_cpu_tunes_the_allocator_once(tiny_model_dir, monkeypatch):
    monkeypatch.delenv(allocator.ENV_VAR, raising=False)  # as a user who did not opt out
    make(tiny_model_dir).fit_transform(SMALL_PROGRAMS[:2])
    assert allocator._TUNED_PID == os.getpid()
    assert allocator.tune_allocator() is True  # already done: nothing to set again
    allocator.release_free_memory()  # malloc_trim: no error, nothing to check but that


def test_opt_out_and_other_c_libraries_leave_the_allocator_alone(monkeypatch):
    monkeypatch.setattr(allocator, "_TUNED_PID", None)
    monkeypatch.setenv(allocator.ENV_VAR, "0")
    assert allocator.tune_allocator() is False
    monkeypatch.delenv(allocator.ENV_VAR)
    monkeypatch.setattr(allocator.platform, "libc_ver", lambda: ("musl", "1.2"))
    assert allocator.tune_allocator() is False
    assert allocator._TUNED_PID is None
    allocator.release_free_memory()  # untuned: does nothing


_CHILD = """
import json, sys
import numpy as np
from sklearn_mirencoder import MIRTransformer
from sklearn_mirencoder.model import allocator
est = MIRTransformer(model=sys.argv[1], language="opencl", cache=False, precision=sys.argv[3])
X = est.fit_transform(json.loads(sys.argv[2]))
print(json.dumps({"tuned": allocator._TUNED_PID is not None, "rows": np.asarray(X).tolist()}))
"""


@glibc
@pytest.mark.parametrize("precision", ["int8", "float32"])
def test_vectors_are_bitwise_the_same_with_the_allocator_left_alone(tiny_model_dir, precision, monkeypatch):
    monkeypatch.delenv(allocator.ENV_VAR, raising=False)
    programs = SMALL_PROGRAMS[:3]
    tuned = make(tiny_model_dir, precision=precision, cache=False).fit_transform(programs)
    assert allocator._TUNED_PID == os.getpid()
    env = {**os.environ, allocator.ENV_VAR: "0"}
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(tiny_model_dir), json.dumps(programs), precision],
        env=env, capture_output=True, text=True, check=True,
    )
    child = json.loads(out.stdout.strip().splitlines()[-1])
    assert child["tuned"] is False
    np.testing.assert_array_equal(np.asarray(child["rows"], dtype=np.float32), tuned)
