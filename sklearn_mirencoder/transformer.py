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

This module holds the estimator: its parameters, their checks, the loaded weights and the
fitted attributes.  :meth:`MIRTransformer.transform` runs the stages of
:mod:`sklearn_mirencoder.embedding`, one module each:

1. **Read** (:mod:`~sklearn_mirencoder.embedding.inputs`, calling process): each sample's
   bytes, language and name (files are read here).
2. **Key** (:mod:`~sklearn_mirencoder.embedding.keys`): a SHA-256 over the bytes, language,
   compiler version, flags, the weights and the modality (:mod:`sklearn_mirencoder.cache`).
   Duplicates are computed once.
3. **Look up** (:mod:`~sklearn_mirencoder.embedding.lookup`): the process memory, then the
   cache folder (``cache=``).  A hit costs no compile and no encoding; a stored compiled IR
   skips clang.
4. **Front end** (:mod:`~sklearn_mirencoder.embedding.worker`,
   :mod:`~sklearn_mirencoder.embedding.frontend_stage`; joblib workers,
   :class:`sklearn.utils.parallel.Parallel`): compile with clang, parse with LLVM, build the
   program graph, tokenise, and cut to the model's limits
   (:func:`~sklearn_mirencoder.model.featurize.encode_program`).  Only numpy arrays come back
   (:class:`~sklearn_mirencoder.model.featurize.EncodedProgram`).  ``n_jobs=None`` follows the
   active joblib backend, so ``joblib.parallel_config("dask")`` spreads the work over a dask
   cluster.  Every failure is caught per sample inside the worker; a worker process that
   dies (LLVM crashing, memory) costs only the sample that killed it (see
   :class:`WorkerCrashError`).  With one job the front end runs in the calling process and
   clang runs a few programs ahead in a thread, so the Python stages (and the encoding)
   overlap clang instead of waiting for it.
5. **Route** (:mod:`~sklearn_mirencoder.embedding.collect`): new IR and failures to the
   cache, encoded programs to the batcher.
6. **Batch and encode** (:mod:`~sklearn_mirencoder.embedding.batching`,
   :mod:`~sklearn_mirencoder.embedding.encoding`; ``encode_in``).  In the parent process, on
   ``device``: batches of ``batch_size`` programs go through the model while the workers
   compile the next ones.  Or, by default when the model runs on the CPU with more than one
   worker, in the workers: each encodes the programs it compiled (one forward pass per
   program, the weights loaded once per worker process), so the model's cost, most of the
   total on a CPU, is spread over the workers too.  Programs shorter than the model's text
   window are batched only with programs of the same length, so no program is padded
   because of another, and the fused projection is computed one program at a time: a
   program's vector does not depend on its batch, nor on the number of torch threads.  The
   same inputs give bitwise the same matrix in every run, whatever ``n_jobs``, ``encode_in``
   or the joblib backend.
7. **Record** (:mod:`~sklearn_mirencoder.embedding.record`): the matrix, ``failures_``,
   ``transform_stats_`` and ``truncated_``.

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
import warnings
from typing import Any, NamedTuple

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone

from .cache import ProgramCache
from .embedding.batching import Batcher
from .embedding.collect import Collector
from .embedding.encoding import EncoderSpec
from .embedding.frontend_stage import WorkerCrashError, list_sample_functions, run_frontend
from .embedding.functions import check_function_param, check_functions_rule, function_table, view_id
from .embedding.inputs import MAX_SOURCE_BYTES as _MAX_SOURCE_BYTES
from .embedding.inputs import RAISE_HINT, as_program_list, read_samples
from .embedding.keys import CompileSettings, compile_settings, graph_builder_id, key_samples
from .embedding.lookup import look_up
from .embedding.record import CallRecord, ProgramFailure
from .embedding.worker import WorkerContext
from .errors import FrontendError, InputError, MIREncoderError, ModelLoadError
from .frontend.compile import normalize_language
from .model.allocator import release_free_memory
from .model.config import PRECISIONS, resolve_precision
from .model.hub import ModelSource, resolve_model, weights_digest
from .model.loading import load_config, load_model
from .model.encoder import INFERENCE_REVISION

__all__ = [
    "MIRTransformer",
    "ProgramFailure",
    "FailedProgramsWarning",
    "WorkerCrashError",
    "DeviceUnavailableError",
]

_MODALITIES = ("both", "text", "graph", "text+graph")
_INPUTS = ("content", "filename", "file")
_ERRORS = ("raise", "nan")
_ENCODE_IN = ("auto", "parent", "workers")


# ------------------------------------------------------------------------------- public types
# (ProgramFailure: embedding.record; WorkerCrashError: embedding.frontend_stage)


