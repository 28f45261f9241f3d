"""Programs in, MIREncoder embeddings out: :class:`MIRTransformer`, a scikit-learn transformer.

::

    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import Pipeline
    from sklearn_mirencoder.transformer import MIRTransformer

    pipe = Pipeline([
        ("emb", MIRTransformer(language="opencl")),
        ("clf", HistGradientBoostingClassifier()),
    ])
    pipe.fit(kernels, labels)          # kernels: a list of OpenCL sources

How a call works
----------------
1. **Read and key** (parent process): each sample's bytes are read (file input) and keyed
   by a SHA-256 over its bytes, language, compiler version, flags, the weights and the
   modality (:mod:`sklearn_mirencoder.cache`).  Duplicates are computed once.
2. **Look up**: the process memory, then the cache folder (``cache=``).  A hit costs no
   compile and no encoding; a stored compiled IR skips clang.
3. **Front end** (joblib workers, :class:`sklearn.utils.parallel.Parallel`): compile with
   clang, parse with LLVM, build the program graph, tokenise, and cut to the model's limits
   (:func:`~sklearn_mirencoder.model.featurize.encode_program`).  Only numpy arrays come back
   (:class:`~sklearn_mirencoder.model.featurize.EncodedProgram`).  ``n_jobs=None`` follows the
   active joblib backend, so ``joblib.parallel_config("dask")`` spreads the work over a dask
   cluster.  Every failure is caught per sample inside the worker; a worker process that
   dies (LLVM crashing, memory) costs only the sample that killed it (see
   :class:`WorkerCrashError`).  With one job the front end runs in the calling process and
   clang runs a few programs ahead in a thread, so the Python stages (and the encoding)
   overlap clang instead of waiting for it.
4. **Encode** (``encode_in``).  In the parent process, on ``device``: batches of
   ``batch_size`` programs go through the model while the workers compile the next ones.
   Or, by default when the model runs on the CPU with more than one worker, in the
   workers: each encodes the programs it compiled (one forward pass per program, the
   weights loaded once per worker process), so the model's cost, most of the total on a
   CPU, is spread over the workers too.  Programs shorter than the model's text window are
   batched only with programs of the same length, so no program is padded because of
   another, and the fused projection is computed one program at a time: a program's vector
   does not depend on its batch, nor on the number of torch threads.  The same inputs give
   bitwise the same matrix in every run, whatever ``n_jobs``, ``encode_in`` or the joblib
   backend.

Errors
------
``errors="raise"`` raises the failing sample's typed error
(:class:`~sklearn_mirencoder.errors.FrontendError` subclasses), its message starting with
``sample <index> (<name>)``; ``errors="nan"`` gives that sample a row of NaN (the row count
and order never change), lists why in :attr:`MIRTransformer.failures_` and warns once per
call (:class:`FailedProgramsWarning`).  Problems that are not a sample's (no compiler,
unloadable weights, a bad parameter) always raise.
"""

from __future__ import annotations

import contextlib
import os
import time
import types
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.parallel import Parallel, delayed

from .cache import ProgramCache, embedding_key, failure_key, program_key
from .frontend.compile import COMPILED_LANGUAGES, DEFAULT_OPT_FLAGS, find_compiler, language_from_path, normalize_language
from .errors import (
    CompileError,
    CompilerCrashError,
    CompilerNotFoundError,
    CompileTimeoutError,
    FrontendError,
    GraphError,
    InputError,
    IRParseError,
    MIREncoderError,
    ModelLoadError,
)
from .model.featurize import text_coverage
from .model.hub import ModelSource, resolve_model, weights_digest
from .model.loading import load_config, load_model

__all__ = [
    "MIRTransformer",
    "ProgramFailure",
    "FailedProgramsWarning",
    "WorkerCrashError",
    "DeviceUnavailableError",
]

_MODALITIES = ("both", "text", "graph")
_INPUTS = ("content", "filename", "file")
_ERRORS = ("raise", "nan")
_ENCODE_IN = ("auto", "parent", "workers")
#: Files larger than this are refused (as the front end does for content).
_MAX_SOURCE_BYTES = 4_000_000
_RAISE_HINT = " (pass errors='nan' to get a row of NaN for programs that fail instead)"


# ------------------------------------------------------------------------------- public types


class WorkerCrashError(FrontendError):
    """The worker process handling this sample died (killed by a signal, out of memory, or
    LLVM aborting inside it).  The sample was retried alone in a fresh worker and killed it
    again; the other samples of the batch were not affected."""


class DeviceUnavailableError(MIREncoderError, RuntimeError):
    """``device=`` names an accelerator PyTorch cannot use here."""


class FailedProgramsWarning(UserWarning):
    """Some programs could not be embedded and got rows of NaN (``errors="nan"``)."""


class ProgramFailure(NamedTuple):
    """Why one sample got a row of NaN (an entry of :attr:`MIRTransformer.failures_`)."""

    index: int
    """The sample's row in ``X``."""
    error: str
    """The error's class name, e.g. ``"CompileError"``."""
    message: str
    """The full message (it starts with ``sample <index>``) with the compiler's diagnostic."""


# --------------------------------------------------------------------------------- workers


@dataclass
class _Task:
    """One distinct program to run through the front end (crosses to the worker)."""

    key: str  # embedding key
    program_key: str
    name: str  # the name the front end sees (a path or "sample i")
    language: str
    data: bytes | None  # the program (None when ir_text is given)
    ir_text: str | None = None  # compiled IR from the disk cache
    source_dir: str | None = None


_TOKENIZERS: dict[str, Any] = {}


def _check_size(what: str, size: int, limit: int | None) -> None:
    if limit is not None and size > limit:
        raise InputError(f"the {what} is {size} bytes, over the limit of {limit} bytes; "
                         "pass a larger max_source_bytes= (or None) to process it")


