"""The C allocator's thresholds while the model runs on a CPU.

A forward pass allocates buffers of a few MiB (the activations of a few windows: 4 windows
x 512 tokens x 1,024 features x 4 bytes = 8 MiB) and frees them at its end.  glibc's
``malloc`` serves an allocation above its *mmap threshold* with a fresh ``mmap`` and returns
free memory at the top of its heap to the system above its *trim threshold*, so the next
pass touches new pages again.  A worker, which runs the model one program at a time, paid
for that on every program: end to end with ``n_jobs=2`` on the 196 device-mapping kernels (2
cores, fresh processes, ``docs/embed-speed.md``) the int8 default took 22.63 s with glibc's
thresholds and 18.66 s with these.

:func:`tune_allocator` sets both thresholds once per process (mmap 32 MiB, the largest value
glibc's own dynamic threshold reaches; trim 64 MiB), so the buffers are reused rather than
mapped again: the peak stays that of one pass, and at most 64 MiB more stay free at the top
of the heap.  Setting them
turns glibc's dynamic adjustment off for the rest of the process.
:func:`release_free_memory` (``malloc_trim(0)``) hands the free memory back at the end of a
call.  Nothing changes but the time: the same numbers are computed.

glibc only (Linux); elsewhere both do nothing.  ``MIRENCODER_MALLOC_TUNING=0`` in the
environment turns them off.
"""

from __future__ import annotations

import ctypes
import os
import platform

__all__ = ["tune_allocator", "release_free_memory", "MMAP_THRESHOLD", "TRIM_THRESHOLD", "ENV_VAR"]

#: glibc's ``M_TRIM_THRESHOLD`` and ``M_MMAP_THRESHOLD`` (``malloc.h``).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
#: Allocations below this come from the heap (32 MiB: glibc's ``DEFAULT_MMAP_THRESHOLD_MAX``).
MMAP_THRESHOLD = 32 * 1024 * 1024
#: Free memory at the top of the heap beyond this goes back to the system.
TRIM_THRESHOLD = 64 * 1024 * 1024
#: Set to ``0`` to leave the allocator as it is.
ENV_VAR = "MIRENCODER_MALLOC_TUNING"

#: The process whose allocator is tuned (a forked child inherits the settings, not the need
#: to set them again, but checking the pid keeps the answer right after a fork).
_TUNED_PID: int | None = None


def _libc():
    """glibc as a ``ctypes`` library, or None where the C library is another one."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None


def _enabled() -> bool:
    return os.environ.get(ENV_VAR, "1").strip().lower() not in ("0", "false", "no", "off")


def tune_allocator() -> bool:
    """Set glibc's mmap and trim thresholds for this process (once); whether they are set.

    False where the C library is not glibc, where ``MIRENCODER_MALLOC_TUNING=0``, or where
    glibc refused a value.
    """
    global _TUNED_PID
    if _TUNED_PID == os.getpid():
        return True
    if not _enabled():
        return False
    libc = _libc()
    if libc is None:
        return False
    ok = libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1 and libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
    if ok:
        _TUNED_PID = os.getpid()
    return ok


def release_free_memory() -> None:
    """Hand the allocator's free memory back to the system (``malloc_trim(0)``) if
    :func:`tune_allocator` tuned this process; otherwise nothing."""
    if _TUNED_PID != os.getpid():
        return
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
