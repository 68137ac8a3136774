"""A BI client stand-in: SQLAlchemy + duckdb-engine, read-only, querying the published marts in a
loop until a stop file appears. Each query checks that what it sees is one whole publication: the
row counts of every mart equal those the publication's own log recorded. Prints a JSON summary."""

import json
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

TABLES = ("fct_school_unit_indicators", "fct_county_coefficients", "mart_county_level_resources",
          "mart_county_readiness", "fct_county_items", "mart_school_shortfalls")


def main(published: str, stop_file: str, max_seconds: float) -> None:
    # NullPool: every query opens the file anew, so it sees the publication current at that moment.
    engine = sa.create_engine(f"duckdb:///{published}", connect_args={"read_only": True}, poolclass=NullPool)
    queries = errors = inconsistent = 0
    runs: set[str] = set()
    messages: list[str] = []
    started = time.monotonic()
    while not Path(stop_file).exists() and time.monotonic() - started < max_seconds:
        try:
            with engine.connect() as con:
                run_id, years, counts = con.execute(sa.text(
                    "select run_id, years, row_counts from publication_log order by published_at desc limit 1")).one()
                counts = json.loads(counts)
                year_list = [int(y) for y in years.split(",")]
                for table in TABLES:
                    n = con.execute(sa.text(f"select count(*) from {table} where list_contains(:y, year)"),
                                    {"y": year_list}).scalar()
                    if n != counts[table]:
                        inconsistent += 1
                        messages.append(f"{table}: {n} rows vs {counts[table]} logged by {run_id}")
                runs.add(run_id)
                queries += 1
        except Exception as e:  # any error counts: BI users must never see one
            errors += 1
            messages.append(f"{type(e).__name__}: {e}")
        time.sleep(0.01)
    print(json.dumps({"queries": queries, "errors": errors, "inconsistent": inconsistent, "runs": sorted(runs),
                      "messages": messages[:10]}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]))
