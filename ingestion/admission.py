"""Admission: may a year be launched, loaded or published at all? One decision, `admit_year`, taken on
what the asking step can see.

Every path asks it: the schedule and the landing sensor before they launch a run (`launchable_years`),
the schools step before any feed of the run's years is loaded (`landing_facts`), each feed's load
before it writes raw rows (`feed_load_facts`, in `ingestion/load.py`), and the publish step before
the publication is replaced (`publication_facts`). The `*_facts` functions gather what a step sees
(the landing's files, the working warehouse, the publication); `admit_year` decides, without I/O.

The rules, in order:
1. a year without `schools` rows where the step looks is refused, whatever the run accepts: an
   unmounted share or a sync that has not arrived looks like "every feed absent";
2. a year that would hold less than its publication (a feed gone, schools or pupils down by more than
   the limit, JUNHENG_MAX_SHRINK; county by county at publication), or a feed whose file is gone while
   the working warehouse holds its rows, is refused unless the run accepts the shrink
   (`--accept-shrink`, run config `ops.ingest_schools.config.accept_shrink: true`); accepted, what
   shrinks is returned for the publication log.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ingestion.inventory import (
    EmptyYearError,
    ShrinkRefused,
    YearInventory,
    empty_year_message,
    landing_inventory,
    schools_delivered,
    shrink_message,
    shrink_problems,
)

# the step asking (its words differ, the decision does not)
LAUNCH = "launch"  # the schedule or the landing sensor, before a run is launched
LOAD = "load"  # before raw rows are written: the whole year (schools step) or one feed
PUBLISH = "publish"  # before published.duckdb is replaced

NO_SCHOOLS = "no_schools_rows"
SHRINK = "shrink"
HOW_TO_ACCEPT = "--accept-shrink; ops.ingest_schools.config.accept_shrink: true"


@dataclass(frozen=True)
class YearFacts:
    """What one step sees of a year when it asks to go on."""

    step: str  # LAUNCH | LOAD | PUBLISH
    year: int
    landing: str  # the landing folder, named in messages
    no_schools: str | None = None  # why the year has no schools rows where the step looks; None: it has
    # what would replace the year (the landing's files, or the working warehouse's evaluated rows) and
    # what is published for it; `now` None: this step does not compare with the publication
    now: YearInventory | None = None
    published: YearInventory | None = None
    feed: str | None = None  # LOAD of this one feed (None: the whole year, before any feed loads)
    loaded_rows: int = 0  # rows of `feed` the working warehouse holds for the year while its file is absent


@dataclass(frozen=True)
class Admission:
    """The decision: admitted, or refused with the message the operator reads."""

    year: int
    admitted: bool
    rule: str = ""  # refused: NO_SCHOOLS or SHRINK
    message: str = ""
    accepted: tuple[str, ...] = ()  # admitted although this shrinks: the run accepted it
    now: YearInventory | None = None  # what was judged (for a step's metadata)

    def raise_if_refused(self) -> Admission:
        """EmptyYearError or ShrinkRefused with the message when refused; else the admission."""
        if not self.admitted:
            raise (EmptyYearError if self.rule == NO_SCHOOLS else ShrinkRefused)(self.message)
        return self


def _empty_message(facts: YearFacts) -> str:
    year, why = facts.year, facts.no_schools
    if facts.step == LAUNCH:
        return f"year {year} has no schools rows ({why})"
    if facts.step == PUBLISH:
        return f"year {year} not published: {why} (landing {facts.landing}); the publication is kept as it is"
    if facts.feed is not None:
        return (f"{facts.feed} of {year} not loaded: no schools rows in the landing {facts.landing} ({why}); "
                f"the year's loaded rows are kept")
    return empty_year_message(facts.landing, year, why, facts.published)


def admit_year(facts: YearFacts, *, accept_shrink: bool = False, limit: float | None = None) -> Admission:
    """The admission decision (rules in the module docstring). `limit` (the share schools or pupils may
    drop by, `inventory.max_shrink()`) is needed when the facts compare with the publication."""
    year = facts.year
    if facts.no_schools is not None:
        return Admission(year, False, NO_SCHOOLS, _empty_message(facts), now=facts.now)
    compared: list[str] = []
    if facts.now is not None:
        if limit is None:
            raise TypeError("admit_year: comparing with the publication needs the limit (max_shrink())")
        compared = shrink_problems(facts.published, facts.now, limit)
    erased = []
    if facts.feed is not None and facts.loaded_rows:
        erased = [f"feed {facts.feed} is absent from {Path(facts.landing) / str(year)} but "
                  f"{facts.loaded_rows:,} rows of {year} are loaded"]
    problems = compared + erased
    if problems and not accept_shrink:
        message = (shrink_message(year, problems, facts.published, facts.now) if compared
                   else f"{erased[0]}: not erased. Deliver the file, or accept the shrink ({HOW_TO_ACCEPT})")
        return Admission(year, False, SHRINK, message, now=facts.now)
    return Admission(year, True, accepted=tuple(problems), now=facts.now)


def launch_facts(landing: Path | str, year: int) -> YearFacts:
    """What the schedule and the sensor see: whether the year's landing has schools rows."""
    ok, why = schools_delivered(landing, year)
    return YearFacts(LAUNCH, year, str(landing), no_schools=None if ok else why)


def launchable_years(landing: Path | str, years: Sequence[int]) -> tuple[list[int], list[str]]:
    """The years a schedule or a sensor may launch a run for, and why each other year may not."""
    keep, refused = [], []
    for year in years:
        admission = admit_year(launch_facts(landing, year))
        if admission.admitted:
            keep.append(year)
        else:
            refused.append(admission.message)
    return keep, refused


def landing_facts(landing: Path | str, year: int, published: YearInventory | None) -> YearFacts:
    """What the schools step sees before any feed of the year is loaded: the landing's rows per feed
    against the publication. A file that cannot be read at all raises FeedFileError (as loading it would)."""
    ok, why = schools_delivered(landing, year)
    if not ok:
        return YearFacts(LOAD, year, str(landing), no_schools=why, published=published)
    return YearFacts(LOAD, year, str(landing), now=landing_inventory(landing, year), published=published)


def feed_load_facts(landing: Path | str, year: int, feed: str, loaded_rows: Callable[[], int]) -> YearFacts:
    """What one feed's load sees: whether the year has schools rows, and, when the feed's file is absent,
    how many of its rows the working warehouse holds (`loaded_rows()`, asked only then)."""
    from ingestion.readers import find_feed_file

    ok, why = schools_delivered(landing, year)
    if not ok:
        return YearFacts(LOAD, year, str(landing), no_schools=why, feed=feed)
    held = loaded_rows() if find_feed_file(landing, year, feed) is None else 0
    return YearFacts(LOAD, year, str(landing), feed=feed, loaded_rows=held)


def publication_facts(landing: Path | str, year: int, held: YearInventory | None,
                      published: YearInventory | None) -> YearFacts:
    """What the publish step sees: what the working warehouse will publish for the year (`held`, county
    by county) against the publication."""
    held = held or YearInventory(year=year, where="the working warehouse")
    no_schools = None if held.schools else "the working warehouse holds no schools rows for it"
    return YearFacts(PUBLISH, year, str(landing), no_schools=no_schools, now=held, published=published)
