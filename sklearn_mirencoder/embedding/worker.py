"""Stage 4, front end, for one program: what a worker does with a :class:`Task`.

:func:`frontend_task` compiles the program with clang (unless the cache folder gave its IR),
parses the IR, builds the program graph and the tokens, and cuts them to the model's limits
(:func:`~sklearn_mirencoder.model.featurize.encode_program`); with ``encode_in="workers"`` it
also runs the model on it.  Only plain data crosses to a worker (a :class:`Task` and a
:class:`WorkerContext`) and back (numpy arrays); a problem of the sample comes back as its
error, never raised.  :mod:`.frontend_stage` runs it over all tasks.
"""

from __future__ import annotations

import hashlib
import types
from dataclasses import dataclass
from typing import Any, Callable

from ..errors import FrontendError, MIREncoderError
from ..frontend.compile import COMPILED_LANGUAGES, normalize_language
from ..model.featurize import text_coverage
from .encoding import EncoderSpec, embed, worker_model
from .inputs import MAX_SOURCE_BYTES


@dataclass
class Task:
    """One distinct program to run through the front end (crosses to the worker)."""

    key: str  # embedding key
    program_key: str
    name: str  # the name the front end sees (a path or "sample i")
    language: str
    data: bytes | None  # the program (None when ir_text is given)
    ir_text: str | None = None  # compiled IR from the disk cache
    source_dir: str | None = None


#: The tokenizers this process has built, by the SHA-256 of their JSON.
_TOKENIZERS: dict[str, Any] = {}


class WorkerContext:
    """What every task needs besides its program: tokenizer (as JSON), model limits and
    compile options.  Plain data only; workers rebuild the tokenizer once per process."""

    def __init__(
        self, tokenizer, config, compiler, opt_flags, extra_flags, timeout, max_source_bytes=MAX_SOURCE_BYTES,
        encoder: EncoderSpec | None = None, graph_builder=None, *, function: str | None = None,
        confine_includes: bool = False,
    ):
        self.tokenizer_json = tokenizer.to_str()
        self.tokenizer_sha = hashlib.sha256(self.tokenizer_json.encode()).hexdigest()
        _TOKENIZERS.setdefault(self.tokenizer_sha, tokenizer)
        self.config = dict(config.to_dict())
        self.compiler = compiler
        self.opt_flags = opt_flags
        self.extra_flags = extra_flags
        self.timeout = timeout
        self.max_source_bytes = max_source_bytes
        self.encoder = encoder  # encode in the worker too
        self.graph_builder = graph_builder  # None (ProGraML) or a builder instance
        self.function = function  # None (the program) or the function to embed
        self.confine_includes = confine_includes

    def __sizeof__(self) -> int:  # dask scatters arguments above 1 kB once per call
        return len(self.tokenizer_json) + 1024

    @property
    def tokenizer(self):
        tok = _TOKENIZERS.get(self.tokenizer_sha)
        if tok is None:
            from ..frontend.tokens import IRTokenizer

            tok = IRTokenizer.from_str(self.tokenizer_json, source="<model tokenizer>")
            _TOKENIZERS[self.tokenizer_sha] = tok
        return tok


def needs_clang(task: Task) -> bool:
    """Whether the task's program is a source clang must compile (no IR from the cache)."""
    return task.ir_text is None and normalize_language(task.language)[0] in COMPILED_LANGUAGES


def compile_task(task: Task, ctx: WorkerContext):
    """clang's output for a task that :func:`needs_clang` (a ``CompileResult``)."""
    from ..frontend.compile import compile_source

    return compile_source(
        task.data,
        language=task.language,
        name=task.name,
        compiler=ctx.compiler,
        opt_flags=ctx.opt_flags,
        extra_flags=ctx.extra_flags,
        timeout=ctx.timeout,
        max_source_bytes=ctx.max_source_bytes,
        source_dir=task.source_dir,
        confine_includes=ctx.confine_includes,
    )


