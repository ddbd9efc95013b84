"""Stand-ins for outside services, for tests and benchmarks only.

The fake Yahoo: `companies` (who they are, every figure they report), `prices` (how they
trade: daily bars, dividends, splits, and exchange rates), `payloads` (those figures in
Yahoo's JSON) and `server` (the HTTP server yfinance talks to, with faults)."""

from tests.fakes.companies import (
    FakeCompany,
    company_points,
    fixture_companies,
    generated_company,
    period_statements,
)
from tests.fakes.prices import (
    PRICES_THROUGH,
    Bar,
    Dividend,
    PriceSeries,
    Split,
    company_series,
    fx_series,
)
from tests.fakes.server import FakeYahoo, Seen, fake_yahoo_client

__all__ = [
    "PRICES_THROUGH",
    "Bar",
    "Dividend",
    "FakeCompany",
    "FakeYahoo",
    "PriceSeries",
    "Seen",
    "Split",
    "company_points",
    "company_series",
    "fake_yahoo_client",
    "fixture_companies",
    "fx_series",
    "generated_company",
    "period_statements",
]
