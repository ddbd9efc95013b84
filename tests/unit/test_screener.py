"""The screener on moto: snapshots written by the directory load, the fundamentals refresh
(yfinance's real code against the fake Yahoo) and the prices refresh; then the page, the API
and the CSV, checked against a plain evaluation over the stored figures."""

import csv
import datetime
import io
import re
from html import unescape

import pytest
from django.core.management import call_command
from yfinance.data import YfData

from companies import models, ratios, selectors, services
from companies import refresh as statements_refresh
from companies.market import refresh as prices_refresh
from companies.models import COMPANY_RECORD, FX_PK_PREFIX, LISTED, Company, PriceSeries
from companies.screening import selectors as screening_selectors
from companies.screening.metrics import METRICS
from scraping.asx import Directory, DirectoryRow
from tests.directories import GROUPS
from tests.fakes import PRICES_THROUGH

# The fake Yahoo's companies: BHP and RMD report in USD, CBA is a bank, ANN's year ends in
# December, GAP lacks a gross profit one year, NOS has a profile but no statements, and APS is
# a symbol Yahoo no longer knows.
YAHOO = {
    "BHP": ("BHP GROUP LIMITED", "Materials", "1885-08-13", 214_000_000_000),
    "CBA": ("COMMONWEALTH BANK OF AUSTRALIA.", "Banks", "1991-09-12", 181_000_000_000),
    "RMD": ("RESMED INC", "Health Care Equipment & Services", "1999-11-25", 21_000_000_000),
    "ANN": ("ANSELL LIMITED", "Health Care Equipment & Services", "1988-05-10", 3_900_000_000),
    "GAP": ("GALE PACIFIC LIMITED", "Consumer Durables & Apparel", "2002-10-07", 60_000_000),
    "NOS": ("NOSTRA TERRA OIL AND GAS COMPANY", "Energy", "2013-11-13", 9_000_000),
    "APS": ("ALLEGRA ORTHOPAEDICS LIMITED", "Health Care Equipment & Services", None, None),
}
# Companies known from the directory alone, two with names that try to break the page or a
# spreadsheet.
HOSTILE = {
    "XSS": '<script>alert("x")</script> LIMITED',
    "CSV": '=HYPERLINK("http://example.com","click")',
}
PLAIN = [f"P{n:02d}" for n in range(30)]


def directory(*, without: tuple[str, ...] = (), renamed: dict | None = None) -> Directory:
    rows = []
    for ticker, (name, group, listed, cap) in YAHOO.items():
        rows.append((ticker, name, group, listed, cap))
    for ticker, name in HOSTILE.items():
        rows.append((ticker, name, "Software & Services", "2020-02-03", 50_000_000))
    for n, ticker in enumerate(PLAIN):
        cap = None if n % 10 == 3 else (n + 1) * 37_000_000
        rows.append((ticker, f"PLAIN {n:02d} LIMITED", GROUPS[n % len(GROUPS)], None, cap))
    renamed = renamed or {}
    return Directory(
        rows=[
            DirectoryRow(
                ticker=ticker,
                name=renamed.get(ticker, name),
                industry_group=group,
                listing_date=datetime.date.fromisoformat(listed) if listed else None,
                market_cap=cap,
                line=n + 2,
            )
            for n, (ticker, name, group, listed, cap) in enumerate(rows)
            if ticker not in without
        ],
        rejected=[],
        source="test",
    )


@pytest.fixture(autouse=True)
def _fresh_snapshots():
    screening_selectors.forget_snapshots()
    yield
    screening_selectors.forget_snapshots()


@pytest.fixture(scope="module")
def recorded_market(fake_yahoo, yahoo):
    """The directory, every fake Yahoo company's statements, then every price, as the three
    jobs run in production (each writing its part of the snapshots): run once on a moto table
    of its own, and recorded item by item for each test to start from."""
    from moto import mock_aws

    fake_yahoo.prices_through = PRICES_THROUGH
    YfData.cache_get.cache_clear()
    with mock_aws():
        models.bind_table(table_name="asxdb-unit-screener-recording", host=None)
        services.table_create(wait=False)
        services.directory_load(directory=directory(), allow_shrink=True)
        for ticker in YAHOO:
            statements_refresh.company_refresh(ticker=ticker, client=yahoo)
        prices_refresh.prices_refresh(
            tickers=list(YAHOO), limit=10, concurrency=2, budget_seconds=120, client=yahoo
        )
        connection = Company._get_connection().connection.client
        items, start = [], {}
        while True:
            page = connection.scan(TableName=Company.Meta.table_name, **start)
            items += page["Items"]
            if "LastEvaluatedKey" not in page:
                break
            start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}
    return items


