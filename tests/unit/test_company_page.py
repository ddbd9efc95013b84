"""The company page, its statement tabs, downloads and API, on moto with real-shaped data stored
through services.company_fundamentals_store."""

import csv
import datetime
import io
import os
import re
import subprocess
import sys
from html import unescape

import pytest
from django.urls import set_script_prefix
from django.utils import timezone

from companies import models, services
from companies.selectors import LineItem
from companies.templatetags import figures
from tests import factories

YEARS = factories.year_ends(5)  # 30 Jun 2026 back to 30 Jun 2022
HALVES = factories.half_year_ends(10)  # 30 Jun 2026, 31 Dec 2025, ... back to 31 Dec 2021
REVENUES = {end: 50_000_000_000 + n * 1_700_000_000 for n, end in enumerate(YEARS)}
HALF_REVENUES = {end: 25_000_000_000 + n * 300_000_000 for n, end in enumerate(HALVES)}


@pytest.fixture
def bhp(moto_table):
    """A USD reporter with five years and ten half-years of all three statements."""
    factories.load_directory(("BHP", "BHP GROUP LIMITED"), ("CBA", "COMMONWEALTH BANK"))
    fundamentals = factories.fundamentals(
        revenues=REVENUES, half_year_revenues=HALF_REVENUES, currency="USD"
    )
    factories.store("BHP", fundamentals)
    return fundamentals


def text(response) -> str:
    """The page's visible text, tags dropped and whitespace collapsed."""
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r"</?(time|span|a|strong)\b[^>]*>", "", body)  # inline: no word break
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


def row_cells(response, key: str) -> list[str]:
    body = response.content.decode()
    row = re.search(rf'<tr data-key="{key}"[^>]*>(.*?)</tr>', body, flags=re.S)
    assert row, f"no row {key}"
    return [unescape(cell) for cell in re.findall(r'<td class="num">([^<]*)</td>', row.group(1))]


def column_ends(response) -> list[str]:
    return re.findall(r'<th scope="col" class="num"><time datetime="([\d-]+)"', response.text)


def key_figure(response, key: str) -> str:
    body = response.content.decode()
    block = re.search(rf'data-figure="{key}">.*?<span class="value"[^>]*>([^<]*)<', body, re.S)
    assert block, f"no key figure {key}"
    return unescape(block.group(1)).strip()


def test_usd_reporter_says_usd_and_units(client, bhp):
    response = client.get("/companies/BHP/")
    assert response.status_code == 200
    page = text(response)
    assert "Financial currency USD" in page
    assert "Figures in USD billions" in page
    assert "BHP GROUP LIMITED" in page and "Materials" in page
    assert "Market cap A$214.00B" in page
    assert "Listed 13 Aug 1885" in page
    assert re.search(r"Fundamentals updated \d+ (d|y) ago", page)


def test_statement_shows_every_period_newest_first_scaled_to_its_units(client, bhp):
    response = client.get("/companies/BHP/income/?period=annual")
    assert column_ends(response) == [end.isoformat() for end in YEARS]
    # 50,000,000,000 USD in billions; per-share figures are never scaled
    assert row_cells(response, "TotalRevenue")[0] == "50.0"
    eps = stored_values(bhp, "income", "annual")[YEARS[0].isoformat()]["DilutedEPS"]
    assert row_cells(response, "DilutedEPS")[0] == f"{eps:.4f}".rstrip("0")
    every_line = client.get("/companies/BHP/income/?period=annual&lines=all")
    assert row_cells(every_line, "TaxRateForCalcs")[0] == "0.30"


def test_negative_figures_are_in_parentheses(client, bhp):
    response = client.get("/companies/BHP/cashflow/")
    assert "Figures in USD millions" in text(response)  # this table's own units
    assert row_cells(response, "CapitalExpenditure")[0] == "(5,500)"
    assert row_cells(response, "OperatingCashFlow")[0] == "15,000"


def test_each_tab_has_its_own_url_and_marks_itself_current(client, bhp):
    for statement, title, first_key in (
        ("income", "Income statement", "TotalRevenue"),
        ("balance", "Balance sheet", "CashAndCashEquivalents"),
        ("cashflow", "Cash flow", "OperatingCashFlow"),
    ):
        response = client.get(f"/companies/BHP/{statement}/")
        assert response.status_code == 200
        assert f'aria-current="page">{title}</a>' in response.content.decode()
        assert re.search(r'<tr data-key="(\w+)"', response.text).group(1) == first_key