class DeviceUnavailableError(MIREncoderError, RuntimeError):
    """``device=`` names an accelerator PyTorch cannot use here."""


class FailedProgramsWarning(UserWarning):
    """Some programs could not be embedded and got rows of NaN (``errors="nan"``)."""


# ------------------------------------------------------------------------------- helpers


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
    precision: str = "float32"
    max_windows: int | None = None
    weights_id: str = ""
    """What identifies the vectors' source in cache keys: the weights' digest, and how they
    run when that is not the full-precision model reading its own number of windows."""


def _weights_id(source: ModelSource, digest: str, precision: str, max_windows: int | None) -> str:
    """The weights' digest and the revision of the inference arithmetic (``+rN``,
    :data:`~sklearn_mirencoder.model.encoder.INFERENCE_REVISION`), with ``+int8`` and ``+wN``
    when they run otherwise than in full precision with the configuration's own
    ``max_windows`` (what the cache keys name)."""
    suffix = f"+r{INFERENCE_REVISION}" + ("" if precision == "float32" else f"+{precision}")
    if max_windows is not None and max_windows != load_config(source).max_windows:
        suffix += f"+w{max_windows}"
    return digest + suffix


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
        The weights.  ``None``: the model bundled with the package.  ``"bundled:small-distilled"``:
        its distilled student (one text layer instead of four; the model alone about 4x faster on
        a CPU, end to end about 1.5x clang's time instead of 3.7x with one job; within 0.3 points
        of the default's full-precision vectors on devmap, thread coarsening, gpuFLOPBench and
        retrieval, 0.56 below on kernel-level gpuFLOPBench, over 12 partitions:
        ``docs/pretraining.md``).  A folder: one written by
        :meth:`~sklearn_mirencoder.model.encoder.MIREncoder.save_pretrained` (``config.json``,
        ``model.safetensors``, ``tokenizer.json``).  Any other string: a Hugging Face Hub
        repository id (``"owner/name"``), downloaded once into the standard Hugging Face
        cache (see :mod:`sklearn_mirencoder.model.hub`).
    revision : str, default=None
        Branch, tag or commit of a Hub model (default ``"main"``); pin a commit for
        reproducible features.  Only for Hub models.
    modality : {"both", "text", "graph", "text+graph"}, default="both"
        Which features: ``"text"`` (the IR-token encoder's vector, ``hidden`` values),
        ``"graph"`` (mean and max of the graph encoder's node states, ``2 * hidden``),
        ``"text+graph"`` (those two, ``3 * hidden``) or ``"both"`` (those two and their
        fused projection, ``3 * hidden + embed_dim``).
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
    function : None or str, default=None
        Which part of each program is embedded.  ``None``: the whole program.  ``"kernel"``:
        its only kernel (OpenCL ``__kernel``, CUDA ``__global__``, OpenMP offloading entry;
        a program with none or several fails with
        :class:`~sklearn_mirencoder.errors.FrontendError` listing them); ``"main"``: its
        ``main``; any other string: the function of that IR symbol (mangled for C++ and
        CUDA).  The function is embedded as a module of its own: its definition, what it
        calls and the globals they use (see :mod:`~sklearn_mirencoder.frontend.functions`).
        One row per sample either way; :meth:`transform_functions` gives one row per
        function.  Part of the cache key.
    confine_includes : bool, default=False
        Let a program ``#include`` only files under its own folder (``input="filename"``),
        the headers shipped with the package and the system's standard headers; any other
        file fails the sample with
        :class:`~sklearn_mirencoder.errors.IncludeRefusedError` naming it.  ``False``
        (default) lets a program read any file the process can read, and its content goes
        into the IR and the embedding: set it for code you did not write (see
        ``docs/failures.md``).
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
    precision : {"auto", "float32", "int8"}, default="auto"
        How the network computes.  ``"int8"`` (CPU only; ``device="auto"`` on a GPU runs
        float32): its linear layers multiply 8-bit integers -- weights per output row, each
        input row with its own scale, the sums exact (:mod:`~sklearn_mirencoder.model.quantize`)
        -- which on 2 CPU cores made the model's passes 2.3x and the whole embedding about 2x
        faster than ``"float32"``, with vectors within a cosine of 1e-4 of the float32 ones
        (speed: ``docs/embed-speed.md``; accuracy of both on every task:
        ``docs/benchmarks.md``).  ``"float32"``: the full-precision network.  ``"auto"``:
        ``"int8"`` on the CPU, ``"float32"`` on a GPU.  Bitwise deterministic either way
        (across runs, ``n_jobs`` and backends); part of the cache key.
    max_windows : None or int, default=None
        A token budget: a program is read in at most this many windows of the model's
        ``window`` tokens (512 for the bundled weights), evenly spaced over its text and
        always including the first and the last; the tokens between them are not read.
        ``None``: the model's own limit (32 windows, about 12,400 tokens, for the bundled
        weights).  Smaller budgets embed long programs faster (the cost of each setting is
        measured in ``docs/embed-speed.md``); :attr:`truncated_` names the programs
        concerned.  Part of the cache key.
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
        function=None,
        confine_includes=False,
        n_jobs=None,
        encode_in="auto",
        batch_size=16,
        device="cpu",
        precision="auto",
        max_windows=None,
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
        self.function = function
        self.confine_includes = confine_includes
        self.n_jobs = n_jobs
        self.encode_in = encode_in
        self.batch_size = batch_size
        self.device = device
        self.precision = precision
        self.max_windows = max_windows
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
            as_program_list(X)
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
            "precision": rt.precision,
            "requested": (self._model_ref(), self.revision),
        }
        return self

    def fit_transform(self, X, y=None, **fit_params):
        """:meth:`fit`, then :meth:`transform` of ``X`` (read once)."""
        items = as_program_list(X)
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
        items = as_program_list(X)
        rt = self._load()
        dim = int(rt.model.config.output_dim(self.modality))
        record = CallRecord(len(items), dim, raising=self.errors == "raise", progress=self._progress(len(items)))
        cache = ProgramCache.from_param(self.cache)
        builder = self._builder()
        builder_id = graph_builder_id(builder)
        with record:  # closes the progress bar
            # 1. read (a sample that cannot be read is recorded, or raised)
            samples = record.readable(self._read(items))
            # 2. key: duplicates form one group, computed once
            settings = compile_settings(samples, self.compiler, self.opt_flags, self.extra_flags, self.confine_includes)
            groups = key_samples(
                samples, settings, weights=rt.weights_id, modality=self.modality,
                # text vectors do not use the graph builder; both use the function selected
                graph_builder=view_id(builder_id if self.modality != "text" else None, self.function),
            )
            record.stats["duplicates"] = len(samples) - len(groups)
            # 3. look up the caches; what they miss becomes a task
            view = view_id(builder_id, self.function)
            tasks = look_up(groups, cache, record, dim=dim, graph_builder=view)
            if tasks:
                # 4. front end, in workers or here with clang ahead
                results = run_frontend(
                    tasks, self._worker_context(rt, settings, builder), n_jobs=self.n_jobs, batch_size=self.batch_size
                )
                # 5. route each result; 6. batch and encode
                batcher = Batcher(rt.model, self.modality, self.batch_size)
                with contextlib.closing(results):  # closed at once when an error is raised
                    Collector(groups, batcher, cache, record, graph_builder=view).collect(results)
                release_free_memory()  # what the model's passes kept (model.allocator)
        # 7. record
        self.failures_, self.transform_stats_, self.truncated_ = record.finish(time.perf_counter() - t0)
        if self.failures_:
            warnings.warn(record.warning(), FailedProgramsWarning, stacklevel=2)
        if self.verbose:
            import sys

            print(record.summary(), file=sys.stderr)
        return record.out

    def transform_functions(self, X, *, functions="all"):
        """Embed each function of each program of ``X``: one row per (sample, function).

        A function's vector is the model's vector of its own module: its definition, what
        it calls and the globals they use (:mod:`~sklearn_mirencoder.frontend.functions`);
        ``transform`` with ``function=<its name>`` gives the same vector.  The front end,
        workers, caches, device and ``errors`` are this transformer's.

        Parameters
        ----------
        X : sequence of str, bytes, paths or file objects
            As for :meth:`transform`.
        functions : str or sequence of str, default="all"
            ``"all"`` every function definition, ``"kernels"`` every kernel, ``"kernel"`` the
            only kernel, ``"main"``, or function names (IR symbols).

        Returns
        -------
        pandas.DataFrame
            Indexed by (``sample``: the row of ``X``, ``function``: the IR symbol), in sample
            then module order; columns ``program`` (the path, or None for content),
            ``function``, ``demangled`` (by ``c++filt`` when present), ``kind``
            (``"kernel"`` or ``"function"``), then :meth:`get_feature_names_out`.  With
            ``errors="nan"`` a sample that fails keeps one row (function None) of NaN and an
            entry in :attr:`failures_`; a program with no selected function has no row.

        Raises
        ------
        FrontendError
            (``errors="raise"``) naming the failing sample.
        """
        t0 = time.perf_counter()
        self._check_params()
        check_functions_rule(functions)
        items = as_program_list(X)
        rt = self._load()
        record = CallRecord(len(items), 0, raising=self.errors == "raise")
        samples = record.readable(self._read(items))
        settings = compile_settings(samples, self.compiler, self.opt_flags, self.extra_flags, self.confine_includes)
        listing = list_sample_functions(samples, self._worker_context(rt, settings, None), functions, record,
                                        n_jobs=self.n_jobs)
        owners = [(s, name) for s in samples if listing[s.index] for (name, _, _) in listing[s.index]]
        inner = clone(self).set_params(input="content", language="llvm-ir", function=None, errors="nan")
        texts = [text for s in samples if listing[s.index] for (_, _, text) in listing[s.index]]
        Z = inner.fit().transform(texts) if texts else np.zeros((0, int(rt.model.config.output_dim(self.modality))))
        for failure in getattr(inner, "failures_", []):  # a function module the model could not take
            sample, name = owners[failure.index]
            record.failed([sample], FrontendError(f"function {name!r}: {failure.message}", sample=sample.name))
        programs = [os.fspath(x) if self.input == "filename" and isinstance(x, (str, os.PathLike)) else None
                    for x in items]
        frame = function_table(programs, listing, Z, self.get_feature_names_out())
        self.failures_, self.transform_stats_, self.truncated_ = record.finish(time.perf_counter() - t0)
        if self.failures_:
            warnings.warn(record.warning(), FailedProgramsWarning, stacklevel=2)
        return frame

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
            "text+graph": [("text", config.hidden), ("graph", 2 * config.hidden)],
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
        check_function_param(self.function)
        if not isinstance(self.confine_includes, (bool, np.bool_)):
            raise ValueError(f"confine_includes must be True or False, got {self.confine_includes!r}")
        self._check_speed_params()

    def _check_speed_params(self) -> None:
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, got {self.precision!r}")
        if self.precision == "int8" and self.device not in ("cpu", "auto"):
            raise ValueError(
                f"precision='int8' runs on the CPU only, but device={self.device!r}; pass precision='auto' "
                "(int8 on the CPU, float32 on a GPU) or 'float32'"
            )
        mw = self.max_windows
        if mw is not None and (isinstance(mw, bool) or not isinstance(mw, (int, np.integer)) or mw < 1):
            raise ValueError(f"max_windows must be None or a positive int, got {mw!r}")

    def _read(self, items: list) -> list:
        """Stage 1 for every item: :class:`~sklearn_mirencoder.embedding.inputs.Sample` s, or
        the errors of the samples that cannot be read."""
        return read_samples(
            items, input=self.input, language=self.language, max_source_bytes=self.max_source_bytes,
            hint=RAISE_HINT if self.errors == "raise" else "",
        )

    def _worker_context(self, rt: _Runtime, settings: CompileSettings, builder) -> WorkerContext:
        """What the front end's workers get besides each program (and the weights to
        encode with, when they encode)."""
        encoder = None
        if self._encode_in_workers(rt):
            encoder = EncoderSpec.of(
                rt.source, rt.digest, self.modality, self.local_files_only, precision=rt.precision,
                max_windows=self.max_windows,
            )
        return WorkerContext(
            rt.model.tokenizer, rt.model.config, settings.compiler,
            settings.opt_flags if self.opt_flags is not None else None, settings.extra_flags, self.timeout,
            self.max_source_bytes, encoder, builder, function=self.function,
            confine_includes=bool(self.confine_includes),
        )

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
            if info["kind"] == "bundled":  # None or "bundled:NAME", as asked
                return self._model_ref(), None
            return info["path"], None
        return self.model, self.revision

    def _load(self) -> _Runtime:
        """The loaded model, reused while the parameters naming it do not change."""
        spec = (self._model_ref(), self.revision, bool(self.local_files_only), self.device, self.precision,
                self.max_windows)
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
        precision = resolve_precision(self.precision, device)
        mw = None if self.max_windows is None else int(self.max_windows)
        loaded = load_model(source, device=device, digest=digest, precision=precision, max_windows=mw)
        if loaded.tokenizer is None:  # pragma: no cover - from_pretrained always sets one
            raise ModelLoadError(f"{source}: the model has no tokenizer")
        rt = _Runtime(spec, loaded, source, digest, device, precision, mw, _weights_id(source, digest, precision, mw))
        self._runtime = rt
        return rt

    def _progress(self, total: int):
        if self.verbose:
            try:
                from tqdm.auto import tqdm

                return tqdm(total=total, desc="embedding", unit="prog", leave=False)
            except ImportError:  # pragma: no cover - tqdm is a dependency
                pass
        return None