@pytest.fixture
def market(moto_table, recorded_market, fake_yahoo):
    """A fresh table holding what the three jobs wrote (recorded_market)."""
    connection = Company._get_connection().connection.client
    for start in range(0, len(recorded_market), 25):
        batch = recorded_market[start : start + 25]
        connection.batch_write_item(
            RequestItems={moto_table: [{"PutRequest": {"Item": item}} for item in batch]}
        )
    screening_selectors.forget_snapshots()
    return fake_yahoo


# --- a plain evaluation over the stored figures ----------------------------------------------


def stored_rate(currency: str, day: datetime.date) -> float | None:
    """The stored rate of A$ in `currency` on `day`, or the latest in the week before."""
    try:
        item = PriceSeries.get(f"{FX_PK_PREFIX}AUD{currency}", f"PRICES#{day.year}")
    except PriceSeries.DoesNotExist:
        return None
    closes = {bar[0]: bar[4] for bar in item.bars if bar[4]}
    for back in range(8):
        found = closes.get((day - datetime.timedelta(days=back)).isoformat())
        if found:
            return found
    return None


def plain_figures(ticker: str) -> dict:
    """Every metric of `ticker` worked out here from what the table stores (the company item,
    its annual statements, the stored exchange rates), independently of the snapshot."""
    company = Company.get(ticker, COMPANY_RECORD)
    annual = selectors.company_statement_tables(ticker=ticker, period_types=("annual",))["annual"]
    figures = {figure.key: figure.value for figure in ratios.key_figures(annual)}
    income = annual["income"]
    end = income.periods[0].end if income.periods else None

    def reported(*keys):
        for item in income.items:
            if item.key in keys and any(v is not None for v in item.values):
                return item.values[0]
        return None

    currency = (income.currency or company.financial_currency) if income.periods else None
    rate = 1.0 if currency == "AUD" else (stored_rate(currency, end) if end and currency else None)

    def aud(value):
        return None if value is None or rate is None else value / rate

    quote = company.quote or {}
    valuation = company.valuation or {}
    cap = quote.get("market_cap") if quote.get("market_cap") else company.market_cap
    return {
        "market_cap": None if cap is None else int(cap),
        "industry_group": company.industry_group,
        "listing_date": company.listing_date,
        "last_updated": company.last_updated.date().isoformat() if company.last_updated else None,
        "financial_currency": currency,
        "revenue": aud(reported("TotalRevenue")),
        "net_income": aud(reported("NetIncome")),
        "revenue_growth": figures.get("revenue_growth"),
        "net_income_growth": figures.get("net_income_growth"),
        "gross_margin": figures.get("gross_margin"),
        "operating_margin": figures.get("operating_margin"),
        "net_margin": figures.get("net_margin"),
        "roe": figures.get("return_on_equity"),
        "debt_to_equity": figures.get("debt_to_equity"),
        "current_ratio": figures.get("current_ratio"),
        "free_cash_flow": aud(figures.get("free_cash_flow")),
        "eps": aud(figures.get("eps")),
        "price": quote.get("price"),
        **{name: (valuation.get(name) or {}).get("value") for name in MULTIPLES},
    }


MULTIPLES = ("pe", "pb", "ps", "ev_ebitda", "dividend_yield", "fcf_yield")


def every_ticker(*, status: str = LISTED) -> list[str]:
    return [c.ticker for c in Company.ticker_index.query(status)]


def known(*values) -> bool:
    return all(value is not None for value in values)


