"""benchmarks/resolution.py: the report of how far scores move under last-bit perturbations."""

from __future__ import annotations

import argparse

from _benchmarks import REPO  # noqa: F401  (puts the repository and benchmarks/ on sys.path)

import resolution  # noqa: E402


def test_report_lists_each_draw_against_float32():
    rows = [{"task": "threadcoarsening", "metric": "% of oracle speedup", "draw": 3, "mean_diff": -0.78, "se": 0.43,
             "ahead": 0, "behind": 3, "n": 24}]
    args = argparse.Namespace(scale=1e-6)
    text = resolution.report(rows, args, ["python", "benchmarks/resolution.py"], [0, 1, 2], 12.0)
    assert "| threadcoarsening | % of oracle speedup | 3 | -0.78 | 0.43 | 0 / 3 / 24 |" in text
    assert "1 + 1e-06 x N(0, 1)" in text and "partitions 0-2" in text
    assert resolution.draw_name(2) == "draw 2"
