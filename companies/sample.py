"""Bundled sample statements for offline development (`make run` without internet).

`sample_data/fundamentals.json` holds invented figures for the sample directory's companies in the
shape yfinance hands over (line items by period end, and Yahoo's profile fields). They go through
the same normalisation (scraping.normalize) and storage (services) as a real Yahoo fetch, marked
with source "sample" so every page that shows them says so. Imports pandas: not for the web path.
"""

import datetime
import json
from pathlib import Path

import pandas as pd
from django.conf import settings

from companies import selectors, services
from companies.models import SAMPLE_SOURCE
from companies.screening import services as screening
from scraping.normalize import company_fundamentals

SAMPLE_FUNDAMENTALS = Path(__file__).resolve().parent / "sample_data" / "fundamentals.json"


def _frames(sample: dict) -> dict[tuple[str, str], pd.DataFrame]:
    frames = {}
    for name, periods in sample["frames"].items():
        statement, period_type = name.split("/")
        frame = pd.DataFrame(
            {pd.Timestamp(end): values for end, values in periods.items()}, dtype="float64"
        )
        frames[(statement, period_type)] = frame[sorted(frame.columns, reverse=True)]
    return frames


def sample_fundamentals_load(*, path: Path = SAMPLE_FUNDAMENTALS) -> int:
    """Store the sample statements of every sample company that has no fundamentals yet, and
    the screener snapshot of every company that has none. Returns how many companies were
    filled. Does nothing unless the directory itself is the sample one: invented figures must
    never sit beside the real directory."""
    if not selectors.directory_summary().sample_data:
        return 0
    samples = json.loads(path.read_text(encoding="utf-8"))
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    filled = 0
    for ticker, sample in samples.items():
        company = selectors.company_get(ticker=ticker)
        if company is None or company.data_source is not None:
            continue
        services.company_fundamentals_store(
            ticker=ticker,
            fundamentals=company_fundamentals(f"{ticker}.AX", sample["info"], _frames(sample)),
            fetched_at=now,
            next_attempt=now + datetime.timedelta(hours=settings.REFRESH_INTERVAL_HOURS),
            source=SAMPLE_SOURCE,
        )
        filled += 1
    if filled:
        services.site_refreshed_record(at=now)
    # a table loaded before the screener existed gets its snapshots too
    screening.snapshots_rebuild(only_missing=True)
    return filled