# Screens and what a plain evaluation lists: every comparison needs its figure (a missing one
# is unknown), `not` of an unknown is unknown, text matches ignoring case.
SCREENS = {
    "market_cap > 1b and roe > 15% and debt_to_equity < 0.5": lambda f: (
        known(f["market_cap"], f["roe"], f["debt_to_equity"])
        and f["market_cap"] > 1e9
        and f["roe"] > 0.15
        and f["debt_to_equity"] < 0.5
    ),
    'industry_group = "materials" and pe < 30': lambda f: (
        known(f["pe"]) and f["industry_group"] == "Materials" and f["pe"] < 30
    ),
    'industry_group in ("banks", "Health Care Equipment & Services") or revenue > 10b': (
        lambda f: (
            (f["industry_group"] in ("Banks", "Health Care Equipment & Services"))
            or (known(f["revenue"]) and f["revenue"] > 10e9)
        )
    ),
    "not pe < 15": lambda f: known(f["pe"]) and not f["pe"] < 15,
    "not (pe < 15 or market_cap < 100m)": lambda f: (
        known(f["pe"], f["market_cap"]) and not (f["pe"] < 15 or f["market_cap"] < 100e6)
    ),
    "pe < 15 or market_cap < 100m": lambda f: (
        (known(f["pe"]) and f["pe"] < 15) or (known(f["market_cap"]) and f["market_cap"] < 100e6)
    ),
    "revenue > 1b and net_margin > 5% or dividend_yield > 3%": lambda f: (
        (known(f["revenue"], f["net_margin"]) and f["revenue"] > 1e9 and f["net_margin"] > 0.05)
        or (known(f["dividend_yield"]) and f["dividend_yield"] > 0.03)
    ),
    "free_cash_flow > 500m and eps > 0.5": lambda f: (
        known(f["free_cash_flow"], f["eps"]) and f["free_cash_flow"] > 500e6 and f["eps"] > 0.5
    ),
    'financial_currency != "AUD"': lambda f: (
        known(f["financial_currency"]) and f["financial_currency"] != "AUD"
    ),
    "listing_date < 1995-01-01 and price > 10": lambda f: (
        known(f["listing_date"], f["price"])
        and f["listing_date"] < "1995-01-01"
        and f["price"] > 10
    ),
    "gross_margin > 30% or current_ratio >= 1.2 and ev_ebitda < 20": lambda f: (
        (known(f["gross_margin"]) and f["gross_margin"] > 0.3)
        or (
            known(f["current_ratio"], f["ev_ebitda"])
            and f["current_ratio"] >= 1.2
            and f["ev_ebitda"] < 20
        )
    ),
}


def screened(client, q: str, **params) -> list[dict]:
    """Every result of a screen through the API, following its cursors."""
    results, cursor = [], None
    while True:
        query = {"q": q, "size": 25, **params, **({"cursor": cursor} if cursor else {})}
        response = client.get("/api/screener/", query)
        assert response.status_code == 200, response.json()
        payload = response.json()
        results += payload["results"]
        cursor = payload["next"]
        if cursor is None:
            assert payload["count"] == len(results)
            return results


# --- the snapshot ------------------------------------------------------------------------------


def test_snapshots_hold_the_stored_figures_of_every_company(market):
    rows = {row.ticker: row for row in screening_selectors.screen_snapshots()}
    assert set(rows) == set(every_ticker())
    for ticker in every_ticker():
        expected = plain_figures(ticker)
        for name in METRICS:
            want, got = expected[name], rows[ticker].values[name]
            if isinstance(want, float):
                assert got == pytest.approx(want, rel=1e-5, abs=0.5 if abs(want) > 1e4 else 0)
            else:
                assert got == want, (ticker, name)
    assert rows["CBA"].values["roe"] is not None and rows["CBA"].values["pe"] is not None
    assert rows["NOS"].values["revenue"] is None and rows["NOS"].values["market_cap"] == 9_000_000


def test_usd_reporter_money_is_in_aud_at_the_period_end_rate(market, client):
    bhp = next(r for r in screening_selectors.screen_snapshots() if r.ticker == "BHP")
    end = datetime.date(2026, 6, 30)
    served = {bar.day: bar.close for bar in market.price_series("AUDUSD=X").bars if bar.close}
    day = max(d for d in served if d <= end)
    usd_revenue = selectors.company_statement_tables(ticker="BHP", period_types=("annual",))[
        "annual"
    ]["income"].items
    revenue = next(item.values[0] for item in usd_revenue if item.key == "TotalRevenue")
    assert bhp.reporting_currency == "USD" and bhp.period_end == end.isoformat()
    assert bhp.fx_rate == pytest.approx(served[day]) and bhp.fx_date == day.isoformat()
    assert bhp.values["revenue"] == round(revenue / served[day])  # A$ > US$ at 0.6-0.7
    body = client.get("/screener/", {"q": "revenue > 1b", "sort": "ticker"}).content.decode()
    row = re.search(r'<a href="/companies/BHP/">BHP</a>.*?</tr>', body, re.S).group()
    assert "USD</span>" in row and f"converted at {served[day]:g} USD per A$" in row


