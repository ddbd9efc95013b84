"""A reader sorts and pages through the directory in a real browser."""

import re

import pytest

from companies import services
from tests import listings
from tests.browser.test_accessibility import AXE, AXE_URL, DUPLICATE_IDS, RUN_AXE, report
from tests.directories import full_directory

pytestmark = [pytest.mark.browser, pytest.mark.integration]


@pytest.fixture
def directory(local_table):
    directory = full_directory()
    services.directory_load(directory=directory)
    return directory


def first_ticker(page) -> str:
    return page.locator("table.companies tbody tr td a").first.inner_text()


def tickers_on_page(page) -> list[str]:
    return page.locator("table.companies tbody tr td:first-child a").all_inner_texts()


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


def expected_rows(directory, **filters) -> list[str]:
    return listings.expected_listing(listings.expected_companies(directory), **filters)


def test_filter_by_groups_and_market_cap_then_page_both_ways(live_url, page, directory):
    expected = expected_rows(
        directory,
        sort="market_cap",
        order="desc",
        industry_group=("Energy", "Materials"),
        market_cap_min=100_000_000,
    )
    page.goto(f"{live_url}/companies/?sort=market_cap&order=desc")
    # keyboard only: open the group list, tick two groups, type the bound, submit
    page.locator(".filter-groups summary").focus()
    page.keyboard.press("Enter")
    for group in ("Materials", "Energy"):
        box = page.get_by_role("checkbox", name=re.compile(rf"^{group} \(\d+\)$"))
        box.focus()
        page.keyboard.press("Space")
        assert box.is_checked()
    page.get_by_label("From").focus()
    page.keyboard.type("100m")
    page.keyboard.press("Enter")  # submits the form
    page.wait_for_url(re.compile(r"market_cap_min="))

    assert "industry_group=Materials" in page.url and "industry_group=Energy" in page.url
    assert "market_cap_min=100m" in page.url and "sort=market_cap" in page.url
    lede = page.locator("p.lede").inner_text()
    assert lede.startswith(f"{len(expected)} companies match: industry group Energy or Materials")
    assert page.locator(".filter-groups details").get_attribute("open") is not None
    assert page.get_by_label("From").input_value() == "100m"
    assert tickers_on_page(page) == expected[:25]

    page.get_by_role("link", name="Next →").click()
    assert tickers_on_page(page) == expected[25:50]
    page.get_by_role("link", name="← Previous").click()
    assert tickers_on_page(page) == expected[:25]

    # sorting by another column keeps the filters
    page.get_by_role("link", name="Company").click()
    by_name = expected_rows(
        directory, sort="name", industry_group=("Energy", "Materials"), market_cap_min=10**8
    )
    assert tickers_on_page(page) == by_name[:25]
    page.get_by_role("link", name="Clear filters").click()
    assert "industry_group" not in page.url
    assert page.locator("p.lede").inner_text().startswith(f"{len(directory.rows)} companies")


def test_delisted_companies_are_one_choice_away(live_url, page, local_table):
    directory = full_directory()
    gone = {row.ticker for row in directory.rows[::50]}
    listings.load_with_delisted(directory, delisted=gone)
    page.goto(f"{live_url}/companies/")
    page.get_by_label("Companies", exact=True).select_option("delisted")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"status=delisted"))
    assert tickers_on_page(page) == sorted(gone)[:25]
    assert page.locator("table.companies tbody .badge").count() == 25


def test_compare_selected_sends_the_ticked_tickers(live_url, page, directory):
    page.goto(f"{live_url}/companies/?industry_group=Banks")
    first, second = tickers_on_page(page)[:2]
    page.get_by_role("checkbox", name=re.compile(rf"^Compare {first} ")).check()
    page.get_by_role("checkbox", name=re.compile(rf"^Compare {second} ")).check()
    with page.expect_request(re.compile(r"/compare/\?")) as submitted:
        page.get_by_role("button", name="Compare selected").click()
    # a plain GET form: one `tickers` per ticked row (the compare page may then tidy the URL)
    assert submitted.value.url.endswith(f"/compare/?tickers={first}&tickers={second}")


@pytest.mark.parametrize("width", [375, 1280])
def test_filtered_listing_has_no_axe_violations(live_url, browser, directory, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.route(
        f"{live_url}{AXE_URL}",
        lambda route: route.fulfill(path=AXE, content_type="text/javascript"),
    )
    page = context.new_page()
    try:
        page.goto(
            f"{live_url}/companies/?industry_group=Materials&industry_group=none"
            "&market_cap_min=50m&status=all&sort=market_cap&order=desc"
        )
        page.add_script_tag(url=f"{live_url}{AXE_URL}")
        violations = page.evaluate(RUN_AXE)
        duplicate_ids = page.evaluate(DUPLICATE_IDS)
        scroll = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    finally:
        context.close()
    assert not violations, report(violations)
    assert not duplicate_ids
    assert scroll <= 0  # no sideways scroll, on a phone too
