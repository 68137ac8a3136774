"""The landing directory seen from outside a run: its year folders, and which years' feed files were
added, changed or removed since the last look (by content hash, not mtime). Which files deliver a feed
is `readers.feed_files`' answer, the one the loads read."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ingestion.readers import FeedFileError, confined, feed_files


def landing_years(landing: Path | str) -> list[int]:
    """Year folders of the landing directory (4 digits), ascending; [] when it does not exist."""
    if not Path(landing).is_dir():
        return []
    return sorted(int(p.name) for p in Path(landing).iterdir() if p.is_dir() and p.name.isdigit() and len(p.name) == 4)


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _digest(landing: Path, path: Path, old: list | None) -> tuple[int, int, str]:
    """(size, mtime_ns, sha256) of a feed file; a file the loads would refuse to read (a link out of the
    landing, a dangling link) gets a digest naming that, so it still counts as delivered."""
    try:
        st = confined(landing, path).stat()
    except FeedFileError as e:
        return 0, 0, f"refused: {e.rule}"
    except OSError:
        return 0, 0, "unreadable"
    if old and old[0] == st.st_size and old[1] == st.st_mtime_ns:
        return st.st_size, st.st_mtime_ns, old[2]
    return st.st_size, st.st_mtime_ns, file_hash(confined(landing, path))


def scan_landing(landing: Path | str, previous: dict) -> tuple[dict, dict[int, str]]:
    """New cursor state {path: [size, mtime_ns, sha256]} and {year: combined hash} of changed years.

    A file whose size and mtime are unchanged is not re-read; one whose content hash is unchanged
    (touched, copied over with the same bytes) does not count as a change. A year folder the readers
    refuse (a link out of the landing) counts as changed once, so that its run reports why."""
    root = Path(landing).resolve()
    state: dict = {}
    changed: dict[int, str] = {}
    for year in landing_years(root):
        folder = root / str(year)
        parts = []
        year_changed = False
        try:
            folder, paths = confined(root, folder), feed_files(root, year)
        except FeedFileError as e:
            paths, digest = [], f"refused: {e.rule}"
            state[str(folder)] = [0, 0, digest]
            parts.append(f"{year}:{digest}")
            year_changed = (previous.get(str(folder)) or [None] * 3)[2] != digest
        for path in paths:
            key = str(path)
            old = previous.get(key)
            size, mtime_ns, digest = _digest(root, path, old)
            if not old or old[2] != digest:
                year_changed = True
            state[key] = [size, mtime_ns, digest]
            parts.append(f"{path.name}:{digest}")
        removed = [k for k in previous if k.startswith(str(folder) + os.sep) and k not in state]
        if (year_changed or removed) and parts:
            changed[year] = hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]
    return state, changed
