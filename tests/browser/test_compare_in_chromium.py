"""A reader compares companies in a real browser: three companies fetched from the fake Yahoo
and stored on DynamoDB Local, the five charts drawn, the best marks, the switch to A$, a
company removed with its button and another added through the search box's suggestions, down
to the page that asks for a second company; axe-core on each kind of compare page (screenshots
in test-artifacts/)."""

import itertools
from pathlib import Path

import pytest

from companies import models, services
from tests.comparing import market_load
from tests.fakes import fake_yahoo_client

pytestmark = [pytest.mark.browser, pytest.mark.integration]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_URL = "/__axe__/axe.min.js"
CHARTS = ("revenue", "net_income", "free_cash_flow", "net_margin", "debt_to_equity")
TICKERS = ("BHP", "RIO", "FMG", "CBA")
_tables = itertools.count()

INKED_PIXELS = """canvas => {
    const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let inked = 0;
    for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) inked++; }
    return inked;
}"""
RUN_AXE = """async () => {
    const results = await axe.run(document, {resultTypes: ["violations"]});
    return results.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        targets: v.nodes.map(node => node.target.join(" ")),
    }));
}"""
DUPLICATE_IDS = """() => {
    const ids = [...document.querySelectorAll("[id]")].map(element => element.id);
    return [...new Set(ids.filter((id, n) => ids.indexOf(id) !== n))];
}"""


@pytest.fixture(scope="module")
def market(dynamodb_local_url, tmp_path_factory):
    """The 2,109-company directory, and BHP (USD), RIO, FMG and CBA with statements, prices
    and the AUDUSD=X rate, as the refreshes store them from the fake Yahoo (once: the tests
    only read)."""
    models.bind_table(table_name=f"asxdb-compare-{next(_tables)}", host=dynamodb_local_url)
    services.table_create(wait=True)
    with fake_yahoo_client(tmp_path_factory.mktemp("yf"), any_symbol=True) as (_, client):
        market_load(client, tickers=TICKERS)
    yield
    models.Company.delete_table()


@pytest.fixture
def csp_errors(page):
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
    page.locator("html.compare-charts-ready").wait_for(state="attached")


def test_compare_three_companies_and_see_the_charts_drawn(live_url, page, market, csp_errors):
    page.goto(f"{live_url}/compare/?tickers=bhp,rio&tickers=FMG")
    assert page.url.endswith("/compare/?tickers=BHP,RIO,FMG")  # the one canonical URL
    assert page.locator("h1").inner_text() == "Compare BHP, RIO and FMG"
    charts_ready(page)
    for chart in CHARTS:
        canvas = page.locator(f"#compare-chart-{chart}")
        assert canvas.evaluate(INKED_PIXELS) > 500, chart
    # three lines in each chart's legend, BHP's money labelled with its currency
    assert page.locator(".compare-table thead th.num").all_inner_texts() == [
        "BHP\nUSD",
        "RIO\nAUD",
        "FMG\nAUD",
    ]
    # the best figure of a row is marked in words, not only in colour
    margin = page.locator('tbody[data-section="annual"] tr[data-metric="net_margin"]')
    assert margin.locator("td.best").count() >= 1
    assert "★ best" in margin.locator("td.best").first.inner_text()
    revenue = page.locator('tbody[data-section="annual"] tr[data-metric="revenue"]')
    assert revenue.locator("td.best").count() == 0  # USD against AUD is not compared
    assert "currencies differ" in revenue.locator("th").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "compare-1280.png"), full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=str(ARTIFACTS / "compare-375.png"), full_page=True)
    assert csp_errors == []


