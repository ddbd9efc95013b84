"""A company page's weight as a reader's browser gets it, with BHP as the jobs leave it (its
statements and a price refresh from the fake Yahoo, through yfinance's real code): every tab at
most 10 KB gzipped, readable before any script runs (the statement table and key figures are
in the HTML, every script deferred), and Chart.js only on pages that draw a chart."""

import datetime
import gzip
import re
from html import unescape

import pytest
from yfinance.data import YfData

from companies import refresh as statements_refresh
from companies.market import refresh
from scraping.yahoo import YahooClient
from tests import factories
from tests.fakes import FakeYahoo

BUDGET = 10 * 1024  # bytes of HTML, gzipped at level 6 as the compression middleware does
CHART_JS = "/static/vendor/chartjs/chart.umd.min.js"
COMPANY_JS = "/static/js/company.js"
TABS = [
    f"/companies/BHP/{statement}/?period={period}{lines}"
    for statement in ("income", "balance", "cashflow")
    for period in ("annual", "quarterly", "ttm")
    for lines in ("", "&lines=all")
]
PAGES = ["/companies/BHP/", *TABS, "/companies/BHP/?range=5y", "/companies/BHP/?range=max"]


@pytest.fixture(scope="module")
def yahoo(tmp_path_factory):
    with FakeYahoo() as fake:
        YfData.cache_get.cache_clear()
        client = YahooClient(
            base_url=fake.base_url,
            requests_per_second=500,
            timeout=3,
            cache_dir=tmp_path_factory.mktemp("yf"),
            pause_on_429=0.05,
            max_pause_on_429=0.2,
        )
        yield client
        client.close()


@pytest.fixture
def bhp(moto_table, yahoo):
    """BHP's statements (USD, years and half-years), then its prices, dividends and valuation;
    a listed company never fetched; one with a single year and no prices."""
    factories.load_directory(
        ("BHP", "BHP GROUP LIMITED"), ("NEW", "NEW LISTING LIMITED"), ("ONE", "ONE YEAR LIMITED")
    )
    statements_refresh.company_refresh(ticker="BHP", client=yahoo)
    refresh.prices_refresh(tickers=["BHP"], limit=1, concurrency=1, budget_seconds=60, client=yahoo)
    one_year = factories.fundamentals(revenues={datetime.date(2026, 6, 30): 80_000_000})
    factories.store("ONE", one_year)


def gzipped(body: bytes) -> int:
    return len(gzip.compress(body, compresslevel=6))


def scripts(body: str) -> list[str]:
    return re.findall(r"<script\b[^>]*>", body)


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_every_tab_is_at_most_10_kb_gzipped(client, bhp):
    sizes = {}
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b'id="price-data"' in response.content and b'class="statement' in response.content
        sizes[url] = gzipped(response.content)
    assert max(sizes.values()) <= BUDGET, {url: n for url, n in sizes.items() if n > BUDGET}


def test_the_largest_tab_is_real_sized(client, bhp):
    """The budget is met by the page, not by a page that lost its figures: the largest tab
    still has every line Yahoo gave, the five half-years it gave, a year of daily closes and
    the charts."""
    body = client.get("/companies/BHP/balance/?period=quarterly&lines=all").content.decode()
    rows = re.findall(r'<tr data-key="([^"]+)"', body)
    assert len(rows) >= 40
    assert len(re.findall(r'<th scope="col" class="num"><time datetime=', body)) >= 5
    prices = re.search(r'<script id="price-data" type="application/json">(.*?)</script>', body)
    assert prices and prices.group(1).count("-") >= 2 * 240  # a trading year of dates


def test_readable_before_any_script(client, bhp):
    body = client.get("/companies/BHP/").content.decode()
    for tag in scripts(body):  # nothing blocks the first paint, nothing runs inline
        assert 'type="application/json"' in tag or (" src=" in tag and " defer" in tag), tag
    table = re.search(
        r'<table class="statement-table">\s*<caption class="visually-hidden">.*?</table>',
        body,
        re.S,
    )
    assert table, "the statement table is in the HTML"
    cells = re.findall(r'<td class="num">([^<]*)</td>', table.group(0))
    assert len(cells) >= 40 and any(re.fullmatch(r"[\d,.()]+", cell) for cell in cells)
    assert "hidden" not in re.search(
        r'<div class="table-scroll statement-scroll"[^>]*>', body
    ).group(0)
    key_figures = re.search(r'<section class="key-figures".*?</section>', body, re.S).group(0)
    text = visible_text(key_figures)
    assert "Key figures" in text and re.search(r"\d+\.\d%", text), text[:200]
    price = visible_text(
        re.search(r'<section class="price-chart".*?</section>', body, re.S).group(0)
    )
    assert re.search(r"from A\$[\d.]+ to A\$[\d.]+; high A\$[\d.]+, low A\$[\d.]+", price), price


def test_chart_js_is_deferred_on_pages_that_draw_charts(client, bhp):
    for url in ("/companies/BHP/", "/companies/BHP/balance/?period=ttm"):
        tags = [tag for tag in scripts(client.get(url).content.decode()) if CHART_JS in tag]
        assert len(tags) == 1 and " defer" in tags[0], (url, tags)


def test_pages_without_charts_do_not_load_chart_js(client, bhp):
    never_fetched = client.get("/companies/NEW/").content.decode()
    assert "not fetched yet" in never_fetched
    one_year = client.get("/companies/ONE/").content.decode()
    assert '<tr data-key="TotalRevenue"' in one_year  # a table, but one period: nothing to chart
    assert 'id="chart-income"' not in one_year and 'class="chart-item"' not in one_year
    assert COMPANY_JS in one_year  # the table's scroll cue still works
    bad_period = client.get("/companies/BHP/?period=weekly")
    assert bad_period.status_code == 400
    for body in (never_fetched, one_year, bad_period.content.decode()):
        assert CHART_JS not in body
    for url in ("/", "/companies/", "/search/?q=bhp"):
        assert CHART_JS not in client.get(url).content.decode(), url
