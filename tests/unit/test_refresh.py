"""The fundamentals refresh end to end: yfinance's real code against the fake Yahoo, into moto."""

import datetime
import time

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from companies import refresh, selectors, services
from companies.models import Company, Statement
from scraping.asx import Directory, DirectoryRow
from scraping.normalize import CompanyFundamentals, StatementPeriod
from scraping.yahoo import YahooClient

TICKERS = ["BHP", "CBA", "RMD", "ANN", "GAP", "NOS", "APS"]


@pytest.fixture(scope="module")
def module_client(fake_yahoo, tmp_path_factory):
    # yfinance's state is process-wide: one client per module, as production has one per process.
    # Not conftest's `yahoo`: the 429 test times this client's own half-second pause.
    client = YahooClient(
        base_url=fake_yahoo.base_url,
        requests_per_second=200,
        timeout=2,
        cache_dir=tmp_path_factory.mktemp("yf"),
        pause_on_429=0.5,
        max_pause_on_429=2,
    )
    yield client
    client.close()


@pytest.fixture
def client(module_client, fake_yahoo):
    fake_yahoo.clear_faults()
    yield module_client
    fake_yahoo.clear_faults()


@pytest.fixture
def directory(moto_table):
    rows = [
        DirectoryRow(
            ticker=t,
            name=f"{t} LIMITED",
            industry_group="Materials",
            listing_date=None,
            market_cap=10**9,
            line=n + 2,
        )
        for n, t in enumerate(TICKERS)
    ]
    services.directory_load(directory=Directory(rows=rows, rejected=[], source="test"))


def stored(ticker: str, period_type: str, statement: str) -> dict[str, Statement]:
    prefix = Statement.record_key(period_type=period_type, statement=statement)
    return {s.period_end: s for s in Statement.query(ticker, Statement.record.startswith(prefix))}


def run(client, tickers, **kwargs):
    options = {"limit": 50, "concurrency": 2, "budget_seconds": 60, "client": client}
    return refresh.companies_refresh(tickers=tickers, **{**options, **kwargs})


def test_refresh_stores_profile_and_half_year_statements(client, directory):
    report = run(client, ["BHP"])
    assert report.succeeded == 1
    bhp = Company.get("BHP", "COMPANY")
    assert bhp.financial_currency == "USD"
    assert bhp.profile["long_name"]
    assert bhp.last_outcome == "ok" and bhp.failure_count == 0
    assert bhp.next_attempt - bhp.last_updated == datetime.timedelta(hours=24)
    annual = stored("BHP", "annual", "income")
    assert len(annual) >= 4
    assert all(s.months == 12 and s.currency == "USD" for s in annual.values())
    halves = stored("BHP", "quarterly", "income")
    assert halves and all(s.months == 6 for s in halves.values())
    revenue = next(iter(annual.values())).values["TotalRevenue"]
    assert isinstance(revenue, int) and revenue > 0


def test_company_with_no_quarterly_statements_still_refreshes(client, directory):
    report = run(client, ["ANN"])  # the fixture's annual-only company
    assert report.succeeded == 1
    assert stored("ANN", "annual", "income")
    assert not stored("ANN", "quarterly", "income")


def test_company_with_profile_but_no_statements_keeps_its_profile(client, directory):
    report = run(client, ["NOS"])  # the fixture's company with a profile and no statements
    assert report.failed == 1
    assert report.outcomes[0].outcome == "no statements"
    nos = Company.get("NOS", "COMPANY")
    assert nos.last_outcome == "no statements" and nos.failure_count == 1
    assert nos.profile["sector"] == "Financial Services"
    assert nos.profile["industry"] == "Shell Companies"
    assert nos.profile["website"] == "https://www.nostatement.example"
    assert nos.profile["summary"].startswith("Nostatement Capital Limited is a newly listed")
    assert nos.financial_currency == "AUD"
    assert nos.last_updated is None  # still "not fetched yet": no statements were stored
    assert nos.data_source is None
    assert not list(Statement.query("NOS", Statement.record.startswith("STMT#")))
    first_wait = nos.next_attempt - nos.last_attempt
    assert first_wait == datetime.timedelta(hours=12)
    assert "NOS" not in selectors.companies_due(now=nos.last_attempt, limit=50)

    run(client, ["NOS"])
    nos = Company.get("NOS", "COMPANY")
    assert nos.failure_count == 2
    assert nos.next_attempt - nos.last_attempt == 2 * first_wait
    assert nos.profile["sector"] == "Financial Services" and nos.last_updated is None


def test_company_without_statements_shows_its_profile(client, directory):
    run(client, ["NOS"])
    web = Client()  # `client` here is the Yahoo client

    page = web.get("/companies/NOS/")
    assert page.status_code == 200
    text = " ".join(page.content.decode().split())
    assert "Financial Services" in text and "Shell Companies" in text
    assert "Nostatement Capital Limited is a newly listed investment company." in text
    assert 'href="https://www.nostatement.example"' in text
    assert "no statements" in text  # the header's last attempt: what went wrong, in words

    api = web.get("/api/companies/NOS/").json()
    assert api["sector"] == "Financial Services"
    assert api["industry"] == "Shell Companies"
    assert api["website"] == "https://www.nostatement.example"
    assert api["summary"].startswith("Nostatement Capital Limited is a newly listed")
    assert api["financial_currency"] == "AUD"
    assert api["refresh"]["last_outcome"] == "no statements"
    assert api["refresh"]["last_success"] is None
    assert api["refresh"]["last_attempt"] is not None


def test_failed_fetch_keeps_old_statements(client, directory, fake_yahoo):
    run(client, ["BHP"])
    before = {end: s.values for end, s in stored("BHP", "annual", "income").items()}
    last_updated = Company.get("BHP", "COMPANY").last_updated
    profile = Company.get("BHP", "COMPANY").profile

    fake_yahoo.set_fault("500", symbol="BHP.AX")
    report = run(client, ["BHP"])

    assert report.failed == 1
    bhp = Company.get("BHP", "COMPANY")
    assert bhp.last_outcome == "network or server error"
    assert bhp.failure_count == 1
    assert bhp.last_updated == last_updated
    assert bhp.profile == profile and bhp.financial_currency == "USD"
    assert {end: s.values for end, s in stored("BHP", "annual", "income").items()} == before


def test_period_dropped_by_yahoo_stays_stored(client, directory):
    old = StatementPeriod(
        statement="income",
        period_type="annual",
        end=datetime.date(2015, 6, 30),
        months=12,
        currency="USD",
        values={"TotalRevenue": 44_636_000_000, "NetIncome": None},
    )
    services.company_fundamentals_store(
        ticker="BHP",
        fundamentals=CompanyFundamentals(profile={}, periods=[old]),
        fetched_at=datetime.datetime(2016, 1, 1, tzinfo=datetime.UTC),
        next_attempt=datetime.datetime(2016, 1, 2, tzinfo=datetime.UTC),
    )
    run(client, ["BHP"])
    annual = stored("BHP", "annual", "income")
    assert "2015-06-30" in annual
    assert annual["2015-06-30"].values == {"TotalRevenue": 44_636_000_000, "NetIncome": None}
    assert len(annual) >= 5


def test_missing_values_stay_missing_not_zero(client, directory):
    run(client, ["GAP"])  # the fixture's company with a line item missing in one period
    gaps = {
        key
        for statement in ("income", "balance", "cashflow")
        for period_type in ("annual", "quarterly")
        for s in stored("GAP", period_type, statement).values()
        for key, value in s.values.items()
        if value is None
    }
    assert gaps
    reported_elsewhere = {
        key
        for s in stored("GAP", "annual", "income").values()
        for key, value in s.values.items()
        if value is not None
    }
    assert gaps & reported_elsewhere, "a key missing in one period is a figure in another"


def test_dead_ticker_is_backed_off_and_leaves_the_queue(client, directory):
    report = run(client, ["APS"])
    assert report.failed == 1
    aps = Company.get("APS", "COMPANY")
    assert aps.last_outcome == "no such symbol"
    first_wait = aps.next_attempt - aps.last_attempt
    assert first_wait >= datetime.timedelta(hours=12)
    assert "APS" not in selectors.companies_due(now=aps.last_attempt, limit=50)

    run(client, ["APS"])
    aps = Company.get("APS", "COMPANY")
    assert aps.failure_count == 2
    assert aps.next_attempt - aps.last_attempt == 2 * first_wait
    assert aps.last_updated is None


def test_queue_takes_never_fetched_then_oldest(client, directory):
    run(client, ["BHP"])
    due = selectors.companies_due(now=datetime.datetime.now(datetime.UTC), limit=50)
    assert set(due) == set(TICKERS) - {"BHP"}
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=2)
    assert "BHP" in selectors.companies_due(now=later, limit=50)


def test_429_pauses_the_whole_run(client, directory, fake_yahoo):
    fake_yahoo.set_fault("429", times=1)
    started = time.monotonic()
    report = run(client, ["BHP", "CBA"], concurrency=2)
    assert time.monotonic() - started >= 0.5  # the limiter's pause, paid by every thread
    assert report.attempted == 2


def test_time_budget_is_honoured(client, directory, fake_yahoo, settings):
    settings.REFRESH_COMPANY_SECONDS = 0.1
    fake_yahoo.set_fault("slow", seconds=0.15)
    started = time.monotonic()
    report = run(client, TICKERS[:5], concurrency=1, budget_seconds=1.5)
    elapsed = time.monotonic() - started
    assert report.deferred >= 3
    assert report.succeeded >= 1
    assert elapsed < 1.5 + 3  # stopped starting companies, finished the one in flight
    deferred = [o.ticker for o in report.outcomes if o.outcome == refresh.DEFERRED]
    assert set(deferred) <= set(
        selectors.companies_due(now=datetime.datetime.now(datetime.UTC), limit=50)
    )


def test_command_fails_only_when_nothing_refreshed(client, directory, monkeypatch, capsys):
    monkeypatch.setattr(refresh, "_client", client)
    with pytest.raises(CommandError, match="nothing could be refreshed"):
        call_command("refresh_companies", tickers="APS")
    call_command("refresh_companies", tickers="APS,CBA")
    assert "refreshed 1, failed 1" in capsys.readouterr().out


def test_unknown_ticker_is_reported_not_fetched(client, directory, fake_yahoo):
    fake_yahoo.reset_counts()
    report = run(client, ["ZZZ"])
    assert report.outcomes[0].outcome == refresh.NOT_IN_DIRECTORY
    assert fake_yahoo.count() == 0


def test_throttled_write_fails_that_company_only(client, directory, monkeypatch):
    from pynamodb.exceptions import PutError

    store = services.company_fundamentals_store

    def throttled_for_cba(*, ticker, **kwargs):
        if ticker == "CBA":
            raise PutError("ProvisionedThroughputExceededException")
        return store(ticker=ticker, **kwargs)

    monkeypatch.setattr(services, "company_fundamentals_store", throttled_for_cba)
    report = run(client, ["CBA", "BHP"])
    outcomes = {o.ticker: o.outcome for o in report.outcomes}
    assert outcomes == {"CBA": refresh.STORAGE_ERROR, "BHP": "ok"}
    assert Company.get("CBA", "COMPANY").last_updated is None


def test_a_figure_missing_from_a_later_fetch_of_the_same_period_is_kept(client, directory):
    run(client, ["BHP"])
    annual = stored("BHP", "annual", "income")
    end, period = max(annual.items())
    reported = period.values["TotalRevenue"]
    assert reported
    again = StatementPeriod(
        statement="income",
        period_type="annual",
        end=datetime.date.fromisoformat(end),
        months=12,
        currency="USD",
        values={"TotalRevenue": None, "NetIncome": 1},
    )
    services.company_fundamentals_store(
        ticker="BHP",
        fundamentals=CompanyFundamentals(profile={}, periods=[again]),
        fetched_at=datetime.datetime.now(datetime.UTC),
        next_attempt=datetime.datetime.now(datetime.UTC),
    )
    values = stored("BHP", "annual", "income")[end].values
    assert values["TotalRevenue"] == reported
    assert values["NetIncome"] == 1


def test_an_unexpected_error_is_recorded_and_backed_off(client, directory, monkeypatch):
    def broken(ticker):
        raise KeyError("a shape nobody expected")

    monkeypatch.setattr(client, "fetch_company", broken)
    report = run(client, ["CBA"])
    assert report.outcomes[0].outcome == refresh.UNEXPECTED_ERROR
    cba = Company.get("CBA", "COMPANY")
    assert cba.last_outcome == refresh.UNEXPECTED_ERROR and cba.failure_count == 1
    assert "CBA" not in selectors.companies_due(now=cba.last_attempt, limit=50)
