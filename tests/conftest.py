"""Shared fixtures: the read-only data in ../shared (path from MIRENCODER_SHARED), the clang
the front end finds, and torch on one thread; and the hypothesis settings of every property test."""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# every property test: reproducible examples, no deadline (compiling and encoding take time),
# fixtures shared across examples on purpose; each test sets its own max_examples
settings.register_profile("mirencoder", deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
settings.load_profile("mirencoder")

REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    return Path(os.environ.get("MIRENCODER_SHARED", REPO.parent / "shared"))


def devmap_dir() -> Path:
    return shared_dir() / "data" / "devmap-cgo17"


def _extract(archive: Path, dest: Path) -> Path:
    if not archive.exists():
        pytest.skip(f"{archive} is absent: set MIRENCODER_SHARED to the folder holding data/devmap-cgo17")
    with tarfile.open(archive) as tar:
        tar.extractall(dest, filter="data")
    return dest


@pytest.fixture(scope="session")
def devmap_kernels(tmp_path_factory) -> list[Path]:
    """The 256 OpenCL kernels of kernels.tar.bz2, extracted to a temporary folder."""
    dest = _extract(devmap_dir() / "kernels.tar.bz2", tmp_path_factory.mktemp("kernels"))
    return sorted(dest.rglob("*.cl"))


@pytest.fixture(scope="session")
def devmap_ir_files(tmp_path_factory) -> list[Path]:
    """The 669 LLVM IR files of kernels_ir.tar.gz, extracted to a temporary folder."""
    dest = _extract(devmap_dir() / "kernels_ir.tar.gz", tmp_path_factory.mktemp("kernels_ir"))
    return sorted(dest.rglob("*.ll"))


@pytest.fixture(scope="session")
def clang():
    """The compiler :func:`~sklearn_mirencoder.frontend.compile.find_compiler` picks (skip without one)."""
    from sklearn_mirencoder.frontend.compile import find_compiler
    from sklearn_mirencoder.errors import CompilerNotFoundError

    try:
        return find_compiler()
    except CompilerNotFoundError as exc:
        pytest.skip(f"no clang available: {exc}")


@pytest.fixture(scope="session")
def system_clang(clang):
    """A system clang (OpenCL and CUDA need its headers)."""
    if clang.kind != "clang":
        pytest.skip("OpenCL and CUDA need a system clang (the ziglang wheel has no OpenCL/CUDA headers)")
    return clang


@pytest.fixture(scope="module")
def torch_one_thread():
    """Small models on a shared 2-core machine run much faster on one thread (per module)."""
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
