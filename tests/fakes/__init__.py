"""Stand-ins for outside services, for tests and benchmarks only.

The fake Yahoo: `companies` (who they are, every figure they report), `payloads` (those
figures in Yahoo's JSON) and `server` (the HTTP server yfinance talks to, with faults)."""

from tests.fakes.companies import (
    FakeCompany,
    company_points,
    fixture_companies,
    generated_company,
    period_statements,
)
from tests.fakes.server import FakeYahoo, Seen, fake_yahoo_client

__all__ = [
    "FakeCompany",
    "FakeYahoo",
    "Seen",
    "company_points",
    "fake_yahoo_client",
    "fixture_companies",
    "generated_company",
    "period_statements",
]
