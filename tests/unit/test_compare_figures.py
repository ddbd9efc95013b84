"""The compare page's rules on small, hand-made cases (moto, statements stored as the refresh
stores them, the fake Yahoo's AUDUSD=X rates): a loss's multiples, ties, missing figures,
rows without a direction, periods without an exchange rate, the trailing balance sheet,
never-fetched and delisted companies, and outside text escaped."""

import datetime
import re
from html import unescape

import pytest

from companies.comparing import figures, presenters
from companies.comparing.forms import AUD
from companies.market import services as market_services
from companies.models import Company
from companies.screening.metrics import METRICS
from scraping.normalize import PriceHistory, StatementPeriod
from tests import factories
from tests.fakes import fx_series

JUNES = factories.year_ends(4)  # 30 Jun 2026 back to 30 Jun 2023
ESCAPED_NAME = "<script>alert(1)</script> & CO"


def with_ttm(fundamentals, *, end: datetime.date, revenue: int):
    """`fundamentals` with a trailing-twelve-months income statement and cash flow at `end`."""
    periods = list(fundamentals.periods)
    for statement in ("income", "cashflow"):
        periods.append(
            StatementPeriod(
                statement=statement,
                period_type="ttm",
                end=end,
                months=12,
                currency=periods[0].currency,
                values=factories.BUILDERS[statement](revenue),
            )
        )
    return type(fundamentals)(profile=fundamentals.profile, periods=periods)


def quote_store(ticker: str, *, price: float, cap: int, **multiples) -> None:
    """A quote and valuation as the prices refresh stores them (value or reason per multiple)."""
    valuation = {
        name: {
            "value": None if isinstance(found, str) else found,
            "formula": METRICS[name].formula,
            "inputs": [],
            "fx": None,
            "reason": found if isinstance(found, str) else None,
        }
        for name, found in multiples.items()
    }
    Company(ticker).update(
        actions=[
            Company.quote.set(
                {
                    "price": price,
                    "currency": "AUD",
                    "date": "2026-11-27",
                    "market_cap": cap,
                    "market_cap_basis": "last close × shares outstanding",
                }
            ),
            Company.valuation.set(valuation),
        ]
    )


def rates_store() -> None:
    """The fake Yahoo's AUDUSD=X history (weekdays from 2015), stored as the prices refresh
    stores an exchange rate."""
    series = fx_series("AUDUSD=X")
    history = PriceHistory(
        symbol="AUDUSD=X",
        currency="USD",
        bars=[
            [b.day.isoformat(), b.open, b.high, b.low, b.close, b.adjclose, b.volume]
            for b in series.bars
        ],
        dividends=[],
        splits=[],
    )
    market_services.prices_store(
        pk=market_services.exchange_rate_pk("AUDUSD=X"), history=history, fetched_at=factories.NOW
    )


@pytest.fixture
def companies(moto_table):
    factories.load_directory(
        ("USA", "USA REPORTER LIMITED"),
        ("AUS", "AUSSIE LIMITED"),
        ("LSS", "LOSS LIMITED"),
        ("NEW", "NEVER FETCHED LIMITED"),
        ("OLD", "OLD USD LIMITED"),
        ("ANC", "ANCIENT USD LIMITED"),
        ("ESC", ESCAPED_NAME),
        ("GON", "GONE LIMITED"),
        delisted_after=("GON",),
    )
    factories.store(
        "USA",
        factories.fundamentals(
            revenues={end: 40_000_000_000 + n * 10**9 for n, end in enumerate(JUNES)},
            currency="USD",
        ),
    )
    # June years to 2025, half-years to December 2025 and the twelve months to then
    aus = factories.fundamentals(
        revenues={end.replace(year=end.year - 1): 9 * 10**9 for end in JUNES},
        half_year_revenues={
            datetime.date(2025, 12, 31): 5 * 10**9,
            datetime.date(2025, 6, 30): 45 * 10**8,
        },
        currency="AUD",
    )
    factories.store("AUS", with_ttm(aus, end=datetime.date(2025, 12, 31), revenue=95 * 10**8))
    loss = factories.fundamentals(revenues={end: 10**9 for end in JUNES}, currency="AUD")
    for period in loss.periods:
        if period.statement == "income":
            period.values["NetIncome"] = -200_000_000
            period.values["DilutedEPS"] = period.values["BasicEPS"] = -0.04
    factories.store("LSS", loss)
    factories.store(
        "OLD",  # a rate exists from 2015 on only
        factories.fundamentals(
            revenues={datetime.date(year, 6, 30): 2 * 10**9 for year in range(2013, 2017)},
            currency="USD",
        ),
    )
    factories.store(
        "ANC",
        factories.fundamentals(
            revenues={datetime.date(year, 6, 30): 3 * 10**9 for year in range(2011, 2015)},
            currency="USD",
        ),
    )
    factories.store("ESC", factories.fundamentals(revenues={JUNES[0]: 10**9}, currency="AUD"))
    factories.store("GON", factories.fundamentals(revenues={JUNES[0]: 10**9}, currency="AUD"))
    quote_store("USA", price=40.0, cap=200 * 10**9, pe=12.01, pb=2.5, ps=None)
    quote_store("AUS", price=8.0, cap=90 * 10**9, pe=12.04, pb=1.5, ps=3.0)
    quote_store("LSS", price=1.0, cap=10**9, pe="negative earnings", pb=0.9, ps=1.0)
    rates_store()