def test_quarterly_shows_half_years_labelled_as_such(client, bhp):
    response = client.get("/companies/BHP/balance/?period=quarterly")
    assert column_ends(response) == [end.isoformat() for end in HALVES]
    page = text(response)
    assert "Balance sheet Half-years" in page
    assert page.count("6 months") >= 10


def test_company_with_no_quarterly_statements_says_so(client, moto_table):
    factories.load_directory(("ANN", "ANNUAL ONLY LIMITED"))
    factories.store("ANN", factories.fundamentals(revenues=REVENUES, currency="AUD"))
    response = client.get("/companies/ANN/income/?period=quarterly")
    assert response.status_code == 200
    assert "No quarterly / half-yearly income statement figures are stored" in text(response)
    assert 'class="statement-table"' not in response.content.decode().split("statement-title")[1]


def test_missing_line_item_in_one_period_is_a_dash_not_zero(client, moto_table):
    factories.load_directory(("GAP", "GAPPY LIMITED"))
    fundamentals = factories.fundamentals(
        revenues=REVENUES, missing={("income", YEARS[2]): {"GrossProfit"}}
    )
    factories.store("GAP", fundamentals)
    cells = row_cells(client.get("/companies/GAP/"), "GrossProfit")
    assert cells[2] == "—"
    assert all(cell not in ("—", "0", "0.0") for i, cell in enumerate(cells) if i != 2)


def test_key_figures_are_computed_from_the_newest_year(client, bhp):
    response = client.get("/companies/BHP/")
    newest, before = REVENUES[YEARS[0]], REVENUES[YEARS[1]]
    growth = (newest - before) / before * 100
    assert key_figure(response, "revenue_growth") == f"−{abs(growth):.1f}%"
    assert key_figure(response, "gross_margin") == "42.0%"
    assert key_figure(response, "current_ratio") == "1.67×"
    assert key_figure(response, "free_cash_flow") == "9.50B USD".replace(" USD", "")
    # the formula and the periods are in the title and in a <details>
    body = response.content.decode()
    assert 'title="Gross profit ÷ revenue; periods: 30 Jun 2026"' in body
    assert "(Revenue − revenue a year before)" in body and "30 Jun 2026 vs 30 Jun 2025" in body


def test_ratio_with_a_missing_input_is_a_dash(client, moto_table):
    factories.load_directory(("GAP", "GAPPY LIMITED"))
    fundamentals = factories.fundamentals(
        revenues=REVENUES,
        missing={("income", YEARS[0]): {"GrossProfit"}, ("balance", YEARS[0]): {"TotalDebt"}},
    )
    factories.store("GAP", fundamentals)
    response = client.get("/companies/GAP/")
    assert key_figure(response, "gross_margin") == "—"
    assert key_figure(response, "debt_to_equity") == "—"
    assert key_figure(response, "net_margin") != "—"
    assert "an input is missing" in response.content.decode()


def test_delisted_company_says_so(client, bhp):
    factories.load_directory(
        ("BHP", "BHP GROUP LIMITED"), ("CBA", "COMMONWEALTH BANK"), delisted_after=("CBA",)
    )
    response = client.get("/companies/CBA/")
    assert response.status_code == 200
    assert "Delisted: no longer in the ASX directory" in text(response)
    api = client.get("/api/companies/CBA/").json()
    assert api["status"] == "delisted"
    assert client.get("/api/companies/BHP/").json()["status"] == "listed"


def test_never_fetched_company_says_when_it_is_due(client, bhp):
    response = client.get("/companies/CBA/")
    page = text(response)
    assert response.status_code == 200
    assert "Fundamentals not fetched yet" in page
    assert "Statements not fetched yet" in page
    assert "Due now — queued for the next refresh." in page
    assert 'class="statement-table"' not in response.content.decode()


def test_never_fetched_company_with_a_scheduled_attempt_says_when(client, bhp):
    services.company_refresh_failed(
        ticker="CBA",
        outcome="rate limited",
        detail="HTTP 429",
        attempted_at=timezone.now() - datetime.timedelta(hours=1),
        next_attempt=timezone.now() + datetime.timedelta(hours=5, minutes=1),
        failure_count=1,
    )
    page = text(client.get("/companies/CBA/"))
    assert "last attempt failed 1 h ago: rate limited — no data fetched yet" in page
    assert "The next attempt is due in 5 h" in page


