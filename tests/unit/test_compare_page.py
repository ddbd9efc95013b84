"""The compare page and its API with real-shaped data: the 2,109-company directory, and BHP (USD),
RIO, FMG, CBA, ANN (December years) and RMD (USD) fetched from the fake Yahoo through
yfinance's real code and stored by the real refreshes (statements, prices, the AUDUSD=X rate,
quotes and valuations), once for the module on moto."""

import json
import re
import time
from html import unescape

import pytest
from moto import mock_aws

from companies import models, services
from companies.comparing import presenters
from companies.comparing.figures import Cell
from companies.finding import search
from companies.finding.search import directory_index
from companies.models import PriceSeries
from companies.screening.metrics import METRICS
from tests.comparing import market_load
from tests.fakes import fake_yahoo_client

THREE = "/compare/?tickers=BHP,RIO,FMG"


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    with mock_aws():
        models.bind_table(table_name="asxdb-unit-compare", host=None)
        services.table_create(wait=False)
        with fake_yahoo_client(tmp_path_factory.mktemp("yf"), any_symbol=True) as (_, client):
            market_load(client)
        yield search.DirectoryIndex.load()


@pytest.fixture
def market(stored, monkeypatch):
    """The stored market, with its directory index built once for the module: the directory
    never changes here, and rebuilding it from moto for each test would be most of the time."""
    monkeypatch.setattr(search, "_index", (time.monotonic(), stored))


def text(response) -> str:
    """The page's visible text, tags dropped and whitespace collapsed."""
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r'<span class="visually-hidden">.*?</span>', "", body)
    body = re.sub(r"</?(time|span|a|strong)\b[^>]*>", "", body)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


def cells(response, section: str, metric: str) -> list[str]:
    """The shown text of each company's figure in one row (without its best mark)."""
    body = response.content.decode()
    block = re.search(rf'<tbody data-section="{section}">(.*?)</tbody>', body, re.S).group(1)
    row = re.search(rf'<tr data-metric="{metric}">(.*?)</tr>', block, re.S).group(1)
    return [unescape(v) for v in re.findall(r'<span class="value">([^<]*)</span>', row)]


def marked(response, section: str, metric: str) -> list[bool]:
    body = response.content.decode()
    block = re.search(rf'<tbody data-section="{section}">(.*?)</tbody>', body, re.S).group(1)
    row = re.search(rf'<tr data-metric="{metric}">(.*?)</tr>', block, re.S).group(1)
    return ['<span class="best-mark">★ best</span>' in cell for cell in row.split("<td")[1:]]


