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


# Below this many rows a stage held nothing worth handing back, and the full garbage collection alone
# costs ≈ 0.25 s in a run process that holds Dagster's definitions and dbt's manifest: 22 calls made
# ≈ 5.8 s of a 5-school run (cProfile, docs/benchmarks.md, round four).
WORTH_RELEASING_ROWS = 100_000


def release_unused_memory(rows: int | None = None) -> None:
    """Hand freed memory back; `rows`, when given, is how many rows the stage just held: below
    WORTH_RELEASING_ROWS nothing is done."""
    if rows is not None and rows < WORTH_RELEASING_ROWS:
        return
    gc.collect()
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
