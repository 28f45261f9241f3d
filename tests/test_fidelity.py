"""benchmarks/fidelity.py: how close two models' vectors are, row by row and column by column."""

from __future__ import annotations

import numpy as np
import pytest

from _benchmarks import REPO  # noqa: F401  (puts the repository and benchmarks/ on sys.path)

import fidelity  # noqa: E402


def test_standardized_error_sees_a_column_that_cosine_hides():
    rng = np.random.default_rng(0)
    b = np.hstack([10.0 + rng.standard_normal((200, 1)), 0.01 * rng.standard_normal((200, 1))])
    a = b.copy()
    a[:, 1] = 0.01 * rng.standard_normal(200)  # the small column replaced by noise of its size
    c = fidelity.closeness(a, b)
    assert c["cos min"] > 0.999 and c["rel max"] < 0.01
    assert c["std max"] == pytest.approx(np.sqrt(2), rel=0.15) and c["std median"] > 0.5
    same = fidelity.closeness(b, b)
    assert same["cos min"] == pytest.approx(1.0) and same["std max"] == 0.0