def test_switch_to_aud_remove_and_add_with_the_search_box(live_url, page, market, csp_errors):
    page.goto(f"{live_url}/compare/?tickers=BHP,RIO,FMG")
    page.get_by_role("navigation", name="Currency").get_by_role("link", name="All in A$").click()
    assert page.url.endswith("/compare/?tickers=BHP,RIO,FMG&currency=AUD")
    bhp_year = page.locator('tbody[data-section="annual"] tr[data-period] td').first
    assert "in A$ at AUDUSD=X" in bhp_year.inner_text()
    revenue = page.locator('tbody[data-section="annual"] tr[data-metric="revenue"] td')
    assert revenue.first.inner_text().startswith("A$")
    charts_ready(page)

    with page.expect_navigation():
        page.get_by_role("button", name="Remove FMG").click()
    assert page.url.endswith("/compare/?tickers=BHP,RIO&currency=AUD")
    assert page.locator(".compare-companies li").count() == 2

    box = page.get_by_role("combobox", name="Add a company")
    box.fill("fortescue")
    options = page.get_by_role("option")
    options.first.wait_for()
    assert options.first.inner_text().startswith("FMG")
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == "compare-add-option-0"
    with page.expect_navigation():
        box.press("Enter")
    assert page.url.endswith("/compare/?tickers=BHP,RIO,FMG&currency=AUD")

    for ticker in ("FMG", "RIO"):
        with page.expect_navigation():
            page.get_by_role("button", name=f"Remove {ticker}").click()
    assert page.url.endswith("/compare/?tickers=BHP&currency=AUD")
    assert page.locator("h1").inner_text() == "Compare BHP with another company"
    assert page.get_by_role("combobox", name="Add a company").is_visible()
    assert csp_errors == []


def test_without_javascript_the_tables_say_everything(live_url, browser, market):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{live_url}/compare/?tickers=BHP,CBA")
        page.locator("details.chart-data summary").click()
        table = page.locator('table[data-series="revenue"]')
        assert table.is_visible()
        assert table.locator("thead th").all_inner_texts() == ["Year end", "BHP (USD)", "CBA (AUD)"]
        assert table.locator("tbody tr").count() >= 4
        # the add box is a plain form: a name is a search, and a choice adds the company
        page.get_by_role("searchbox", name="Add a company").fill("fortescue")
        page.get_by_role("button", name="Add", exact=True).click()
        page.get_by_role("link", name="Add FMG FORTESCUE METALS GROUP LTD").click()
        assert page.url.endswith("/compare/?tickers=BHP,CBA,FMG")
    finally:
        context.close()


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize(
    "path",
    [
        "/compare/",
        "/compare/?tickers=BHP",
        "/compare/?tickers=BHP,RIO,FMG",
        "/compare/?tickers=BHP,RIO,FMG,CBA&currency=AUD",
        "/compare/?tickers=BHP,ZZZZ",
        "/compare/?tickers=BHP,RIO&add=bank",
    ],
)
def test_compare_pages_have_no_axe_violations(live_url, browser, market, path, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.route(
        f"{live_url}{AXE_URL}",
        lambda route: route.fulfill(path=AXE, content_type="text/javascript"),
    )
    page = context.new_page()
    try:
        page.goto(f"{live_url}{path}")
        if page.locator("canvas").count():
            charts_ready(page)
        page.add_script_tag(url=f"{live_url}{AXE_URL}")
        violations = page.evaluate(RUN_AXE)
        duplicate_ids = page.evaluate(DUPLICATE_IDS)
    finally:
        context.close()
    assert not violations, f"axe on {path} at {width} px:\n" + "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["targets"])
        for v in violations
    )
    assert not duplicate_ids, f"{path} repeats ids: {duplicate_ids}"


def test_on_a_phone_only_the_table_scrolls_sideways(live_url, browser, market):
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    try:
        page.goto(f"{live_url}/compare/?tickers=BHP,RIO,FMG,CBA")
        charts_ready(page)
        widths = page.evaluate(
            """() => [document.documentElement.scrollWidth,
                      document.querySelector(".compare .table-scroll").scrollWidth]"""
        )
    finally:
        context.close()
    assert widths[0] <= 375, "the page itself scrolls sideways"
    assert widths[1] > 375  # four companies' figures: the table scrolls inside its box
