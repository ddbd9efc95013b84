"""A reader runs a screen, sorts its results, mends a mistake and sends companies to the compare
page, in a real browser, with the keyboard where a reader would use it; and axe-core finds no
accessibility violations on the screener's pages."""

import datetime
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from companies import models, services
from companies.market import services as market_services
from companies.screening import selectors as screening_selectors
from tests.browser.test_accessibility import AXE, AXE_URL, DUPLICATE_IDS, RUN_AXE, report
from tests.directories import full_directory
from tests.fakes import fx_series, generated_company
from tests.integration.test_screener_on_dynamodb_local import (
    NOW,
    StoredExchangeRates,
    fundamentals_of,
    history_of,
    price_record,
)

pytestmark = [pytest.mark.browser, pytest.mark.integration]

SCREEN = "revenue > 0 and pe > 0"


@pytest.fixture(scope="module")
def market(dynamodb_local_url):
    """The 2,109-company directory; statements and a price for one company in twelve."""
    models.bind_table(table_name="asxdb-screener-browser", host=dynamodb_local_url)
    if models.Company.exists():
        models.Company.delete_table()
    services.table_create(wait=True)
    directory = full_directory()
    services.directory_load(directory=directory)
    market_services.prices_store(
        pk=market_services.exchange_rate_pk("AUDUSD=X"),
        history=history_of(fx_series("AUDUSD=X"), "AUDUSD=X"),
        fetched_at=NOW,
    )
    tickers = sorted(row.ticker for row in directory.rows)[::12]

    def fill(ticker):
        services.company_fundamentals_store(
            ticker=ticker,
            fundamentals=fundamentals_of(generated_company(f"{ticker}.AX")),
            fetched_at=NOW,
            next_attempt=NOW + datetime.timedelta(days=1),
        )
        price_record(ticker, StoredExchangeRates())

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(fill, tickers))
    screening_selectors.forget_snapshots()
    yield tickers
    screening_selectors.forget_snapshots()
    models.Company.delete_table()


@pytest.fixture(autouse=True)
def _bound(market, dynamodb_local_url):
    """Other modules' tables come and go: this module's stays bound for its tests."""
    models.bind_table(table_name="asxdb-screener-browser", host=dynamodb_local_url)
    screening_selectors.forget_snapshots()


def times(text: str) -> float:
    """ "12.34×" or "−1.20×" as a number."""
    return float(text.replace("×", "").replace(",", "").replace("−", "-"))


def column(page, title: str) -> list[str]:
    heads = page.locator("table.screen-table thead th").all_inner_texts()
    index = next(n for n, head in enumerate(heads) if head.strip().startswith(title))
    return page.locator(f"table.screen-table tbody tr td:nth-child({index + 1})").all_inner_texts()


def test_run_a_screen_then_sort_its_results_both_ways(live_url, page, market):
    page.goto(f"{live_url}/screener/")
    box = page.get_by_label("Screen", exact=True)
    box.fill(SCREEN)
    box.press("Enter")  # the box submits with the keyboard
    heading = page.locator("#results-heading").inner_text()
    count = int(re.match(r"(\d+) compan", heading).group(1))
    assert 0 < count < len(market) + 1
    assert page.get_by_label("Screen", exact=True).input_value() == SCREEN
    caps = [c for c in column(page, "Market cap") if c != "—"]
    assert caps, "market cap is always a column"

    page.locator("table.screen-table thead a", has_text="P/E").click()
    assert "sort=pe" in page.url and "order=desc" in page.url  # numbers: biggest first
    pes = [times(text) for text in column(page, "P/E")]
    assert pes == sorted(pes, reverse=True) and len(pes) == min(count, 25)
    assert page.locator("th.sorted").get_attribute("aria-sort") == "descending"

    page.locator("table.screen-table thead a", has_text="P/E").click()
    assert "order=asc" in page.url
    ascending = [times(text) for text in column(page, "P/E")]
    assert ascending == sorted(ascending) and ascending[0] <= pes[-1]
    assert page.locator("th.sorted").get_attribute("aria-sort") == "ascending"

    if count > 25:
        page.get_by_role("link", name="Next →").click()
        more = [times(text) for text in column(page, "P/E")]
        assert more[0] >= ascending[-1] and more == sorted(more)


def test_a_mistake_is_shown_under_the_box_and_can_be_mended(live_url, page, market):
    page.goto(f"{live_url}/screener/")
    box = page.get_by_label("Screen", exact=True)
    box.fill("market_cap > 1b and pe > abc")
    page.get_by_role("button", name="Run screen").click()
    alert = page.get_by_role("alert")
    assert "at 26: expected a number after '>'" in alert.inner_text()
    box = page.get_by_label("Screen", exact=True)
    assert box.input_value() == "market_cap > 1b and pe > abc"  # kept, to mend
    assert box.get_attribute("aria-invalid") == "true"
    box.fill("market_cap > 1b and pe > 5")
    box.press("Enter")
    assert page.get_by_role("alert").count() == 0
    assert "compan" in page.locator("#results-heading").inner_text()


def test_ticked_companies_go_to_the_compare_page(live_url, page, market):
    page.goto(f"{live_url}/screener/?q=revenue+%3E+0&sort=ticker")
    rows = page.locator("table.screen-table tbody tr")
    first, second = (rows.nth(n).locator("td").first.inner_text() for n in (0, 1))
    page.get_by_label(re.compile(f"^Compare {first} ")).check()
    page.get_by_label(re.compile(f"^Compare {second} ")).check()
    page.get_by_role("button", name="Compare ticked companies").click()
    assert "/compare/" in page.url
    assert first in page.url and second in page.url


def test_a_ready_made_screen_is_one_click_away(live_url, page, market):
    page.goto(f"{live_url}/screener/")
    page.get_by_role("link", name="Listed since 2020").click()
    assert page.get_by_label("Screen", exact=True).input_value() == "listing_date >= 2020-01-01"
    listed = column(page, "Listed on")
    assert listed and all(int(text[-4:]) >= 2020 for text in listed)


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize(
    "path",
    [
        "/screener/",
        f"/screener/?q={SCREEN.replace(' ', '+').replace('>', '%3E')}",
        "/screener/?q=pe+%3E+abc",
    ],
)
def test_screener_pages_have_no_axe_violations(live_url, browser, market, path, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.route(
        f"{live_url}{AXE_URL}",
        lambda route: route.fulfill(path=AXE, content_type="text/javascript"),
    )
    page = context.new_page()
    try:
        page.goto(f"{live_url}{path}")
        page.add_script_tag(url=f"{live_url}{AXE_URL}")
        violations = page.evaluate(RUN_AXE)
        duplicate_ids = page.evaluate(DUPLICATE_IDS)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    finally:
        context.close()
    assert not violations, f"axe on {path} at {width} px:\n{report(violations)}"
    assert not duplicate_ids, f"{path} repeats ids: {duplicate_ids}"
    assert overflow <= 0, f"{path} scrolls sideways at {width} px"
