"""The front end in one call: a program -> canonical IR -> (graph, tokens).

Data flows one way: :mod:`.compile` (source -> bitcode, with clang), :mod:`.ir` (bitcode or
IR text -> canonical LLVM 22 text), then :mod:`.graph` (the structure modality) and
:mod:`.tokens` (the text modality).  :func:`process` runs the whole chain for one sample
and returns a :class:`Program`; every failure on the way is a
:class:`~sklearn_mirencoder.errors.FrontendError` that names the sample.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FrontendError, GraphError, InputError, MIREncoderError
from .graph import GraphBuilder, ProGraMLBuilder, ProgramGraph, get_graph_builder
from .ir import IRModule, load_file, to_ir
from .tokens import IRTokenizer, ir_words, normalize_ir

__all__ = ["Program", "process", "INPUT_KINDS"]

#: How ``source`` is read, as in scikit-learn's text vectorizers.
INPUT_KINDS = ("content", "filename", "file")


@dataclass(frozen=True, eq=False)
class Program:
    """Everything the front end derives from one program.

    Attributes
    ----------
    name : str
        The sample's name (its path, or the name the caller gave).
    ir : IRModule
        Canonical IR text, with the language, compiler and flags that produced it.
    graph : ProgramGraph
        The program graph (structure modality).
    words : tuple of str
        The normalised IR split into words (text modality, before sub-word tokenisation).
    token_ids : ndarray of int32 or None
        Sub-word token ids from the tokenizer, when one was given.
    """

    name: str
    ir: IRModule
    graph: ProgramGraph
    words: tuple[str, ...]
    token_ids: np.ndarray | None = None

    @property
    def language(self) -> str:
        return self.ir.language

    @property
    def compiler(self):
        return self.ir.compiler

    def digest(self) -> str:
        """SHA-256 over the IR text, the graph and the tokens (equal means identical)."""
        h = hashlib.sha256()
        h.update(self.ir.text.encode())
        h.update(self.graph.digest().encode())
        h.update("\x00".join(self.words).encode())
        if self.token_ids is not None:
            h.update(np.ascontiguousarray(self.token_ids).tobytes())
        return h.hexdigest()

    def summary(self) -> dict[str, Any]:
        """Counts for display: nodes and edges by kind, words, tokens, compiler."""
        from .graph import EDGE_FLOWS, NODE_KINDS

        g = self.graph
        kinds = np.bincount(g.node_kind, minlength=len(NODE_KINDS))
        flows = np.bincount(g.edge_flow, minlength=len(EDGE_FLOWS))
        comp = self.ir.compiler
        return {
            "name": self.name,
            "language": self.ir.language,
            "compiler": f"{comp.kind} {comp.version}" if comp else "-",
            **{f"{k}_nodes": int(c) for k, c in zip(NODE_KINDS, kinds)},
            **{f"{f}_edges": int(c) for f, c in zip(EDGE_FLOWS, flows)},
            "words": len(self.words),
            "tokens": None if self.token_ids is None else int(self.token_ids.size),
        }


def process(
    source: str | bytes | os.PathLike,
    *,
    input: str = "content",
    language: str | None = None,
    name: str | None = None,
    tokenizer: IRTokenizer | None = None,
    graph_builder: str | GraphBuilder | None = None,
    **compile_options: Any,
) -> Program:
    """Turn one program into canonical IR, a program graph and IR tokens.

    Parameters
    ----------
    source : str, bytes or path-like
        The program's text (``input="content"``), a path (``input="filename"``) or an open
        binary/text file (``input="file"``).
    input : {"content", "filename", "file"}, default="content"
        How to read ``source``.
    language : str, optional
        ``"c"``, ``"c++"``, ``"opencl"``, ``"cuda"``, ``"openmp"``, ``"llvm-ir"`` or
        ``"llvm-bc"`` (aliases accepted).  Required for content; inferred from a file's
        extension otherwise.
    name : str, optional
        The sample's name in error messages; defaults to the path or ``"<string>"``.
    tokenizer : IRTokenizer, optional
        When given, ``Program.token_ids`` holds its sub-word ids.
    graph_builder : str or GraphBuilder, optional
        Defaults to the ProGraML builder.
    **compile_options
        Passed to :func:`sklearn_mirencoder.frontend.ir.to_ir`: ``compiler``, ``opt_flags``,
        ``extra_flags``, ``openmp``, ``timeout``, ``max_source_bytes``, ``source_dir`` and
        ``confine_includes`` (``True``: the program may read only files under its own folder,
        the headers shipped with the package and the compiler's include path, else
        :class:`~.errors.IncludeRefusedError` names the refused path; see
        :func:`~sklearn_mirencoder.frontend.compile.compile_source`).

    Returns
    -------
    Program

    Raises
    ------
    FrontendError
        A subclass naming the sample: :class:`~.errors.InputError` (and its
        :class:`~.errors.IncludeRefusedError`), :class:`~.errors.CompileError`, :class:`~.errors.IRParseError`,
        :class:`~.errors.GraphError`...
    """
    if input not in INPUT_KINDS:
        raise InputError(f"input must be one of {INPUT_KINDS}, got {input!r}", sample=name)
    if input == "filename":
        path = Path(os.fspath(source))
        ir = load_file(path, language=language, name=name, **compile_options)
    else:
        if input == "file":
            data = source.read()
            name = name or getattr(source, "name", None) or "<file>"
        else:
            data = source
        if isinstance(data, os.PathLike):
            raise InputError(
                "got a path with input='content'; pass input='filename' to read files", sample=str(data)
            )
        ir = to_ir(data, language=language, name=name or "<string>", **compile_options)
    return program_from_ir(ir, tokenizer=tokenizer, graph_builder=graph_builder)


def program_from_ir(
    ir: IRModule,
    *,
    tokenizer: IRTokenizer | None = None,
    graph_builder: str | GraphBuilder | None = None,
) -> Program:
    """Build the graph and tokens of an :class:`IRModule` (the second half of :func:`process`)."""
    if "\ndefine " not in "\n" + ir.text:
        raise InputError(
            "the program defines no function with a body, so there is nothing to embed "
            "(was it a header, or were all functions optimised away?)",
            sample=ir.name,
        )
    builder = get_graph_builder(graph_builder)
    try:
        graph = builder.build(ir)
        if not isinstance(builder, ProGraMLBuilder):
            # another builder's graph must keep the invariants the encoder relies on
            # (kinds and flows it knows, endpoints in range); ours are tested to
            if not isinstance(graph, ProgramGraph):
                raise GraphError(
                    f"the {getattr(builder, 'name', type(builder).__name__)} graph builder returned "
                    f"{type(graph).__name__}, not a ProgramGraph",
                    sample=ir.name,
                )
            graph.validate()
    except MIREncoderError:
        raise
    except Exception as exc:  # a builder bug must still name the sample, not kill the batch
        raise GraphError(
            f"the {getattr(builder, 'name', type(builder).__name__)} graph builder failed "
            f"({type(exc).__name__}); please report this with the input",
            sample=ir.name,
            diagnostic=str(exc),
        ) from exc
    try:
        normalized = normalize_ir(ir.text)
        words = tuple(ir_words(normalized))
        ids = tokenizer.encode(normalized, normalized=True, words=words) if tokenizer is not None else None
    except MIREncoderError:
        raise
    except Exception as exc:
        raise FrontendError(
            f"tokenisation failed ({type(exc).__name__}); please report this with the input",
            sample=ir.name,
            diagnostic=str(exc),
        ) from exc
    return Program(name=ir.name, ir=ir, graph=graph, words=words, token_ids=ids)