def task_ir(task: Task, ctx: WorkerContext, compiled: Callable[[], Any] | None):
    """The task's :class:`~sklearn_mirencoder.frontend.ir.IRModule`: from the cached IR,
    from clang, or read from LLVM IR or bitcode."""
    from ..frontend.ir import IRModule, ir_from_compile_result, to_ir

    if task.ir_text is not None:
        return IRModule(text=task.ir_text, name=task.name, language=normalize_language(task.language)[0])
    if needs_clang(task):
        result = compiled() if compiled is not None else compile_task(task, ctx)
        return ir_from_compile_result(result, name=task.name)
    return to_ir(task.data, language=task.language, name=task.name, max_source_bytes=ctx.max_source_bytes,
                 compiler=ctx.compiler, timeout=ctx.timeout)


def frontend_task(task: Task, ctx: WorkerContext, compiled: Callable[[], Any] | None = None) -> tuple:
    """Run one program through the front end (and the model, when ``ctx.encoder`` says so);
    never raises for a problem of the sample.

    ``compiled``, when given, returns (or raises) what :func:`compile_task` would, from a
    compile already under way elsewhere (:func:`~.frontend_stage.frontend_in_process`).

    Returns ``("ok", payload, new_ir_text_or_None, (text_partial, graph_cut))`` -- the
    payload an :class:`~sklearn_mirencoder.model.featurize.EncodedProgram`, or its vector (a
    float32 array) when encoded here -- or ``("error", exception)``.
    """
    outcome = guarded(task, lambda: _featurize(task, ctx, compiled))
    if outcome[0] == "error":
        return outcome
    encoded, new_ir, cut = outcome[1]
    if ctx.encoder is None:
        return ("ok", encoded, new_ir, cut)
    # not the sample's problem if this fails (unloadable weights, memory): it propagates
    return ("ok", embed(worker_model(ctx.encoder), [encoded], ctx.encoder.modality)[0], new_ir, cut)


def _featurize(task: Task, ctx: WorkerContext, compiled):
    """IR, then (the selected function's module,) graph, tokens and the model's inputs."""
    from ..frontend import program_from_ir
    from ..model.featurize import encode_program
    from .functions import select_function_module

    ir = task_ir(task, ctx, compiled)
    new_ir = ir.text if task.ir_text is None else None
    ir = select_function_module(ir, ctx.function)
    # the IR is normalised once, for the words and the token ids
    program = program_from_ir(ir, tokenizer=ctx.tokenizer, graph_builder=ctx.graph_builder)
    config = types.SimpleNamespace(**ctx.config)
    encoded = encode_program(program, ctx.tokenizer, config, name=task.name, token_ids=program.token_ids)
    n_tok = len(encoded.token_ids)
    cut = (text_coverage(n_tok, config) < n_tok, encoded.num_nodes_total > len(encoded.node_kind))
    return encoded, new_ir, cut


def functions_task(task: Task, ctx: WorkerContext, functions) -> tuple:
    """A worker's job for ``MIRTransformer.transform_functions``: one sample's IR, then the
    ``(name, kind, module text)`` of the functions ``functions`` selects (see
    :func:`~.functions.sample_functions`); ``("ok", list)`` or ``("error", exception)``."""
    from .functions import sample_functions

    return guarded(task, lambda: sample_functions(task_ir(task, ctx, None), functions))


def guarded(task: Task, work: Callable[[], Any]) -> tuple:
    """``("ok", work())``, or ``("error", exception)`` for a problem of the sample; a bug
    (any other exception) costs that one sample too, as a FrontendError saying so."""
    try:
        return ("ok", work())
    except MIREncoderError as exc:
        return ("error", exc)
    except Exception as exc:  # a bug must cost one sample, and say so
        return (
            "error",
            FrontendError(
                f"internal error while processing the program ({type(exc).__name__}: {exc}); please report "
                "this with the input",
                sample=task.name,
            ),
        )