class _WorkerContext:
    """What every task needs besides its program: tokenizer (as JSON), model limits and
    compile options.  Plain data only; workers rebuild the tokenizer once per process."""

    def __init__(
        self, tokenizer, config, compiler, opt_flags, extra_flags, timeout, max_source_bytes=_MAX_SOURCE_BYTES,
        encoder=None, graph_builder=None,
    ):
        import hashlib

        self.tokenizer_json = tokenizer.to_str()
        self.tokenizer_sha = hashlib.sha256(self.tokenizer_json.encode()).hexdigest()
        _TOKENIZERS.setdefault(self.tokenizer_sha, tokenizer)
        self.config = dict(config.to_dict())
        self.compiler = compiler
        self.opt_flags = opt_flags
        self.extra_flags = extra_flags
        self.timeout = timeout
        self.max_source_bytes = max_source_bytes
        self.encoder = encoder  # an _EncoderSpec: encode in the worker too
        self.graph_builder = graph_builder  # None (ProGraML) or a builder instance

    def __sizeof__(self) -> int:  # dask scatters arguments above 1 kB once per call
        return len(self.tokenizer_json) + 1024

    @property
    def tokenizer(self):
        tok = _TOKENIZERS.get(self.tokenizer_sha)
        if tok is None:
            from .frontend.tokens import IRTokenizer

            tok = IRTokenizer.from_str(self.tokenizer_json, source="<model tokenizer>")
            _TOKENIZERS[self.tokenizer_sha] = tok
        return tok


class _EncoderSpec(NamedTuple):
    """Which weights a worker loads to encode (``encode_in="workers"``); plain data."""

    kind: str  # "bundled", "folder" or "hub"
    path: str
    repo_id: str | None
    commit: str | None
    digest: str
    modality: str
    local_files_only: bool


def _worker_model(spec: _EncoderSpec):
    """The CPU model of ``spec`` in this process: loaded once per process (kept by
    :func:`~sklearn_mirencoder.model.loading.load_model`), from the parent's folder when this process
    can read it, else found again (bundled weights, or the Hub at the same commit), and
    refused unless its digest is the parent's."""
    from .model.loading import loaded_model

    model = loaded_model(spec.digest, "cpu")
    if model is not None:
        return model
    path = Path(spec.path)
    if path.is_dir():
        source = ModelSource(spec.kind, path, repo_id=spec.repo_id, revision=spec.commit, commit=spec.commit)
    elif spec.kind == "bundled":
        source = resolve_model(None)
    elif spec.kind == "hub":
        source = resolve_model(spec.repo_id, revision=spec.commit, local_files_only=spec.local_files_only)
    else:
        import socket

        raise ModelLoadError(
            f"the model folder {spec.path} cannot be read by the worker process on {socket.gethostname()}; copy "
            "it to the same path on every worker machine, or pass encode_in='parent' to encode in the calling "
            "process"
        )
    digest = weights_digest(source.path)
    if digest != spec.digest:
        raise ModelLoadError(
            f"the worker process found other weights at {source.path} (digest {digest[:12]}..., the calling "
            f"process uses {spec.digest[:12]}...); install the same weights on every worker, or pass "
            "encode_in='parent'"
        )
    return load_model(source, device="cpu", digest=digest)


def _embed(model, encoded: list, modality: str) -> np.ndarray:
    """float32 vectors ``(len(encoded), dim)`` of encoded programs, in one forward pass
    (a program's vector does not depend on the rest of its batch, see
    :mod:`~sklearn_mirencoder.model.encoder`)."""
    from .model.featurize import collate

    vecs = model.embed(collate(encoded, model.config), modality)
    return vecs.detach().cpu().numpy().astype(np.float32, copy=False)


def _needs_clang(task: _Task) -> bool:
    return task.ir_text is None and normalize_language(task.language)[0] in COMPILED_LANGUAGES


def _compile_task(task: _Task, ctx: _WorkerContext):
    """clang's output for a task that :func:`_needs_clang` (a ``CompileResult``)."""
    from .frontend.compile import compile_source

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
    )


def _frontend_task(task: _Task, ctx: _WorkerContext, compiled: Callable[[], Any] | None = None) -> tuple:
    """Run one program through the front end (and the model, when ``ctx.encoder`` says so);
    never raises for a problem of the sample.

    ``compiled``, when given, returns (or raises) what :func:`_compile_task` would, from a
    compile already under way elsewhere (:func:`_frontend_in_process`).

    Returns ``("ok", payload, new_ir_text_or_None, (text_partial, graph_cut))`` -- the
    payload an :class:`~sklearn_mirencoder.model.featurize.EncodedProgram`, or its vector (a
    float32 array) when encoded here -- or ``("error", exception)``.
    """
    from .model.featurize import encode_program
    from .frontend import program_from_ir
    from .frontend.ir import IRModule, ir_from_compile_result, to_ir

    try:
        if task.ir_text is not None:
            ir = IRModule(text=task.ir_text, name=task.name, language=normalize_language(task.language)[0])
        elif _needs_clang(task):
            result = compiled() if compiled is not None else _compile_task(task, ctx)
            ir = ir_from_compile_result(result, name=task.name)
        else:  # LLVM IR or bitcode
            ir = to_ir(task.data, language=task.language, name=task.name, max_source_bytes=ctx.max_source_bytes)
        new_ir = ir.text if task.ir_text is None else None
        # the IR is normalised once, for the words and the token ids
        program = program_from_ir(ir, tokenizer=ctx.tokenizer, graph_builder=ctx.graph_builder)
        config = types.SimpleNamespace(**ctx.config)
        encoded = encode_program(program, ctx.tokenizer, config, name=task.name, token_ids=program.token_ids)
        n_tok = len(encoded.token_ids)
        cut = (text_coverage(n_tok, config) < n_tok, encoded.num_nodes_total > len(encoded.node_kind))
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
    if ctx.encoder is None:
        return ("ok", encoded, new_ir, cut)
    # not the sample's problem if this fails (unloadable weights, memory): it propagates
    return ("ok", _embed(_worker_model(ctx.encoder), [encoded], ctx.encoder.modality)[0], new_ir, cut)


#: How many programs the compile-ahead thread of :func:`_frontend_in_process` may have
#: compiled or queued beyond the one being parsed or encoded.
COMPILE_AHEAD = 4