def test_failed_last_attempt_shows_the_data_it_still_has(client, bhp):
    now = timezone.now()
    fetched = now - datetime.timedelta(days=9)
    factories.store(
        "BHP",
        factories.fundamentals(revenues=REVENUES),
        fetched_at=fetched,
        next_attempt=now - datetime.timedelta(days=2),
    )
    services.company_refresh_failed(
        ticker="BHP",
        outcome="rate limited",
        detail="HTTP 429 from quoteSummary",
        attempted_at=now - datetime.timedelta(days=2, hours=1),
        next_attempt=now + datetime.timedelta(hours=6),
        failure_count=1,
    )
    page = text(client.get("/companies/BHP/"))
    day = timezone.localtime(fetched).date()
    expected = (
        f"last attempt failed 2 d ago: rate limited — showing data from {day.day} {day:%b %Y}"
    )
    assert expected in page
    assert "Total Revenue" in page  # the old figures are still shown
    refresh = client.get("/api/companies/BHP/").json()["refresh"]
    assert refresh["last_outcome"] == "rate limited"
    assert refresh["last_success"] == fetched.isoformat()


def test_unknown_ticker_is_a_404_with_near_matches(client, bhp):
    response = client.get("/companies/BHX/")
    assert response.status_code == 404
    body = response.content.decode()
    assert 'role="search"' in body
    assert '<a href="/companies/BHP/">BHP</a>' in body
    assert client.get("/companies/BHX/income.csv").status_code == 404


def test_names_and_summaries_are_escaped(client, moto_table):
    factories.load_directory(("XSS", 'A&B <script>alert("n")</script> LTD'))
    factories.store(
        "XSS",
        factories.fundamentals(
            revenues=REVENUES,
            summary='Makes <img src=x onerror="alert(1)"> & "things"',
            website="javascript:alert(1)",
        ),
    )
    body = client.get("/companies/XSS/").content.decode()
    assert "<script>alert" not in body and "<img src=x" not in body
    assert "A&amp;B &lt;script&gt;" in body
    assert "Makes &lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &quot;things&quot;" in body
    assert "javascript:" not in body


def test_profile_shows_known_fields_and_a_safe_website_link(client, moto_table):
    factories.load_directory(("WEB", "WEB LIMITED"))
    factories.store(
        "WEB",
        factories.fundamentals(
            revenues=REVENUES, website="www.example.com.au", phone=None, employees=1234
        ),
    )
    response = client.get("/companies/WEB/")
    body = response.content.decode()
    assert '<a href="https://www.example.com.au" rel="noopener noreferrer"' in body
    page = text(response)
    assert "Employees 1,234" in page and "Sector Basic Materials" in page
    assert "Phone" not in page


def test_sample_data_is_marked_on_every_page_that_shows_it(client, moto_table):
    factories.load_directory(("SMP", "SAMPLE LIMITED"))
    factories.store("SMP", factories.fundamentals(revenues=REVENUES), source="sample")
    for url in ("/companies/SMP/", "/companies/SMP/balance/?period=annual"):
        assert "data-sample" in client.get(url).content.decode()
    payload = client.get("/api/companies/SMP/statements/income/").json()
    assert payload["source"] == "sample"
    assert {period["source"] for period in payload["periods"]} == {"sample"}


def test_bad_period_is_a_400_that_names_it(client, bhp):
    response = client.get("/companies/BHP/income/?period=monthly")
    assert response.status_code == 400
    assert "'period' must be one of: annual, quarterly, ttm" in text(response)
    assert client.get("/companies/BHP/income.csv?period=monthly").status_code == 400


def test_unknown_statement_is_a_404(client, bhp):
    assert client.get("/companies/BHP/royalties/").status_code == 404
    assert client.get("/companies/BHP/royalties.csv").status_code == 404


def test_lower_case_ticker_redirects_keeping_tab_and_period(client, bhp):
    response = client.get("/companies/bhp/balance/?period=quarterly")
    assert response.status_code == 301
    assert response["Location"] == "/companies/BHP/balance/?period=quarterly"


def test_lower_case_redirect_keeps_a_stage_prefix_that_looks_like_the_ticker(client, moto_table):
    """On the dev stage of the execute-api host, Devex Resources (DEV) lives at /dev/companies/
    DEV/: the redirect must change the ticker, not the stage."""
    factories.load_directory(("DEV", "DEVEX RESOURCES LIMITED"))
    set_script_prefix("/dev/")  # what Zappa's WSGI environ (SCRIPT_NAME=/dev) makes Django do
    try:
        response = client.get("/companies/dev/")
    finally:
        set_script_prefix("/")
    assert response.status_code == 301
    assert response["Location"] == "/dev/companies/DEV/"


