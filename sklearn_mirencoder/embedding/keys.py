"""Stage 2, key: which samples are the same program, and under which keys the caches know it.

A sample's *program key* covers its bytes, language, and -- for a source that clang compiles --
the compiler's version, the flags and the folder its ``#include`` s are read from; its
*embedding key* adds the weights' digest, the modality and a non-default graph builder (see
:mod:`sklearn_mirencoder.cache`).  Samples with the same embedding key form one group: the
program is looked up, compiled and encoded once, and its vector fills every row of the group.
"""

from __future__ import annotations

import hashlib
import pickle
from collections import OrderedDict
from typing import Any, NamedTuple, Sequence

from ..cache import embedding_key, program_key
from ..frontend.compile import DEFAULT_OPT_FLAGS, find_compiler
from .inputs import Sample


class CompileSettings(NamedTuple):
    """How clang runs for this call (part of a compiled program's key)."""

    compiler: Any
    """The :class:`~sklearn_mirencoder.frontend.compile.CompilerInfo`, or ``None`` when no
    sample needs clang (it is then not looked for)."""
    opt_flags: tuple[str, ...]
    """The optimisation flags, the default ones when ``opt_flags=None``."""
    extra_flags: tuple[str, ...]
    confine_includes: bool = False
    """Whether includes are confined (part of a compiled program's key: a confined call
    must not be served IR an unconfined one compiled)."""


def compile_settings(samples: Sequence[Sample], compiler, opt_flags, extra_flags, confine_includes=False) -> CompileSettings:
    """The settings for ``samples``: ``compiler`` found (:func:`~sklearn_mirencoder.frontend.
    compile.find_compiler`, which raises when there is none) only if one of them needs it."""
    found = find_compiler(compiler) if any(s.compiled for s in samples) else None
    opt = tuple(DEFAULT_OPT_FLAGS) if opt_flags is None else tuple(opt_flags)
    return CompileSettings(found, opt, tuple(extra_flags), bool(confine_includes))


def graph_builder_id(builder) -> str | None:
    """What identifies a graph builder in cache keys: ``None`` for the default ProGraML
    builder, else its class, ``name`` and a digest of its pickled state (so two instances
    with other settings do not share embeddings)."""
    from ..frontend.graph import ProGraMLBuilder

    if builder is None or type(builder) is ProGraMLBuilder:
        return None
    cls = type(builder)
    try:
        state = pickle.dumps(builder, protocol=4)
    except Exception:  # e.g. defined in a notebook with unpicklable members: cloudpickle then
        from joblib.externals import cloudpickle

        state = cloudpickle.dumps(builder, protocol=4)
    return f"{cls.__module__}.{cls.__qualname__}:{getattr(builder, 'name', '')}:{hashlib.sha256(state).hexdigest()}"


def key_samples(
    samples: Sequence[Sample], settings: CompileSettings, *, weights: str, modality: str,
    graph_builder: str | None,
) -> OrderedDict[str, list[Sample]]:
    """Set each sample's ``pkey`` and ``ekey`` and group the samples by embedding key, in
    the order each key first appears.

    ``weights`` is the model's digest; ``graph_builder`` the :func:`graph_builder_id` when
    the graph counts (not for ``modality="text"``), else ``None``.
    """
    flags = [*settings.opt_flags, "\x00", *settings.extra_flags]
    if settings.confine_includes:
        flags.append("\x00confine-includes")
    groups: OrderedDict[str, list[Sample]] = OrderedDict()
    for s in samples:
        s.pkey = program_key(
            s.data,
            language=s.canonical,
            openmp=s.openmp,
            compiler=settings.compiler if s.compiled else None,
            flags=flags if s.compiled else (),
            source_dir=s.source_dir if s.compiled else None,
        )
        s.ekey = embedding_key(s.pkey, weights=weights, modality=modality, graph_builder=graph_builder)
        groups.setdefault(s.ekey, []).append(s)
    return groups