def test_reporting_currency_without_a_rate_is_missing_never_unconverted(market, client):
    for item in PriceSeries.query(f"{FX_PK_PREFIX}AUDUSD"):
        item.delete()
    call_command("rebuild_snapshots", tickers="BHP,RMD")
    results = {r["ticker"]: r for r in screened(client, "revenue > 0 or roe > -1")}
    assert results["BHP"]["revenue"] is None and results["BHP"]["roe"] is not None
    assert "BHP" not in {r["ticker"] for r in screened(client, "revenue > 0")}
    assert "BHP" not in {r["ticker"] for r in screened(client, "not revenue > 0")}
    body = client.get("/screener/", {"q": "revenue > 0 or roe > -1"}).content.decode()
    assert "Reported in USD: no exchange rate stored for 30 Jun 2026" in body


def test_a_stale_statements_part_is_rewritten_by_the_prices_refresh(market, yahoo):
    Company("CBA", COMPANY_RECORD).update(actions=[Company.screen_statements.remove()])
    screening_selectors.forget_snapshots()
    cba = next(r for r in screening_selectors.screen_snapshots() if r.ticker == "CBA")
    assert cba.values["roe"] is None
    prices_refresh.prices_refresh(
        tickers=["CBA"], limit=1, concurrency=1, budget_seconds=60, client=yahoo
    )
    screening_selectors.forget_snapshots()
    cba = next(r for r in screening_selectors.screen_snapshots() if r.ticker == "CBA")
    assert cba.values["roe"] == pytest.approx(plain_figures("CBA")["roe"], rel=1e-5)


# --- screens against a plain evaluation ---------------------------------------------------------


@pytest.mark.parametrize("q", list(SCREENS))
def test_a_screen_lists_what_a_plain_evaluation_lists(market, client, q):
    expected = {t for t in every_ticker() if SCREENS[q](plain_figures(t))}
    got = screened(client, q)
    assert {r["ticker"] for r in got} == expected
    assert expected, "a screen that lists nothing proves little"


def test_each_result_carries_market_cap_and_every_metric_used(market, client):
    payload = client.get(
        "/api/screener/", {"q": 'pe < 30 and industry_group != "x"', "sort": "roe"}
    ).json()
    assert payload["query"] == 'pe < 30 and industry_group != "x"'
    assert payload["metrics"] == ["pe", "industry_group"]
    for row in payload["results"]:
        assert set(row) == {
            "ticker",
            "name",
            "status",
            "market_cap",
            "pe",
            "industry_group",
            "roe",
            "reporting_currency",
        }


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_sorted_by_any_metric_missing_last_in_both_orders_ties_by_ticker(market, client, order):
    rows = screened(client, "market_cap > 0 or market_cap <= 0", sort="pe", order=order)
    pes = [row["pe"] for row in rows]
    present = [pe for pe in pes if pe is not None]
    assert present == sorted(present, reverse=order == "desc") and len(present) >= 3
    assert pes[len(present) :] == [None] * (len(pes) - len(present))
    missing = [row["ticker"] for row in rows if row["pe"] is None]
    assert missing == sorted(missing)
    by_group = screened(client, "market_cap > 0", sort="industry_group", order=order)
    groups = [(row["industry_group"].casefold(), row["ticker"]) for row in by_group]
    ties = {group for group, _ in groups}
    for group in ties:
        tickers = [t for g, t in groups if g == group]
        assert tickers == sorted(tickers)  # ties by ticker, whichever the order


def test_default_sort_is_market_cap_biggest_first(market, client):
    rows = screened(client, "market_cap > 0")
    caps = [row["market_cap"] for row in rows]
    assert caps == sorted(caps, reverse=True)
    biggest = max(every_ticker(), key=lambda t: plain_figures(t)["market_cap"] or 0)
    assert rows[0]["ticker"] == biggest


# --- pages, cursors, errors ----------------------------------------------------------------------

ROW_TICKERS = re.compile(r'<td><a href="/companies/([A-Z0-9]+)/">')


def link(body: str, rel: str) -> str | None:
    found = re.search(rf'<a rel="{rel}" href="([^"]+)"', body)
    return unescape(found.group(1)) if found else None