def row_cells(response, section: str, metric: str) -> list[str]:
    body = response.content.decode()
    block = re.search(rf'<tbody data-section="{section}">(.*?)</tbody>', body, re.S).group(1)
    row = re.search(rf'<tr data-metric="{metric}">(.*?)</tr>', block, re.S).group(1)
    return [
        " ".join(
            unescape(re.sub(r'<span class="visually-hidden">.*?</span>|<[^>]+>', " ", c)).split()
        )
        for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    ]


def period_cells(response, section: str) -> list[str]:
    body = response.content.decode()
    block = re.search(rf'<tbody data-section="{section}">(.*?)</tbody>', body, re.S).group(1)
    row = re.search(r"<tr class=\"period\" data-period>(.*?)</tr>", block, re.S).group(1)
    return [
        " ".join(unescape(re.sub(r"<[^>]+>", " ", c)).split())
        for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    ]


def api_row(payload, section: str, metric: str) -> dict:
    found = next(s for s in payload["sections"] if s["key"] == section)
    return next(r for r in found["rows"] if r["metric"] == metric)


def test_a_loss_makers_pe_is_n_m_and_never_best(client, companies):
    response = client.get("/compare/?tickers=USA,AUS,LSS")
    assert row_cells(response, "valuation", "pe") == ["12.0× ★ best", "12.0× ★ best", "n/m (loss)"]
    payload = client.get("/api/compare/?tickers=USA,AUS,LSS").json()
    pe = api_row(payload, "valuation", "pe")
    assert pe["values"][2] == {
        "ticker": "LSS",
        "value": None,
        "reason": "negative earnings",
        "loss": True,
        "note": None,
        "best": False,
    }
    # a tie at the shown precision (12.01 and 12.04 both read 12.0×) marks both
    assert pe["best"] == ["USA", "AUS"]
    # P/B: lower is better, and the loss-maker's real figure can be best
    assert api_row(payload, "valuation", "pb")["best"] == ["LSS"]
    # its net income growth from a loss is no figure; its EPS is a real (negative) one
    growth = api_row(payload, "annual", "net_income_growth")["values"][2]
    assert growth["value"] is None and "base of zero or less" in growth["reason"]
    assert row_cells(response, "annual", "eps")[2] == "−A$0.04"


def test_missing_figures_are_a_dash_and_never_best(client, companies):
    response = client.get("/compare/?tickers=USA,AUS,NEW&currency=AUD")
    assert row_cells(response, "annual", "revenue")[2] == "—"
    assert period_cells(response, "annual")[2] == "—"
    assert "statements not fetched yet" in response.content.decode()
    payload = client.get("/api/compare/?tickers=USA,AUS,NEW&currency=AUD").json()
    for key in ("annual", "ttm", "valuation"):
        for entry in next(s for s in payload["sections"] if s["key"] == key)["rows"]:
            assert entry["values"][2]["best"] is False, (key, entry["metric"])
    # P/S: the one company with a figure has nothing to be compared with
    ps = api_row(payload, "valuation", "ps")
    assert ps["best"] == [] and ps["unmarked"] == figures.FEWER_THAN_TWO


