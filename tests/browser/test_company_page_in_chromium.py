"""A reader opens a company in a real browser: tabs, periods, charts, a line item's history, the
CSV download, and the wide table on a phone and a desktop (screenshots in test-artifacts/)."""

import csv
import io
from pathlib import Path

import pytest

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.integration]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
YEARS = factories.year_ends(5)
HALVES = factories.half_year_ends(10)

INKED_PIXELS = """canvas => {
    const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let inked = 0;
    for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) inked++; }
    return inked;
}"""


@pytest.fixture
def bhp(local_table):
    factories.load_directory(("BHP", "BHP GROUP LIMITED"))
    factories.store(
        "BHP",
        factories.fundamentals(
            revenues={end: 50_000_000_000 + n * 1_700_000_000 for n, end in enumerate(YEARS)},
            half_year_revenues={end: 25_000_000_000 + n * 10**8 for n, end in enumerate(HALVES)},
            currency="USD",
        ),
    )


@pytest.fixture
def csp_errors(page):
    """Console errors a strict CSP would raise for an inline script or style."""
    errors = []
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    return errors


def charts_ready(page):
    # a locator, not wait_for_function: that one evals a string, which the page's CSP forbids
    page.locator("html.charts-ready").wait_for(state="attached")


def test_tabs_periods_charts_line_item_and_csv(live_url, page, bhp, csp_errors):
    page.goto(f"{live_url}/companies/BHP/")
    assert "BHP GROUP LIMITED" in page.locator("h1").inner_text()
    charts_ready(page)
    for chart in ("#chart-income", "#chart-cash", "#chart-balance"):
        assert page.locator(chart).evaluate(INKED_PIXELS) > 500, chart

    page.get_by_role("navigation", name="Statements").get_by_role(
        "link", name="Balance sheet"
    ).click()
    assert page.url.endswith("/companies/BHP/balance/?period=annual")
    assert (
        page.locator(".statement .statement-table tbody tr").first.get_attribute("data-key")
        == "CashAndCashEquivalents"
    )

    page.get_by_role("link", name="Quarterly / half-yearly").click()
    assert page.url.endswith("/companies/BHP/balance/?period=quarterly")
    assert "Half-years" in page.locator("#statement-title").inner_text()
    headers = page.locator(".statement .statement-table thead th.num time")
    assert headers.count() == 10
    assert headers.first.get_attribute("datetime") == "2026-06-30"

    page.get_by_role("navigation", name="Statements").get_by_role("link", name="Cash flow").click()
    assert page.url.endswith("/companies/BHP/cashflow/?period=quarterly")
    charts_ready(page)
    assert page.locator("#item-chart-figure").is_hidden()
    page.get_by_role("button", name="Free Cash Flow").click()
    assert page.locator("#item-chart-figure").is_visible()
    assert page.locator("#item-chart-title").inner_text() == "Free Cash Flow over time"
    assert page.get_by_role("button", name="Free Cash Flow").get_attribute("aria-pressed") == "true"
    assert page.locator("#chart-item").evaluate(INKED_PIXELS) > 500
    page.locator('.statement tr[data-key="OperatingCashFlow"] td').first.click()  # any cell
    assert page.locator("#item-chart-title").inner_text() == "Operating Cash Flow over time"

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    assert download.value.suggested_filename == "BHP-cashflow-quarterly-USD.csv"
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert rows[0] == ["key", "label", *(end.isoformat() for end in HALVES)]
    assert csp_errors == []


@pytest.mark.parametrize("width", [375, 1280])
def test_wide_table_scrolls_sideways_with_the_line_items_pinned(live_url, browser, bhp, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{live_url}/companies/BHP/income/?period=quarterly")
        charts_ready(page)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"company-page-{width}.png"), full_page=True)

        scroller = page.locator(".statement .table-scroll")
        scroller.scroll_into_view_if_needed()
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # the page fits
        box = scroller.bounding_box()
        label = page.locator(".statement .statement-table tbody tr").first.locator("th")
        assert box["x"] - 1 <= label.bounding_box()["x"] <= box["x"] + 1
        wide = scroller.evaluate("el => el.scrollWidth > el.clientWidth")
        if width == 375:
            assert wide, "ten half-years are wider than a phone: the table scrolls, the page not"
        if wide:
            scroller.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
            assert scroller.evaluate("el => el.scrollLeft") > 0
            # the line-item column stays put while the oldest period scrolls into view
            assert box["x"] - 1 <= label.bounding_box()["x"] <= box["x"] + 1
            last = page.locator(".statement .statement-table tbody tr").first.locator("td").last
            last_box = last.bounding_box()
            assert last_box["x"] + last_box["width"] <= box["x"] + box["width"] + 1
            assert last_box["x"] >= label.bounding_box()["x"] + label.bounding_box()["width"] - 1
        page.screenshot(path=str(ARTIFACTS / f"company-page-{width}-scrolled.png"))
    finally:
        context.close()


