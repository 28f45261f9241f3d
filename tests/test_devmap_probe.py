"""benchmarks/devmap_probe.py: the feature variants it probes and its paired summary."""

from __future__ import annotations

import numpy as np
import pytest

from _benchmarks import load_benchmark

probe = load_benchmark("devmap_probe")


def test_variants_slice_the_parts_of_a_both_embedding():
    h = 3
    Z = np.arange(2 * 4 * h, dtype=np.float32).reshape(2, 4 * h)  # text | graph mean | graph max | fused
    aux = np.ones((2, 2))
    v = probe.variants("P", Z, aux, h, graph_halves=True)
    assert list(v) == ["P" + s for s in probe.suffixes(True)]
    assert v["P"] is Z
    np.testing.assert_array_equal(v["P text + aux"][0], Z[:, 0:3])
    np.testing.assert_array_equal(v["P graph + aux"][0], Z[:, 3:9])
    np.testing.assert_array_equal(v["P graph mean + aux"][0], Z[:, 3:6])
    np.testing.assert_array_equal(v["P graph max + aux"][0], Z[:, 6:9])
    np.testing.assert_array_equal(v["P fused + aux"][0], Z[:, 9:12])
    assert all(v[k][1] is aux for k in v if k != "P")
    w = probe.variants("P", Z, aux, h, without_fused=True)
    assert list(w)[-1] == "P text + graph + aux" and "P graph mean + aux" not in w
    np.testing.assert_array_equal(w["P text + graph + aux"][0], Z[:, 0:9])
    # without the flag: the five variants of the committed tables, in their order
    assert list(probe.variants("P", Z, aux, h)) == ["P", "P + aux", "P text + aux", "P graph + aux", "P fused + aux"]


def test_variants_reject_an_embedding_that_is_not_modality_both():
    with pytest.raises(ValueError, match="expected 4 x 3 columns"):
        probe.variants("P", np.zeros((2, 9)), np.zeros((2, 1)), 3)


def test_paired_summary_pairs_cells_with_the_baseline():
    cols = [("amd/stratified", 0), ("amd/grouped", 0), ("nvidia/stratified", 0), ("nvidia/grouped", 0)]
    cells = {}
    for run, acc in (("A", [80.0, 70.0, 90.0, 60.0]), ("R", [79.0, 71.0, 88.0, 60.0])):
        for suffix in probe.suffixes(True):
            cells[(run + suffix, "logreg")] = dict(zip(cols, acc))
    text = probe.paired_summary(cells, {"A": "a.npz", "R": "r.npz"}, "R", ["logreg"], graph_halves=True)
    rows = [line for line in text.splitlines() if line.startswith("| A")]
    assert len(rows) == len(probe.suffixes(True))
    # differences +1, -1, +2, 0: mean +0.50, ahead in 2 of 4, min -1, max +2
    assert rows[0] == "| A | logreg | +0.50 | 2/4 | -1.0 | +2.0 |"
    assert rows[-1].startswith("| A graph max + aux | logreg | +0.50 | 2/4 |")


def test_head_label_names_the_share_of_training_rows():
    assert probe.head_label("logreg", 1.0) == "logreg"
    assert probe.head_label("logreg", 0.1) == "logreg, 10% of rows"
    assert probe.head_label("hgb", 0.25) == "hgb, 25% of rows"


@pytest.mark.parametrize("bad", ["0", "1.5", "-0.1"])
def test_fractions_outside_zero_one_are_refused_before_any_work(bad, capsys):
    with pytest.raises(SystemExit):
        probe.main(["A=missing.npz", "--fractions", bad])
    assert "--fractions must be in (0, 1]" in capsys.readouterr().err
