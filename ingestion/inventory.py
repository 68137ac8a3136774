"""What a year's landing folder delivers, and whether loading it would publish less than is published.

A year is only ever evaluated from a delivery that has `schools` rows: an unmounted share, a wrong
path or a sync that has not arrived looks like "every feed absent", and evaluating that would replace
a published year with nothing. And a re-run that would lose a feed, or a fifth of the schools or
pupils, is refused unless the operator says it is meant (`--accept-shrink`).

The admission decision (`ingestion/admission.py`, `admit_year`) compares, with `shrink_problems`,
what each step can see. Before anything is loaded, the landing's files: a feed delivered no more, or a
fifth fewer `schools` rows. Before publication,
what will be evaluated, county by county: the schools that passed the contract and their pupils (valid
`enrollment` rows of those schools). Rows that are quarantined, doubled or moved to another county code
are not evaluated, so they never count as schools or pupils: a county whose evaluated schools or pupils
drop by more than the limit, or that vanishes from the year, is refused.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

from ingestion.contract import FEEDS

DEFAULT_MAX_SHRINK = 0.20
SHRINK_ENV = "JUNHENG_MAX_SHRINK"


@dataclass(frozen=True)
class YearInventory:
    """A year's delivery: data rows per delivered feed and the enrollment feed's pupils."""

    year: int
    rows: dict[str, int] = field(default_factory=dict)  # feed → data rows (feeds with rows only)
    students: float | None = None  # pupils evaluated (valid rows of evaluated schools); None: not known here
    where: str = ""  # the landing folder or the publication it was read from
    # county → (schools evaluated, pupils evaluated); None where it is not known (a landing's files,
    # a publication made before this was kept)
    counties: dict[str, tuple[int, float | None]] | None = None

    @property
    def schools(self) -> int:
        return self.rows.get("schools", 0)

    def describe(self) -> str:
        if not self.rows:
            return "nothing"
        pupils = f", {self.students:,.0f} pupils" if self.students is not None else ""
        feeds = ", ".join(f"{f} {n:,}" for f, n in sorted(self.rows.items(), key=lambda kv: FEEDS.index(kv[0])))
        return f"{self.schools:,} schools{pupils} ({len(self.rows)} feeds: {feeds})"


class EmptyYearError(Exception):
    """The landing holds no `schools` rows for the year: nothing may be evaluated or published."""


class ShrinkRefused(Exception):
    """Loading the year would publish less than is published now."""


def max_shrink(env: dict[str, str] | None = None) -> float:
    """The share by which a year's schools or pupils may drop without --accept-shrink (default 0.20)."""
    raw = (os.environ if env is None else env).get(SHRINK_ENV, str(DEFAULT_MAX_SHRINK))
    value = float(raw)
    if not 0 <= value < 1:
        raise ValueError(f"{SHRINK_ENV}={raw!r}: a share between 0 and 1 (e.g. 0.2 for 20 %)")
    return value


@functools.lru_cache(maxsize=32)
def _count_file(feed: str, path: str, mtime_ns: int, size: int) -> int:
    from ingestion.readers import read_feed_file  # the parsing stack loads when a file is read, not at import

    return len(read_feed_file(feed, path).frame)


def landing_inventory(landing: Path | str, year: int) -> YearInventory:
    """Count the data rows `<landing>/<year>/` delivers per feed (each file read once per version). A file
    that cannot be read at all raises FeedFileError (`no_rows` and `empty_file` too), as loading it
    would: the operator is told what is wrong with the file, not that its feed would disappear."""
    from ingestion.readers import find_feed_file

    rows: dict[str, int] = {}
    for feed in FEEDS:
        path = find_feed_file(landing, year, feed)
        if path is None:
            continue
        st = path.stat()
        rows[feed] = _count_file(feed, str(path), st.st_mtime_ns, st.st_size)
    return YearInventory(year=year, rows=rows, where=str(Path(landing) / str(year)))


