"""The mart check on `fct_school_unit_indicators`: pandas + GX (the old path) vs the suite in DuckDB.

    python -m benchmarks.sql_expectations [--rows N] [--runs R] [--year Y] [--dirty]
    python -m benchmarks.sql_expectations --warehouse FILE [--all] [--runs R] [--year Y]

Each measurement runs in a fresh child process (so its peak RSS is its own, `ru_maxrss`): `pandas_gx`
reads the suite's columns of the year into pandas and runs `expectations.runner.validate_frame`, as
orchestration/checks.py did (a feed: its valid rows, as ingestion did); `duckdb_sql` runs
`expectations.sql_runner.validate_table` on the table. `--all` measures every check of a run on a real
warehouse (e.g. bench_cache/runs/<name>/warehouse/junheng.duckdb after `make bench --keep-warehouses`).
Without `--warehouse`, the table is a synthetic one shaped like the national `fct_school_unit_indicators`
(its 19 columns and types, ≈ 205k school units × 22 indicator rows over three rule sets ≈ 4.5M rows),
built once into bench_cache/sql_expectations/. Both paths must give the same verdict and counts.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
CACHE = REPO_ROOT / "bench_cache" / "sql_expectations"
TABLE = "fct_school_unit_indicators"
SUITE = "mart_fct_school_unit_indicators"


def build_synthetic(path: Path, rows: int, year: int) -> None:
    """`fct_school_unit_indicators` with ≈ `rows` rows for `year` (22 rows per school unit)."""
    import duckdb

    units = max(1, rows // 22)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    con.execute(f"""
        create table {TABLE} as
        with units as (
            select range as u, lpad((2100000000 + range)::varchar, 10, '0') as school_id,
                   lpad((210000 + range % 2850)::varchar, 6, '0') as county_code,
                   case when range % 3 = 0 then 'junior' else 'primary' end as level,
                   (50 + hash(range) % 2000)::integer as students
            from range({units})
        ),
        codes as (
            select * from (values ('moe_2017', 'R'), ('anshan_2018', 'R'), ('basic_2012', 'B')) r(ruleset, p),
                          range(1, 9) n(i)
            where p = 'B' or i <= 7
        )
        select {year}::integer as year, county_code, school_id, 'school ' || u as school_name,
               'primary' as school_type, '121' as urban_rural, false as is_private, level, ruleset,
               p || i as indicator_code, students,
               (hash(u * 31 + i) % 10000) / 1000.0 as value, 4.0::double as threshold,
               (hash(u * 31 + i) % 10000) / 1000.0 >= 4.0 as passes,
               (hash(u * 31 + i) % 10000) / 4000.0 as share_of_threshold, true as unit_passes_school_rule,
               0::integer as merged_teaching_points, 1.0::double as resource_share, false as is_synthetic
        from units, codes
    """)
    con.close()
    tmp.rename(path)


def build_dirty(clean: Path, path: Path) -> None:
    """A copy of `clean` where every expectation kind fails somewhere: ≈ 0.1 % of rows with an unknown
    indicator code, ≈ 0.1 % with a negative value, 1,000 rows duplicated (the failure path: examples)."""
    import duckdb

    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    con.execute(f"attach '{clean}' as clean (read_only)")
    con.execute(f"""
        create table {TABLE} as
        select * replace (
            case when hash(school_id, indicator_code, ruleset) % 1000 = 1 then 'R99' else indicator_code end
                as indicator_code,
            case when hash(school_id, indicator_code, ruleset) % 1000 = 2 then -1.0 else value end as value)
        from clean.{TABLE}
        union all
        (select * from clean.{TABLE} limit 1000)
    """)
    con.close()
    tmp.rename(path)


def targets(every: bool) -> dict[str, tuple[str, str, list[str], list[str]]]:
    """{label: (suite, relation with one `?` for the years, key, columns the old check read)}: the big mart
    alone, or (`every`) each check of a run — every feed's valid rows and every published table."""
    from expectations.runner import suite_columns
    from ingestion.contract import FEED_SPECS, FEEDS
    from publication.catalog import published_tables

    out = {}
    for t in published_tables():
        if every or t.name == TABLE:
            key = list(t.grain)
            where = "" if t.across_years else " where list_contains(?, year)"
            cols = ", ".join(f'"{c}"' for c in dict.fromkeys([*key, *suite_columns(t.suite)]))
            out[t.name] = (t.suite, f"(select * from {t.name}{where})", key, f"select {cols} from {t.name}{where}")
    if every:
        for feed in FEEDS:
            rel = (f"(select * exclude (_delivered) from raw_{feed} "
                   "where list_contains(?, year) and not _quarantined)")
            out[f"raw_{feed}"] = (f"feed_{feed}", rel, ["year", *FEED_SPECS[feed].key], f"select * from {rel}")
    return out


