"""The fake Yahoo's chart endpoint (tests/fakes/prices.py, payloads.py, server.py), read by
yfinance's real `Ticker.history` through scraping.yahoo's session: what the fake serves is
what yfinance hands production code, and what `FakeYahoo.price_series` says it served."""

import datetime
import json
import math

import pytest
import yfinance as yf
import yfinance.base
from yfinance.data import YfData
from yfinance.exceptions import YFTickerMissingError, YFTzMissingError

from scraping.errors import NoSuchSymbol, RateLimited, YahooUnavailable
from scraping.yahoo import YahooClient
from tests.fakes import PRICES_THROUGH, FakeYahoo

COLUMNS = ["Open", "High", "Low", "Close", "Adj Close", "Volume", "Dividends", "Stock Splits"]
CHART = "https://query2.finance.yahoo.com/v8/finance/chart/"


@pytest.fixture(autouse=True)
def no_remembered_answers():
    # yfinance keeps whole responses in a process-wide LRU keyed by Yahoo's URL, not the
    # fake's: another test's answer (another "today", a fault) must not be served again.
    YfData.cache_get.cache_clear()
    yield
    YfData.cache_get.cache_clear()


@pytest.fixture
def fake():
    with FakeYahoo(any_symbol=True, hang_seconds=2) as yahoo:
        yield yahoo


@pytest.fixture
def client(fake, tmp_path):
    client = YahooClient(
        base_url=fake.base_url,
        requests_per_second=200,
        timeout=5,
        cache_dir=tmp_path,
        pause_on_429=0.05,
        max_pause_on_429=0.2,
    )
    yield client
    client.close()


def history(client, symbol: str, **window):
    return yf.Ticker(symbol, session=client.session).history(
        interval="1d", auto_adjust=False, actions=True, keepna=True, **(window or {"period": "max"})
    )


def days(frame) -> list[datetime.date]:
    return [stamp.date() for stamp in frame.index]


def nonzero(frame, name: str) -> dict[datetime.date, float]:
    """The days a column is not 0 (dividends paid, splits) and its value on them."""
    return {stamp.date(): value for stamp, value in frame[name].items() if value}


def column(frame, name: str) -> list:
    """A column as the fake's series spells it: NaN is None."""
    return [None if isinstance(v, float) and math.isnan(v) else v for v in frame[name].tolist()]


# --- bars ------------------------------------------------------------------------------------


def test_history_has_every_bar_up_to_the_fakes_today(fake, client):
    frame = history(client, "BHP.AX")
    series = fake.price_series("BHP.AX")

    assert list(frame.columns) == COLUMNS
    assert days(frame)[-1] == fake.prices_through == PRICES_THROUGH
    assert days(frame) == [bar.day for bar in series.bars]
    assert days(frame)[0] == datetime.date(2015, 1, 2)
    assert column(frame, "Close") == [bar.close for bar in series.bars]
    assert column(frame, "Adj Close") == [bar.adjclose for bar in series.bars]
    assert frame["Close"].iloc[-1] == pytest.approx(42.18)  # the profile's price


def test_bars_are_consistent_trading_days(fake):
    for symbol in ("BHP.AX", "CBA.AX", "RMD.AX", "ANN.AX", "GAP.AX", "NOS.AX", "QFC.AX"):
        bars = [bar for bar in fake.price_series(symbol).bars if bar.close is not None]
        assert all(bar.low <= min(bar.open, bar.close) for bar in bars), symbol
        assert all(max(bar.open, bar.close) <= bar.high for bar in bars), symbol
        assert all(isinstance(bar.volume, int) and bar.volume > 0 for bar in bars), symbol
        assert {bar.day.weekday() for bar in bars} <= {0, 1, 2, 3, 4}
        assert not {(bar.day.month, bar.day.day) for bar in bars} & {(1, 1), (12, 25), (12, 26)}


def test_holes_are_nan_rows_kept_with_keepna(fake, client):
    frame = history(client, "CBA.AX")
    series = fake.price_series("CBA.AX")
    holes = [bar.day for bar in series.bars if bar.close is None]

    assert holes == [bar.day for bar in series.bars[150::200]]  # one every 200 trading days
    assert days(frame[frame["Close"].isna()]) == holes
    assert (
        frame.loc[frame["Close"].isna(), ["Open", "High", "Low", "Adj Close"]].isna().all(axis=None)
    )
    dropped = yf.Ticker("CBA.AX", session=client.session).history(
        period="max", auto_adjust=False, keepna=False
    )
    assert len(dropped) == len(frame) - len(holes)