def _frontend_in_process(tasks: Sequence[_Task], ctx: _WorkerContext, *, ahead: int = COMPILE_AHEAD):
    """Yield ``(task, result)`` of :func:`_frontend_task` for every task, in order, in this
    process, with clang running ahead in a thread.

    One thread runs clang for the next programs, one after the other (at most ``ahead``
    beyond the one being worked on here or by the caller), while this thread parses the IR
    and builds the graph and tokens of the current one (and the caller encodes): clang is a
    separate process, so it and the Python stages use two cores instead of taking turns.  A compile error
    reaches the sample it belongs to, as without the thread.  When the caller stops early
    (an error raised, the generator closed) the queued compiles are cancelled, and the
    thread ends after the running one without being waited for.
    """
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mirencoder-clang")
    window: deque = deque()
    todo = iter(tasks)

    def submit() -> None:
        task = next(todo, None)
        if task is not None:
            window.append((task, pool.submit(_compile_task, task, ctx) if _needs_clang(task) else None))

    try:
        for _ in range(1 + max(0, ahead)):
            submit()
        while window:
            task, future = window.popleft()
            yield task, _frontend_task(task, ctx, future.result if future is not None else None)
            submit()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def graph_builder_id(builder) -> str | None:
    """What identifies a graph builder in cache keys: ``None`` for the default ProGraML
    builder, else its class, ``name`` and a digest of its pickled state (so two instances
    with other settings do not share embeddings)."""
    import hashlib
    import pickle

    from .frontend.graph import ProGraMLBuilder

    if builder is None or type(builder) is ProGraMLBuilder:
        return None
    cls = type(builder)
    try:
        state = pickle.dumps(builder, protocol=4)
    except Exception:  # e.g. defined in a notebook with unpicklable members: cloudpickle then
        from joblib.externals import cloudpickle

        state = cloudpickle.dumps(builder, protocol=4)
    return f"{cls.__module__}.{cls.__qualname__}:{getattr(builder, 'name', '')}:{hashlib.sha256(state).hexdigest()}"


def _is_worker_death(exc: BaseException) -> bool:
    """Whether ``exc`` says a worker process died (loky, concurrent.futures, dask)."""
    from concurrent.futures.process import BrokenProcessPool

    if isinstance(exc, BrokenProcessPool):
        return True
    names = {"TerminatedWorkerError", "BrokenProcessPool", "KilledWorker", "WorkerLostError"}
    return any(cls.__name__ in names for cls in type(exc).__mro__)


#: Failures that would happen again with the same key (remembered in memory); timeouts,
#: crashes and dead workers are retried.
def _deterministic(exc: BaseException) -> bool:
    if isinstance(exc, (CompileTimeoutError, CompilerCrashError, WorkerCrashError, CompilerNotFoundError)):
        return False
    return isinstance(exc, (InputError, CompileError, IRParseError, GraphError))


# ----------------------------------------------------------------------------- encoding


class _Batcher:
    """Collect encoded programs and run the model on batches of them.

    Programs are grouped by the length of their text windows (``min(tokens, window)``), so
    no program is padded because of another (the text and graph vectors are then the same
    in any batch on CPU; the fused projection may differ in the last float32 bits).
    """

    def __init__(self, model, modality: str, batch_size: int, on_done):
        self.model = model
        self.modality = modality
        self.batch_size = batch_size
        self.window = model.config.window
        self.on_done = on_done
        self.buckets: dict[int, list] = {}

    def add(self, key: str, encoded) -> None:
        length = max(1, min(encoded.num_tokens, self.window))
        bucket = self.buckets.setdefault(length, [])
        bucket.append((key, encoded))
        if len(bucket) >= self.batch_size:
            self._flush(length)

    def _flush(self, length: int) -> None:
        items = self.buckets.pop(length)
        self.on_done([key for key, _ in items], _embed(self.model, [enc for _, enc in items], self.modality))

    def flush(self) -> None:
        for length in sorted(self.buckets):
            self._flush(length)


# ------------------------------------------------------------------------------- helpers


@dataclass
class _Sample:
    index: int
    name: str | None  # a path or file name; None for content
    data: bytes
    language: str  # as given (an alias is kept for the compiler)
    canonical: str
    openmp: bool | None
    source_dir: str | None = None
    pkey: str = ""  # program key
    ekey: str = ""  # embedding key


def _note_truncation(stats: dict, truncated: dict, rows: list[int], text_partial: bool, graph_cut: bool) -> None:
    """Count one program (its ``rows``) as read in part and/or cut, in ``transform_stats_``
    and ``truncated_``."""
    if text_partial:
        stats["text_partial"] += 1
        truncated["text"] += rows
    if graph_cut:
        stats["graph_cut"] += 1
        truncated["graph"] += rows


def _label(index: int, name: str | None) -> str:
    return f"sample {index}" if not name else f"sample {index} ({name})"


def _relabel(exc: BaseException, index: int, name: str | None, hint: str = "") -> BaseException:
    """The same error, naming the sample by its index (and path)."""
    if isinstance(exc, FrontendError):
        try:
            new = type(exc)(exc.reason + hint, sample=_label(index, name), diagnostic=exc.diagnostic or None)
        except TypeError:  # pragma: no cover - a subclass with another signature
            new = FrontendError(exc.reason + hint, sample=_label(index, name), diagnostic=exc.diagnostic or None)
    else:  # pragma: no cover - workers wrap everything else
        new = FrontendError(f"{type(exc).__name__}: {exc}{hint}", sample=_label(index, name))
    new.index = index
    return new


def _resolve_device(device) -> str:
    import torch

    if device is None or (isinstance(device, str) and device == "auto"):
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise ValueError(f"device must be 'cpu', 'cuda', 'cuda:N', 'mps' or 'auto', got {device!r}") from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise DeviceUnavailableError(
                f"device={device!r} but PyTorch sees no CUDA GPU (torch {torch.__version__}, CUDA build: "
                f"{torch.version.cuda or 'none'}); use device='cpu' (or 'auto'), or install a CUDA build of PyTorch"
            )
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise DeviceUnavailableError(
                f"device={device!r} but only {torch.cuda.device_count()} CUDA device(s) are visible"
            )
    elif dev.type == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise DeviceUnavailableError(f"device={device!r} but PyTorch's MPS backend is not available here")
    elif dev.type != "cpu":
        raise ValueError(f"device must be 'cpu', 'cuda', 'cuda:N', 'mps' or 'auto', got {device!r}")
    return str(dev)


