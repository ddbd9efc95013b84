"""Search as you type in a real browser: suggestions under the header's box, chosen with the
keyboard (the ARIA combobox pattern), and the plain form without a choice."""

import pytest

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.integration]


@pytest.fixture
def directory(local_table):
    factories.load_directory(
        ("BHD", "BENJAMIN HORNIGOLD LIMITED"),
        ("CBA", "COMMONWEALTH BANK OF AUSTRALIA"),
        ("NAB", "NATIONAL AUSTRALIA BANK LIMITED"),
        ("BHP", "BHP GROUP LIMITED"),
    )


def test_type_pick_with_the_keyboard_and_escape(live_url, page, directory):
    page.goto(f"{live_url}/companies/")
    box = page.get_by_role("combobox", name="Ticker or name")
    box.fill("bank")
    options = page.get_by_role("option")
    options.first.wait_for()
    # the larger market cap first (load_directory gives later rows a larger one)
    assert [o.inner_text() for o in options.all()][:2] == [
        "NAB NATIONAL AUSTRALIA BANK LIMITED",
        "CBA COMMONWEALTH BANK OF AUSTRALIA",
    ]
    assert box.get_attribute("aria-expanded") == "true"
    box.press("ArrowDown")
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == "ticker-box-option-1"
    assert options.nth(1).get_attribute("aria-selected") == "true"
    box.press("Escape")
    assert page.get_by_role("listbox").is_hidden()
    assert box.get_attribute("aria-expanded") == "false"

    box.fill("bh")
    options.first.wait_for()
    assert options.first.inner_text().startswith("BHP")
    box.press("ArrowDown")
    with page.expect_navigation():
        box.press("Enter")
    assert page.url.endswith("/companies/BHP/")


def test_enter_without_a_choice_submits_the_search(live_url, page, directory):
    page.goto(f"{live_url}/")
    box = page.get_by_role("combobox", name="Ticker or name")
    box.fill("australia")
    with page.expect_navigation():
        box.press("Enter")
    assert "/search/?q=australia" in page.url
    assert page.locator("table.search-results tbody tr").count() == 2