def schools_delivered(landing: Path | str, year: int) -> tuple[bool, str]:
    """Whether the year has `schools` rows, and, when not, why (for a SkipReason or an error)."""
    from ingestion.readers import FeedFileError, find_feed_file

    folder = Path(landing) / str(year)
    if not Path(landing).is_dir():
        return False, f"the landing folder {landing} does not exist"
    if not folder.is_dir():
        return False, f"there is no folder {folder}"
    try:
        path = find_feed_file(landing, year, "schools")
        if path is None:
            return False, f"{folder} holds no schools.csv/.xlsx/.parquet"
        st = path.stat()
        _count_file("schools", str(path), st.st_mtime_ns, st.st_size)  # refuses a file without data rows
    except FeedFileError as e:
        if e.rule in ("no_rows", "empty_file"):
            return False, f"{e.file}: [{e.rule}] the file has no data rows"
        return True, ""  # an unusable file is reported (and stops the year) by the schools load itself
    return True, ""


def empty_year_message(landing: Path | str, year: int, reason: str, published: YearInventory | None) -> str:
    now = (f"published for {year} now: {published.describe()} ({published.where}); it is kept as it is"
           if published is not None and published.rows else f"nothing is published for {year}")
    return (f"year {year} not evaluated: no schools rows in the landing {landing} ({reason}). "
            f"A year is evaluated only from a delivery with schools rows; {now}. "
            f"Check that the share is mounted and the year's feeds have arrived.")


def shrink_problems(before: YearInventory | None, after: YearInventory, limit: float) -> list[str]:
    """What would disappear if `after` replaced `before` (the published year): feeds published but
    absent now, and schools or pupils dropping by more than `limit`. Empty: nothing shrinks."""
    if before is None or not before.rows:
        return []
    out = []
    for feed in FEEDS:
        if before.rows.get(feed, 0) > 0 and after.rows.get(feed, 0) == 0:
            out.append(f"feed {feed} would disappear: {before.rows[feed]:,} rows published for {before.year}, "
                       f"none delivered now")

    def dropped(what: str, old: float | None, new: float | None) -> None:
        if old and new is not None and new < old * (1 - limit) - 1e-9:
            out.append(f"{what} of {before.year} would drop by {1 - new / old:.1%} (more than {limit:.0%}): "
                       f"{old:,.0f} published, {new:,.0f} {'now' if what != 'schools' else 'delivered now'}")

    dropped("schools", before.schools, after.schools)
    # pupils evaluated: a publication made before they were counted so (no county inventory) summed every
    # delivered row, and is not compared with them
    if "enrollment" in after.rows and before.counties is not None:
        dropped("pupils evaluated", before.students, after.students)
    if before.counties is not None and after.counties is not None:
        out += _county_problems(before, after, limit)
    return out


def _county_problems(before: YearInventory, after: YearInventory, limit: float) -> list[str]:
    """Per county: one that vanishes from the year (no school evaluated now), or whose evaluated schools
    or pupils drop by more than `limit`."""
    out = []
    for county, (schools, pupils) in sorted(before.counties.items()):
        now_schools, now_pupils = after.counties.get(county, (0, None))
        if schools and not now_schools:
            others = sorted(set(after.counties) - set(before.counties))
            out.append(f"county {county} would vanish from {before.year}: {schools:,} school(s) evaluated in the "
                       f"publication, none now (a blank, doubled or quarantined school row, or a changed county "
                       f"code{': the delivery now names ' + ', '.join(others[:5]) if others else ''})")
            continue
        if schools and now_schools < schools * (1 - limit) - 1e-9:
            out.append(f"county {county}: schools evaluated would drop by {1 - now_schools / schools:.1%} (more "
                       f"than {limit:.0%}): {schools:,} published, {now_schools:,} now")
        if pupils and now_pupils is not None and now_pupils < pupils * (1 - limit) - 1e-9:
            out.append(f"county {county}: pupils evaluated would drop by {1 - now_pupils / pupils:.1%} (more "
                       f"than {limit:.0%}): {pupils:,.0f} published, {now_pupils:,.0f} now")
    return out


def shrink_message(year: int, problems: list[str], before: YearInventory, after: YearInventory) -> str:
    return (f"year {year} refused: publishing it would publish less than is published now — "
            + "; ".join(problems)
            + f". Published: {before.describe()} ({before.where}); delivered: {after.describe()} ({after.where}). "
            "If this is meant, re-run with --accept-shrink (CLI) or run config "
            "ops.ingest_schools.config.accept_shrink: true (Dagster); the publication log records it.")
