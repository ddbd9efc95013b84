"""`make run` offline: the bundled sample directory and statements give a working screener."""

import pytest
from django.core.management import call_command

from companies.models import COMPANY_RECORD, LISTED, Company
from companies.screening import selectors as screening_selectors


@pytest.fixture(autouse=True)
def _fresh_snapshots():
    screening_selectors.forget_snapshots()
    yield
    screening_selectors.forget_snapshots()


def screened(client, q: str, **params) -> list[dict]:
    results, cursor = [], None
    while True:
        query = {"q": q, "size": 100, **params, **({"cursor": cursor} if cursor else {})}
        payload = client.get("/api/screener/", query).json()
        results += payload["results"]
        cursor = payload["next"]
        if cursor is None:
            return results


def test_offline_sample_data_gives_a_working_screener(moto_table, client):
    call_command("init_companies", sample=True)
    call_command("load_sample_fundamentals")
    results = screened(client, "revenue > 0 and net_margin > -100%", sort="ticker")
    aud_reporters = [r for r in results if r["reporting_currency"] == "AUD"]
    assert len(aud_reporters) >= 20
    # the sample has no exchange rates: a USD reporter's money is unknown, not unconverted
    assert all(r["reporting_currency"] == "AUD" for r in results)
    margins = screened(client, "net_margin > -100%")
    assert any(r["reporting_currency"] == "USD" for r in margins)
    assert client.get("/screener/", {"q": "revenue > 0"}).status_code == 200


def test_sample_load_rebuilds_snapshots_a_table_from_before_lacks(moto_table, client):
    call_command("init_companies", sample=True)
    for ticker in [c.ticker for c in Company.ticker_index.query(LISTED)]:
        Company(ticker, COMPANY_RECORD).update(
            actions=[Company.screen_directory.remove(), Company.by_screen.remove()]
        )
    screening_selectors.forget_snapshots()
    call_command("load_sample_fundamentals")
    assert client.get("/api/screener/", {"q": "market_cap > 0"}).json()["count"] > 30
