"""Ingestion of one year's feeds, feed by feed: read + validate + load, wall time and peak RSS.

    python -m benchmarks.ingestion <landing> [--year 2024] [--profile FEED] [--json OUT]

Runs `ingestion.load.ingest_feed`'s three phases (read_feed_file, validate_feed, write_feed + flags)
for every delivered feed in load order, on a fresh warehouse in a temporary directory, in this process.
Peak RSS per feed is the process's resident set sampled every 10 ms while that feed loads.
`--profile FEED` prints the top of a cProfile of that feed's validation (and its total Python calls).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import threading
import time
from pathlib import Path


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


class _Peak:
    """The process's peak resident set since the last reset (sampled)."""

    def __init__(self, interval: float = 0.01):
        self.interval, self._stop = interval, threading.Event()
        self.peak = self.overall = _rss()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, _rss())
            self.overall = max(self.overall, self.peak)

    def reset(self) -> None:
        self.peak = _rss()

    def stop(self) -> int:
        self._stop.set()
        self._t.join()
        return max(self.overall, _rss())


def bench_ingestion(landing: Path | str, year: int, profile: str | None = None) -> dict:
    """{feed: {read, validate, load, total, rows, violations, peak_rss}} and the year's total seconds.
    `read` includes building the schools reference a child feed is checked against."""
    import duckdb

    from ingestion.contract import FEEDS
    from ingestion.load import (
        COUNTY_FEEDS,
        FLAG_FEEDS,
        FeedLoadSummary,
        refresh_flags,
        schools_reference,
        schools_reference_from_landing,
        write_feed,
    )
    from ingestion.readers import find_feed_file, read_feed_file
    from ingestion.validate import validate_feed

    out: dict = {"feeds": {}}
    loaded_at = dt.datetime(2024, 1, 1)
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        con = duckdb.connect(str(Path(tmp) / "w.duckdb"))
        sampler = _Peak()
        start = time.perf_counter()
        for feed in FEEDS:
            path = find_feed_file(landing, year, feed)
            if path is None:
                continue
            sampler.reset()
            t0 = time.perf_counter()
            delivered = read_feed_file(feed, path)
            if feed in COUNTY_FEEDS:
                ref = schools_reference_from_landing(landing, year)
            else:
                ref = schools_reference(con, year) if feed != "schools" else None
            t1 = time.perf_counter()
            if profile == feed:
                import cProfile
                import pstats

                prof = cProfile.Profile()
                prof.enable()
            validated = validate_feed(delivered, ref)
            if profile == feed:
                prof.disable()
                stats = pstats.Stats(prof)
                print(f"validate_feed({feed}): {stats.total_calls:,} Python calls")
                stats.sort_stats("cumulative").print_stats(25)
            t2 = time.perf_counter()
            summary = FeedLoadSummary(feed=feed, year=year, status="loaded", source_file=path.name,
                                      rows_delivered=len(validated.typed),
                                      rows_quarantined=int(validated.typed["_quarantined"].sum()),
                                      violations=len(validated.violations))
            write_feed(con, year, feed, validated, summary, loaded_at)
            if feed in FLAG_FEEDS:
                refresh_flags(con, year)
            t3 = time.perf_counter()
            out["feeds"][feed] = {"read": t1 - t0, "validate": t2 - t1, "load": t3 - t2, "total": t3 - t0,
                                  "rows": len(validated.typed), "violations": len(validated.violations),
                                  "quarantined": summary.rows_quarantined, "peak_rss": sampler.peak}
        out["total"] = time.perf_counter() - start
        out["peak_rss"] = sampler.stop()
        con.close()
    return out


def print_ingestion(res: dict) -> None:
    print(f"  {'feed':18s} {'rows':>8s} {'viol.':>6s} {'read':>7s} {'validate':>9s} {'load':>7s} {'total':>7s} "
          f"{'peak RSS':>9s}")
    for feed, r in res["feeds"].items():
        print(f"  {feed:18s} {r['rows']:8,d} {r['violations']:6,d} {r['read']:7.2f} {r['validate']:9.2f} "
              f"{r['load']:7.2f} {r['total']:7.2f} {r['peak_rss'] / 2**20:7.0f} MB")
    s = {k: sum(r[k] for r in res["feeds"].values()) for k in ("read", "validate", "load")}
    print(f"  {'all feeds':18s} {'':8s} {'':6s} {s['read']:7.2f} {s['validate']:9.2f} {s['load']:7.2f} "
          f"{res['total']:7.2f} {res['peak_rss'] / 2**20:7.0f} MB")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.ingestion", description=__doc__.split("\n\n")[0])
    p.add_argument("landing", type=Path)
    p.add_argument("--year", type=int, default=2024)
    p.add_argument("--profile", default=None, help="cProfile this feed's validation")
    p.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = p.parse_args(argv)
    res = bench_ingestion(args.landing, args.year, args.profile)
    print_ingestion(res)
    if args.json:
        args.json.write_text(json.dumps(res, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
