"""The landing directory seen from outside a run: its year folders, and which years' feed files were
added, changed or removed since the last look (by content hash, not mtime). Which files deliver a feed
is `readers.feed_files`' answer, the one the loads read."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
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


def _stat(landing: Path, path: Path) -> tuple[int, int] | str:
    """(size, mtime_ns) of a feed file, or what makes the loads refuse it (a link out of the landing, a
    dangling link): such a file still counts as delivered."""
    try:
        st = confined(landing, path).stat()
    except FeedFileError as e:
        return f"refused: {e.rule}"
    except OSError:
        return "unreadable"
    return st.st_size, st.st_mtime_ns


def _year_files(root: Path, year: int) -> tuple[list[tuple[str, Path, tuple[int, int] | str]], str | None]:
    """The year's feed files as (path relative to the landing, path, stat), or the refusal of the folder."""
    try:
        confined(root, root / str(year))
        paths = feed_files(root, year)
    except FeedFileError as e:
        return [], f"refused: {e.rule}"
    return [(f"{year}/{p.name}", p, _stat(root, p)) for p in paths], None


def year_hashes(landing: Path | str, year: int) -> dict[str, str]:
    """{path relative to the landing: sha256} of the feed files a run of the year would read (a file the
    loads refuse: what refuses it). The publication's feed_inventory holds the same pairs for what it
    was computed from."""
    root = Path(landing).resolve()
    files, refused = _year_files(root, year)
    if refused:
        return {str(year): refused}
    return {rel: (st if isinstance(st, str) else file_hash(confined(root, path))) for rel, path, st in files}


def _combined(hashes: dict[str, str]) -> str:
    return hashlib.sha256("|".join(f"{k}:{v}" for k, v in sorted(hashes.items())).encode()).hexdigest()[:16]


def scan_landing(landing: Path | str, previous: dict,
                 published: Callable[[int], dict[str, str]] | None = None) -> tuple[dict, dict[int, str]]:
    """New cursor state {year: [fingerprint, content hash]} and {year: content hash} of the years to run.

    A year whose files' names, sizes and modification times are unchanged is not re-read (the
    fingerprint). Otherwise its files are hashed: the year is to run when their content differs from the
    cursor's (touched, copied over with the same bytes: no change) and from what `published(year)` says
    the publication was computed from ({relative path: sha256}; feed_inventory) — so a year the CLI, the
    UI or an earlier tick already published is not run again. A year folder the readers refuse (a link
    out of the landing) counts as changed once, so that its run reports why. One short entry per year:
    the cursor stays small."""
    root = Path(landing).resolve()
    state: dict = {}
    changed: dict[int, str] = {}
    for year in landing_years(root):
        files, refused = _year_files(root, year)
        if not files and not refused:
            continue  # an empty year folder delivers nothing to run
        fingerprint = hashlib.sha256(repr(refused or [(rel, st) for rel, _, st in files]).encode()).hexdigest()[:16]
        old = previous.get(str(year))
        if isinstance(old, list) and len(old) == 2 and old[0] == fingerprint:
            state[str(year)] = old
            continue
        hashes = year_hashes(root, year)
        content = _combined(hashes)
        state[str(year)] = [fingerprint, content]
        if isinstance(old, list) and len(old) == 2 and old[1] == content:
            continue  # the same bytes, touched
        if published is not None and published(year) == hashes:
            continue  # what the publication of the year was computed from
        changed[year] = content
    return state, changed
