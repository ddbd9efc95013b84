"""scraping.yahoo against the fake Yahoo (tests/fakes/server.py), through yfinance's real
code path: nothing mocked, nothing on the internet."""

import dataclasses
import datetime
import json
import os
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest

from scraping.errors import (
    MalformedPayload,
    NoStatements,
    NoSuchSymbol,
    RateLimited,
    ScrapingError,
    YahooError,
    YahooUnavailable,
)
from scraping.normalize import CompanyFundamentals
from scraping.yahoo import RateLimiter, YahooClient, rewrite_url, yahoo_symbol
from tests.fakes import FakeYahoo, fixture_companies

FAST = 500  # requests per second: the limiter stays out of the way
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> Path:
    # yfinance's cache location is process-wide and fixed by the first client: one for the run.
    return tmp_path_factory.mktemp("yfinance-cache")


@pytest.fixture
def yahoo():
    with FakeYahoo() as fake:
        yield fake


@pytest.fixture
def make_client(yahoo, cache_dir):
    clients = []

    def make(**overrides) -> YahooClient:
        settings = {
            "base_url": yahoo.base_url,
            "requests_per_second": FAST,
            "timeout": 2.0,
            "cache_dir": cache_dir,
            "pause_on_429": 0.05,
            "max_pause_on_429": 0.2,
        }
        client = YahooClient(**(settings | overrides))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client) -> YahooClient:
    return make_client()


def periods(company: CompanyFundamentals, statement: str, period_type: str):
    return [p for p in company.periods if (p.statement, p.period_type) == (statement, period_type)]


