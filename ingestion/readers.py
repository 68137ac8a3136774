"""Find and read feed files: CSV (UTF-8, UTF-8 with BOM, GB18030 — detected), XLSX, Parquet.

Reading yields every delivered cell as text, headers mapped to canonical names. Type coercion and
row rules live in `ingestion.validate`; a file that cannot be read at all raises `FeedFileError`.
"""

from __future__ import annotations

import csv
import io
import re
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

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
    # _row_number, then canonical + extra columns, all text ('' for blank; Arrow strings when read from a
    # file, so a national feed is not millions of Python objects); row order as in the file
    frame: pd.DataFrame
    encoding: str | None
    extra_columns: list[str] = field(default_factory=list)
    absent_columns: list[str] = field(default_factory=list)  # contract columns the file lacks (values NULL)
    header_renames: dict[str, str] = field(default_factory=dict)  # delivered header → canonical
    ragged_rows: dict[int, int] = field(default_factory=dict)  # row number → delivered field count
    delivered_headers: list[str] = field(default_factory=list)
    encoding_note: str | None = None  # how an ambiguous encoding was decided
    read_notes: list[str] = field(default_factory=list)  # how the file was read (e.g. merged cells filled)


def confined(landing: Path, candidate: Path) -> Path:
    """`candidate` resolved, refusing anything that escapes the landing directory."""
    root = Path(landing).resolve()
    resolved = Path(candidate).resolve()
    if resolved != root and root not in resolved.parents:
        raise FeedFileError(candidate, "path_outside_landing",
                            f"resolves to {resolved}, outside the landing directory {root}")
    return resolved


def feed_files(landing: Path | str, year: int | str) -> list[Path]:
    """Every file of the year's folder named for a feed (`<feed>.<extension>`, any case, any extension),
    sorted: what `find_feed_file` chooses among, and what the landing sensor watches. A format not
    accepted is among them: its load refuses it, naming the file. [] when the year has no folder."""
    landing = Path(landing)
    year_dir = confined(landing, landing / str(year))
    if not year_dir.is_dir():
        return []
    return [p for p in sorted(year_dir.iterdir()) if p.stem.lower() in FEEDS and (p.is_file() or p.is_symlink())]


def find_feed_file(landing: Path | str, year: int | str, feed: str) -> Path | None:
    """The one file delivering `feed` for `year`, or None when the feed is absent. Refused: two files
    for one feed, a feed file in a format not accepted, a path resolving outside the landing dir."""
    if feed not in FEEDS:
        raise ValueError(f"unknown feed {feed!r}")
    landing = Path(landing)
    year_dir = confined(landing, landing / str(year))
    named = [p for p in feed_files(landing, year) if p.stem.lower() == feed]
    unsupported = [p for p in named if p.suffix.lower().lstrip(".") not in EXTENSIONS]
    if unsupported:  # e.g. schools.xls or schools.txt: refused, never silently treated as an absent feed
        raise FeedFileError(unsupported[0], "unsupported_format",
                            f"feed '{feed}' delivered as '{unsupported[0].name}'; save it as "
                            f"{' or '.join(f'{feed}.{e}' for e in EXTENSIONS)}")
    found = [confined(landing, p) for p in named]
    if len(found) > 1:
        raise FeedFileError(year_dir, "duplicate_feed_file",
                            f"{len(found)} files deliver feed '{feed}': "
                            f"{', '.join(p.name for p in found)}; keep exactly one")
    return found[0] if found else None


# Non-ASCII characters a Chinese school feed may hold below U+0800 (UTF-8's two-byte range): Latin-1
# punctuation and symbols, pinyin letters with tone marks, and the Arabic script of Uyghur/Kazakh names.
# Everything else there (Cyrillic, Greek, Armenian, Hebrew, IPA, C1 controls, …) is what GBK bytes
# read as UTF-8 look like: GBK "小学" = D0 A1 D1 A7 is also valid UTF-8, "Сѧ".
_PLAUSIBLE_LOW = set("\u00a0·×÷°±²³µ¼½¾§¥£©®¬¯´¸¹º»«¡¿"
                     "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüÜêÊńňǹ")


_SUSPECT = re.compile("[\u0080-\u05ff\u0700-\u07ff\ue000-\uf8ff\ufffd]")  # Arabic (U+06xx) left out
_CJK = re.compile("[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")