def test_chart_data_is_passed_as_json_not_inline_script(client, bhp):
    body = client.get("/companies/BHP/").content.decode()
    assert '<script id="chart-data" type="application/json">' in body
    for tag in re.findall(r"<script\b[^>]*>", body):
        assert " src=" in tag or 'type="application/json"' in tag, tag
    assert " style=" not in body
    assert "/static/vendor/chartjs/chart.umd.min.js" in body


def stored_values(fundamentals, statement: str, period_type: str) -> dict:
    """{period end ISO: {key: figure as stored (Decimal -> float, as services stores it)}}."""
    return {
        p.end.isoformat(): {
            k: (v if v is None or isinstance(v, int) else float(v)) for k, v in p.values.items()
        }
        for p in fundamentals.periods
        if p.statement == statement and p.period_type == period_type
    }


def parsed_csv_figure(cell: str):
    return None if cell == "" else (int(cell) if cell.lstrip("-").isdigit() else float(cell))


@pytest.mark.parametrize(("statement", "period"), [("income", "annual"), ("balance", "quarterly")])
def test_csv_round_trips_to_the_stored_figures(client, bhp, statement, period):
    response = client.get(f"/companies/BHP/{statement}.csv?period={period}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="BHP-{statement}-{period}-USD.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:2] == ["key", "label"]
    ends = rows[0][2:]
    assert ends == sorted(ends, reverse=True)
    expected = stored_values(bhp, statement, period)
    assert set(ends) == set(expected)
    keys = [row[0] for row in rows[1:]]
    assert sorted(keys) == sorted({key for values in expected.values() for key in values})
    for key, _label, *cells in rows[1:]:
        for end, cell in zip(ends, cells, strict=True):
            value = expected[end].get(key)
            parsed = parsed_csv_figure(cell)
            assert parsed == value and type(parsed) is type(value), (key, end)


def test_csv_reads_with_pandas_and_no_options(client, bhp):
    import pandas as pd

    body = client.get("/companies/BHP/income.csv").content.decode()
    frame = pd.read_csv(io.StringIO(body))
    assert list(frame.columns[:2]) == ["key", "label"]
    revenue = frame.set_index("key").loc["TotalRevenue"]
    assert revenue[YEARS[0].isoformat()] == REVENUES[YEARS[0]]
    assert "revenue_growth" not in set(frame["key"])  # computed rows are not in the CSV


def test_csv_leaves_a_missing_figure_empty(client, moto_table):
    factories.load_directory(("GAP", "GAPPY LIMITED"))
    factories.store(
        "GAP",
        factories.fundamentals(revenues=REVENUES, missing={("income", YEARS[1]): {"NetIncome"}}),
    )
    rows = list(csv.reader(io.StringIO(client.get("/companies/GAP/income.csv").content.decode())))
    net_income = next(row for row in rows if row[0] == "NetIncome")
    assert net_income[3] == "" and net_income[2] != ""


def test_json_download_and_api_round_trip_to_the_stored_figures(client, bhp):
    api = client.get("/api/companies/BHP/statements/cashflow/?period=quarterly")
    download = client.get("/companies/BHP/cashflow.json?period=quarterly")
    assert api.status_code == download.status_code == 200
    payload = api.json()
    assert download.json() == payload
    assert 'filename="BHP-cashflow-quarterly-USD.json"' in download["Content-Disposition"]
    assert {k: payload[k] for k in ("ticker", "statement", "period", "currency", "lines")} == {
        "ticker": "BHP",
        "statement": "cashflow",
        "period": "quarterly",
        "currency": "USD",
        "lines": "all",
    }
    assert "not scaled" in payload["units"]
    assert [(p["end"], p["months"]) for p in payload["periods"]] == [
        (e.isoformat(), 6) for e in HALVES
    ]
    assert {p["source"] for p in payload["periods"]} == {"yahoo"}
    expected = stored_values(bhp, "cashflow", "quarterly")
    for item in payload["items"]:
        assert item["label"] and item["computed"] is False
        for period, value in zip(payload["periods"], item["values"], strict=True):
            assert value == expected[period["end"]].get(item["key"])
    eps = client.get("/api/companies/BHP/statements/income/").json()
    diluted = next(item for item in eps["items"] if item["key"] == "DilutedEPS")
    newest = stored_values(bhp, "income", "annual")[YEARS[0].isoformat()]
    assert diluted["values"][0] == newest["DilutedEPS"]


