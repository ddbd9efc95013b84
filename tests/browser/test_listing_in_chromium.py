"""A reader sorts and pages through the directory in a real browser."""

import pytest

from companies import services
from tests.directories import full_directory

pytestmark = [pytest.mark.browser, pytest.mark.integration]


@pytest.fixture
def directory(local_table):
    directory = full_directory()
    services.directory_load(directory=directory)
    return directory


def first_ticker(page) -> str:
    return page.locator("table.companies tbody tr td a").first.inner_text()


def test_sort_by_market_cap_page_forward_twice_and_back_once(live_url, page, directory):
    by_cap = sorted(
        (row for row in directory.rows if row.market_cap is not None),
        key=lambda row: (row.market_cap, row.ticker),
        reverse=True,
    )
    page.goto(f"{live_url}/companies/")
    page.get_by_role("link", name="Market cap").click()
    assert "sort=market_cap" in page.url and "order=desc" in page.url
    assert first_ticker(page) == by_cap[0].ticker

    page.get_by_role("link", name="Next →").click()
    assert first_ticker(page) == by_cap[25].ticker
    page.get_by_role("link", name="Next →").click()
    assert first_ticker(page) == by_cap[50].ticker
    third_page_url = page.url

    page.get_by_role("link", name="← Previous").click()
    assert first_ticker(page) == by_cap[25].ticker
    assert page.locator("table.companies tbody tr").count() == 25

    # the copied URL of the third page opens the same page in a fresh tab
    other = page.context.new_page()
    other.goto(third_page_url)
    assert first_ticker(other) == by_cap[50].ticker


def test_ticker_box_opens_the_company(live_url, page, directory):
    ticker = directory.rows[10].ticker
    page.goto(f"{live_url}/")
    page.get_by_label("Ticker or name").fill(ticker.lower())
    page.get_by_role("button", name="Go").click()
    assert page.url.endswith(f"/companies/{ticker}/")
    assert directory.rows[10].name in page.locator("h1").inner_text()


def test_phone_sorted_by_market_cap_shows_the_market_cap_beside_the_name(
    live_url, browser, directory
):
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    try:
        page.goto(f"{live_url}/companies/?sort=market_cap&order=desc")
        first_row = page.locator("table.companies tbody tr").first
        ticker, name, cap = (
            first_row.locator(f"td:nth-child({n})").bounding_box() for n in (1, 2, 5)
        )
        width = page.evaluate("() => document.documentElement.clientWidth")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    finally:
        context.close()
    assert cap["x"] >= 0 and cap["x"] + cap["width"] <= width  # on screen, no sideways scroll
    assert ticker["y"] == name["y"] == cap["y"]  # one line: ticker, name, market cap
    assert ticker["x"] < name["x"] < cap["x"]
