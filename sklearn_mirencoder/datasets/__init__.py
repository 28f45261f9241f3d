"""Benchmark data sets of performance-optimisation tasks, fetched from their public origins.

The data are not part of this package (their authors did not license them for
redistribution).  A loader downloads them at the user's request from the public GitHub
repositories that publish them, at pinned commits, checks every byte against pinned
SHA-256 sums, and caches them in a *data home*:

1. the ``data_home`` argument, else
2. the environment variable ``MIRENCODER_DATA``, else
3. ``$XDG_CACHE_HOME/sklearn-mirencoder/datasets`` (``~/.cache/...`` without ``XDG_CACHE_HOME``).

``local_path=`` reads a copy you already have instead (nothing is downloaded or cached);
``download=False`` never touches the network.  Files are fetched from
``https://raw.githubusercontent.com/<owner>/<repo>/<commit>/<path>``; ``base_url=`` (or the
environment variable ``MIRENCODER_DATASETS_URL``) replaces the host part with a mirror that
has the same layout.

Tasks
-----
Each data set is a :class:`TaskSpec` in :data:`TASKS`: its tables (single files with a
pinned SHA-256 and one or more origins), its file sets (many small files from one origin
folder, pinned by a manifest digest, also accepted as a local ``.tar.gz``) and a builder that
turns the verified bytes into a :class:`~sklearn.utils.Bunch`.  Adding a task (loop
vectorisation...) is adding an entry and its builder; fetching, caching,
verification and the errors are shared.

===========================  ==============================================================  =============================
task                         what                                                            loader
===========================  ==============================================================  =============================
``devmap-cgo17``             heterogeneous CPU/GPU device mapping (Cummins et al., PACT'17;  :func:`load_devmap`
                             Grewe et al., CGO'13): 680 rows per platform, 669 IR files
``gpuflopbench``             CUDA / OpenMP kernel bottleneck on an RTX 3080 (gpuFLOPBench,   :func:`load_gpuflopbench`
                             HeCBench): 661 targets, compute- vs bandwidth-bound, log AI
``threadcoarsening-pact14``  OpenCL thread-coarsening factor (Magni et al., PACT'14;         :func:`load_threadcoarsening`
                             Cummins et al., PACT'17): 17 kernels x 4 GPUs, factors 1-32
===========================  ==============================================================  =============================

Every failure is a :class:`~sklearn_mirencoder.errors.DatasetError` whose message says how
to get the data.
"""

from ._fetch import TASKS, Origin, RemoteFileSet, RemoteTable, TaskSpec, fetch_task, get_data_home
from .devmap import (
    DEVMAP_AUX_NAMES,
    DEVMAP_GREWE_NAMES,
    DEVMAP_PLATFORMS,
    devmap_kernel_groups,
    load_devmap,
    resolve_devmap_ir_file,
)
from .gpuflopbench import gpuflopbench_compile_units, load_gpuflopbench, map_compile_command
from .threadcoarsening import (
    COARSENING_FACTORS,
    THREADCOARSENING_PLATFORMS,
    load_threadcoarsening,
    threadcoarsening_groups,
)
from ..errors import DatasetError

__all__ = [
    "load_devmap",
    "fetch_task",
    "get_data_home",
    "DatasetError",
    "TASKS",
    "TaskSpec",
    "RemoteTable",
    "RemoteFileSet",
    "Origin",
    "DEVMAP_PLATFORMS",
    "DEVMAP_GREWE_NAMES",
    "DEVMAP_AUX_NAMES",
    "devmap_kernel_groups",
    "resolve_devmap_ir_file",
    "load_gpuflopbench",
    "gpuflopbench_compile_units",
    "map_compile_command",
    "load_threadcoarsening",
    "THREADCOARSENING_PLATFORMS",
    "COARSENING_FACTORS",
    "threadcoarsening_groups",
]