@pytest.fixture(scope="module")
def yahoo_bhp(tmp_path_factory):
    """BHP as the fake Yahoo serves it, fetched through yfinance's real code."""
    from tests.fakes import fake_yahoo_client

    with fake_yahoo_client(tmp_path_factory.mktemp("yf")) as (_, client):
        yield client.fetch_company("BHP")


@pytest.mark.parametrize("width", [375, 1280])
def test_real_data_company_page_reads_in_layout_order(
    live_url, browser, local_table, yahoo_bhp, width
):
    factories.load_directory(("BHP", "BHP GROUP LIMITED"))
    factories.store("BHP", yahoo_bhp)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{live_url}/companies/BHP/income/?period=quarterly")
        charts_ready(page)
        rows = page.locator(".statement .statement-table tbody tr")
        keys = [rows.nth(i).get_attribute("data-key") for i in range(rows.count())]
        assert keys[:2] == ["OperatingRevenue", "TotalRevenue"]
        assert "TaxEffectOfUnusualItems" not in keys
        # subtotals are bold, their parts indented
        total = page.locator('.statement tr[data-key="TotalRevenue"] th')
        part = page.locator('.statement tr[data-key="OperatingRevenue"] th')
        assert int(total.evaluate("el => getComputedStyle(el).fontWeight")) >= 600
        assert part.evaluate("el => parseFloat(getComputedStyle(el).paddingLeft)") > total.evaluate(
            "el => parseFloat(getComputedStyle(el).paddingLeft)"
        )
        scroller = page.locator(".statement .table-scroll")
        wide = scroller.evaluate("el => el.scrollWidth > el.clientWidth")
        assert page.locator("#scroll-cue").is_visible() == wide
        if width == 375:
            assert wide
            scroller.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
            page.wait_for_timeout(100)
            assert page.locator("#scroll-cue").is_hidden()  # nothing older is out of view
        ARTIFACTS.mkdir(exist_ok=True)
        page.goto(f"{live_url}/companies/BHP/")
        charts_ready(page)
        page.screenshot(path=str(ARTIFACTS / f"company-page-yahoo-bhp-{width}.png"), full_page=True)

        page.get_by_role("navigation", name="Lines").get_by_role("link", name="All lines").click()
        assert page.url.endswith("/companies/BHP/income/?period=annual&lines=all")
        assert page.locator('.statement tr[data-key="TaxEffectOfUnusualItems"]').count() == 1
    finally:
        context.close()


@pytest.fixture
def bhp_with_prices(local_table, tmp_path_factory):
    """BHP's statements and prices fetched from the fake Yahoo into DynamoDB Local."""
    from companies import refresh
    from companies.market import refresh as prices
    from tests.fakes import fake_yahoo_client

    factories.load_directory(("BHP", "BHP GROUP LIMITED"))
    with fake_yahoo_client(tmp_path_factory.mktemp("yf")) as (_, client):
        refresh.company_refresh(ticker="BHP", client=client)
        prices.prices_refresh(
            tickers=["BHP"], limit=1, concurrency=1, budget_seconds=60, client=client
        )


@pytest.mark.parametrize("width", [375, 1280])
def test_price_chart_ranges_and_valuation_inputs(live_url, browser, bhp_with_prices, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto(f"{live_url}/companies/BHP/")
        page.locator("html.price-chart-ready").wait_for(state="attached")
        assert page.locator("#chart-price").evaluate(INKED_PIXELS) > 500
        assert page.locator("[data-quote] .last-close").inner_text().startswith("A$")
        assert page.evaluate("document.documentElement.scrollWidth") <= width

        page.get_by_role("navigation", name="Price range").get_by_role("link", name="5Y").click()
        assert "range=5y" in page.url
        page.locator("html.price-chart-ready").wait_for(state="attached")
        assert "weekly" in page.locator("#price-chart-title").inner_text()
        assert page.locator("#chart-price").evaluate(INKED_PIXELS) > 500

        card = page.locator('[data-valuation="pe"]')
        card.locator("summary").click()
        how = card.locator("details").inner_text()
        assert "Last close" in how and "Diluted EPS" in how
        assert "AUDUSD=X" in card.locator("[data-fx]").inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"company-page-prices-{width}.png"), full_page=True)
        assert errors == []
    finally:
        context.close()
