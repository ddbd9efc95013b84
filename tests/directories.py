"""Directories for tests and benchmarks: the real ASX files when ../shared is present, otherwise
generated text of the same shape and size (so nothing is ever skipped)."""

import datetime
import os
import random
from pathlib import Path

from scraping.asx import Directory, DirectoryRow, directory_rows

# ASXDB_TESTS_WITHOUT_SHARED=1 runs the tests as a fresh clone without ../shared does.
SHARED_DATA = (
    Path("/nonexistent")
    if os.environ.get("ASXDB_TESTS_WITHOUT_SHARED")
    else Path(__file__).resolve().parents[2] / "shared" / "data"
)
REAL_2022 = SHARED_DATA / "ASX_Listed_Companies_2022-02-24.csv"
GROUPS = [
    "Materials",
    "Banks",
    "Energy",
    "Software & Services",
    "Pharmaceuticals, Biotechnology & Life Sciences",
    "Capital Goods",
    "Not Applic",
]


def generated_directory_text(count: int = 2109, *, seed: int = 7) -> str:
    """A directory in the 2022 layout: digit tickers, missing caps and dates included."""
    rng = random.Random(seed)
    lines = ['"ASX code","Company name","Listing date","GICs industry group","Market Cap"']
    tickers = set()
    while len(tickers) < count:
        length = rng.choice([3, 3, 3, 4])
        tickers.add(
            "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(length))
        )
    for ticker in sorted(tickers):
        name = f"{rng.choice(['ALPHA', 'BETA', 'GAMMA', 'DELTA'])} {ticker} LIMITED"
        date = datetime.date(1980, 1, 1) + datetime.timedelta(days=rng.randrange(16000))
        cap = "" if rng.random() < 0.03 else str(rng.randrange(1_000_000, 200_000_000_000))
        listed = "" if rng.random() < 0.01 else date.isoformat()
        lines.append(f'"{ticker}","{name}","{listed}","{rng.choice(GROUPS)}",{cap}')
    return "\r\n".join(lines) + "\r\n"


def full_directory() -> Directory:
    """The 2,109-company directory of 24 Feb 2022, or a generated one of the same size."""
    if REAL_2022.exists():
        return directory_rows(REAL_2022.read_text(encoding="utf-8-sig"), source=str(REAL_2022))
    return directory_rows(generated_directory_text(), source="generated")


def small_directory(count: int, *, missing_caps=(), missing_dates=()) -> Directory:
    rows = [
        DirectoryRow(
            ticker=f"T{n:02d}",
            name=f"Company {n:02d} Limited",
            industry_group=GROUPS[n % len(GROUPS)],
            listing_date=None
            if n in missing_dates
            else datetime.date(2000, 1, 1) + datetime.timedelta(days=n * 30),
            market_cap=None if n in missing_caps else (n + 1) * 10_000_000,
            line=n + 2,
        )
        for n in range(count)
    ]
    return Directory(rows=rows, rejected=[], source="test")