@pytest.mark.parametrize(
    ("window", "first", "last"),
    [
        ({"start": "2024-03-01", "end": "2024-04-01"}, "2024-03-01", "2024-03-28"),
        ({"period": "5d"}, "2026-11-23", "2026-11-27"),
        ({"period": "ytd"}, "2026-01-02", "2026-11-27"),
        ({"period": "1y"}, "2025-11-28", "2026-11-27"),
    ],
)
def test_a_window_returns_only_its_days(fake, client, window, first, last):
    frame = history(client, "BHP.AX", **window)
    dividends = set(nonzero(frame, "Dividends"))

    assert (days(frame)[0], days(frame)[-1]) == (
        datetime.date.fromisoformat(first),
        datetime.date.fromisoformat(last),
    )
    expected = {d.day for d in fake.price_series("BHP.AX").dividends}
    assert dividends == {day for day in expected if days(frame)[0] <= day <= days(frame)[-1]}


# --- dividends and splits ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("symbol", "months", "count"),
    [
        ("BHP.AX", {3, 9}, 24),  # two a year, 2015 to 2026
        ("CBA.AX", {3, 9}, 24),
        ("RMD.AX", {2, 5, 8, 11}, 48),
        ("ANN.AX", {11, 12}, 11),  # one a year, on or after 30 November: 2026's is not yet
        ("GAP.AX", set(), 0),
        ("NOS.AX", set(), 0),
    ],
)
def test_dividends_column_is_the_fakes_dividends(fake, client, symbol, months, count):
    frame = history(client, symbol)
    paid = nonzero(frame, "Dividends")

    assert paid == {d.day: d.amount for d in fake.price_series(symbol).dividends}
    assert {day.month for day in paid} == months
    assert len(paid) == count


def test_adjusted_close_is_below_close_before_a_dividend_and_meets_it_after_the_last(client):
    frame = history(client, "BHP.AX").dropna(subset=["Close"])
    ex_dates = frame.index[frame["Dividends"] > 0]
    before, after = frame[frame.index < ex_dates[-1]], frame[frame.index >= ex_dates[-1]]

    assert (before["Adj Close"] < before["Close"]).all()
    assert (after["Adj Close"] == after["Close"]).all()
    # Yahoo's method: each dividend scales every earlier close by 1 - dividend / close before
    day_before = before.iloc[-1]
    dividend = frame.loc[ex_dates[-1], "Dividends"]
    assert day_before["Adj Close"] / day_before["Close"] == pytest.approx(
        1 - dividend / day_before["Close"], rel=1e-6
    )


def test_split_shows_in_stock_splits_and_closes_before_it_are_restated(fake, client):
    frame = history(client, "RMD.AX")
    splits = nonzero(frame, "Stock Splits")

    assert splits == {datetime.date(2021, 5, 17): 2.0}
    (split,) = fake.price_series("RMD.AX").splits
    assert (split.numerator, split.denominator, split.ratio) == (2, 1, "2:1")
    # Before Yahoo knew of the split, the closes before it were the traded ones: twice as high.
    restated = {bar.day: bar.close for bar in fake.price_series("RMD.AX").bars}
    fake.prices_through = datetime.date(2021, 5, 14)
    traded = [bar for bar in fake.price_series("RMD.AX").bars if bar.close is not None]
    assert all(restated[bar.day] == pytest.approx(bar.close / 2, rel=1e-6) for bar in traded)


# --- exchange rates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("symbol", "currency", "rate"), [("AUDUSD=X", "USD", 0.65), ("AUDNZD=X", "NZD", 1.09)]
)
def test_exchange_rates_are_daily_bars_of_the_rate(client, symbol, currency, rate):
    ticker = yf.Ticker(symbol, session=client.session)
    frame = ticker.history(period="max", interval="1d", auto_adjust=False, keepna=True)
    closes = frame["Close"].dropna()

    assert ticker.history_metadata["currency"] == currency
    assert ticker.history_metadata["instrumentType"] == "CURRENCY"
    assert str(frame.index.tz) == "Europe/London"
    assert days(frame)[-1] == PRICES_THROUGH
    assert closes.iloc[-1] == pytest.approx(rate, abs=1e-6)
    assert closes.between(rate * 0.8, rate * 1.2).all()


# --- "today" moves ---------------------------------------------------------------------------


