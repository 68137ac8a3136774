"""Synthetic feed generator: the seven feeds of the feed contract (feeds.md), for demos, tests and benchmarks.

EVERYTHING THIS PACKAGE WRITES IS SYNTHETIC. The county codes and names of the nine Anshan units are real
(the two development-zone codes are made up); every school, id, count, area, amount and survey value is
invented. Every frame carries ``synthetic = 1``, every school name contains "（合成）", and the landing
directory gets a ``SYNTHETIC.txt``.

Public API::

    build_feeds(counties=9, year=2024, seed=0) -> {feed: DataFrame}        # canonical headers, in memory
    generate_feeds(out_dir, counties=9, year=2024, seed=0, fmt="csv", encoding="utf-8",
                   headers="canonical") -> {feed: Path}                    # <out_dir>/<year>/<feed>.<ext>
    python -m synthetic OUT_DIR --counties N --years 2022-2024             # the same from a shell
    write_demo_plan(out_dir, year) -> Path | None          # <out_dir>/<year>/county_plan.csv (2020, 2024)
    write_demo_certification(out_dir, year) -> Path | None # <out_dir>/<year>/county_certification.csv (2020, 2021, 2022)

xlsx is meant for small landings (openpyxl writes a few ten thousand cells per second); use csv or parquet at
scale. ``counties <= 9`` gives the first ``counties`` Anshan units; more gives those nine followed by
synthetic units "合成县0010", ... (other provinces' codes) whose numbers follow national averages (≈66 schools
+ 18 teaching points per unit; ``counties=2850`` is national scale). The output is deterministic for
(counties, year, seed); the school roster does not depend on the year, so school ids are stable across years,
and pupils move through the grades from one year to the next (junior final_grade_students ≈ 0.97 × entrants
two years before), so a landing directory of several years is a consistent history. The nine Anshan units are
generated independently of ``counties``: they are the same schools at any scale. From 2024 on they look like
2024; before it (2018-2023) five of them have a history (synthetic.design), the other units none. The demo's
plan table (the optional county_plan feed, delivered in 2020 and revised in 2024) and its evaluation process
(the optional county_certification feed: 铁东区's stages, delivered in 2020 and 2022) are written apart, by
``write_demo_plan`` and ``write_demo_certification``: ``generate_feeds`` writes the seven core feeds only.

Modules, by concern:

    rules       the rules, read from their single homes: feeds, columns and labels (ingestion.contract),
                resource floors (seeds/standards.csv), split weights (dbt vars), submitted items and
                item standards (seeds) -- the generator keeps no copy of them
    design      what the demo units are meant to show, and the national averages of the synthetic units
    roster      counties, schools and teaching points, stage units: everything that does not change by year
    resources   one year's enrollment, teachers, facilities and finance
    items       one year's county_finance and county_submission
    build       the seven feeds as DataFrames (build_feeds)
    writers     csv / xlsx / parquet, UTF-8 / GB18030, canonical / Chinese headers (generate_feeds)

The package sits downstream of the feed contract: it imports ingestion.contract, and nothing in
ingestion imports it.
"""

from synthetic.build import build_feeds
from synthetic.writers import generate_feeds, write_demo_certification, write_demo_plan

__all__ = ["build_feeds", "generate_feeds", "write_demo_certification", "write_demo_plan"]