def leaves(value):
    """Every scalar inside a result, dataclasses and containers opened up."""
    if dataclasses.is_dataclass(value):
        value = dataclasses.asdict(value)
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from leaves(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from leaves(item)
    else:
        yield value


# --- what comes back ------------------------------------------------------------------------


def test_bhp_reports_in_usd_in_half_years(client):
    bhp = client.fetch_company("BHP")

    assert bhp.profile["long_name"] == "BHP Group Limited"
    assert bhp.profile["currency"] == "AUD"
    assert bhp.profile["financial_currency"] == "USD"
    assert bhp.profile["exchange"] == "ASX"
    assert bhp.profile["address"] == "171 Collins Street, Melbourne VIC 3000, Australia"
    assert {p.currency for p in bhp.periods} == {"USD"}
    for statement in ("income", "balance", "cashflow"):
        assert {p.months for p in periods(bhp, statement, "quarterly")} == {6}
        assert {p.months for p in periods(bhp, statement, "annual")} == {12}
    assert [p.end for p in periods(bhp, "income", "quarterly")] == [
        datetime.date(2024, 6, 30),
        datetime.date(2024, 12, 31),
        datetime.date(2025, 6, 30),
        datetime.date(2025, 12, 31),
        datetime.date(2026, 6, 30),
    ]
    annual = {p.end: p.values for p in periods(bhp, "income", "annual")}
    assert annual[datetime.date(2024, 6, 30)]["TotalRevenue"] == 55658000000


def test_trailing_twelve_months_for_income_and_cash_flow_only(client):
    bhp = client.fetch_company("BHP")

    ttm = [p for p in bhp.periods if p.period_type == "ttm"]
    assert {(p.statement, p.end, p.months) for p in ttm} == {
        ("income", datetime.date(2026, 6, 30), 12),
        ("cashflow", datetime.date(2026, 6, 30), 12),
    }
    # BHP's stray 2020 trailing point: yfinance keeps the newest column, so it is absent here.
    income_ttm = periods(bhp, "income", "ttm")[0]
    assert income_ttm.values["NetIncomeDiscontinuousOperations"] is None


def test_a_quarterly_reporter_has_three_month_periods(client):
    resmed = client.fetch_company("RMD")

    assert {p.months for p in periods(resmed, "income", "quarterly")} == {3}
    assert resmed.profile["financial_currency"] == "USD"


def test_missing_figure_is_none_and_a_reported_zero_stays_zero(client):
    gap = client.fetch_company("GAP")

    annual = {p.end: p.values for p in periods(gap, "income", "annual")}
    assert annual[datetime.date(2025, 6, 30)]["GrossProfit"] is None
    assert type(annual[datetime.date(2024, 6, 30)]["GrossProfit"]) is int
    assert {values["ResearchAndDevelopment"] for values in annual.values()} == {0}


def test_no_numpy_type_escapes(client):
    bhp = client.fetch_company("BHP")

    allowed = (str, int, Decimal, datetime.date, type(None))
    strays = {type(leaf) for leaf in leaves(bhp) if type(leaf) not in allowed}
    assert strays == set()
    assert any(type(leaf) is Decimal for leaf in leaves(bhp))  # EPS, tax rate
    json.dumps(bhp.profile)


def test_annual_only_company_has_no_quarterly_periods(client):
    annual_only = client.fetch_company("ANN")

    assert {p.period_type for p in annual_only.periods} == {"annual", "ttm"}
    assert len(periods(annual_only, "income", "annual")) == 4


def test_one_company_costs_eleven_requests(client, yahoo):
    client.fetch_company("CBA")  # the cookie and crumb, once per process, are paid here
    yahoo.reset_counts()

    client.fetch_company("CBA")

    assert yahoo.count(endpoint="quoteSummary") == 1
    assert yahoo.count(endpoint="quote") == 1
    assert yahoo.count(endpoint="timeseries") == 9  # 8 statements + trailingPegRatio for info
    assert yahoo.count() == 11


def test_concurrent_fetches_keep_companies_apart(client):
    tickers = ["BHP", "CBA", "RMD", "GAP", "ANN", "BHP"]
    results: dict[int, CompanyFundamentals] = {}

    def fetch(i, ticker):
        results[i] = client.fetch_company(ticker)

    threads = [threading.Thread(target=fetch, args=item) for item in enumerate(tickers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    names = [results[i].profile["long_name"] for i in range(len(tickers))]
    assert names == [
        "BHP Group Limited",
        "Commonwealth Bank of Australia",
        "ResMed Inc.",
        "Gapfield Minerals Limited",
        "Annuity Pastoral Holdings Limited",
        "BHP Group Limited",
    ]
    assert {p.currency for p in results[1].periods} == {"AUD"}
    assert results[0].periods == results[5].periods


def test_any_symbol_can_be_served_for_benchmarks(make_client, cache_dir):
    with FakeYahoo(any_symbol=True) as anything:
        client = make_client(base_url=anything.base_url)
        company = client.fetch_company("XYZ")
        assert company.profile["long_name"] == "Xyz Holdings Limited"
        assert periods(company, "income", "annual")


def test_fake_serves_only_line_items_yfinance_asks_for():
    from yfinance.const import fundamentals_keys

    asked = {key for keys in fundamentals_keys.values() for key in keys}
    for company in fixture_companies().values():
        for type_name in company.points:
            key = type_name.removeprefix("annual").removeprefix("quarterly")
            assert key.removeprefix("trailing") in asked, type_name


# --- failures are facts ---------------------------------------------------------------------


@pytest.mark.parametrize("ticker", ["APS", "ZZZZZZ"])
def test_unknown_or_delisted_symbol_is_no_such_symbol(client, yahoo, ticker):
    with pytest.raises(NoSuchSymbol) as caught:
        client.fetch_company(ticker)

    assert caught.value.outcome == "no such symbol"
    assert yahoo.count(endpoint="quoteSummary") == 1  # no second try with a new crumb
    assert yahoo.count(endpoint="timeseries") == 0


def test_profile_without_statements_is_no_statements(client):
    with pytest.raises(NoStatements) as caught:
        client.fetch_company("NOS")

    assert caught.value.outcome == "no statements"
    profile = caught.value.profile  # what Yahoo did give, to be kept
    assert profile["sector"] == "Financial Services"
    assert profile["industry"] == "Shell Companies"
    assert profile["website"] == "https://www.nostatement.example"
    assert profile["summary"].startswith("Nostatement Capital Limited is a newly listed")
    assert profile["financial_currency"] == "AUD"
    json.dumps(profile)


def test_server_error_is_yahoo_unavailable_and_the_next_fetch_works(client, yahoo):
    yahoo.set_fault("500", symbol="BHP.AX")

    with pytest.raises(YahooUnavailable) as caught:
        client.fetch_company("BHP")
    assert caught.value.outcome == "network or server error"

    yahoo.clear_faults()
    assert client.fetch_company("BHP").periods


def test_server_error_on_a_statement_costs_one_request(client, yahoo):
    client.fetch_company("BHP")
    yahoo.reset_counts()
    yahoo.set_fault("500", symbol="BHP.AX", endpoint="timeseries", skip=3)

    with pytest.raises(YahooUnavailable):
        client.fetch_company("BHP")

    # yfinance would re-ask the failed statement in chunks of 60 types: none of that is sent.
    assert yahoo.count(endpoint="timeseries") == 4


def test_timeout_is_yahoo_unavailable_within_the_timeout(make_client, yahoo):
    client = make_client(timeout=0.4)
    client.fetch_company("BHP")
    yahoo.set_fault("timeout", symbol="BHP.AX", endpoint="timeseries", skip=2)

    started = time.monotonic()
    with pytest.raises(YahooUnavailable):
        client.fetch_company("BHP")
    elapsed = time.monotonic() - started

    # One timeout, not a second one for yfinance's retry of the statement in chunks.
    assert [seen.endpoint for seen in yahoo.seen if seen.status is None] == ["timeseries"]
    assert elapsed < 0.4 + 1.0


def test_slow_answers_are_waited_for(make_client, yahoo):
    client = make_client(timeout=1.0)
    yahoo.latency = 0.05

    started = time.monotonic()
    assert client.fetch_company("CBA").periods
    assert time.monotonic() - started >= 11 * 0.05


def test_malformed_json_is_malformed_payload(client, yahoo):
    yahoo.set_fault("malformed", symbol="BHP.AX")

    with pytest.raises(MalformedPayload) as caught:
        client.fetch_company("BHP")
    assert caught.value.outcome == "malformed payload"


def test_malformed_statement_is_malformed_payload(client, yahoo):
    yahoo.set_fault("malformed", symbol="CBA.AX", endpoint="timeseries", skip=1)

    with pytest.raises(MalformedPayload):
        client.fetch_company("CBA")


def test_null_point_is_malformed_payload(client, yahoo):
    yahoo.set_fault("null_point", symbol="CBA.AX", endpoint="timeseries", skip=1)

    with pytest.raises(MalformedPayload):
        client.fetch_company("CBA")


def test_retry_after_a_fault_is_not_served_from_yfinance_memory(client, yahoo):
    # info's timeseries request goes through yfinance's response LRU: break it once.
    yahoo.set_fault("malformed", symbol="BHP.AX", endpoint="timeseries", times=1)
    with pytest.raises(MalformedPayload):
        client.fetch_company("BHP")
    yahoo.reset_counts()

    bhp = client.fetch_company("BHP")

    assert bhp.profile["financial_currency"] == "USD"
    assert yahoo.count(endpoint="timeseries", symbol="BHP.AX") == 9


def test_every_yahoo_error_is_a_scraping_error_with_an_outcome():
    for error in (NoSuchSymbol, NoStatements, RateLimited, YahooUnavailable, MalformedPayload):
        assert issubclass(error, YahooError) and issubclass(error, ScrapingError)
        assert error.outcome and error.outcome != YahooError.outcome


# --- rate limit and 429 ---------------------------------------------------------------------


def test_429_is_rate_limited_and_pauses_every_thread(make_client, yahoo):
    pause = 1.0
    client = make_client(requests_per_second=100, pause_on_429=pause, max_pause_on_429=pause)
    client.fetch_company("CBA")
    stop = threading.Event()
    other_errors = []

    def keep_fetching():
        while not stop.is_set():
            try:
                client.fetch_company("CBA")
            except YahooError as exc:  # pragma: no cover - reported below
                other_errors.append(exc)

    other = threading.Thread(target=keep_fetching)
    other.start()
    time.sleep(0.2)
    yahoo.set_fault("429", symbol="BHP.AX", times=1)
    try:
        with pytest.raises(RateLimited) as caught:
            client.fetch_company("BHP")
        time.sleep(pause + 0.3)
    finally:
        stop.set()
        other.join(timeout=10)

    assert caught.value.outcome == "rate limited"
    assert other_errors == []
    limited = [seen.at for seen in yahoo.seen if seen.status == 429]
    assert len(limited) == 1  # no retry of the 429
    arrivals = [seen.at - limited[0] for seen in yahoo.seen]
    # The other thread waited too (a request it had already sent may land a little late)...
    assert not [t for t in arrivals if 0.3 < t < pause - 0.1]
    assert [t for t in arrivals if t >= pause - 0.1]  # ...and carried on afterwards


def test_429_pause_doubles_up_to_its_cap_and_resets():
    limiter = RateLimiter(requests_per_second=1000, pause_on_429=0.05, max_pause_on_429=0.12)

    first = limiter.wait()
    assert limiter.rate_limited(sent_at=first) == pytest.approx(0.05, abs=0.02)
    # A 429 for a request already in flight when the pause began does not lengthen it.
    assert limiter.rate_limited(sent_at=first) == pytest.approx(0.05, abs=0.02)
    second = limiter.wait()
    assert second - first >= 0.045
    assert limiter.rate_limited(sent_at=second) == pytest.approx(0.10, abs=0.02)
    third = limiter.wait()
    assert limiter.rate_limited(sent_at=third) == pytest.approx(0.12, abs=0.02)
    fourth = limiter.wait()
    limiter.answered(sent_at=fourth)
    assert limiter.rate_limited(sent_at=limiter.wait()) == pytest.approx(0.05, abs=0.02)


def test_rate_limit_caps_requests_per_second_across_threads(make_client, yahoo):
    rate = 40
    client = make_client(requests_per_second=rate)
    client.fetch_company("ANN")
    yahoo.reset_counts()

    threads = [
        threading.Thread(target=client.fetch_company, args=(ticker,))
        for ticker in ("BHP", "CBA", "RMD", "GAP", "ANN")
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    elapsed = time.monotonic() - started

    arrivals = sorted(seen.at for seen in yahoo.seen)
    assert len(arrivals) == 55
    assert elapsed >= (len(arrivals) - 1) / rate * 0.95
    window = 0.5
    busiest = max(sum(1 for t in arrivals if s <= t < s + window) for s in arrivals)
    assert busiest <= rate * window + 3


# --- settings -------------------------------------------------------------------------------


def test_yfinance_cache_is_written_under_the_given_directory(yahoo, tmp_path):
    # In a fresh interpreter: yfinance fixes its cache location once per process.
    given, default = tmp_path / "given", tmp_path / "user-cache"
    script = (
        "from scraping.yahoo import YahooClient\n"
        f"client = YahooClient(base_url={yahoo.base_url!r}, requests_per_second=100, "
        f"timeout=5, cache_dir={str(given)!r})\n"
        "client.fetch_company('CBA')\n"
    )
    env = os.environ | {"XDG_CACHE_HOME": str(default), "HOME": str(tmp_path / "home")}
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, timeout=60)

    assert (given / "cookies.db").is_file()
    assert not default.exists()
    assert yahoo.count(endpoint="cookie") == 1  # the cookie was kept, not asked for again


def test_requests_are_rewritten_to_the_stand_in():
    base = "http://127.0.0.1:8123/yahoo/"
    assert (
        rewrite_url("https://query2.finance.yahoo.com/v10/finance/quoteSummary/BHP.AX?a=1", base)
        == "http://127.0.0.1:8123/yahoo/v10/finance/quoteSummary/BHP.AX?a=1"
    )
    assert rewrite_url("https://fc.yahoo.com", base) == "http://127.0.0.1:8123/yahoo/"
    assert rewrite_url("https://example.com/x", base) == "https://example.com/x"
    assert rewrite_url("https://query1.finance.yahoo.com/x", None) == (
        "https://query1.finance.yahoo.com/x"
    )


def test_tickers_are_asx_codes():
    assert yahoo_symbol(" bhp ") == "BHP.AX"
    for bad in ("BHP.AX", "", "B H P", "TOOLONGX"):
        with pytest.raises(ValueError):
            yahoo_symbol(bad)