def test_moving_today_forward_adds_bars_and_restates_adjusted_closes(fake, client):
    friday = history(client, "ANN.AX")
    fake.prices_through = datetime.date(2026, 11, 30)  # a Monday, and ANN's ex-date
    YfData.cache_get.cache_clear()
    monday = history(client, "ANN.AX")

    assert days(monday) == days(friday) + [datetime.date(2026, 11, 30)]
    assert monday["Dividends"].iloc[-1] == fake.price_series("ANN.AX").dividends[-1].amount > 0
    assert column(monday, "Close")[:-1] == column(friday, "Close")  # no split: closes stay
    earlier = friday["Close"].notna()
    assert (monday["Adj Close"].iloc[:-1][earlier] < friday["Adj Close"][earlier]).all()


def test_a_fake_set_to_an_earlier_day_serves_up_to_it():
    with FakeYahoo(prices_through=datetime.date(2025, 6, 30)) as fake:
        assert fake.price_series("BHP.AX").bars[-1].day == datetime.date(2025, 6, 30)
        assert fake.price_series("bhp.ax").dividends[-1].day == datetime.date(2025, 3, 5)


# --- errors and costs --------------------------------------------------------------------


def test_unknown_and_delisted_symbols_get_yahoos_404(fake, client):
    for symbol in ("APS.AX", "NOPE=X"):
        response = client.session.get(f"{CHART}{symbol}?range=1d&interval=1d")
        assert response.status_code == 404
        assert response.json() == {
            "chart": {
                "result": None,
                "error": {
                    "code": "Not Found",
                    "description": "No data found, symbol may be delisted",
                },
            }
        }
    response = client.session.get(f"{CHART}BHP.AX?range=1mo&interval=1wk")
    assert response.status_code == 400
    assert response.json()["chart"]["error"]["code"] == "Bad Request"


@pytest.mark.parametrize(
    ("info_fallbacks_used", "raised"),
    [(0, NoSuchSymbol), (2, YFTzMissingError)],
    ids=["first-two-in-a-process", "later"],
)
def test_unknown_symbol_raises(monkeypatch, client, info_fallbacks_used, raised):
    # With no time zone from the chart, yfinance asks Ticker.info for one, but only twice
    # per process (a module-level counter): quoteSummary's 404 is then our NoSuchSymbol, and
    # afterwards yfinance's own YFTzMissingError (a YFTickerMissingError).
    monkeypatch.setattr(yfinance.base, "_tz_info_fetch_ctr", info_fallbacks_used)
    with pytest.raises(raised):
        history(client, "APS.AX")
    assert issubclass(YFTzMissingError, YFTickerMissingError)


@pytest.mark.parametrize(
    ("mode", "raised"),
    [
        ("429", RateLimited),
        ("500", YahooUnavailable),
        ("timeout", YahooUnavailable),
        ("malformed", json.JSONDecodeError),
    ],
)
def test_chart_faults_raise(fake, tmp_path, mode, raised):
    client = YahooClient(
        base_url=fake.base_url,
        requests_per_second=200,
        timeout=1,
        cache_dir=tmp_path,
        pause_on_429=0.05,
        max_pause_on_429=0.2,
    )
    fake.set_fault(mode, endpoint="chart", symbol="GAP.AX")
    try:
        with pytest.raises(raised):
            history(client, "GAP.AX")
    finally:
        client.close()
    assert fake.count(endpoint="chart", symbol="GAP.AX") == 1


def test_null_point_on_chart_is_one_more_missing_close(fake, client):
    fake.set_fault("null_point", endpoint="chart", symbol="NOS.AX")
    frame = history(client, "NOS.AX")
    holes = [bar for bar in fake.price_series("NOS.AX").bars if bar.close is None]

    assert frame["Close"].isna().sum() == len(holes) + 1
    assert frame["Open"].isna().sum() == len(holes)


def test_history_costs_a_time_zone_lookup_once_then_one_chart_request(fake, client):
    symbol = "QFC.AX"  # generated, and asked for by no other test: its time zone is not cached
    history(client, symbol)
    first = fake.count(endpoint="chart", symbol=symbol)
    history(client, symbol)

    assert first == 2  # range=1d for meta.exchangeTimezoneName, then the bars
    assert fake.count(endpoint="chart", symbol=symbol) == 3
    assert [s.endpoint for s in fake.seen if s.endpoint not in ("cookie", "crumb")] == ["chart"] * 3
