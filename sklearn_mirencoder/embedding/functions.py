"""Function-level embedding: which function of a program is embedded, and one row per function.

``MIRTransformer(function=...)`` embeds one function of each sample in its place
(:func:`select_function_module` runs in the worker, after the front end); its choice is part
of the cache keys (:func:`view_id`).  :meth:`MIRTransformer.transform_functions` lists the
functions of every sample (:func:`sample_functions`, in workers: :func:`~.worker.functions_task`, run by
:func:`~.frontend_stage.list_sample_functions`) and embeds each function's
module as a program of its own (:func:`function_table` assembles the rows).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..frontend.functions import FUNCTION_RULES, demangle, function_module, select_functions

#: Rules that select one function per sample (``MIRTransformer(function=...)``).
ONE_FUNCTION_RULES = ("kernel", "main")
#: Columns :func:`function_table` puts before the features.
ROW_COLUMNS = ("sample", "program", "function", "demangled", "kind")


def check_function_param(function) -> None:
    """Validate ``MIRTransformer(function=...)``: None, ``"kernel"``, ``"main"`` or a name."""
    if function is None:
        return
    if not isinstance(function, str) or not function:
        raise ValueError(f"function must be None, 'kernel', 'main' or a function's name, got {function!r}")
    if function in ("all", "kernels"):
        raise ValueError(
            f"function={function!r} selects several functions per sample, but transform gives one row per "
            "sample; use transform_functions(X, functions=...) for one row per function"
        )


def check_functions_rule(functions) -> None:
    """Validate ``transform_functions(functions=...)``: a rule of
    :data:`~sklearn_mirencoder.frontend.functions.FUNCTION_RULES` or names."""
    names = [functions] if isinstance(functions, str) else functions
    if not isinstance(names, (list, tuple)) or not names or not all(isinstance(n, str) and n for n in names):
        raise ValueError(f"functions must be one of {FUNCTION_RULES} or function names, got {functions!r}")


def view_id(graph_builder: str | None, function: str | None) -> str | None:
    """What the cache keys add for a non-default graph builder and a selected function."""
    if function is None:
        return graph_builder
    return f"{graph_builder or ''}\x00function:{function}"


def select_function_module(ir, function: str | None):
    """``ir`` itself, or the module of the one function ``function`` selects.

    Raises
    ------
    FrontendError
        The program has no such function (or several kernels for ``"kernel"``).
    """
    if function is None:
        return ir
    (chosen,) = select_functions(ir, function)
    return function_module(ir, chosen.name)


def sample_functions(ir, functions) -> list[tuple[str, str, str]]:
    """``(name, kind, module IR text)`` of each function of ``ir`` that ``functions`` selects,
    in module order."""
    return [(f.name, f.kind, function_module(ir, f.name).text) for f in select_functions(ir, functions)]


def function_table(programs: Sequence[Any], listing: Sequence[Any], vectors: np.ndarray, feature_names):
    """The DataFrame of ``MIRTransformer.transform_functions``.

    ``programs[i]`` names sample ``i`` (a path, or None for content); ``listing[i]`` is its
    list of ``(name, kind, text)``, or ``None`` when it failed (one row of NaN, function
    None); ``vectors`` holds the listed functions' vectors in that order.
    """
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is in the test and parquet extras
        raise ImportError("transform_functions returns a pandas DataFrame: pip install pandas") from None

    rows, found_rows = [], []
    for i, (program, found) in enumerate(zip(programs, listing)):
        if found is None:
            rows.append((i, program, None, None, None))
            continue
        for (name, kind, _), shown in zip(found, demangle([f[0] for f in found])):
            found_rows.append(len(rows))
            rows.append((i, program, name, shown, kind))
    index = pd.MultiIndex.from_tuples([(r[0], r[2]) for r in rows], names=["sample", "function"])
    frame = pd.DataFrame({c: [r[j] for r in rows] for j, c in enumerate(ROW_COLUMNS) if c != "sample"}, index=index)
    features = np.full((len(rows), len(feature_names)), np.nan, dtype=np.float32)
    if found_rows:
        features[found_rows] = vectors
    return pd.concat([frame, pd.DataFrame(features, index=index, columns=list(feature_names))], axis=1)
