"""The fake Yahoo's prices: daily bars, dividends and splits of its companies, and exchange
rates, as plain Python, test-only.

`company_series` gives a company's bars on ASX trading days (weekdays less a few fixed
holidays) from its listing to the fake's "today" (`through`, default `PRICES_THROUGH`), and
`fx_series` the daily rates of an `AUDxxx=X` symbol. Both follow Yahoo's conventions as the
recordings in shared/data/yahoo-shapes/chart-*.json show them: a bar's timestamp is the
trading day's open in exchange time, `close` is adjusted for splits only, `adjclose` for
splits and dividends, dividends are amounts per share on the ex-date, and every price is a
float32 widened to a float. Adjustments are as of `through`: a split or dividend after it is
not known yet, so moving "today" over one restates every earlier close or adjusted close, as
Yahoo does.

What a fixture company trades like (listing, volatility, dividends, splits) is its "prices"
entry in tests/fixtures/yahoo_companies.json; a generated company's is seeded from its
symbol. The walk is seeded from the symbol too and anchored so that the close on
`PRICES_THROUGH` is the company's profile "price"; a bar's values never depend on `through`
except through the adjustments. Bar number 150, 350, 550, ... of a series (counted from its
first bar) is a hole: every field None, as Yahoo leaves gaps.
"""

import dataclasses
import datetime
import math
import random
import re
import struct
import zlib
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from tests.fakes.companies import FakeCompany

PRICES_THROUGH = datetime.date(2026, 11, 27)  # the fake's default "today", a Friday
ASX_TIMEZONE = "Australia/Sydney"
FX_TIMEZONE = "Europe/London"
ASX_HOURS = (datetime.time(10), datetime.time(16))  # a bar's timestamp is the open
FX_HOURS = (datetime.time(0), datetime.time(23, 59))
FX_LISTED = datetime.date(2015, 1, 1)
FX_SYMBOL = re.compile(r"AUD([A-Z]{3})=X")
FX_RATES = {  # units of the currency per Australian dollar, about
    "USD": 0.65,
    "NZD": 1.09,
    "EUR": 0.60,
    "GBP": 0.51,
    "JPY": 98.0,
    "CNY": 4.7,
    "HKD": 5.1,
    "SGD": 0.87,
    "CAD": 0.90,
}
HOLE_EVERY, HOLE_AT = 200, 150  # bar n is a hole when n % HOLE_EVERY == HOLE_AT
DRIFT = 0.0002  # per trading day, of log prices
REVERSION = 0.003  # per trading day, of a log price's deviation from its trend


@dataclass(frozen=True)
class Bar:
    """One day as Yahoo serves it; a hole has every value None."""

    day: datetime.date  # in exchange time
    timestamp: int  # epoch seconds of the day's open
    open: float | None
    high: float | None
    low: float | None
    close: float | None  # adjusted for splits only
    adjclose: float | None  # adjusted for splits and dividends
    volume: int | None  # adjusted for splits


@dataclass(frozen=True)
class Dividend:
    day: datetime.date  # the ex-date
    timestamp: int  # the ex-date's bar
    amount: float  # per share, in the trading currency, adjusted for later splits


@dataclass(frozen=True)
class Split:
    day: datetime.date
    timestamp: int
    numerator: int  # 2 and 1: each share became two
    denominator: int

    @property
    def ratio(self) -> str:
        return f"{self.numerator}:{self.denominator}"  # Yahoo's splitRatio


@dataclass(frozen=True)
class PriceSeries:
    """Everything the fake's chart endpoint knows of one symbol, as of `through`."""

    symbol: str
    currency: str
    instrument_type: str  # EQUITY or CURRENCY
    exchange_name: str  # ASX or CCY
    timezone: str  # the exchange's, IANA
    hours: tuple[datetime.time, datetime.time]  # regular session, exchange time
    long_name: str
    short_name: str
    price_hint: int  # decimals Yahoo suggests
    through: datetime.date
    bars: tuple[Bar, ...]
    dividends: tuple[Dividend, ...] = ()
    splits: tuple[Split, ...] = ()

    def window(self, start: int, end: int) -> "PriceSeries":
        """Bars and events with start <= timestamp < end (epoch seconds)."""

        def within(items):
            return tuple(item for item in items if start <= item.timestamp < end)

        return dataclasses.replace(
            self,
            bars=within(self.bars),
            dividends=within(self.dividends),
            splits=within(self.splits),
        )