def child(engine: str, db: str, year: int, every: bool) -> dict:
    """The checks, in this (fresh) process: per table seconds and verdicts; the process's peak RSS."""
    import resource
    import time

    import duckdb

    t0 = time.perf_counter()
    con = duckdb.connect(db, read_only=True)
    t_import = 0.0
    if engine == "pandas_gx":
        from expectations.runner import validate_frame

        t_import = time.perf_counter()
        import great_expectations  # noqa: F401 - imported lazily by validate_frame; timed apart

        t_import = time.perf_counter() - t_import
    else:
        from expectations.sql_runner import validate_table
    tables = {}
    for label, (suite, relation, key, old_select) in targets(every).items():
        params = [[year]] if "?" in relation else []
        t1 = time.perf_counter()
        t_read = 0.0
        if engine == "pandas_gx":
            df = con.execute(old_select, params).df()
            t_read = time.perf_counter() - t1
            result = validate_frame(suite, df, key=key)
            del df
        else:
            result = validate_table(con, suite, relation, key=key, params=params)
        tables[label] = {"rows": result.rows, "seconds": time.perf_counter() - t1, "read_seconds": t_read,
                         "success": result.success,
                         "failures": sorted([f.expectation, f.column, f.unexpected_count] for f in result.failures)}
    con.close()
    return {"engine": engine, "tables": tables, "gx_import_seconds": t_import,
            "total_seconds": time.perf_counter() - t0,
            "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=4_510_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--year", type=int, default=2024)
    ap.add_argument("--warehouse", type=Path, help="a junheng.duckdb holding fct_school_unit_indicators")
    ap.add_argument("--dirty", action="store_true", help="the synthetic table with failing rows")
    ap.add_argument("--all", action="store_true", help="every check of a run (feeds and published tables), "
                                                       "on --warehouse")
    ap.add_argument("--child", nargs=2, metavar=("ENGINE", "DB"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child[0], args.child[1], args.year, args.all)))
        return 0

    if args.warehouse:
        db = args.warehouse
    else:
        db = CACHE / f"synthetic-{args.rows}.duckdb"
        if not db.exists():
            print(f"building a synthetic {TABLE} of ≈ {args.rows:,} rows in {db} …", flush=True)
            build_synthetic(db, args.rows, args.year)
        if args.dirty:
            clean, db = db, CACHE / f"synthetic-{args.rows}-dirty.duckdb"
            if not db.exists():
                build_dirty(clean, db)
    records: dict[str, list[dict]] = {"pandas_gx": [], "duckdb_sql": []}
    for _ in range(args.runs):
        for engine in records:
            cmd = [sys.executable, "-m", "benchmarks.sql_expectations", "--year", str(args.year),
                   "--child", engine, str(db), *(["--all"] if args.all else [])]
            out = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO_ROOT, check=True)
            records[engine].append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"{db}, year {args.year}, {args.runs} run(s) of each engine in a fresh process, medians")
    labels = list(records["duckdb_sql"][0]["tables"])
    print(f"  {'table':32s} {'rows':>10s}  {'pandas+GX s':>11s} {'(read s)':>8s}  {'DuckDB s':>8s}  same")
    agree = True
    for label in labels:
        old = [r["tables"][label] for r in records["pandas_gx"]]
        new = [r["tables"][label] for r in records["duckdb_sql"]]
        same = len({json.dumps([t["success"], t["failures"]]) for t in old + new}) == 1
        agree &= same
        print(f"  {label:32s} {new[0]['rows']:>10,}  {statistics.median(t['seconds'] for t in old):11.2f} "
              f"{statistics.median(t['read_seconds'] for t in old):8.2f}  "
              f"{statistics.median(t['seconds'] for t in new):8.2f}  {same}")
    for engine, recs in records.items():
        checks = statistics.median(sum(t["seconds"] for t in r["tables"].values()) for r in recs)
        print(f"  {engine:10s}  all of the above {checks:6.2f} s + GX import "
              f"{statistics.median(r['gx_import_seconds'] for r in recs):.2f} s; process wall "
              f"{statistics.median(r['total_seconds'] for r in recs):.2f} s; peak RSS "
              f"{statistics.median(r['peak_rss_gb'] for r in recs):.2f} GB")
    print("  same verdicts and counts in both engines:", agree)
    print(json.dumps(records, indent=1), file=sys.stderr)
    return 0 if agree else 1


if __name__ == "__main__":
    raise SystemExit(main())