def period_cells(response, section: str) -> list[str]:
    body = response.content.decode()
    block = re.search(rf'<tbody data-section="{section}">(.*?)</tbody>', body, re.S).group(1)
    row = re.search(r"<tr class=\"period\" data-period>(.*?)</tr>", block, re.S).group(1)
    return [text_of(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def chart_data(response) -> dict:
    found = re.search(
        r'<script id="compare-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return json.loads(found.group(1))


def section(payload: dict, key: str) -> dict:
    return next(s for s in payload["sections"] if s["key"] == key)


def row(payload: dict, key: str, metric: str) -> dict:
    return next(r for r in section(payload, key)["rows"] if r["metric"] == metric)


def stored_rate(day: str) -> float:
    """The stored AUDUSD=X close on `day`, else on the latest day before it (a year may end on
    a weekend)."""
    item = PriceSeries.get("#FX#AUDUSD", f"PRICES#{day[:4]}")
    return [bar[4] for bar in item.bars if bar[0] <= day and bar[4]][-1]


def statement_figure(client, ticker: str, key: str, *, period="annual") -> float:
    payload = client.get(f"/api/companies/{ticker}/statements/income/?period={period}").json()
    return next(item["values"][0] for item in payload["items"] if item["key"] == key)


def test_three_companies_side_by_side_with_the_registry_labels(market, client):
    response = client.get(THREE)
    assert response.status_code == 200
    page = text(response)
    assert "Compare BHP, RIO and FMG" in page
    for name in ("revenue", "net_margin", "debt_to_equity", "pe", "ev_ebitda", "fcf_yield"):
        assert METRICS[name].label in page
        assert METRICS[name].formula in page  # under "How these figures are worked out"
    # each company's column says its period end and its currency
    assert period_cells(response, "annual") == [
        "30 Jun 2026 in USD",
        "30 Jun 2026 in AUD",
        "30 Jun 2026 in AUD",
    ]
    assert period_cells(response, "valuation") == ["27 Nov 2026"] * 3
    revenue = cells(response, "annual", "revenue")
    assert revenue[0].startswith("USD ") and revenue[1].startswith("A$")
    assert "These companies report in different currencies (RIO, FMG in AUD; BHP in USD)" in page


def test_december_years_sit_beside_june_years_each_with_its_own_end(market, client):
    response = client.get("/compare/?tickers=ANN,CBA")
    assert period_cells(response, "annual") == ["31 Dec 2025 in AUD", "30 Jun 2026 in AUD"]
    revenue = next(c for c in chart_data(response)["charts"] if c["key"] == "revenue")
    ann, cba = revenue["datasets"]
    assert [p["end"] for p in ann["points"]][-1] == "2025-12-31"
    assert [p["end"] for p in cba["points"]][-1] == "2026-06-30"
    # on the time axis a December end is half a year after the June before it
    assert ann["points"][-1]["x"] == pytest.approx(2025.997, abs=0.01)
    assert cba["points"][-1]["x"] == pytest.approx(2026.49, abs=0.01)


@pytest.mark.parametrize(
    "query",
    [
        "tickers=bhp,rio,fmg",
        "tickers=BHP&tickers=RIO&tickers=FMG",
        "tickers=bhp&tickers=rio,Fmg",
        "tickers=BHP,RIO,BHP,FMG,rio",
        "tickers=BHP%2CRIO%2CFMG",
        "tickers=+BHP+RIO+FMG+",
        "tickers=BHP,RIO,FMG&currency=reported",
        "tickers=BHP,RIO,FMG&utm_source=mail",
    ],
)
def test_every_way_of_naming_them_redirects_to_one_url(market, client, query):
    response = client.get(f"/compare/?{query}")
    assert response.status_code == 302
    assert response["Location"] == THREE
    assert client.get(response["Location"]).status_code == 200


def test_currency_is_kept_in_the_canonical_url(market, client):
    response = client.get("/compare/?tickers=bhp,rio&currency=aud")
    assert response["Location"] == "/compare/?tickers=BHP,RIO&currency=AUD"


def test_best_figure_of_each_row_is_marked_by_the_registry(market, client):
    response = client.get("/compare/?tickers=BHP,RIO,FMG,CBA,ANN,RMD&currency=AUD")
    payload = client.get("/api/compare/?tickers=BHP,RIO,FMG,CBA,ANN,RMD&currency=AUD").json()
    checked = 0
    for key in ("annual", "ttm", "valuation"):
        for entry in section(payload, key)["rows"]:
            metric = METRICS[entry["metric"]]
            shown = cells(response, key, metric.name)
            marks = marked(response, key, metric.name)
            assert marks == [v["best"] for v in entry["values"]], (key, metric.name)
            if metric.better is None:
                assert entry["best"] == [], metric.name
                continue
            candidates = [v for v in entry["values"] if v["value"] is not None and not v["loss"]]
            if len(candidates) < 2 or len({v.get("currency") for v in candidates}) > 1:
                assert entry["best"] == [], metric.name
                continue
            pick = max if metric.better.value == "higher" else min
            top = pick(candidates, key=lambda v: v["value"])
            assert top["best"], (key, metric.name)
            top_text = shown[entry["values"].index(top)]
            for n, value in enumerate(entry["values"]):
                if value["best"]:
                    assert shown[n] == top_text  # a tie is what a reader sees as equal
                elif value in candidates:
                    assert shown[n] != top_text
                else:
                    assert shown[n] in ("—", "n/m (loss)")  # missing is never best
            checked += 1
    assert checked >= 15


def test_money_in_different_currencies_is_never_compared(market, client):
    response = client.get(THREE)
    for metric in ("revenue", "net_income", "free_cash_flow", "eps"):
        assert marked(response, "annual", metric) == [False, False, False], metric
    assert "not marked: currencies differ" in text(response)
    # in A$ every figure is in one currency, so the best is marked again
    converted = client.get(f"{THREE}&currency=AUD")
    assert sum(marked(converted, "annual", "revenue")) == 1


def test_in_aud_a_usd_reporter_is_converted_at_its_period_end_rate(market, client):
    rate = stored_rate("2026-06-30")
    revenue = statement_figure(client, "BHP", "TotalRevenue")
    payload = client.get("/api/compare/?tickers=BHP,RIO&currency=AUD").json()
    bhp = row(payload, "annual", "revenue")["values"][0]
    assert bhp["currency"] == "AUD"
    assert bhp["value"] == pytest.approx(revenue / rate)
    period = section(payload, "annual")["periods"][0]
    assert period["fx"]["pair"] == "AUDUSD=X" and period["fx"]["date"] == "2026-06-30"
    assert period["reported_currency"] == "USD" and period["fx_missing"] is False
    # ratios do not change with the currency
    reported = client.get("/api/compare/?tickers=BHP,RIO").json()
    for metric in ("net_margin", "debt_to_equity", "pe"):
        key = "valuation" if metric == "pe" else "annual"
        assert row(reported, key, metric)["values"] == row(payload, key, metric)["values"]
    page = client.get("/compare/?tickers=BHP,RIO&currency=AUD")
    assert cells(page, "annual", "revenue")[0] == presenters.money_text(revenue / rate, "AUD")
    assert f"in A$ at AUDUSD=X {rate:.4f} (30 Jun 2026)" in period_cells(page, "annual")[0]
    # each year of the chart at its own year end's rate
    series = payload["series"]["revenue"]["companies"][0]
    assert series["currency"] == "AUD"
    for point in series["points"]:
        assert point["value"] == pytest.approx(
            reported["series"]["revenue"]["companies"][0]["points"][series["points"].index(point)][
                "value"
            ]
            / stored_rate(point["end"])
        )


def test_valuation_is_the_one_the_prices_refresh_stored(market, client):
    payload = client.get("/api/compare/?tickers=BHP,CBA").json()
    bhp = models.Company.get("BHP", "COMPANY")
    pe = row(payload, "valuation", "pe")["values"][0]
    assert pe["value"] == pytest.approx(bhp.valuation["pe"]["value"])
    cap = row(payload, "valuation", "market_cap")["values"][0]
    assert cap["value"] == bhp.quote["market_cap"] and cap["currency"] == "AUD"
    assert cap["note"] == "last close × shares outstanding"


def test_the_api_holds_the_same_figures_as_the_page(market, client):
    response = client.get("/compare/?tickers=CBA,BHP,ANN")
    payload = client.get("/api/compare/?tickers=CBA,BHP,ANN").json()
    assert payload["tickers"] == ["CBA", "BHP", "ANN"]  # the order asked
    assert [c["reporting_currency"] for c in payload["companies"]] == ["AUD", "USD", "AUD"]
    for key in ("annual", "ttm", "valuation"):
        for entry in section(payload, key)["rows"]:
            metric = METRICS[entry["metric"]]
            expected = [
                presenters.cell_text(
                    metric,
                    Cell(v["value"], currency=v.get("currency"), loss=v["loss"]),
                )
                for v in entry["values"]
            ]
            assert cells(response, key, metric.name) == expected, (key, metric.name)


def test_charts_overlay_five_series_with_tables_for_readers_without_them(market, client):
    response = client.get(THREE)
    charts = chart_data(response)["charts"]
    assert [c["key"] for c in charts] == [
        "revenue",
        "net_income",
        "free_cash_flow",
        "net_margin",
        "debt_to_equity",
    ]
    for chart in charts:
        assert [d["ticker"] for d in chart["datasets"]] == ["BHP", "RIO", "FMG"]
        assert all(len(d["points"]) == 4 for d in chart["datasets"]), chart["key"]
    revenue = charts[0]["datasets"]
    assert [d["label"] for d in revenue] == ["BHP (USD)", "RIO (AUD)", "FMG (AUD)"]
    body = response.content.decode()
    for key in ("revenue", "net_income", "free_cash_flow", "net_margin", "debt_to_equity"):
        assert f'id="compare-chart-{key}"' in body
        assert f'data-series="{key}"' in body
    table = re.search(r'data-series="revenue">(.*?)</table>', body, re.S).group(1)
    assert "BHP (USD)" in table and "30 Jun 2023" in table
    assert "chart.umd.min.js" in body and "js/compare.js" in body


def test_remove_buttons_lead_to_the_comparison_without_the_company(market, client):
    response = client.get(f"{THREE}&currency=AUD")
    body = response.content.decode()
    forms = re.findall(r'<form class="compare-remove"(.*?)</form>', body, re.S)
    hidden = [re.search(r'name="tickers" value="([^"]*)"', f).group(1) for f in forms]
    assert hidden == ["RIO,FMG", "BHP,FMG", "BHP,RIO"]
    assert all('name="currency" value="AUD"' in f for f in forms)
    removed = client.get("/compare/", {"tickers": "RIO,FMG", "currency": "AUD"})
    assert removed["Location"] == "/compare/?tickers=RIO,FMG&currency=AUD"


def test_the_search_box_adds_a_ticker_or_offers_the_companies_a_name_may_mean(market, client):
    added = client.get("/compare/", {"tickers": "BHP,RIO", "add": "fmg"})
    assert added["Location"] == THREE
    choices = client.get("/compare/", {"tickers": "BHP,RIO", "add": "fortescue"})
    assert choices.status_code == 200
    assert "Which company did you mean by “fortescue”?" in text(choices)
    assert 'href="/compare/?tickers=BHP,RIO,FMG" data-add="FMG"' in choices.content.decode()
    nothing = client.get("/compare/", {"tickers": "BHP,RIO", "add": "qqqqzzzz"})
    assert nothing.status_code == 400
    assert "No ASX company matches “qqqqzzzz”." in text(nothing)
    full = client.get("/compare/", {"tickers": "BHP,RIO,FMG,CBA,ANN,RMD", "add": "CSL"})
    assert full.status_code == 400
    assert "at most 6 companies" in text(full)
    six = client.get("/compare/?tickers=BHP,RIO,FMG,CBA,ANN,RMD")
    assert "remove one to add another" in text(six) and 'name="add"' not in six.content.decode()


def test_one_company_left_asks_for_another(market, client):
    response = client.get("/compare/?tickers=BHP")
    assert response.status_code == 200
    page = text(response)
    assert "Compare BHP with another company" in page
    assert "A comparison needs at least two companies" in page
    assert 'name="tickers" value="BHP"' in response.content.decode()  # the add box keeps it


def test_without_tickers_the_page_explains_and_starts_from_the_largest(market, client):
    response = client.get("/compare/")
    assert response.status_code == 200
    page = text(response)
    assert "Set 2 to 6 companies side by side" in page
    # the three largest by market cap, the price-based one where there is one
    listed = [e for e in directory_index().entries if e.status == "listed" and e.market_cap]
    largest = [e.ticker for e in sorted(listed, key=lambda e: -e.market_cap)[:3]]
    assert "BHP" in largest  # its price-based market cap
    assert f"the largest companies by market cap: compare {', '.join(largest)}" in page
    assert f'href="/compare/?tickers={",".join(largest)}"' in response.content.decode()
    # the start form sent empty: the same page, at its one URL
    assert client.get("/compare/?tickers=")["Location"] == "/compare/"


@pytest.mark.parametrize(
    "query, says",
    [
        ("tickers=BHP,ZZZZ,QQQ", "No ASX company has the tickers ZZZZ, QQQ."),
        ("tickers=BHP,B$P", "'tickers' must be ASX tickers (1 to 6 letters or digits)"),
        ("tickers=BHP,TOOLONGX", "'tickers' must be ASX tickers"),
        ("tickers=BHP,RIO,FMG,CBA,ANN,RMD,CSL", "at most 6 companies"),
        ("tickers=BHP,RIO&currency=EUR", "'currency' must be AUD"),
        ("tickers=BHP%00", "'tickers' must be ASX tickers"),
        ("tickers=" + ",".join(["BHP"] * 60), "'tickers' takes at most 6 companies"),
    ],
)
def test_bad_input_is_a_400_that_says_why(market, client, query, says):
    response = client.get(f"/compare/?{query}")
    assert response.status_code == 400
    assert says in text(response)


def test_unknown_ticker_page_links_to_the_comparison_without_it(market, client):
    response = client.get("/compare/?tickers=BHP,ZZZZ,RIO")
    assert 'href="/compare/?tickers=BHP,RIO" data-retry' in response.content.decode()


@pytest.mark.parametrize(
    "query, status, body",
    [
        (
            "tickers=BHP,ZZZZ",
            400,
            {"error": "no ASX company has the ticker ZZZZ"},
        ),
        (
            "tickers=zzzz,BHP,QQQ",
            400,
            {"error": "no ASX company has the tickers ZZZZ, QQQ"},
        ),
        (
            "tickers=BHP",
            400,
            {"error": "'tickers' must name 2 to 6 different companies (got 1)"},
        ),
        (
            "tickers=bhp,BHP",
            400,
            {"error": "'tickers' must name 2 to 6 different companies (got 1)"},
        ),
        (
            "",
            400,
            {"error": "'tickers' must name 2 to 6 different companies (got 0)"},
        ),
        (
            "tickers=BHP,RIO,FMG,CBA,ANN,RMD,CSL",
            400,
            {"error": "'tickers' must name 2 to 6 different companies (got 7)"},
        ),
    ],
)
def test_api_errors_name_what_was_wrong(market, client, query, status, body):
    response = client.get(f"/api/compare/?{query}")
    assert response.status_code == status
    assert response.json() == body


def test_api_takes_repeated_and_lower_case_tickers_without_redirecting(market, client):
    response = client.get("/api/compare/?tickers=bhp&tickers=rio&currency=aud")
    assert response.status_code == 200
    payload = response.json()
    assert payload["tickers"] == ["BHP", "RIO"] and payload["currency"] == "AUD"
    assert set(payload["series"]) == {
        "revenue",
        "net_income",
        "free_cash_flow",
        "net_margin",
        "debt_to_equity",
    }
    bad = client.get("/api/compare/?tickers=BHP,RIO&currency=yen")
    assert bad.status_code == 400 and "'currency' must be AUD" in bad.json()["error"]


@pytest.fixture
def dynamodb_calls(market, client):
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
    yield calls
    for model in models.ALL_MODELS:
        model._get_connection().connection.client.meta.events.unregister(
            "before-call.dynamodb", count
        )


def test_a_comparison_is_one_get_and_one_query_per_company(dynamodb_calls, client):
    assert client.get(THREE).status_code == 200
    assert sorted(dynamodb_calls) == ["GetItem"] * 3 + ["Query"] * 3
    dynamodb_calls.clear()
    assert client.get("/compare/?tickers=FMG,RIO,BHP").status_code == 200
    assert dynamodb_calls == []  # kept in memory, whatever the order
    # in A$: one more Query, for the one foreign currency's rates
    assert client.get(f"{THREE}&currency=AUD").status_code == 200
    assert dynamodb_calls == ["Query"]
    dynamodb_calls.clear()
    # adding a company reads only that company
    assert client.get("/compare/?tickers=BHP,RIO,FMG,CBA").status_code == 200
    assert sorted(dynamodb_calls) == ["GetItem", "Query"]
    dynamodb_calls.clear()
    # an unknown ticker, a redirect and the explaining page cost nothing
    for url in ("/compare/?tickers=BHP,ZZZZ", "/compare/?tickers=bhp,rio", "/compare/"):
        client.get(url)
    assert dynamodb_calls == []


def test_two_usd_reporters_in_aud_share_one_rate_query(dynamodb_calls, client):
    assert client.get("/api/compare/?tickers=BHP,RMD,CBA&currency=AUD").status_code == 200
    assert sorted(dynamodb_calls) == ["GetItem"] * 3 + ["Query"] * 4


def test_the_page_and_the_api_answer_get_and_head_only(market, client):
    for url in (THREE, "/api/compare/?tickers=BHP,RIO"):
        assert client.head(url).status_code == 200
        response = client.post(url)
        assert response.status_code == 405 and response["Allow"] == "GET, HEAD"


def test_the_site_nav_leads_to_the_compare_page(market, client):
    assert '<a href="/compare/">Compare</a>' in client.get("/").content.decode()