@dataclass(frozen=True)
class PricePlan:
    """How a company trades: its "prices" entry in the fixture, or seeded."""

    listed: datetime.date
    volatility: float  # daily standard deviation of log returns
    dividend_months: tuple[int, ...] = ()
    dividend_day: int = 1  # ex-date: the first trading day on or after this day of the month
    dividend_yield: float = 0.0  # each dividend, as a share of the close before its ex-date
    splits: tuple[tuple[datetime.date, int, int], ...] = ()  # (day, numerator, denominator)


def plan_of(company: FakeCompany) -> PricePlan:
    """The company's plan from its fixture entry; seeded from its symbol when it has none."""
    spec = company.prices
    if not spec:
        return _seeded_plan(company.symbol)
    dividends = spec.get("dividends") or {}
    return PricePlan(
        listed=datetime.date.fromisoformat(spec["listed"]),
        volatility=spec["volatility"],
        dividend_months=tuple(dividends.get("months", ())),
        dividend_day=dividends.get("day", 1),
        dividend_yield=dividends.get("yield", 0.0),
        splits=tuple(
            (datetime.date.fromisoformat(s["date"]), s["numerator"], s["denominator"])
            for s in spec.get("splits", ())
        ),
    )


def _seeded_plan(symbol: str) -> PricePlan:
    """A generated company: listed 2004-2022, two dividends a year (March and September)."""
    rng = random.Random(zlib.crc32(f"{symbol}|plan".encode()))
    listed = datetime.date(2004, 1, 1) + datetime.timedelta(days=rng.randrange(19 * 365))
    return PricePlan(
        listed=listed,
        volatility=rng.uniform(0.012, 0.035),
        dividend_months=(3, 9),
        dividend_day=rng.randint(1, 10),
        dividend_yield=rng.uniform(0.008, 0.03),
    )