def test_pages_move_with_signed_cursors_and_keep_the_screen(market, client):
    q = "market_cap > 0"
    first = client.get("/screener/", {"q": q}).content.decode()
    assert "companies match" in first and "Showing 1–25 of" in first
    second = client.get("/screener/" + link(first, "next")).content.decode()
    assert link(second, "next") is None
    back = client.get("/screener/" + link(second, "prev")).content.decode()
    assert ROW_TICKERS.findall(back) == ROW_TICKERS.findall(first)
    everything = ROW_TICKERS.findall(first) + ROW_TICKERS.findall(second)
    assert everything == [r["ticker"] for r in screened(client, q)]
    assert 'value="market_cap &gt; 0"' in second  # the box keeps the screen


def test_a_forged_or_foreign_cursor_is_a_400(market, client):
    payload = client.get("/api/screener/", {"q": "market_cap > 0"}).json()
    cursor = payload["next"]
    tampered = cursor[:-3] + ("AAA" if cursor[-3:] != "AAA" else "BBB")
    for params in (
        {"q": "market_cap > 0", "cursor": tampered},
        {"q": "market_cap > 1", "cursor": cursor},  # another screen
        {"q": "market_cap > 0", "cursor": cursor, "sort": "ticker"},  # another sort
        {"q": "market_cap > 0", "cursor": cursor, "status": "all"},
    ):
        response = client.get("/api/screener/", params)
        assert response.status_code == 400, params
        assert "damaged or belongs to another screen" in response.json()["error"]
        page = client.get("/screener/", params)
        assert page.status_code == 400 and "first page of this screen" in page.content.decode()
    # the same screen spelled another way is the same screen
    same = client.get("/api/screener/", {"q": "MARKET_CAP>0", "cursor": cursor})
    assert same.status_code == 200


