"""Keeping freed memory for reuse (内存分配): a process-wide setting of glibc's malloc.

By default glibc gives every block of 128 KB and more its own mapping and hands it back
to the system when freed, and returns the free top of its heaps as soon as it passes
128 KB. An import (sheets in parts on two threads, numpy and DuckDB after them) frees
and allocates hundreds of such blocks: each new one is fresh memory, faulted in page by
page, and each one handed back costs the other core a TLB flush. On these machines that
was 0.2-0.4 s of system time in a 0.9 s import (benchmarks/README.md, fifth round).

``keep_freed_memory`` raises both limits, so blocks under 32 MB come from the heaps and
up to 512 MB of freed memory stays there for the next allocation. The command line and
the app call it once at start; the memory kept is at most what a peak needed. Nothing
happens where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

__all__ = ["MMAP_THRESHOLD", "TRIM_THRESHOLD", "keep_freed_memory"]

MMAP_THRESHOLD = 32 << 20  # glibc's largest (DEFAULT_MMAP_THRESHOLD_MAX on 64 bits)
TRIM_THRESHOLD = 512 << 20

_M_TRIM_THRESHOLD = -1  # mallopt's parameter numbers (malloc.h)
_M_MMAP_THRESHOLD = -3


@functools.cache
def keep_freed_memory() -> bool:
    """Set glibc's thresholds once for this process; whether they were set."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, macOS): its own allocator stays
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