def test_rows_without_a_direction_mark_nothing(client, companies):
    payload = client.get("/api/compare/?tickers=USA,AUS,LSS").json()
    for metric in ("price", "market_cap"):
        entry = api_row(payload, "valuation", metric)
        assert entry["better"] is None and entry["best"] == [], metric
    for metric in ("industry_group", "listing_date", "financial_currency"):
        assert api_row(payload, "company", metric)["best"] == []


def test_without_a_rate_a_figure_stays_in_its_own_currency_and_says_so(client, companies):
    response = client.get("/compare/?tickers=ANC,OLD,AUS&currency=AUD")
    # ANC's latest year (June 2014) is before the first stored rate
    assert period_cells(response, "annual")[0] == (
        "30 Jun 2014 no A$ rate stored for 30 Jun 2014: in USD"
    )
    assert row_cells(response, "annual", "revenue")[0].startswith("USD ")
    # OLD's latest year has a rate; its history does not, so its lines stay in USD, labelled
    assert "in A$ at AUDUSD=X" in period_cells(response, "annual")[1]
    assert row_cells(response, "annual", "revenue")[1].startswith("A$")
    page = " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())
    assert "OLD stays in USD: no A$ rate stored for 30 Jun 2013, 30 Jun 2014." in page
    # a row with a USD figure among A$ ones is not compared
    payload = client.get("/api/compare/?tickers=ANC,OLD,AUS&currency=AUD").json()
    revenue = api_row(payload, "annual", "revenue")
    assert [v["currency"] for v in revenue["values"]] == ["USD", "AUD", "AUD"]
    assert revenue["best"] == [] and revenue["unmarked"].startswith(figures.MIXED_CURRENCIES)
    period = next(s for s in payload["sections"] if s["key"] == "annual")["periods"][0]
    assert period["fx_missing"] is True and period["fx"] is None
    series = payload["series"]["revenue"]["companies"][1]
    assert series["currency"] == "USD"
    assert series["fx_missing"] == ["2013-06-30", "2014-06-30"]


def test_trailing_figures_use_the_half_year_balance_sheet_at_their_end(client, companies):
    payload = client.get("/api/compare/?tickers=USA,AUS").json()
    ttm = next(s for s in payload["sections"] if s["key"] == "ttm")
    assert [p["end"] for p in ttm["periods"]] == [None, "2025-12-31"]
    net = factories.income_values(95 * 10**8)["NetIncome"]
    half_year = factories.balance_values(5 * 10**9)
    roe = api_row(payload, "ttm", "roe")["values"]
    assert roe[1]["value"] == pytest.approx(net / half_year["StockholdersEquity"])
    assert roe[0]["value"] is None and roe[0]["reason"] == figures.NO_PERIOD


def test_outside_text_is_escaped(client, companies):
    response = client.get("/compare/?tickers=ESC,AUS")
    body = response.content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; CO" in body
    assert client.get("/api/compare/?tickers=ESC,AUS").json()["companies"][0]["name"] == (
        ESCAPED_NAME
    )


def test_a_delisted_company_can_be_compared_and_says_so(client, companies):
    response = client.get("/compare/?tickers=GON,AUS")
    assert response.status_code == 200
    assert '<span class="badge">delisted</span>' in response.content.decode()
    payload = client.get("/api/compare/?tickers=GON,AUS").json()
    assert payload["companies"][0]["status"] == "delisted"


@pytest.mark.parametrize(
    "name, value, currency, loss, shown",
    [
        ("revenue", 52_140_000_000, "USD", False, "USD 52.14B"),
        ("net_income", -1_205_000_000, AUD, False, "−A$1.21B"),
        ("eps", 2.04312, "USD", False, "USD 2.0431"),
        ("eps", 0.5, AUD, False, "A$0.50"),
        ("net_margin", 0.1234, None, False, "12.3%"),
        ("revenue_growth", -0.025, None, False, "−2.5%"),
        ("debt_to_equity", 0.4321, None, False, "0.43×"),
        ("pe", 13.44, None, False, "13.4×"),
        ("pe", 0.0512, None, False, "0.05×"),
        ("pe", None, None, True, "n/m (loss)"),
        ("pb", None, None, False, "—"),
        ("listing_date", datetime.date(1885, 8, 13), None, False, "13 Aug 1885"),
    ],
)
def test_figures_read_as_the_page_shows_them(name, value, currency, loss, shown):
    cell = figures.Cell(value, currency=currency, loss=loss)
    assert presenters.cell_text(METRICS[name], cell) == shown