def test_a_mistake_is_a_400_shown_under_the_box_with_the_expression_kept(market, client):
    response = client.get("/screener/", {"q": "market_cap > 1b and pe > abc"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "at 26: expected a number after &#x27;&gt;&#x27;" in body
    assert 'value="market_cap &gt; 1b and pe &gt; abc"' in body
    assert 'aria-invalid="true"' in body and 'aria-describedby="screen-hint screen-error"' in body
    marker = re.search(r'<pre class="expression-marker"[^>]*>(.*?)</pre>', body, re.S).group(1)
    assert marker.splitlines()[1] == " " * 25 + "^"
    api = client.get("/api/screener/", {"q": "market_cap > 1b and pe > abc"})
    assert api.status_code == 400
    assert api.json() == {
        "error": "at 26: expected a number after '>'",
        "position": 26,
        "query": "market_cap > 1b and pe > abc",
    }
    unknown = client.get("/api/screener/", {"q": "roe > 1 and revenu > 1b"}).json()
    assert unknown["error"] == (
        "at 13: unknown metric 'revenu'; did you mean 'revenue'? See /api/metrics/"
    )


def test_an_empty_screen_shows_the_examples_not_an_error(market, client):
    response = client.get("/screener/")
    body = response.content.decode()
    assert response.status_code == 200 and 'role="alert"' not in body
    assert "Ready-made screens" in body and "How to write a screen" in body
    assert "not pe &lt; 10" in body and "as in SQL" in body
    for href in re.findall(r'<li><a href="(\?q=[^"]+)"', body):
        assert client.get("/screener/" + unescape(href)).status_code == 200
    assert client.get("/screener/", {"q": "   "}).status_code == 200
    assert client.get("/api/screener/", {"q": ""}).status_code == 400
    assert client.get("/screener.csv", {"q": ""}).status_code == 400


@pytest.mark.parametrize(
    "params, named",
    [
        ({"sort": "fame"}, "'sort' must be one of: ticker, name or a metric's name"),
        ({"order": "up"}, "'order' must be one of: asc, desc (got 'up')"),
        ({"size": "7"}, "'size' must be one of: 25, 50, 100 (got '7')"),
        ({"status": "gone"}, "'status' must be one of: listed, delisted, all (got 'gone')"),
        ({"q": "pe > 1 and " * 50 + "pe > 1"}, "the expression is 556 characters long"),
        ({"q": "pe > 1\x00"}, "'q' holds a character no screen can (a NUL)"),
    ],
)
def test_bad_parameters_are_400s_that_say_why(market, client, params, named):
    params = {"q": "pe > 1", **params}
    api = client.get("/api/screener/", params)
    assert api.status_code == 400 and named in api.json()["error"]
    page = client.get("/screener/", params)
    assert page.status_code == 400 and named in unescape(page.content.decode())
    assert client.get("/screener.csv", params).status_code == 400


def test_page_shows_units_the_reporting_currency_and_a_dash_for_missing(market, client):
    body = client.get(
        "/screener/", {"q": "market_cap > 0", "sort": "ticker", "size": "50"}
    ).content.decode()
    assert 'Market cap <span class="muted">(A$)</span>' in body
    nos = re.search(r'<a href="/companies/NOS/">NOS</a>.*?</tr>', body, re.S).group()
    assert "A$9.00M" in nos and "From the ASX directory" in nos
    roe = client.get("/screener/", {"q": "roe > -10", "sort": "ticker"}).content.decode()
    assert 'Return on equity <span class="muted">(%)</span>' in roe
    cba = re.search(r'<a href="/companies/CBA/">CBA</a>.*?</tr>', roe, re.S).group()
    assert re.search(r">\d+\.\d%<", cba) and "Last close × shares outstanding" in cba
    pe = client.get("/screener/", {"q": "market_cap > 0", "sort": "pe"}).content.decode()
    nos = re.search(r'<a href="/companies/NOS/">NOS</a>.*?</tr>', pe, re.S).group()
    assert "—" in nos  # no P/E: shown as missing, never 0


def test_names_from_outside_are_escaped(market, client):
    body = client.get("/screener/", {"q": 'industry_group = "Software & Services"'}).content
    assert b"<script>alert" not in body and b"&lt;script&gt;alert" in body


def test_compare_checkboxes_submit_tickers_to_the_compare_page(market, client):
    body = client.get("/screener/", {"q": "market_cap > 1b"}).content.decode()
    form = re.search(r'<form method="get" action="([^"]+)" class="compare-form">', body)
    assert form and form.group(1) == "/compare/"
    boxes = re.findall(r'<input type="checkbox" name="tickers" value="([A-Z0-9]+)"', body)
    assert boxes == ROW_TICKERS.findall(body)
    assert 'for="compare-BHP" class="visually-hidden">Compare BHP' in body


def test_csv_has_every_match_in_order_formula_safe_with_a_dated_name(market, client):
    q = "market_cap > 0"
    response = client.get("/screener.csv", {"q": q, "sort": "name", "order": "asc"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert re.fullmatch(
        r'attachment; filename="screen-\d{4}-\d{2}-\d{2}\.csv"', response["Content-Disposition"]
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["ticker", "name", "market_cap", "reporting_currency"]
    expected = screened(client, q, sort="name", order="asc")
    assert [row[0] for row in rows[1:]] == [r["ticker"] for r in expected]
    assert len(rows) - 1 > 25  # the whole result, not a page
    hostile = next(row for row in rows if row[0] == "CSV")
    assert hostile[1] == "'" + HOSTILE["CSV"]
    bhp = next(row for row in rows if row[0] == "BHP")
    assert int(bhp[2]) == plain_figures("BHP")["market_cap"] and bhp[3] == "USD"
    unknown = client.get("/screener.csv", {"q": 'industry_group != "none"', "sort": "pe"})
    rows = list(csv.reader(io.StringIO(unknown.content.decode())))
    assert rows[0] == ["ticker", "name", "market_cap", "industry_group", "pe", "reporting_currency"]
    p03 = next(row for row in rows if row[0] == "P03")
    assert p03[2] == p03[4] == p03[5] == ""  # an empty cell where a figure is missing


# --- the directory's part, delisting, rebuilding -------------------------------------------------


def test_a_directory_reload_rewrites_only_what_changed(market, client):
    writes = []
    connection = Company._get_connection().connection.client
    connection.meta.events.register(
        "provide-client-params.dynamodb.UpdateItem",
        lambda params, **kw: writes.append(params["Key"]),
    )
    services.directory_load(directory=directory(renamed={"GAP": "GALE PACIFIC HOLDINGS"}))
    snapshot_writes = [key["pk"]["S"] for key in writes]
    assert snapshot_writes.count("GAP") == 2  # the load's own update, then the snapshot's
    assert set(snapshot_writes) == {"GAP"}
    assert screened(client, "market_cap > 0 and pe > 0 or market_cap < 100m", sort="ticker")
    rows = {r["ticker"]: r for r in screened(client, "market_cap > 0")}
    assert rows["GAP"]["name"] == "GALE PACIFIC HOLDINGS"


def test_screens_cover_listed_companies_unless_status_says_otherwise(market, client):
    services.directory_load(directory=directory(without=("ANN",)), allow_shrink=True)
    listed = {r["ticker"] for r in screened(client, "market_cap > 0")}
    delisted = screened(client, "market_cap > 0", status="delisted")
    both = {r["ticker"] for r in screened(client, "market_cap > 0", status="all")}
    assert "ANN" not in listed
    assert [(r["ticker"], r["status"]) for r in delisted] == [("ANN", "delisted")]
    assert both == listed | {"ANN"}
    body = client.get(
        "/screener/", {"q": "market_cap > 0", "status": "all", "size": "100"}
    ).content.decode()
    assert 'ANSELL LIMITED <span class="badge">delisted</span>' in body


def test_rebuild_snapshots_restores_them_from_stored_data(market, client, capsys):
    before = {r["ticker"]: r for r in screened(client, "roe > -10 or market_cap > 0")}
    for ticker in every_ticker():
        Company(ticker, COMPANY_RECORD).update(
            actions=[
                Company.screen_directory.remove(),
                Company.screen_statements.remove(),
                Company.screen_prices.remove(),
                Company.by_screen.remove(),
            ]
        )
    screening_selectors.forget_snapshots()
    assert client.get("/api/screener/", {"q": "market_cap > 0"}).json()["count"] == 0
    call_command("rebuild_snapshots", dry_run=True)
    assert "would write 39" in capsys.readouterr().out
    assert client.get("/api/screener/", {"q": "market_cap > 0"}).json()["count"] == 0
    call_command("rebuild_snapshots")
    assert "written 39, unchanged 0, failed 0" in capsys.readouterr().out
    after = {r["ticker"]: r for r in screened(client, "roe > -10 or market_cap > 0")}
    assert after == before
    call_command("rebuild_snapshots", missing=True)
    assert "snapshots of 0 companies" in capsys.readouterr().out
    call_command("rebuild_snapshots", tickers="BHP,ZZZZ")
    out = capsys.readouterr().out
    assert "unchanged 1, failed 1" in out and "ZZZZ: not in the directory" in out


# --- costs, the metrics API, sample data ---------------------------------------------------------


def test_a_warm_screen_costs_no_dynamodb_call_and_a_cold_one_one_query(market, client):
    calls = []
    connection = Company._get_connection().connection.client
    connection.meta.events.register(
        "provide-client-params.dynamodb",
        lambda model, params, **kw: calls.append((model.name, params)),
    )
    client.get("/api/screener/", {"q": "pe < 20"})
    queries = [params.get("IndexName") for name, params in calls if name == "Query"]
    assert queries == ["by-screen"] and not [n for n, _ in calls if n == "Scan"]
    calls.clear()
    for q in ("pe < 20", "roe > 10%", "market_cap > 1b"):
        client.get("/api/screener/", {"q": q})
        client.get("/screener/", {"q": q})
        client.get("/screener.csv", {"q": q})
    assert [name for name, _ in calls if name in ("Query", "Scan", "GetItem")] == []


def test_metrics_api_lists_every_metric_with_its_unit_source_and_period(client):
    metrics = client.get("/api/metrics/").json()["metrics"]
    assert [m["name"] for m in metrics] == list(METRICS)
    required = {
        "market_cap", "industry_group", "listing_date", "last_updated", "financial_currency",
        "revenue", "revenue_growth", "net_income", "net_income_growth", "gross_margin",
        "operating_margin", "net_margin", "roe", "debt_to_equity", "current_ratio",
        "free_cash_flow", "eps", "price", "pe", "pb", "ps", "ev_ebitda", "dividend_yield",
        "fcf_yield",
    }  # fmt: skip
    assert required <= {m["name"] for m in metrics}
    by_name = {m["name"]: m for m in metrics}
    assert by_name["roe"]["unit"] == "%" and by_name["roe"]["source"] == "statements"
    assert by_name["pe"]["unit"] == "×" and by_name["pe"]["period"] == "latest close"
    assert by_name["revenue"]["unit"] == "AUD" and by_name["revenue"]["period"] == "latest FY"
    assert by_name["industry_group"]["unit"] == "text"
    for metric in metrics:
        assert set(metric) == {"name", "label", "unit", "source", "period", "formula", "better"}
        assert metric["formula"]
