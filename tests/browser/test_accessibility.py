"""axe-core (vendored through npm, node_modules/axe-core) finds no accessibility violations on the
site's pages, on a phone and on a desktop, with the page's own Content-Security-Policy in force."""

from pathlib import Path

import pytest

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.integration]

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# The CSP allows only same-origin script files (add_script_tag(path=...) inlines the file and is
# blocked), so axe is served from a same-origin URL that the browser context answers itself.
AXE_URL = "/__axe__/axe.min.js"
YEARS = factories.year_ends(5)
HALVES = factories.half_year_ends(10)

PAGES = [
    "/",
    "/companies/",
    "/companies/?sort=market_cap&order=desc",
    "/companies/BHP/",
    "/companies/CBA/",
    "/companies/CBA/?range=max&close=adjusted",
    *(
        f"/companies/BHP/{statement}/?period={period}"
        for statement in ("income", "balance", "cashflow")
        for period in ("annual", "quarterly", "ttm")
    ),
    "/search/?q=bhp",
    "/search/?q=bh",
    "/search/?q=zzzz",
    "/companies/ZZZZ/",
    "/api/",
]
WIDTHS = [375, 1280]

RUN_AXE = """async () => {
    const results = await axe.run(document, {resultTypes: ["violations"]});
    return results.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        targets: v.nodes.map(node => node.target.join(" ")),
    }));
}"""
# axe 4.7+ retired its duplicate-id rule (WCAG 2.2 dropped 4.1.1) and only flags a repeated
# label id as "needs review"; a repeated id still breaks label[for] and #fragment links.
DUPLICATE_IDS = """() => {
    const ids = [...document.querySelectorAll("[id]")].map(element => element.id);
    return [...new Set(ids.filter((id, n) => ids.indexOf(id) !== n))];
}"""


@pytest.fixture
def site(local_table):
    factories.load_directory(
        ("BHP", "BHP GROUP LIMITED"), ("CBA", "COMMONWEALTH BANK OF AUSTRALIA")
    )
    factories.store(
        "BHP",
        factories.fundamentals(
            revenues={end: 50_000_000_000 + n * 1_700_000_000 for n, end in enumerate(YEARS)},
            half_year_revenues={end: 25_000_000_000 + n * 10**8 for n, end in enumerate(HALVES)},
            currency="USD",
        ),
    )
    factories.store("CBA", factories.fundamentals(revenues={YEARS[0]: 10**10}, currency="AUD"))
    factories.store_prices("CBA")  # a quote, valuation cards, a price chart and dividends


def report(violations) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["targets"])
        for v in violations
    )


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_axe_violations(live_url, browser, site, path, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.route(
        f"{live_url}{AXE_URL}",
        lambda route: route.fulfill(path=AXE, content_type="text/javascript"),
    )
    missing = []  # files the page asked for and did not get (the 404 page itself is expected)
    context.on(
        "response",
        lambda response: (
            missing.append(response.url)
            if response.status >= 400 and response.request.resource_type != "document"
            else None
        ),
    )
    page = context.new_page()
    try:
        page.goto(f"{live_url}{path}")
        if page.locator("canvas").count():
            # check the page as drawn by company.js, not the bare markup
            page.locator("html.charts-ready").wait_for(state="attached")
        page.add_script_tag(url=f"{live_url}{AXE_URL}")
        violations = page.evaluate(RUN_AXE)
        duplicate_ids = page.evaluate(DUPLICATE_IDS)
    finally:
        context.close()
    assert not violations, f"axe on {path} at {width} px:\n{report(violations)}"
    assert not duplicate_ids, f"{path} repeats ids: {duplicate_ids}"
    assert not missing, f"{path} asked for missing files: {missing}"