def _implausible(text: str) -> list[str]:
    """Characters of `text` that a Chinese feed does not hold but mis-decoded bytes produce (the
    private use area and U+FFFD included). A regular expression: national files are tens of MB."""
    return [ch for ch in _SUSPECT.findall(text) if ch not in _PLAUSIBLE_LOW]


def _has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


def _line_of(data: bytes, offset: int) -> int:
    """1-based physical line of a byte offset (the header is line 1)."""
    return data.count(b"\n", 0, offset) + 1


def _sample(text: str, chars: list[str]) -> str:
    i = text.index(chars[0])
    return text[max(0, i - 12): i + 12].replace("\n", " ").strip()


def decode_csv_bytes(data: bytes, path: Path) -> tuple[str, str, str | None]:
    """Text, the encoding it was in, and a note when the choice needed evidence; never a silent guess.

    UTF-8 (with or without BOM) first, else GB18030. Refused with a FeedFileError: UTF-16, a file cut
    off inside a UTF-8 character, a file mixing UTF-8 and GBK lines, bytes that are neither. A file
    that is valid UTF-8 but reads as non-Chinese letters (GBK bytes that happen to be valid UTF-8)
    is read as GB18030 when that reading is clean, and the note says so.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FeedFileError(path, "encoding", "is UTF-16 (Excel 'Unicode text'); save it as CSV UTF-8 or GB18030")
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig", None
        except UnicodeDecodeError as e:
            raise FeedFileError(path, "encoding",
                                f"starts with a UTF-8 byte-order mark but byte {e.start + 3} "
                                f"(line {_line_of(data, e.start + 3)}) is not UTF-8") from e
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        return _decode_not_utf8(data, path, utf8_error)
    odd = _implausible(text)
    if not odd:
        return text, "utf-8", None
    try:
        gb = data.decode("gb18030")
    except UnicodeDecodeError:
        gb = None
    if gb is not None and not _implausible(gb) and _has_cjk(gb):
        return gb, "gb18030", (f"bytes are valid UTF-8 too, but as UTF-8 they read '{_sample(text, odd)}'; "
                               f"read as GB18030 (line {text[:text.index(odd[0])].count(chr(10)) + 1})")
    raise FeedFileError(path, "ambiguous_encoding",
                        f"valid UTF-8 but reads as '{_sample(text, odd)}' (line "
                        f"{text[:text.index(odd[0])].count(chr(10)) + 1}), and not clean GB18030 either; "
                        "re-export the file as UTF-8")


def _decode_not_utf8(data: bytes, path: Path, utf8_error: UnicodeDecodeError) -> tuple[str, str, str | None]:
    start = utf8_error.start
    if utf8_error.reason == "unexpected end of data" and start >= len(data) - 3:
        head = data[:start].decode("utf-8")
        if _has_cjk(head) and not _implausible(head):
            raise FeedFileError(path, "truncated",
                                f"ends inside a UTF-8 character (byte {start}, line {_line_of(data, start)}): "
                                "the file was cut off; deliver it again")
    try:
        gb_text, gb_error = data.decode("gb18030"), None
    except UnicodeDecodeError as e:
        gb_text, gb_error = None, e
    if gb_text is None:
        _refuse_a_line_in_no_encoding(data, path)
    # Lines that are genuine UTF-8 Chinese beside lines that are not: two encodings in one file (e.g. a
    # GBK header template pasted over UTF-8 rows). GB18030 would read the UTF-8 lines as wrong Chinese.
    utf8_lines = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if _has_cjk(text) and not _implausible(text):
            utf8_lines.append(number)
    if utf8_lines:
        raise FeedFileError(path, "mixed_encoding",
                            f"line {_line_of(data, start)} is not UTF-8 (GBK?) but line(s) "
                            f"{', '.join(map(str, utf8_lines[:5]))} are UTF-8; save the whole file in one encoding",
                            rows=[n - 1 for n in utf8_lines[:5]])
    if gb_text is not None:
        return gb_text, "gb18030", None
    raise FeedFileError(
        path, "encoding",
        f"neither UTF-8 (bad byte at offset {start}, line {_line_of(data, start)}) nor GB18030 "
        f"(bad byte at offset {gb_error.start}, line {_line_of(data, gb_error.start)}); "
        "re-export the file as UTF-8",
    ) from gb_error


def _refuse_a_line_in_no_encoding(data: bytes, path: Path) -> None:
    """Refuse `encoding` at the first line that is neither UTF-8 nor GB18030 (e.g. stray 0xFF bytes),
    naming its byte offset: such a file is not "mixed" however many of its other lines are good."""
    offset = 0
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.isascii():
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as utf8_error:
                try:
                    line.decode("gb18030")
                except UnicodeDecodeError as gb_error:
                    # the later of the two failures: the first byte neither encoding reads past (a GBK line
                    # is not UTF-8 from its first Chinese character, its stray byte comes later)
                    bad = offset + max(utf8_error.start, gb_error.start)
                    raise FeedFileError(path, "encoding",
                                        f"byte 0x{data[bad]:02X} at offset {bad} (line {number}) is neither UTF-8 "
                                        "nor GB18030; re-export the file as UTF-8",
                                        rows=[number - 1] if number > 1 else None) from None
        offset += len(line) + 1


# The lines io.StringIO(text, newline="") yields (ended by \n, \r\n or \r, endings kept), without the
# copy of the whole text StringIO makes (four bytes a character: 1 GB for a 250 MB file).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _read_csv(path: Path) -> tuple[list[str], Iterator[list[str]], str, str | None]:
    """The header and an iterator of the rows (parsed as they are read: a national file is never held
    as Python strings whole)."""
    data = path.read_bytes()
    text, encoding, note = decode_csv_bytes(data, path)
    del data
    # strict: an unterminated quote is an error, not a field that swallows the rest of the file
    reader = csv.reader((m.group() for m in _LINE.finditer(text)), strict=True)

    def syntax_error(e: csv.Error) -> FeedFileError:
        return FeedFileError(path, "csv_syntax", f"line {reader.line_num}: {e} (an unclosed quote, or a file "
                             "cut off inside a quoted field)")

    try:
        header = next(reader, None)
    except csv.Error as e:
        raise syntax_error(e) from e
    if header is None or not any(h.strip() for h in header):
        raise FeedFileError(path, "empty_file", "the file has no header row")

    def rows() -> Iterator[list[str]]:
        try:
            yield from reader
        except csv.Error as e:
            raise syntax_error(e) from e

    return header, rows(), encoding, note


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


_MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')


def _has_merged_cells(path: Path) -> bool:
    """Whether any sheet of the workbook merges cells (a scan of the sheets' XML; no workbook load)."""
    import zipfile

    with zipfile.ZipFile(path) as z:
        return any(_MERGE_CELL.search(z.read(n)) for n in z.namelist()
                   if n.startswith("xl/worksheets/") and n.endswith(".xml"))


def _fill_merged_cells(path: Path) -> tuple[io.BytesIO, list[str]]:
    """The workbook with every merged range of its first sheet unmerged and each of its cells holding the
    range's value, as the spreadsheet shows it (a county_code merged over five rows is the code of all
    five; openpyxl alone reads it in the top cell only, the other rows blank)."""
    import openpyxl

    wb = openpyxl.load_workbook(path, data_only=True)
    ws = wb.worksheets[0]
    filled = []
    for rng in list(ws.merged_cells.ranges):
        value = ws.cell(rng.min_row, rng.min_col).value
        ws.unmerge_cells(str(rng))
        for row in ws.iter_rows(min_row=rng.min_row, max_row=rng.max_row, min_col=rng.min_col, max_col=rng.max_col):
            for cell in row:
                cell.value = value
        filled.append(str(rng))
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out, filled


def _read_xlsx(path: Path) -> tuple[list[str], list[list[str]], list[str]]:
    notes = []
    try:
        source: Path | io.BytesIO = path
        if _has_merged_cells(path):
            source, filled = _fill_merged_cells(path)
            if filled:
                notes.append(f"merged cells {', '.join(sorted(filled)[:10])}{' …' if len(filled) > 10 else ''} "
                             "read as the spreadsheet shows them: the merged value in every cell of the range")
        df = pd.read_excel(source, sheet_name=0, dtype=object, engine="openpyxl")
    except Exception as e:  # openpyxl and zipfile raise many types for a damaged workbook
        raise FeedFileError(path, "unreadable_xlsx", f"not a readable XLSX workbook ({type(e).__name__}: {e})") from e
    return (*_frame_rows(df), notes)


def _read_parquet(path: Path) -> tuple[list[str], list[list[str]]]:
    try:
        df = pd.read_parquet(path)
    except Exception as e:  # pyarrow raises several types for a damaged file
        raise FeedFileError(path, "unreadable_parquet", f"not a readable Parquet file ({type(e).__name__}: {e})") from e
    return _frame_rows(df)


# Rows are gathered into Arrow columns this many at a time: the Python strings of one chunk at most
# are alive at once.
CHUNK_ROWS = 100_000


def _columns_of(rows: Iterable[list[str]], width: int) -> tuple[list[pa.ChunkedArray], np.ndarray, dict[int, int]]:
    """Rows → one Arrow string column per header, their row numbers as a spreadsheet shows them (the
    header is row 1, the first data row 2; a blank line keeps its number out of use, as the sheet shows
    it) and the ragged rows (row number → delivered field count,
    padded or cut to the header's width)."""
    chunks: list[list[pa.Array]] = [[] for _ in range(width)]
    numbers = array("q")
    ragged: dict[int, int] = {}
    pending: list[list[str]] = []

    def flush() -> None:
        for j, values in enumerate(zip(*pending, strict=True)):
            chunks[j].append(pa.array(values, type=pa.string()))
        pending.clear()

    for i, r in enumerate(rows, start=2):
        if len(r) != width:
            if not any(x.strip() for x in r):
                continue  # a blank line (e.g. trailing) is not a row
            ragged[i] = len(r)
            r = (r + [""] * width)[:width]
        pending.append(r)
        numbers.append(i)
        if len(pending) >= CHUNK_ROWS:
            flush()
    flush()
    return ([pa.chunked_array(c, type=pa.string()) for c in chunks], np.frombuffer(numbers, dtype=np.int64)
            if len(numbers) else np.zeros(0, dtype=np.int64), ragged)


def read_feed_file(feed: str, path: Path | str) -> DeliveredFeed:
    """Read one feed file; map headers; refuse a file missing a required column."""
    path = Path(path)
    ext = path.suffix.lower().lstrip(".")
    encoding = None
    if path.stat().st_size == 0:
        raise FeedFileError(path, "empty_file", "the file is empty (0 bytes)")
    note, read_notes = None, []
    if ext == "csv":
        headers, rows, encoding, note = _read_csv(path)
    elif ext == "xlsx":
        headers, rows, read_notes = _read_xlsx(path)
    elif ext == "parquet":
        headers, rows = _read_parquet(path)
    else:
        raise FeedFileError(path, "unsupported_format", f"extension .{ext} is not one of {', '.join(EXTENSIONS)}")

    columns, numbers, ragged = _columns_of(rows, len(headers))  # a syntax error stops here, first
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

    frame = pd.DataFrame({"_row_number": numbers,
                          **{name: pd.arrays.ArrowExtensionArray(col) for name, col in zip(canonical, columns,
                                                                                          strict=True)}})
    absent = [c.name for c in spec.columns if c.name not in canonical]
    if frame.empty:
        raise FeedFileError(path, "no_rows", "the file has a header but no data rows; deliver the rows, or remove "
                            "the file to mark the feed absent (what depends on it is then unknown)")
    return DeliveredFeed(feed=feed, path=path, frame=frame, encoding=encoding, extra_columns=extra,
                         absent_columns=absent,
                         header_renames=renames, ragged_rows=ragged, delivered_headers=list(headers),
                         encoding_note=note, read_notes=read_notes)


def unrecognised_files(landing: Path | str, year: int | str) -> list[str]:
    """Files in the year's folder that deliver no feed (e.g. a misspelt `school.csv`): reported."""
    landing = Path(landing)
    year_dir = confined(landing, landing / str(year))
    if not year_dir.is_dir():
        return []
    return [p.name for p in sorted(year_dir.iterdir())
            if p.is_file() and p.stem.lower() not in FEEDS and not p.name.startswith((".", "~$"))
            and p.name != "SYNTHETIC.txt"]