def test_api_company_has_profile_header_and_refresh_fields(client, bhp):
    payload = client.get("/api/companies/bhp/").json()
    assert payload["ticker"] == "BHP"
    assert payload["financial_currency"] == "USD"
    assert payload["listing_date"] == "1885-08-13"
    assert payload["market_cap"] == 214_000_000_000
    assert payload["sector"] == "Basic Materials"
    assert payload["employees"] == 90000
    assert set(payload["refresh"]) == {
        "last_success",
        "last_attempt",
        "last_outcome",
        "next_attempt",
    }
    assert payload["refresh"]["last_outcome"] == "ok"


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/companies/ZZZZ/", 404),
        ("/api/companies/ZZZZ/statements/income/", 404),
        ("/api/companies/BHP/statements/royalties/", 404),
        ("/api/companies/BHP/statements/income/?period=weekly", 400),
    ],
)
def test_api_errors_are_json_with_a_message(client, bhp, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]


def test_api_statement_of_a_never_fetched_company_is_empty_not_an_error(client, bhp):
    payload = client.get("/api/companies/CBA/statements/balance/").json()
    assert payload["periods"] == [] and payload["items"] == []


@pytest.fixture
def dynamodb_calls(client, bhp):
    """Every DynamoDB operation the models make from here on, by name."""
    calls = []

    def count(model, **kwargs):
        calls.append(model.name)

    client.get("/")  # the site-wide summary is cached, as on a warm server
    client.get("/search/", {"q": "x"})  # and so is the directory index
    for model in models.ALL_MODELS:
        model._get_connection().connection.client.meta.events.register(
            "before-call.dynamodb", count
        )
    return calls


@pytest.mark.parametrize("period", ["annual", "quarterly", "ttm"])
def test_a_company_page_is_one_batch_get_and_one_query(client, dynamodb_calls, period):
    """The company with its prices and dividends (one BatchGetItem), and its statements (one
    Query): two calls side by side."""
    response = client.get(f"/companies/BHP/balance/?period={period}")
    assert response.status_code == 200
    assert sorted(dynamodb_calls) == ["BatchGetItem", "Query"]


def items(**values):
    return [LineItem(key=key, label=key, values=v) for key, v in values.items()]


@pytest.mark.parametrize(
    ("magnitude", "caption", "revenue"),
    [
        (58_760_000_000, "USD billions", "58.8"),
        (5_876_000_000, "USD millions", "5,876"),
        (9_093_135, "USD thousands", "9,093"),
        (5_876, "USD", "5,876"),
    ],
)
def test_units_keep_figures_to_a_few_digits(magnitude, caption, revenue):
    table = items(TotalRevenue=[magnitude, magnitude // 2], DilutedEPS=[0.4512, None])
    units = figures.table_units(table)
    assert units.caption("USD") == caption
    assert figures.table_figure(magnitude, units=units, key="TotalRevenue") == revenue
    assert figures.table_figure(0.4512, units=units, key="DilutedEPS") == "0.4512"
    assert figures.table_figure(None, units=units, key="TotalRevenue") == "—"
    assert figures.table_figure(-magnitude, units=units, key="TotalRevenue") == f"({revenue})"


def test_zero_is_a_figure_and_missing_is_a_dash():
    units = figures.table_units(items(TotalRevenue=[1_000_000, 0, None]))
    cells = [figures.table_figure(v, units=units, key="TotalRevenue") for v in (0, None)]
    assert cells == ["0", "—"]


def test_web_path_never_imports_pandas_or_yfinance():
    code = (
        "import django, sys; django.setup(); "
        "import companies.urls, companies.views, companies.api, companies.selectors; "
        "print(sorted(m for m in ('pandas', 'numpy', 'yfinance', 'scraping.normalize', "
        "'scraping.yahoo') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "asxdb_site.settings"},
    )
    assert result.stdout.strip() == "[]"


def test_csv_text_cannot_run_as_a_spreadsheet_formula(client, moto_table):
    factories.load_directory(("EVL", "EVIL LIMITED"))
    fundamentals = factories.fundamentals(revenues=REVENUES, currency="AUD")
    for period in fundamentals.periods:
        if period.statement == "cashflow":
            period.values["=HYPERLINK('http://evil')"] = 1
    factories.store("EVL", fundamentals)
    body = client.get("/companies/EVL/cashflow.csv?period=annual").content.decode()
    assert "'=HYPERLINK" in body
    assert "\n=HYPERLINK" not in body and ",=HYPERLINK" not in body
    capex = next(line for line in body.splitlines() if line.startswith("CapitalExpenditure,"))
    assert ",-" in capex and ",'-" not in capex  # negative figures stay numbers
