"""Find and read feed files: CSV (UTF-8, UTF-8 with BOM, GB18030 — detected), XLSX, Parquet.

Reading yields every delivered cell as text, headers mapped to canonical names. Type coercion and
row rules live in `ingestion.validate`; a file that cannot be read at all raises `FeedFileError`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ingestion.contract import EXTENSIONS, FEED_SPECS, FEEDS, header_map, normalize_header


class FeedFileError(Exception):
    """A feed file that cannot be used at all: the year's publication stops."""

    def __init__(self, file: str | Path, rule: str, message: str, column: str | None = None,
                 rows: list[int] | None = None):
        self.file = str(file)
        self.rule = rule
        self.column = column
        self.rows = rows or []
        where = f"{self.file}"
        if column:
            where += f", column '{column}'"
        if self.rows:
            where += f", rows {', '.join(map(str, self.rows[:10]))}"
        super().__init__(f"{where}: [{rule}] {message}")


@dataclass
class DeliveredFeed:
    """A feed file as delivered: text cells under canonical headers, and what we learnt reading it."""

    feed: str
    path: Path
    frame: pd.DataFrame  # canonical + extra columns, all text ('' for blank); row order as in the file
    encoding: str | None
    extra_columns: list[str] = field(default_factory=list)
    absent_columns: list[str] = field(default_factory=list)  # contract columns the file lacks (values NULL)
    header_renames: dict[str, str] = field(default_factory=dict)  # delivered header → canonical
    ragged_rows: dict[int, int] = field(default_factory=dict)  # row number → delivered field count
    delivered_headers: list[str] = field(default_factory=list)


def confined(landing: Path, candidate: Path) -> Path:
    """`candidate` resolved, refusing anything that escapes the landing directory."""
    root = Path(landing).resolve()
    resolved = Path(candidate).resolve()
    if resolved != root and root not in resolved.parents:
        raise FeedFileError(candidate, "path_outside_landing",
                            f"resolves to {resolved}, outside the landing directory {root}")
    return resolved


def find_feed_file(landing: Path | str, year: int | str, feed: str) -> Path | None:
    """The one file delivering `feed` for `year`, or None when the feed is absent."""
    if feed not in FEEDS:
        raise ValueError(f"unknown feed {feed!r}")
    landing = Path(landing)
    year_dir = confined(landing, landing / str(year))
    if not year_dir.is_dir():
        return None
    found = [confined(landing, p) for p in sorted(year_dir.iterdir())
             if p.is_file() and p.stem.lower() == feed and p.suffix.lower().lstrip(".") in EXTENSIONS]
    if len(found) > 1:
        raise FeedFileError(year_dir, "duplicate_feed_file",
                            f"{len(found)} files deliver feed '{feed}': "
                            f"{', '.join(p.name for p in found)}; keep exactly one")
    return found[0] if found else None


def decode_csv_bytes(data: bytes, path: Path) -> tuple[str, str]:
    """Text and the encoding it was in: UTF-8 (with or without BOM), else GB18030; never a guess."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as e:
            raise FeedFileError(path, "encoding",
                                f"starts with a UTF-8 byte-order mark but byte {e.start + 3} is not UTF-8") from e
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError as gb_error:
            raise FeedFileError(
                path, "encoding",
                f"neither UTF-8 (bad byte at offset {utf8_error.start}) nor GB18030 "
                f"(bad byte at offset {gb_error.start}); re-export the file as UTF-8",
            ) from gb_error


def _read_csv(path: Path) -> tuple[list[str], list[list[str]], str]:
    text, encoding = decode_csv_bytes(path.read_bytes(), path)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = list(reader)
    except csv.Error as e:
        raise FeedFileError(path, "csv_syntax", str(e)) from e
    if not rows:
        raise FeedFileError(path, "empty_file", "the file has no header row")
    return rows[0], rows[1:], encoding


def _cell_text(v: object) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA or v is pd.NaT:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _frame_rows(df: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    headers = [str(c) for c in df.columns]
    rows = [[_cell_text(v) for v in rec] for rec in df.itertuples(index=False, name=None)]
    return headers, rows


def _read_xlsx(path: Path) -> tuple[list[str], list[list[str]]]:
    try:
        df = pd.read_excel(path, sheet_name=0, dtype=object, engine="openpyxl")
    except Exception as e:  # openpyxl raises many types for a damaged workbook
        raise FeedFileError(path, "unreadable_xlsx", f"not a readable XLSX workbook ({type(e).__name__}: {e})") from e
    return _frame_rows(df)


def _read_parquet(path: Path) -> tuple[list[str], list[list[str]]]:
    try:
        df = pd.read_parquet(path)
    except Exception as e:  # pyarrow raises several types for a damaged file
        raise FeedFileError(path, "unreadable_parquet", f"not a readable Parquet file ({type(e).__name__}: {e})") from e
    return _frame_rows(df)


def read_feed_file(feed: str, path: Path | str) -> DeliveredFeed:
    """Read one feed file; map headers; refuse a file missing a required column."""
    path = Path(path)
    ext = path.suffix.lower().lstrip(".")
    encoding = None
    if path.stat().st_size == 0:
        raise FeedFileError(path, "empty_file", "the file is empty (0 bytes)")
    if ext == "csv":
        headers, rows, encoding = _read_csv(path)
    elif ext == "xlsx":
        headers, rows = _read_xlsx(path)
    elif ext == "parquet":
        headers, rows = _read_parquet(path)
    else:
        raise FeedFileError(path, "unsupported_format", f"extension .{ext} is not one of {', '.join(EXTENSIONS)}")

    spec = FEED_SPECS[feed]
    known = header_map(feed)
    canonical: list[str] = []
    renames: dict[str, str] = {}
    extra: list[str] = []
    for h in headers:
        name = known.get(normalize_header(h))
        if name is None:
            name = h.strip() or f"unnamed_{len(canonical) + 1}"
            extra.append(name)
        elif name != h:
            renames[h] = name
        if name in canonical:
            raise FeedFileError(path, "duplicate_column", f"two headers map to column '{name}'", column=name)
        canonical.append(name)

    missing = [c for c in spec.required_columns if c not in canonical]
    if missing:
        raise FeedFileError(
            path, "missing_column",
            f"required column(s) {', '.join(missing)} not found "
            f"(expected canonical or Chinese header, e.g. '{spec.column(missing[0]).zh}'); "
            f"headers found: {', '.join(headers)}",
            column=missing[0],
        )

    width = len(canonical)
    ragged: dict[int, int] = {}
    fixed: list[list[str]] = []
    for i, r in enumerate(rows, start=1):
        if len(r) != width:
            if not any(x.strip() for x in r):
                continue  # a blank line (e.g. trailing) is not a row
            ragged[i] = len(r)
            r = (r + [""] * width)[:width]
        fixed.append(r)
    # Row numbers are 1-based data rows (the header is row 0); blank lines keep their numbers out.
    numbers = [i for i, r in enumerate(rows, start=1) if len(r) == width or any(x.strip() for x in r)]
    frame = pd.DataFrame(fixed, columns=canonical, dtype=object)
    frame.insert(0, "_row_number", numbers)
    absent = [c.name for c in spec.columns if c.name not in canonical]
    return DeliveredFeed(feed=feed, path=path, frame=frame, encoding=encoding, extra_columns=extra,
                         absent_columns=absent,
                         header_renames=renames, ragged_rows=ragged, delivered_headers=list(headers))
