"""Write SYNTHETIC feeds: python -m synthetic OUT_DIR [--counties N] [--years 2022-2024] [--seed S] ..."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from synthetic.design import REF_YEAR
from synthetic.writers import ENCODINGS, FORMATS, HEADERS, generate_feeds


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Write SYNTHETIC feeds to <out>/<year>/<feed>.<ext>.")
    ap.add_argument("out_dir")
    ap.add_argument("--counties", type=int, default=9)
    ap.add_argument("--years", default=str(REF_YEAR), help="a year, a list 2022,2024 or a range 2021-2024")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--fmt", default="csv", choices=FORMATS)
    ap.add_argument("--encoding", default="utf-8", choices=ENCODINGS)
    ap.add_argument("--headers", default="canonical", choices=HEADERS)
    a = ap.parse_args(argv)
    years: list[int] = []
    for part in a.years.split(","):
        lo, _, hi = part.partition("-")
        years.extend(range(int(lo), int(hi or lo) + 1))
    for y in years:
        t0 = time.perf_counter()
        paths = generate_feeds(a.out_dir, a.counties, y, a.seed, a.fmt, a.encoding, a.headers)
        print(f"{y}: {len(paths)} feeds in {Path(a.out_dir) / str(y)} ({time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
