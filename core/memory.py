"""Give memory that is free again back to the operating system.

A national feed is read, typed and written in one step; each stage frees what it built, but the
allocators keep freed pages for reuse (glibc's malloc for Python and DuckDB, mimalloc or jemalloc for
Arrow), so the process's resident size only grows and the next stage's peak stands on the last one's.
Called between stages, this returns those pages: the 244 MB `schools.csv` of docs/benchmarks.md
holds ≈ 0.6 GB less between reading and writing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc

import pyarrow as pa


@functools.cache
def _malloc_trim():  # glibc only (musl and macOS have no malloc_trim: nothing to call)
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


def release_unused_memory() -> None:
    gc.collect()
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