def _easter(year: int) -> datetime.date:
    """Easter Sunday (the anonymous Gregorian computus)."""
    a, (b, c) = year % 19, divmod(year, 100)
    d, e = divmod(b, 4)
    g = (b - (b + 8) // 25 + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    shift = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * shift) // 451
    month, day = divmod(h + shift - 7 * m + 114, 31)
    return datetime.date(year, month, day + 1)


def asx_holidays(year: int) -> set[datetime.date]:
    """Days the fake ASX is shut: New Year's Day, Australia Day, Good Friday, Easter Monday,
    Anzac Day, the King's Birthday (second Monday of June), Christmas and Boxing Day, on their
    dates (no Monday in lieu when one falls on a weekend: good enough for a fake)."""
    easter = _easter(year)
    june = datetime.date(year, 6, 1)
    kings_birthday = june + datetime.timedelta(days=(7 - june.weekday()) % 7 + 7)
    return {
        datetime.date(year, 1, 1),
        datetime.date(year, 1, 26),
        easter - datetime.timedelta(days=2),
        easter + datetime.timedelta(days=1),
        datetime.date(year, 4, 25),
        kings_birthday,
        datetime.date(year, 12, 25),
        datetime.date(year, 12, 26),
    }


def asx_trading_days(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """Trading days from `start` to `end`, both inclusive."""
    holidays: set[datetime.date] = set()
    for year in range(start.year, end.year + 1):
        holidays |= asx_holidays(year)
    return [day for day in _weekdays(start, end) if day not in holidays]


def _weekdays(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    days, day = [], start
    while day <= end:
        if day.weekday() < 5:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def _timestamp(day: datetime.date, at: datetime.time, timezone: str) -> int:
    return int(datetime.datetime.combine(day, at, tzinfo=ZoneInfo(timezone)).timestamp())


def _f32(value: float) -> float:
    """As Yahoo serves prices: a float32, widened (42.18 -> 42.18000030517578)."""
    return struct.unpack("f", struct.pack("f", value))[0]


def _tick(price: float) -> float:
    """An ASX price rounded to its tick: 0.1c under 10c, 0.5c under $2, else 1c."""
    tick = 0.001 if price < 0.1 else 0.005 if price < 2 else 0.01
    return round(max(tick, round(price / tick) * tick), 3)


def _jitter(symbol: str, day: datetime.date, key: str) -> float:
    return 1 + (zlib.crc32(f"{symbol}|{day}|{key}".encode()) % 2001 - 1000) / 10000


def _ex_dates(plan: PricePlan, days: list[datetime.date]) -> list[datetime.date]:
    """For each dividend month of each year, the first trading day on or after
    `dividend_day`; never the first bar (an ex-date needs a close before it)."""
    if not plan.dividend_months or not days:
        return []
    found = []
    for year in range(days[0].year, days[-1].year + 1):
        for month in plan.dividend_months:
            target = datetime.date(year, month, plan.dividend_day)
            day = next((d for d in days if d >= target), None)
            if day is not None and day > days[0]:
                found.append(day)
    return found


def _is_hole(n: int) -> bool:
    return n % HOLE_EVERY == HOLE_AT


def company_series(company: FakeCompany, *, through: datetime.date = PRICES_THROUGH) -> PriceSeries:
    """A listed company's daily bars, dividends and splits from its listing to `through`
    (inclusive), adjusted as Yahoo would have adjusted them on `through`."""
    symbol, plan = company.symbol, plan_of(company)
    days = asx_trading_days(plan.listed, max(through, PRICES_THROUGH))
    ex_dates = set(_ex_dates(plan, days))
    # A split on a day the fake ASX is shut takes effect on the next trading day.
    splits = [
        (next(d for d in days if d >= day), numerator, denominator)
        for day, numerator, denominator in plan.splits
        if day <= days[-1]
    ]

    # The walk, in today's shares (after every split): one fixed set of draws per day, so a
    # day's values do not depend on how far the series runs. The log price is a trend plus a
    # deviation pulled back towards it (so a price stays within a few times its level); the
    # trend grows by DRIFT plus the dividend yield, and drops by each dividend on its ex-date.
    rng = random.Random(zlib.crc32(f"{company.symbol}|bars".encode()))
    sigma, trend, deviation = plan.volatility, 0.0, 0.0
    growth = DRIFT - math.log(1 - plan.dividend_yield) * len(plan.dividend_months) / 252
    walk = []  # (log close, open gap, up, down, turnover, dividend yield)
    for n, day in enumerate(days):
        step, gap = rng.gauss(0, sigma), rng.gauss(0, sigma / 2)
        up, down = abs(rng.gauss(0, sigma * 0.6)), abs(rng.gauss(0, sigma * 0.6))
        turnover = rng.lognormvariate(0, 0.5)
        paid = plan.dividend_yield * _jitter(symbol, day, "dividend") if day in ex_dates else 0.0
        if n:
            trend += growth + math.log(1 - paid)
            deviation += step - REVERSION * deviation
        walk.append((trend + deviation, gap, up, down, turnover, paid))
    anchor = max(n for n, day in enumerate(days) if day <= PRICES_THROUGH)
    scale = company.profile.get("price", 1.0) / math.exp(walk[anchor][0])
    shares = company.profile.get("sharesOutstanding", 100_000_000)

    # What traded: before a split, prices were higher and share counts lower.
    def shares_per_old_share(day: datetime.date, *, until: datetime.date | None) -> float:
        factor = 1.0
        for split_day, numerator, denominator in splits:
            if day < split_day and (until is None or split_day <= until):
                factor *= numerator / denominator
        return factor

    bars, dividends, closes, traded_close = [], [], [], 0.0
    for day, (level, gap, up, down, turnover, paid) in zip(days, walk, strict=True):
        if day > through:
            break
        traded = shares_per_old_share(day, until=None)
        restate = shares_per_old_share(day, until=through)  # the splits Yahoo knows on `through`
        if paid:  # declared in cents per share of the day, on the close before the ex-date
            dividends.append((day, round(round(paid * traded_close, 4) / restate, 6)))
        traded_close = _tick(scale * math.exp(level) * traded)
        opening = _tick(traded_close * math.exp(gap))
        high = _tick(max(opening, traded_close) * math.exp(up))
        low = _tick(min(opening, traded_close) * math.exp(-down))
        volume = round(shares * 0.003 * turnover / traded * restate)
        closes.append(traded_close / restate)
        bars.append((day, opening / restate, high / restate, low / restate, volume))

    # Yahoo's adjusted close: each dividend multiplies every earlier close by
    # (1 - dividend / close the day before the ex-date).
    adjusted, factor = [0.0] * len(closes), 1.0
    paid_on = dict(dividends)
    for n in range(len(closes) - 1, -1, -1):
        adjusted[n] = closes[n] * factor
        if bars[n][0] in paid_on:
            factor *= 1 - paid_on[bars[n][0]] / closes[n - 1]

    def stamp(day: datetime.date) -> int:
        return _timestamp(day, ASX_HOURS[0], ASX_TIMEZONE)

    served = []
    for n, ((day, opening, high, low, volume), close) in enumerate(zip(bars, closes, strict=True)):
        if _is_hole(n):
            served.append(Bar(day, stamp(day), None, None, None, None, None, None))
        else:
            values = (_f32(opening), _f32(high), _f32(low), _f32(close), _f32(adjusted[n]))
            served.append(Bar(day, stamp(day), *values, volume))
    price = company.profile.get("price", 1.0)
    return PriceSeries(
        symbol=symbol,
        currency=company.profile.get("currency", "AUD"),
        instrument_type="EQUITY",
        exchange_name="ASX",
        timezone=ASX_TIMEZONE,
        hours=ASX_HOURS,
        long_name=company.profile.get("longName", symbol),
        short_name=company.profile.get("shortName", symbol),
        price_hint=3 if price < 1 else 2,
        through=through,
        bars=tuple(served),
        dividends=tuple(Dividend(day, stamp(day), amount) for day, amount in dividends),
        splits=tuple(
            Split(day, stamp(day), numerator, denominator)
            for day, numerator, denominator in splits
            if day <= through
        ),
    )


def fx_series(symbol: str, *, through: datetime.date = PRICES_THROUGH) -> PriceSeries | None:
    """Daily rates of `AUDxxx=X` (units of xxx per Australian dollar) on weekdays from
    FX_LISTED to `through`, at 00:00 London as Yahoo stamps them; None for another symbol.
    The rate wanders around FX_RATES' figure (a seeded one for a currency not in it)."""
    match = FX_SYMBOL.fullmatch(symbol)
    if match is None:
        return None
    currency = match.group(1)
    rng = random.Random(zlib.crc32(f"{symbol}|fx".encode()))
    rate = FX_RATES.get(currency) or round(10 ** rng.uniform(-1, 2), 4)
    days = _weekdays(FX_LISTED, max(through, PRICES_THROUGH))
    level, walk = 0.0, []
    for day in days:
        step, gap = rng.gauss(0, 0.005), rng.gauss(0, 0.002)
        up, down = abs(rng.gauss(0, 0.003)), abs(rng.gauss(0, 0.003))
        level += step - 0.01 * level  # pulled back towards the figure: rates mean-revert
        walk.append((day, level, gap, up, down))
    anchor = max(n for n, day in enumerate(days) if day <= PRICES_THROUGH)
    scale = rate / math.exp(walk[anchor][1])
    digits = 4 if rate < 10 else 2
    bars = []
    for n, (day, level, gap, up, down) in enumerate(walk):
        if day > through:
            break
        stamp = _timestamp(day, FX_HOURS[0], FX_TIMEZONE)
        if _is_hole(n):
            bars.append(Bar(day, stamp, None, None, None, None, None, None))
            continue
        close = round(scale * math.exp(level), digits)
        opening = round(close * math.exp(gap), digits)
        high = round(max(opening, close) * math.exp(up), digits)
        low = round(min(opening, close) * math.exp(-down), digits)
        bars.append(Bar(day, stamp, *map(_f32, (opening, high, low, close, close)), 0))
    return PriceSeries(
        symbol=symbol,
        currency=currency,
        instrument_type="CURRENCY",
        exchange_name="CCY",
        timezone=FX_TIMEZONE,
        hours=FX_HOURS,
        long_name=f"AUD/{currency}",
        short_name=f"AUD/{currency}",
        price_hint=4,
        through=through,
        bars=tuple(bars),
    )
