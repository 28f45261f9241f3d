"""benchmarks/suite_compare.py: paired differences pooled over runs of the suite."""

from __future__ import annotations

import pandas as pd

from _benchmarks import REPO  # noqa: F401  (puts the repository and benchmarks/ on sys.path)

import suite_compare  # noqa: E402


def _run(path, seeds, scores):
    rows = [
        {"task": task, "setting": "s", "feature_set": fs, "head": "logreg", "seed": seed, "metric": "accuracy %", "score": score}
        for seed in seeds
        for (task, fs), score in scores.items()
    ]
    pd.DataFrame(rows).to_csv(path, index=False)
    return str(path)


def test_pools_runs_and_uses_the_aux_rows_where_a_task_has_them(tmp_path, capsys):
    first = _run(tmp_path / "a.csv", [0, 1], {("devmap", "A + aux"): 80.0, ("devmap", "B + aux"): 79.0,
                                              ("devmap", "A"): 10.0, ("devmap", "B"): 50.0, ("retrieval", "A"): 70.0,
                                              ("retrieval", "B"): 72.0})
    second = _run(tmp_path / "b.csv", [2], {("devmap", "A + aux"): 78.0, ("devmap", "B + aux"): 79.0,
                                            ("retrieval", "A"): 75.0, ("retrieval", "B"): 72.0})
    rows = suite_compare.compare(suite_compare.load([first, second]), "A", "B")
    devmap, retrieval = rows
    assert (devmap["a"], devmap["b"]) == ("A + aux", "B + aux")
    assert devmap["diff"] == (1 + 1 - 1) / 3 and (devmap["ahead"], devmap["cells"], devmap["seeds"]) == (2, 3, [0, 1, 2])
    assert retrieval["diff"] == (-2 - 2 + 3) / 3 and retrieval["ahead"] == 1
    assert suite_compare.main([first, second, "--pair", "A", "B"]) == 0
    assert devmap["behind"] == 1 and abs(devmap["se"] - (4 / 3) ** 0.5 / 3**0.5) < 1e-12
    assert "| devmap (accuracy %) | A + aux | B + aux | 79.3 | 79.0 | +0.33 | 0.67 | 2 / 1 / 3 | 0-2 |" in capsys.readouterr().out


def test_a_run_read_twice_counts_once(tmp_path):
    path = _run(tmp_path / "a.csv", [0], {("retrieval", "A"): 70.0, ("retrieval", "B"): 60.0})
    (row,) = suite_compare.compare(suite_compare.load([path, path]), "A", "B")
    assert row["cells"] == 1 and row["diff"] == 10.0