def _as_flag_tuple(value, what: str) -> tuple[str, ...]:
    if isinstance(value, (str, bytes)):
        raise ValueError(f"{what} must be a sequence of strings such as ('-O2',), not a single string {value!r}")
    try:
        flags = tuple(value)
    except TypeError:
        raise ValueError(f"{what} must be a sequence of strings, got {type(value).__name__}") from None
    bad = [f for f in flags if not isinstance(f, str)]
    if bad:
        raise ValueError(f"{what} must hold strings, got {bad[0]!r}")
    return flags


class _Runtime(NamedTuple):
    spec: tuple
    model: Any
    source: ModelSource
    digest: str
    device: str


# --------------------------------------------------------------------------- the estimator


class MIRTransformer(TransformerMixin, BaseEstimator):
    """Embed programs (source code or LLVM IR) with a pre-trained MIREncoder.

    Each program is compiled to LLVM IR with clang, turned into its normalised IR tokens and
    its ProGraML program graph, and encoded by the frozen multi-modal model into one
    fixed-size float32 vector.  Nothing is learned in :meth:`fit`, which only loads the
    weights: use the transformer as the first step of a :class:`~sklearn.pipeline.Pipeline`.

    Parameters
    ----------
    model : None, str or path-like, default=None
        The weights.  ``None``: the model bundled with the package.  A folder: one written by
        :meth:`~sklearn_mirencoder.model.encoder.MIREncoder.save_pretrained` (``config.json``,
        ``model.safetensors``, ``tokenizer.json``).  Any other string: a Hugging Face Hub
        repository id (``"owner/name"``), downloaded once into the standard Hugging Face
        cache (see :mod:`sklearn_mirencoder.model.hub`).
    revision : str, default=None
        Branch, tag or commit of a Hub model (default ``"main"``); pin a commit for
        reproducible features.  Only for Hub models.
    modality : {"both", "text", "graph"}, default="both"
        Which features: ``"text"`` (the IR-token encoder's vector, ``hidden`` values),
        ``"graph"`` (mean and max of the graph encoder's node states, ``2 * hidden``) or
        ``"both"`` (those two and their fused projection, ``3 * hidden + embed_dim``).
    input : {"content", "filename", "file"}, default="content"
        What the samples of ``X`` are: program text (``str``, or ``bytes`` -- LLVM bitcode
        with ``language="llvm-bc"``), paths to read, or open file objects (read in the
        calling process).
    language : str, default=None
        ``"c"``, ``"c++"``, ``"opencl"``, ``"cuda"``, ``"openmp"``, ``"openmp-c++"``,
        ``"llvm-ir"`` or ``"llvm-bc"`` (aliases such as ``"cl"`` or ``"cpp"`` accepted).
        Required with ``input="content"``; otherwise inferred from each file's extension
        unless given.
    compiler : str or path-like, default=None
        The clang to run (a path, a name on PATH, or ``"ziglang"``); ``None`` finds one (see
        :func:`~sklearn_mirencoder.frontend.compile.find_compiler`).  The compiler is found once in the
        calling process and the workers run that one.
    opt_flags : sequence of str, default=None
        Optimisation flags replacing the default ``("-O1",)``, e.g. ``("-O2",)`` or
        :data:`~sklearn_mirencoder.frontend.compile.O0_NO_OPTNONE`.
    extra_flags : sequence of str, default=()
        Appended to clang's command line, e.g. ``("-DN=64",)``.
    timeout : float or None, default=60.0
        Seconds clang may spend on one program before it is killed (that sample fails with
        :class:`~sklearn_mirencoder.errors.CompileTimeoutError`); ``None``: no limit.
    max_source_bytes : int or None, default=4_000_000
        Programs (source, IR text or bitcode) larger than this fail with
        :class:`~sklearn_mirencoder.errors.InputError` before anything is compiled;
        ``None``: no limit.
    n_jobs : int, default=None
        Worker processes (or threads, per the joblib backend) for the front end, and for the
        model as ``encode_in`` says.  ``None`` means 1 unless a :func:`joblib.parallel_config`
        context says otherwise, e.g. ``parallel_config("dask")`` runs it on a dask cluster;
        ``-1`` uses all cores.
    graph_builder : None, str or GraphBuilder, default=None
        How programs become graphs: ``None`` the ProGraML builder the bundled weights were
        pre-trained with; a name registered with
        :func:`~sklearn_mirencoder.frontend.graph.register_graph_builder`; or a builder instance (any
        object with a ``name`` and ``build(ir) -> ProgramGraph``, picklable to reach the
        workers).  Its graphs must use the node kinds and edge flows of
        :mod:`~sklearn_mirencoder.frontend.graph` (checked per program: a violation is that sample's
        :class:`~sklearn_mirencoder.errors.GraphError`); weights pre-trained on its graphs
        make the most of it.  Part of the cache key.
    encode_in : {"auto", "parent", "workers"}, default="auto"
        Where programs go through the model.  ``"parent"``: in the calling process, in
        batches of ``batch_size``, on ``device``, while the workers compile the next
        programs.  ``"workers"``: each worker also encodes the programs it compiled, on its
        CPU, one program per forward pass (each worker process loads the weights once; on a
        cluster the workers must be able to read the model folder, or reach the bundled
        weights or the Hub).  ``"auto"``: ``"workers"`` when the model runs on the CPU and
        the front end gets more than one worker (``n_jobs`` or the active joblib backend),
        else ``"parent"`` -- on a CPU the model is most of the cost, so it must scale with
        the workers.  The output is bitwise the same either way.
    batch_size : int, default=16
        Programs per forward pass of the model in the calling process (memory and speed,
        not the result).
    device : str, default="cpu"
        Where the model runs: ``"cpu"``, ``"cuda"``, ``"cuda:N"``, ``"mps"``, or ``"auto"``
        (CUDA when available).  An unavailable device raises
        :class:`DeviceUnavailableError`.
    cache : None, bool or path-like, default=None
        ``None``: keep embeddings in this process's memory, shared by all transformers (a
        grid search over the downstream model embeds each program once).  A folder: also
        store embeddings and compiled IR there, shared by processes and sessions (safe with
        concurrent writers).  ``True``: the folder ``$MIRENCODER_CACHE_DIR`` or
        ``~/.cache/sklearn-mirencoder``.  ``False``: no caching at all.  See
        :mod:`sklearn_mirencoder.cache`.
    errors : {"raise", "nan"}, default="raise"
        What a program that cannot be compiled, parsed or encoded does: ``"raise"`` its
        typed error (naming the sample's index); ``"nan"`` a row of NaN in its place, a
        :class:`FailedProgramsWarning` and an entry in :attr:`failures_`.
    verbose : bool or int, default=False
        Show a progress bar (``tqdm``, on stderr) and a one-line summary per call.
    local_files_only : bool, default=False
        Never use the network for a Hub model: it must be in the local Hugging Face cache
        (``HF_HUB_OFFLINE=1`` does the same).

    Attributes
    ----------
    n_features_out_ : int
        Number of output features (set by :meth:`fit`).
    model_info_ : dict
        The weights in use (set by :meth:`fit`): ``kind`` (``"bundled"``, ``"folder"`` or
        ``"hub"``), ``path``, ``repo_id``, ``revision``, ``commit`` and ``digest`` (SHA-256
        of the model files).  A fitted transformer that is pickled and loaded elsewhere
        reloads exactly these weights (a Hub model at the same commit) and refuses others.
    failures_ : list of ProgramFailure
        Set by every :meth:`transform`: ``(index, error, message)`` of each sample of that
        call that got a row of NaN (empty with ``errors="raise"`` or when all succeeded).
    transform_stats_ : dict
        Set by every :meth:`transform`: how many samples came from memory, from the cache
        folder, were computed (``compiled`` of them by clang), were duplicates, or failed,
        and the seconds spent; ``text_partial`` and ``graph_cut`` count the distinct programs
        of this call (computed or from the cache, which stores the flags with the vector)
        whose text was longer than the model reads (``max_windows`` windows spread over it)
        or whose graph was cut to ``max_graph_nodes`` nodes (see
        :mod:`~sklearn_mirencoder.model.encoder`).
    truncated_ : dict
        Set by every :meth:`transform`: ``{"text": [...], "graph": [...]}``, the sample
        indices behind ``text_partial`` and ``graph_cut``.

    Notes
    -----
    The loaded network is not part of the estimator's state: :func:`~sklearn.base.clone`
    and pickling copy parameters and fitted attributes only, and the weights load again on
    first use (a process keeps its last two loaded models, so clones share them).

    To search over the downstream model only, either rely on the memory cache (the
    default), or embed once and search on the matrix::

        Z = MIRTransformer(language="opencl").fit_transform(kernels)
        GridSearchCV(HistGradientBoostingClassifier(), grid).fit(Z, y)

    ``Pipeline(memory=...)`` also works: the transformer is cheap to hash (no weights in its
    state).  The memory cache is per process: a ``GridSearchCV(n_jobs=4)`` runs its
    candidates in other processes, so give it ``cache=<folder>`` (or ``cache=True``) to share
    the embeddings between them.

    Examples
    --------
    >>> from sklearn_mirencoder.transformer import MIRTransformer  # doctest: +SKIP
    >>> emb = MIRTransformer(language="c")                       # doctest: +SKIP
    >>> emb.fit_transform(["int f(int x) { return x * 2; }"]).shape  # doctest: +SKIP
    (1, 1024)
    """

    def __init__(
        self,
        *,
        model=None,
        revision=None,
        modality="both",
        input="content",
        language=None,
        compiler=None,
        opt_flags=None,
        extra_flags=(),
        timeout=60.0,
        max_source_bytes=_MAX_SOURCE_BYTES,
        graph_builder=None,
        n_jobs=None,
        encode_in="auto",
        batch_size=16,
        device="cpu",
        cache=None,
        errors="raise",
        verbose=False,
        local_files_only=False,
    ):
        self.model = model
        self.revision = revision
        self.modality = modality
        self.input = input
        self.language = language
        self.compiler = compiler
        self.opt_flags = opt_flags
        self.extra_flags = extra_flags
        self.timeout = timeout
        self.max_source_bytes = max_source_bytes
        self.graph_builder = graph_builder
        self.n_jobs = n_jobs
        self.encode_in = encode_in
        self.batch_size = batch_size
        self.device = device
        self.cache = cache
        self.errors = errors
        self.verbose = verbose
        self.local_files_only = local_files_only

    # ------------------------------------------------------------------ scikit-learn API
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.one_d_array = True
        tags.input_tags.string = True
        tags.input_tags.allow_nan = False
        tags.requires_fit = False
        tags.target_tags.required = False
        if tags.transformer_tags is not None:
            tags.transformer_tags.preserves_dtype = []
        return tags

    def __getstate__(self):
        state = dict(super().__getstate__())
        state.pop("_runtime", None)  # the network is reloaded on first use, never pickled
        return state

    def fit(self, X=None, y=None):
        """Check the parameters and load the weights; nothing is learned from ``X``.

        Parameters
        ----------
        X : sequence of programs, optional
            Ignored (checked to be a sequence when given).
        y : ignored

        Returns
        -------
        self
        """
        self._check_params()
        if X is not None:
            self._check_X(X)
        for attr in ("model_info_", "n_features_out_"):
            self.__dict__.pop(attr, None)
        self.__dict__.pop("_runtime", None)
        rt = self._load()
        config = rt.model.config
        self.n_features_out_ = int(config.output_dim(self.modality))
        self.model_info_ = {
            "kind": rt.source.kind,
            "path": str(rt.source.path),
            "repo_id": rt.source.repo_id,
            "revision": rt.source.revision,
            "commit": rt.source.commit,
            "digest": rt.digest,
            "requested": (self._model_ref(), self.revision),
        }
        return self

    def fit_transform(self, X, y=None, **fit_params):
        """:meth:`fit`, then :meth:`transform` of ``X`` (read once)."""
        items = self._check_X(X)
        # a one-shot iterator is read once; containers go through as they are (their index
        # survives set_output(transform="pandas"))
        reusable = isinstance(X, (list, tuple, np.ndarray)) or hasattr(X, "iloc")
        return self.fit(None, y).transform(X if reusable else items)

    def transform(self, X):
        """Embed each program of ``X``.

        Parameters
        ----------
        X : sequence of str, bytes, paths or file objects
            One program per sample, as ``input`` says (a list, a 1-D array, a pandas Series
            or a one-column DataFrame).

        Returns
        -------
        ndarray of float32, shape (n_samples, n_features_out_)
            Row ``i`` embeds ``X[i]``; with ``errors="nan"`` a failed sample's row is NaN.

        Raises
        ------
        FrontendError
            (``errors="raise"``) a subclass naming the failing sample's index.
        CompilerNotFoundError, ModelLoadError, DeviceUnavailableError, ValueError
            Whatever ``errors`` says.
        """
        t0 = time.perf_counter()
        self._check_params()
        items = self._check_X(X)
        rt = self._load()
        dim = int(rt.model.config.output_dim(self.modality))
        n = len(items)
        out = np.full((n, dim), np.nan, dtype=np.float32)
        stats = dict.fromkeys(
            ("n_samples", "memory_hits", "disk_hits", "computed", "compiled", "ir_hits", "duplicates", "failed",
             "text_partial", "graph_cut"), 0
        )
        truncated: dict[str, list[int]] = {"text": [], "graph": []}
        stats["n_samples"] = n
        failures: dict[int, BaseException] = {}
        raising = self.errors == "raise"
        cache = ProgramCache.from_param(self.cache)

        bar = self._progress(n)
        try:
            samples = [self._read_sample(i, x) for i, x in enumerate(items)]
            for s in samples:
                if isinstance(s, BaseException):
                    failures[s.index] = s
                    if raising:
                        raise s
            need_compiler = any(isinstance(s, _Sample) and s.canonical in COMPILED_LANGUAGES for s in samples)
            compiler_info = find_compiler(self.compiler) if need_compiler else None
            opt = tuple(DEFAULT_OPT_FLAGS) if self.opt_flags is None else _as_flag_tuple(self.opt_flags, "opt_flags")
            extra = _as_flag_tuple(self.extra_flags, "extra_flags")

            # -- keys; duplicates share one computation
            builder = self._builder()
            builder_id = graph_builder_id(builder)
            builder_key = builder_id if self.modality != "text" else None  # text vectors do not use it
            groups: OrderedDict[str, list[_Sample]] = OrderedDict()
            for s in samples:
                if isinstance(s, BaseException):
                    continue
                compiled = s.canonical in COMPILED_LANGUAGES
                pkey = program_key(
                    s.data,
                    language=s.canonical,
                    openmp=s.openmp,
                    compiler=compiler_info if compiled else None,
                    flags=[*opt, "\x00", *extra] if compiled else (),
                    source_dir=s.source_dir if compiled else None,
                )
                ekey = embedding_key(pkey, weights=rt.digest, modality=self.modality, graph_builder=builder_key)
                s.pkey, s.ekey = pkey, ekey
                groups.setdefault(ekey, []).append(s)
            stats["duplicates"] = sum(len(g) - 1 for g in groups.values())

            # -- cache look-ups
            tasks: list[_Task] = []
            for ekey, group in groups.items():
                rows = [s.index for s in group]
                vec, where, (text_partial, graph_cut) = cache.get_embedding(ekey, dim)
                if vec is not None:
                    out[rows] = vec
                    stats[f"{where}_hits"] += len(rows)
                    _note_truncation(stats, truncated, rows, text_partial, graph_cut)
                    bar.update(len(rows))
                    continue
                first = group[0]
                known = cache.get_failure(failure_key(first.pkey, graph_builder=builder_id))
                if known is not None:
                    for s in group:
                        failures[s.index] = _relabel(known, s.index, s.name)
                    if raising:
                        raise _relabel(known, first.index, first.name, _RAISE_HINT)
                    bar.update(len(rows))
                    continue
                ir_text = cache.get_ir(first.pkey) if first.canonical in COMPILED_LANGUAGES else None
                stats["ir_hits"] += ir_text is not None
                tasks.append(
                    _Task(
                        key=ekey,
                        program_key=first.pkey,
                        name=first.name or f"sample {first.index}",
                        language=first.language,
                        data=None if ir_text is not None else first.data,
                        ir_text=ir_text,
                        source_dir=first.source_dir,
                    )
                )

            # -- front end in workers; encoding here or there
            if tasks:
                encoder = None
                if self._encode_in_workers(rt):
                    src = rt.source
                    encoder = _EncoderSpec(
                        src.kind, str(src.path), src.repo_id, src.commit or src.revision, rt.digest, self.modality,
                        bool(self.local_files_only),
                    )
                ctx = _WorkerContext(
                    rt.model.tokenizer, rt.model.config, compiler_info, opt if self.opt_flags is not None else None,
                    extra, self.timeout, self.max_source_bytes, encoder, builder,
                )

                truncation: dict[str, tuple[bool, bool]] = {}

                def done(keys, vecs):
                    for key, vec in zip(keys, vecs):
                        cache.put_embedding(key, vec, truncation[key])
                        rows = [s.index for s in groups[key]]
                        out[rows] = vec
                        stats["computed"] += 1
                        bar.update(len(rows))

                batcher = _Batcher(rt.model, self.modality, self.batch_size, done)
                # closed at once when an error is raised (not when the traceback goes)
                with contextlib.closing(self._run_frontend(tasks, ctx)) as frontend:
                    for task, result in frontend:
                        group = groups[task.key]
                        if result[0] == "ok":
                            _, payload, new_ir, (text_partial, graph_cut) = result
                            if new_ir is not None:
                                stats["compiled"] += 1
                                cache.put_ir(task.program_key, new_ir)
                            truncation[task.key] = (bool(text_partial), bool(graph_cut))
                            _note_truncation(stats, truncated, [s.index for s in group], text_partial, graph_cut)
                            if isinstance(payload, np.ndarray):  # encoded in the worker
                                done([task.key], payload[None])
                            else:
                                batcher.add(task.key, payload)
                            continue
                        exc = result[1]
                        if isinstance(exc, CompilerNotFoundError) or not isinstance(exc, FrontendError):
                            raise exc  # not the sample's problem
                        if _deterministic(exc):
                            cache.put_failure(failure_key(task.program_key, graph_builder=builder_id), exc)
                        if raising:
                            raise _relabel(exc, group[0].index, group[0].name, _RAISE_HINT) from exc
                        for s in group:
                            failures[s.index] = _relabel(exc, s.index, s.name)
                        bar.update(len(group))
                batcher.flush()
        finally:
            bar.close()

        self.failures_ = [
            ProgramFailure(i, type(failures[i]).__name__, str(failures[i])) for i in sorted(failures)
        ]
        stats["failed"] = len(self.failures_)
        stats["seconds"] = round(time.perf_counter() - t0, 3)
        self.transform_stats_ = stats
        self.truncated_ = {k: sorted(v) for k, v in truncated.items()}
        if self.failures_:
            first = self.failures_[0]
            warnings.warn(
                f"{len(self.failures_)} of {n} programs could not be embedded and got rows of NaN; the first: "
                f"{first.error}: {first.message.splitlines()[0]}  (see failures_ for all of them)",
                FailedProgramsWarning,
                stacklevel=2,
            )
        if self.verbose:
            import sys

            print(
                f"[MIRTransformer] {n} programs in {stats['seconds']:.2f} s: {stats['computed']} embedded "
                f"({stats['compiled']} compiled), {stats['memory_hits']} from memory, {stats['disk_hits']} from the "
                f"cache folder, {stats['duplicates']} duplicates, {stats['failed']} failed",
                file=sys.stderr,
            )
        return out

    def get_feature_names_out(self, input_features=None):
        """Output feature names: ``mir_text0..``, ``mir_graph0..``, ``mir_fused0..``.

        Parameters
        ----------
        input_features : ignored
            The input is programs, not features.

        Returns
        -------
        ndarray of str objects
        """
        self._check_params()
        rt = getattr(self, "_runtime", None)
        if rt is not None:
            config = rt.model.config
        else:
            model, revision = self._reference()
            config = load_config(resolve_model(model, revision=revision, local_files_only=self.local_files_only))
        parts = {
            "text": [("text", config.hidden)],
            "graph": [("graph", 2 * config.hidden)],
            "both": [("text", config.hidden), ("graph", 2 * config.hidden), ("fused", config.embed_dim)],
        }[self.modality]
        return np.asarray([f"mir_{p}{i}" for p, k in parts for i in range(k)], dtype=object)

    # ------------------------------------------------------------------------ internals
    def _check_params(self) -> None:
        if self.modality not in _MODALITIES:
            raise ValueError(f"modality must be one of {_MODALITIES}, got {self.modality!r}")
        if self.input not in _INPUTS:
            raise ValueError(f"input must be one of {_INPUTS}, got {self.input!r}")
        if self.errors not in _ERRORS:
            raise ValueError(f"errors must be one of {_ERRORS}, got {self.errors!r}")
        if self.language is not None:
            normalize_language(self.language)  # raises InputError (a ValueError) naming the choices
        elif self.input == "content":
            raise InputError(
                "language= is required with input='content' (one of c, c++, opencl, cuda, openmp, llvm-ir, "
                "llvm-bc); or pass input='filename' with paths, and the language comes from each extension"
            )
        if self.opt_flags is not None:
            _as_flag_tuple(self.opt_flags, "opt_flags")
        _as_flag_tuple(self.extra_flags, "extra_flags")
        if self.timeout is not None and not (isinstance(self.timeout, (int, float)) and self.timeout > 0):
            raise ValueError(f"timeout must be a positive number of seconds or None, got {self.timeout!r}")
        if self.max_source_bytes is not None and (
            isinstance(self.max_source_bytes, bool) or not isinstance(self.max_source_bytes, (int, np.integer))
            or self.max_source_bytes < 1
        ):
            raise ValueError(f"max_source_bytes must be a positive int or None, got {self.max_source_bytes!r}")
        if isinstance(self.batch_size, bool) or not isinstance(self.batch_size, (int, np.integer)) or self.batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {self.batch_size!r}")
        if self.n_jobs is not None and (
            isinstance(self.n_jobs, bool) or not isinstance(self.n_jobs, (int, np.integer)) or self.n_jobs == 0
        ):
            raise ValueError(f"n_jobs must be None or a non-zero int, got {self.n_jobs!r}")
        self._builder()  # ValueError / TypeError naming what is wrong
        if self.encode_in not in _ENCODE_IN:
            raise ValueError(f"encode_in must be one of {_ENCODE_IN}, got {self.encode_in!r}")
        if self.encode_in == "workers" and isinstance(self.device, str) and self.device not in ("cpu", "auto"):
            raise ValueError(
                f"encode_in='workers' runs the model on the workers' CPUs, but device={self.device!r}; pass "
                "encode_in='parent' (or 'auto') to use that device, or device='cpu'"
            )
        if not (self.cache is None or isinstance(self.cache, (bool, str, os.PathLike))):
            raise ValueError(f"cache must be None, True, False or a folder, got {self.cache!r}")
        if self.revision is not None and not isinstance(self.revision, str):
            raise ValueError(f"revision must be a string or None, got {self.revision!r}")
        if not isinstance(self.device, str):
            raise ValueError(f"device must be a string such as 'cpu' or 'cuda', got {self.device!r}")

    def _check_X(self, X) -> list:
        if isinstance(X, (str, bytes, bytearray, os.PathLike)):
            raise ValueError(
                f"X must be a sequence of programs (one per sample), got a single {type(X).__name__}; wrap it in a "
                "list"
            )
        if hasattr(X, "iloc") and getattr(X, "ndim", 1) == 2:  # a DataFrame
            if X.shape[1] != 1:
                raise ValueError(f"X must hold one column of programs, got a DataFrame with {X.shape[1]} columns")
            X = X.iloc[:, 0]
        if isinstance(X, np.ndarray):
            if X.ndim == 2 and X.shape[1] == 1:
                X = X[:, 0]
            elif X.ndim != 1:
                raise ValueError(f"X must be one-dimensional (one program per sample), got shape {X.shape}")
            return X.tolist()
        if hasattr(X, "to_list"):  # pandas Series
            return X.to_list()
        try:
            return list(X)
        except TypeError:
            raise ValueError(f"X must be a sequence of programs, got {type(X).__name__}") from None

    def _read_sample(self, index: int, x) -> _Sample | FrontendError:
        """Read one sample in the calling process; a failure is returned, not raised."""
        name = None
        source_dir = None
        limit = self.max_source_bytes
        try:
            if self.input == "filename":
                if not isinstance(x, (str, os.PathLike)):
                    raise InputError(f"expected a path (input='filename'), got {type(x).__name__}")
                path = Path(os.fspath(x))
                name = os.fspath(x)
                language = self.language or language_from_path(path)
                try:
                    if path.is_dir():
                        raise IsADirectoryError(21, "is a directory")
                    size = path.stat().st_size
                    _check_size("file", size, limit)
                    data = path.read_bytes()
                except OSError as exc:
                    raise InputError(f"cannot read the file ({exc.strerror or exc}); check the path") from None
                source_dir = str(path.resolve().parent)
            elif self.input == "file":
                if not hasattr(x, "read"):
                    raise InputError(f"expected an open file (input='file'), got {type(x).__name__}")
                fname = getattr(x, "name", None)
                name = fname if isinstance(fname, str) else None
                data = x.read()
                if self.language is not None:
                    language = self.language
                elif name:
                    language = language_from_path(name)
                else:
                    raise InputError("language= is required for file objects without a name")
            else:
                data = x
                language = self.language
            if isinstance(data, str):
                try:
                    data = data.encode("utf-8")
                except UnicodeEncodeError as exc:
                    raise InputError(
                        f"the program holds characters that cannot be encoded as UTF-8 ({exc.reason} at position "
                        f"{exc.start})"
                    ) from None
            elif isinstance(data, (bytearray, memoryview)):
                data = bytes(data)
            elif not isinstance(data, bytes):
                what = "program text (str or bytes)" if self.input == "content" else "str or bytes from read()"
                hint = "; to read files pass input='filename'" if isinstance(data, os.PathLike) else ""
                raise InputError(f"expected {what}, got {type(data).__name__}{hint}")
            _check_size("program", len(data), limit)
            canonical, openmp = normalize_language(language)
            return _Sample(index, name, data, language, canonical, openmp, source_dir)
        except FrontendError as exc:
            new = _relabel(exc, index, name, _RAISE_HINT if self.errors == "raise" else "")
            return new

    def _run_frontend(self, tasks: list[_Task], ctx: _WorkerContext):
        """Yield ``(task, result)`` for every task (in task order, but for suspects).

        When a worker process dies, the first task that had not come back is set aside as
        the suspect and the others run again together; at the end each suspect runs alone.
        One that kills its worker again is the culprit: it fails with
        :class:`WorkerCrashError`, and no other sample is lost.
        """
        from joblib import effective_n_jobs

        if effective_n_jobs(self.n_jobs) == 1:  # joblib would run them here, one by one
            yield from _frontend_in_process(tasks, ctx)
            return
        pending = list(tasks)
        suspects: list[_Task] = []
        pre_dispatch = f"2*n_jobs + {2 * int(self.batch_size)}"
        deaths: list[str] = []
        while pending:
            returned = 0
            try:
                results = Parallel(n_jobs=self.n_jobs, return_as="generator", pre_dispatch=pre_dispatch)(
                    delayed(_frontend_task)(t, ctx) for t in pending
                )
                for task, result in zip(pending, results):
                    returned += 1
                    yield task, result
                pending = []
            except BaseException as exc:
                if not _is_worker_death(exc):
                    raise
                deaths.append(type(exc).__name__)
                pending = pending[returned:]
                suspects.append(pending.pop(0))
        for task in suspects:
            try:
                result = Parallel(n_jobs=self.n_jobs)([delayed(_frontend_task)(task, ctx)])[0]
            except BaseException as exc:
                if not _is_worker_death(exc):
                    raise
                result = (
                    "error",
                    WorkerCrashError(
                        "the worker process died while processing this program, and again when it was run alone "
                        f"({type(exc).__name__}): it probably crashes LLVM or exhausts memory; the other programs "
                        "were not affected",
                        sample=task.name,
                        diagnostic=str(exc),
                    ),
                )
            yield task, result

    def _builder(self):
        """The graph builder instance to send to the workers (None: the default)."""
        from .frontend.graph import get_graph_builder

        if self.graph_builder is None:
            return None
        try:
            return get_graph_builder(self.graph_builder)
        except TypeError as exc:
            raise TypeError(f"graph_builder: {exc}") from None
        except ValueError as exc:
            raise ValueError(f"graph_builder: {exc}") from None

    def _encode_in_workers(self, rt: _Runtime) -> bool:
        if self.encode_in == "workers":
            return True
        if self.encode_in == "parent" or rt.device != "cpu":
            return False
        from joblib import effective_n_jobs

        return effective_n_jobs(self.n_jobs) > 1

    def _model_ref(self):
        return os.fspath(self.model) if isinstance(self.model, os.PathLike) else self.model

    def _reference(self) -> tuple[Any, str | None]:
        """``(model, revision)`` to load: the fitted weights (a Hub model pinned to the
        fitted commit) while the parameters still ask for them, else the parameters."""
        info = getattr(self, "model_info_", None)
        if info is not None and tuple(info.get("requested", ())) == (self._model_ref(), self.revision):
            if info["kind"] == "hub":
                return info["repo_id"], info["commit"] or info["revision"]
            if info["kind"] == "bundled":
                return None, None
            return info["path"], None
        return self.model, self.revision

    def _load(self) -> _Runtime:
        """The loaded model, reused while the parameters naming it do not change."""
        spec = (self._model_ref(), self.revision, bool(self.local_files_only), self.device)
        rt = getattr(self, "_runtime", None)
        if rt is not None and rt.spec == spec:
            return rt
        device = _resolve_device(self.device)
        model, revision = self._reference()
        source = resolve_model(model, revision=revision, local_files_only=self.local_files_only)
        digest = weights_digest(source.path)
        info = getattr(self, "model_info_", None)
        if info is not None and tuple(info.get("requested", ())) == (self._model_ref(), self.revision):
            if info.get("digest") != digest:
                raise ModelLoadError(
                    f"the weights at {source} are not the ones this transformer was fitted with (digest "
                    f"{digest[:12]}..., fitted {str(info.get('digest'))[:12]}...); fit it again to use them"
                )
        loaded = load_model(source, device=device, digest=digest)
        if loaded.tokenizer is None:  # pragma: no cover - from_pretrained always sets one
            raise ModelLoadError(f"{source}: the model has no tokenizer")
        rt = _Runtime(spec, loaded, source, digest, device)
        self._runtime = rt
        return rt

    def _progress(self, total: int):
        if self.verbose:
            try:
                from tqdm.auto import tqdm

                return tqdm(total=total, desc="embedding", unit="prog", leave=False)
            except ImportError:  # pragma: no cover - tqdm is a dependency
                pass
        return _NoBar()


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass
