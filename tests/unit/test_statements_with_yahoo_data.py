"""Statements as a reader sees them with real-shaped data: BHP (USD, half-years) and an
annual-only company fetched from the fake Yahoo through yfinance's real code, stored as the
refresh stores them, then read through the pages, API and downloads."""

import csv
import datetime
import io
import re

import pandas as pd
import pytest
from django.core.cache import cache
from django.utils.html import escape

from companies import refresh
from companies.statements import layout
from tests import factories
from tests.fakes import fake_yahoo_client, fixture_companies

TABS = [
    (statement, period)
    for statement in ("income", "balance", "cashflow")
    for period in ("annual", "quarterly", "ttm")
]


@pytest.fixture(scope="module")
def yahoo(tmp_path_factory):
    """A Yahoo client pointed at the fake Yahoo, for the module."""
    with fake_yahoo_client(tmp_path_factory.mktemp("yf")) as (_, client):
        yield client


@pytest.fixture(scope="module")
def fetched(yahoo):
    """What Yahoo gives for BHP and ANN (annual only), fetched once for the module."""
    return {ticker: yahoo.fetch_company(ticker) for ticker in ("BHP", "ANN")}


@pytest.fixture
def stored(moto_table, fetched):
    factories.load_directory(("BHP", "BHP GROUP LIMITED"), ("ANN", "ANNUITY PASTORAL"))
    for ticker, fundamentals in fetched.items():
        factories.store(ticker, fundamentals)
    return fetched


def yahoo_keys(fundamentals, statement: str, period: str) -> set[str]:
    return {
        key
        for p in fundamentals.periods
        if p.statement == statement and p.period_type == period
        for key, value in p.values.items()
    }


def page_keys(response) -> list[str]:
    return re.findall(r'<tr data-key="([^"]+)"', response.content.decode())


def api(client, ticker, statement, period, lines="all"):
    response = client.get(
        f"/api/companies/{ticker}/statements/{statement}/?period={period}&lines={lines}"
    )
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("ticker", ["BHP", "ANN"])
def test_rows_come_in_layout_order_on_every_tab(client, stored, ticker):
    for statement, period in TABS:
        order = {key: n for n, key in enumerate(layout.layout_keys(statement))}
        for lines in ("key", "all"):
            response = client.get(f"/companies/{ticker}/{statement}/?period={period}&lines={lines}")
            assert response.status_code == 200
            reported = [key for key in page_keys(response) if key in order]
            assert reported == sorted(reported, key=order.get), (statement, period, lines)


def test_income_statement_reads_top_down_not_in_yfinance_order(client, stored):
    keys = page_keys(client.get("/companies/BHP/"))
    assert keys[:2] == ["OperatingRevenue", "TotalRevenue"]
    assert keys.index("CostOfRevenue") < keys.index("GrossProfit") < keys.index("OperatingIncome")
    assert keys.index("PretaxIncome") < keys.index("TaxProvision") < keys.index("NetIncome")
    assert keys.index("NetIncome") < keys.index("DilutedEPS") < keys.index("BasicAverageShares")
    # normalised, reconciled and tax-effect lines live only under "All lines"
    for hidden in ("TaxEffectOfUnusualItems", "TaxRateForCalcs", "NormalizedEBITDA"):
        assert hidden not in keys
        assert hidden in page_keys(client.get("/companies/BHP/?lines=all"))
    # the same order on the half-year tab
    half = [k for k in page_keys(client.get("/companies/BHP/income/?period=quarterly"))]
    assert [k for k in keys if k in half] == [k for k in half if k in keys]


@pytest.mark.parametrize("ticker", ["BHP", "ANN"])
def test_all_lines_hold_every_key_yahoo_gave_exactly_once(client, stored, ticker):
    for statement, period in TABS:
        payload = api(client, ticker, statement, period)
        reported = [item["key"] for item in payload["items"] if not item["computed"]]
        assert len(reported) == len(set(reported)), (statement, period)
        assert set(reported) == yahoo_keys(stored[ticker], statement, period), (statement, period)


def test_api_items_carry_level_subtotal_and_computed(client, stored):
    payload = api(client, "BHP", "income", "annual", lines="key")
    items = {item["key"]: item for item in payload["items"]}
    assert items["TotalRevenue"]["level"] == 0 and items["TotalRevenue"]["subtotal"] is True
    assert (
        items["OperatingRevenue"]["level"] == 1 and items["OperatingRevenue"]["subtotal"] is False
    )
    assert items["gross_margin"]["computed"] is True and items["gross_margin"]["formula"]
    assert "TaxEffectOfUnusualItems" not in items
    every = api(client, "BHP", "income", "annual")
    assert [i["key"] for i in payload["items"]] == [
        i["key"] for i in every["items"] if i["key"] in items
    ]


def _column(payload, key):
    return next(item["values"] for item in payload["items"] if item["key"] == key)


def test_growth_and_margins_match_a_hand_calculation(client, stored):
    payload = api(client, "BHP", "income", "annual")
    revenue = _column(payload, "TotalRevenue")
    gross = _column(payload, "GrossProfit")
    operating = _column(payload, "OperatingIncome")
    net = _column(payload, "NetIncome")
    eps = _column(payload, "DilutedEPS")
    assert _column(payload, "gross_margin")[0] == pytest.approx(gross[0] / revenue[0])
    assert _column(payload, "operating_margin")[1] == pytest.approx(operating[1] / revenue[1])
    assert _column(payload, "net_margin")[2] == pytest.approx(net[2] / revenue[2])
    growth = _column(payload, "revenue_growth")
    assert growth[0] == pytest.approx((revenue[0] - revenue[1]) / revenue[1])
    assert growth[-1] is None  # the oldest year has no year before it
    assert _column(payload, "diluted_eps_growth")[0] == pytest.approx((eps[0] - eps[1]) / eps[1])
    assert _column(payload, "net_income_growth")[1] == pytest.approx((net[1] - net[2]) / net[2])
    # half-years grow on the same half a year before, not on the half before
    half = api(client, "BHP", "income", "quarterly")
    ends = [datetime.date.fromisoformat(p["end"]) for p in half["periods"]]
    half_revenue = _column(half, "TotalRevenue")
    year_before = next(j for j, end in enumerate(ends) if (ends[0] - end).days in range(350, 381))
    assert _column(half, "revenue_growth")[0] == pytest.approx(
        (half_revenue[0] - half_revenue[year_before]) / half_revenue[year_before]
    )
    # on the page: a percentage, marked as computed
    body = client.get("/companies/BHP/").content.decode()
    row = re.search(r'<tr data-key="gross_margin" class="[^"]*computed[^"]*">(.*?)</tr>', body)
    assert row and "computed</span>" in row.group(1)
    assert f"{gross[0] / revenue[0] * 100:.1f}%" in row.group(1)


def test_growth_from_a_loss_is_a_dash(client, moto_table):
    factories.load_directory(("LSS", "LOSS LIMITED"))
    years = factories.year_ends(2)
    fundamentals = factories.fundamentals(revenues={years[0]: 10**9, years[1]: 9 * 10**8})
    for period in fundamentals.periods:
        if period.statement == "income" and period.end == years[1]:
            period.values["NetIncome"] = -5 * 10**7
    factories.store("LSS", fundamentals)
    payload = api(client, "LSS", "income", "annual")
    assert _column(payload, "net_income_growth") == [None, None]
    cells = re.search(
        r'<tr data-key="net_income_growth"[^>]*>(.*?)</tr>',
        client.get("/companies/LSS/").content.decode(),
    )
    assert cells.group(1).count("—") == 2


def test_per_share_figures_and_share_counts_keep_their_own_units(client, stored):
    body = client.get("/companies/BHP/").content.decode()
    assert re.search(
        r"Figures in <strong data-units>USD \w+</strong>, share counts in millions", body
    )
    eps = _column(api(client, "BHP", "income", "annual"), "DilutedEPS")[0]
    row = re.search(r'<tr data-key="DilutedEPS"[^>]*>(.*?)</tr>', body).group(1)
    assert f"{eps:.4f}".rstrip("0") in row and "(per share)" in row
    shares = _column(api(client, "BHP", "income", "annual"), "BasicAverageShares")[0]
    row = re.search(r'<tr data-key="BasicAverageShares"[^>]*>(.*?)</tr>', body).group(1)
    assert f"{shares / 10**6:,.0f}" in row and "(shares, millions)" in row


@pytest.mark.parametrize(
    ("ticker", "statement", "period"),
    [("BHP", "income", "annual"), ("BHP", "balance", "quarterly"), ("ANN", "cashflow", "annual")],
)
def test_csv_opens_with_csv_and_pandas_and_round_trips_every_figure(
    client, stored, ticker, statement, period
):
    response = client.get(f"/companies/{ticker}/{statement}.csv?period={period}")
    currency = "USD" if ticker == "BHP" else "AUD"
    assert f'"{ticker}-{statement}-{period}-{currency}.csv"' in response["Content-Disposition"]
    text = response.content.decode()
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    expected = {
        p.end.isoformat(): p.values
        for p in stored[ticker].periods
        if p.statement == statement and p.period_type == period
    }
    assert header[:2] == ["key", "label"] and header[2:] == sorted(expected, reverse=True)
    assert {row[0] for row in body} == yahoo_keys(stored[ticker], statement, period)
    frame = pd.read_csv(io.StringIO(text)).set_index("key")
    for key, _label, *cells in body:
        for end, cell in zip(header[2:], cells, strict=True):
            value = expected[end].get(key)
            if value is None:
                assert cell == "" and pd.isna(frame.loc[key, end])
            else:
                assert float(cell) == float(value) and str(value) == cell, (key, end)
                assert frame.loc[key, end] == float(value)


def test_annual_only_company_has_no_half_year_columns(client, stored):
    response = client.get("/companies/ANN/income/?period=quarterly")
    assert response.status_code == 200
    assert "No quarterly / half-yearly income statement figures are stored" in (
        response.content.decode()
    )
    assert page_keys(client.get("/companies/ANN/income/"))  # the annual tab has rows


def test_ttm_balance_sheet_explains_and_links_to_the_half_year(client, stored):
    body = client.get("/companies/BHP/balance/?period=ttm").content.decode()
    assert "data-point-in-time" in body
    assert "/companies/BHP/balance/?period=quarterly" in body


def test_charts_of_fewer_than_two_periods_are_not_drawn(client, stored):
    ttm = client.get("/companies/BHP/income/?period=ttm").content.decode()
    assert 'id="chart-income"' not in ttm
    assert 'class="chart-item"' not in ttm  # no line-item chart of one point either
    annual = client.get("/companies/BHP/income/").content.decode()
    assert 'id="chart-income"' in annual and 'class="chart-item"' in annual


def test_sample_then_real_company_shows_only_real_periods(client, moto_table, fetched):
    factories.load_directory(("BHP", "BHP GROUP LIMITED"))
    sample_years = factories.year_ends(6, last=datetime.date(2021, 6, 30))  # none of Yahoo's
    factories.store(
        "BHP",
        factories.fundamentals(revenues={end: 10**10 for end in sample_years}),
        source="sample",
    )
    assert "data-sample" in client.get("/companies/BHP/").content.decode()
    factories.store("BHP", fetched["BHP"])
    cache.clear()  # pages keep a company's figures for COMPANY_CACHE_SECONDS
    for statement, period in TABS:
        payload = api(client, "BHP", statement, period)
        real = {
            p.end.isoformat()
            for p in fetched["BHP"].periods
            if p.statement == statement and p.period_type == period
        }
        assert {p["end"] for p in payload["periods"]} == real, (statement, period)
        assert {p["source"] for p in payload["periods"]} <= {"yahoo"}
        body = client.get(f"/companies/BHP/{statement}/?period={period}").content.decode()
        assert "data-sample" not in body


def test_profile_without_statements_is_shown_and_says_so(client, moto_table, yahoo):
    factories.load_directory(("NOS", "NOSTATEMENT CAPITAL LIMITED"))
    outcome = refresh.company_refresh(ticker="NOS", client=yahoo)
    assert outcome.outcome == "no statements"
    response = client.get("/companies/NOS/")
    assert response.status_code == 200
    body = response.content.decode()
    profile = yahoo_profile("NOS.AX")
    for field in ("sector", "industry", "longBusinessSummary", "website"):
        assert escape(profile[field]) in body, field
    assert "data-no-statements" in body and "no financial statements" in body
    assert "Statements not fetched yet" not in body


def yahoo_profile(symbol: str) -> dict:
    return fixture_companies()[symbol].profile
