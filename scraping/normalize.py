"""yfinance's pandas frames and info dict -> plain Python values.

Owns the shapes the rest of the project stores: a `StatementPeriod` per statement column, a
profile dict, and a `PriceHistory` of daily bars, dividends and splits. Nothing numpy or pandas
leaves this module: whole figures are `int`, fractional ones `decimal.Decimal` (built from
`str()`; prices are floats, exactly as Yahoo gave them), and a figure Yahoo did not report is
`None`, never 0 (zero is a reported figure, absence is not).
"""

import datetime
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from scraping.asx import clean_text
from scraping.errors import MalformedPayload, NoStatements

# What fetching distinguishes (companies.statements.vocabulary names them for the site; a test
# keeps the two in step).
STATEMENTS = ("income", "balance", "cashflow")
PERIOD_TYPES = ("annual", "quarterly", "ttm")

# Yahoo's "quarterly" series holds quarters or (for most ASX companies) half-years; a gap
# longer than this between two of its period ends means Yahoo skipped periods in between.
LONGEST_INTERIM_MONTHS = 6
NOMINAL_INTERIM_MONTHS = 3  # what Yahoo calls every interim period ("3M"), right or not
DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class StatementPeriod:
    statement: str  # "income" | "balance" | "cashflow"
    period_type: str  # "annual" | "quarterly" | "ttm" (quarterly includes half-years)
    end: datetime.date
    months: int  # the period's real length: 12, 6, 3 ... (see statement_periods)
    currency: str  # the reporting currency, e.g. "USD" for BHP
    values: dict[str, int | Decimal | None]  # raw Yahoo key -> figure; None = not reported


@dataclass(frozen=True)
class CompanyFundamentals:
    profile: dict  # see profile_fields
    periods: list[StatementPeriod]


def plain_number(value) -> int | Decimal | None:
    """One cell of a yfinance frame as plain Python: NaN/None/inf -> None, a whole number -> int,
    anything else -> Decimal(str(value)). Raises TypeError for a non-number."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        raise TypeError(f"not a figure: {value!r}")
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, float | np.floating):
        number = float(value)
        if not math.isfinite(number):
            return None
        if number.is_integer():
            return int(number)
        return Decimal(str(number))
    raise TypeError(f"not a figure: {value!r}")


def months_between(earlier: datetime.date, later: datetime.date) -> int:
    """Whole months from one period end to the next, rounded: 31 Dec -> 30 Jun is 6, and so
    is a 52/53-week half-year ending on a Sunday in late June."""
    return round((later - earlier).days / DAYS_PER_MONTH)


def _frame_ends(frame: pd.DataFrame) -> list[datetime.date]:
    ends = []
    for column in frame.columns:
        try:
            ends.append(pd.Timestamp(column).date())
        except (TypeError, ValueError) as exc:
            raise ValueError(f"statement column is not a period end date: {column!r}") from exc
    return ends


def _interim_gaps(ends: Iterable[datetime.date]) -> list[int]:
    ordered = sorted(set(ends))
    return [months_between(a, b) for a, b in zip(ordered, ordered[1:], strict=False)]


def quarterly_cadence(frames: Iterable[pd.DataFrame]) -> int | None:
    """The shortest plausible gap (1-6 months) between the interim period ends of all of one
    company's quarterly frames together, or None when they show no such gap. Used for a
    quarterly frame holding a single period, whose length its own dates cannot tell."""
    ends = [end for frame in frames if not frame.empty for end in _frame_ends(frame)]
    gaps = [gap for gap in _interim_gaps(ends) if 1 <= gap <= LONGEST_INTERIM_MONTHS]
    return min(gaps) if gaps else None


def _interim_months(ends: list[datetime.date], fallback: int) -> dict[datetime.date, int]:
    ordered = sorted(set(ends))
    gaps = _interim_gaps(ordered)
    plausible = [gap for gap in gaps if 1 <= gap <= LONGEST_INTERIM_MONTHS]
    cadence = min(plausible) if plausible else fallback
    months = {}
    for i, end in enumerate(ordered):
        # A period runs from the previous period end; the oldest has no previous one in view,
        # so it takes the gap to the next.
        gap = gaps[i - 1] if i > 0 else (gaps[0] if gaps else None)
        months[end] = gap if gap is not None and 1 <= gap <= LONGEST_INTERIM_MONTHS else cadence
    return months


def statement_periods(
    frame: pd.DataFrame,
    *,
    statement: str,
    period_type: str,
    currency: str,
    fallback_months: int = NOMINAL_INTERIM_MONTHS,
) -> list[StatementPeriod]:
    """A yfinance statement frame (raw line-item keys x period-end columns, float64 with NaN,
    as `get_income_stmt(pretty=False)` returns it) -> one StatementPeriod per column, oldest
    first. An empty frame gives []; a column with no figure at all is dropped.

    `months` is the period's real length, whatever Yahoo calls it:
    - annual and ttm periods are 12;
    - a quarterly period runs from the previous period end in the same frame (rounded to
      whole months), so ASX half-years come out as 6; the oldest period takes the gap to the
      next one;
    - a gap longer than 6 months means Yahoo skipped periods, so such a period takes the
      frame's shortest gap of 1-6 months;
    - a quarterly frame with one period (or no usable gap) takes `fallback_months`: the
      caller passes the cadence of the company's other quarterly frames (`quarterly_cadence`)
      and otherwise Yahoo's nominal 3.
    """
    if statement not in STATEMENTS:
        raise ValueError(f"statement must be one of {STATEMENTS}, not {statement!r}")
    if period_type not in PERIOD_TYPES:
        raise ValueError(f"period_type must be one of {PERIOD_TYPES}, not {period_type!r}")
    if frame.empty:
        return []
    ends = _frame_ends(frame)
    if len(set(ends)) != len(ends):
        raise ValueError(f"{statement} {period_type}: two columns end on the same date")
    if period_type == "quarterly":
        months = _interim_months(ends, fallback_months)
    else:
        months = dict.fromkeys(ends, 12)

    keys = [str(key) for key in frame.index]
    periods = []
    for position, end in sorted(enumerate(ends), key=lambda item: item[1]):
        column = frame.iloc[:, position].tolist()
        values = {key: plain_number(cell) for key, cell in zip(keys, column, strict=True)}
        if all(value is None for value in values.values()):
            continue
        periods.append(
            StatementPeriod(
                statement=statement,
                period_type=period_type,
                end=end,
                months=months[end],
                currency=currency,
                values=values,
            )
        )
    return periods


def _text(value) -> str | None:
    """Yahoo's text as it may be shown (no control or bidirectional-control characters, one
    space between words), or None when nothing is left."""
    if value is None:
        return None
    return clean_text(str(value)) or None


def _whole(value) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = plain_number(value)
    except TypeError:
        return None
    return int(number) if number is not None else None


def _address(info: dict) -> str | None:
    locality = " ".join(
        part for part in (_text(info.get(k)) for k in ("city", "state", "zip")) if part
    )
    parts = [_text(info.get(k)) for k in ("address1", "address2", "address3")]
    parts += [locality, _text(info.get("country"))]
    return ", ".join(part for part in parts if part) or None


def profile_fields(info: dict) -> dict:
    """yfinance's `Ticker.info` -> the profile we keep, plain and JSON-able. Every key is always
    present; a field Yahoo did not give is None. `long_name` falls back to Yahoo's short name;
    `financial_currency` is the currency the statements are in (BHP: USD, trading in AUD)."""
    return {
        "long_name": _text(info.get("longName")) or _text(info.get("shortName")),
        "sector": _text(info.get("sector")),
        "industry": _text(info.get("industry")),
        "website": _text(info.get("website")),
        "address": _address(info),
        "phone": _text(info.get("phone")),
        "employees": _whole(info.get("fullTimeEmployees")),
        "summary": _text(info.get("longBusinessSummary")),
        "currency": _text(info.get("currency")),
        "financial_currency": _text(info.get("financialCurrency")),
        "market_cap": _whole(info.get("marketCap")),
        "shares_outstanding": _whole(info.get("sharesOutstanding")),
        "exchange": _text(info.get("exchange")) or _text(info.get("fullExchangeName")),
    }


def statement_currency(info: dict) -> str | None:
    """The currency a company's statements are in: Yahoo's financialCurrency, else the trading
    currency. yfinance drops each data point's own currencyCode, so this is all there is."""
    return _text(info.get("financialCurrency")) or _text(info.get("currency"))


def company_fundamentals(
    symbol: str, info: dict, frames: dict[tuple[str, str], pd.DataFrame]
) -> CompanyFundamentals:
    """yfinance's `info` and its statement frames, keyed (statement, period_type) -> one
    company's fundamentals. Raises NoStatements (carrying the profile, `profile_fields(info)`)
    when no frame holds a figure, MalformedPayload when the profile names no currency or a
    frame cannot be read."""
    profile = profile_fields(info)
    if all(frame.empty for frame in frames.values()):
        raise NoStatements(f"{symbol}: Yahoo has a profile but no statements", profile=profile)
    currency = statement_currency(info)
    if currency is None:
        raise MalformedPayload(f"{symbol}: no financialCurrency or currency in the profile")
    periods = []
    try:
        cadence = quarterly_cadence(
            frame for (_, period_type), frame in frames.items() if period_type == "quarterly"
        )
        for (statement, period_type), frame in frames.items():
            periods += statement_periods(
                frame,
                statement=statement,
                period_type=period_type,
                currency=currency,
                fallback_months=cadence or NOMINAL_INTERIM_MONTHS,
            )
    except (TypeError, ValueError) as exc:
        raise MalformedPayload(f"{symbol} statements: {exc}") from exc
    if not periods:
        raise NoStatements(f"{symbol}: Yahoo's statements hold no figures", profile=profile)
    return CompanyFundamentals(profile=profile, periods=periods)


# --- prices -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceHistory:
    """Daily bars, dividends and splits of one symbol, plain and oldest first.

    `bars`: [ISO date, open, high, low, close, adj_close, volume] with `close` adjusted for
    splits only and `adj_close` for splits and dividends, exactly as Yahoo gave them (floats;
    volume int), None where Yahoo has a hole. `dividends`: [ISO ex-date, amount per share] in
    `currency`; `splits`: [ISO date, ratio] (2.0 for 2:1)."""

    symbol: str
    currency: str | None
    bars: list[list]
    dividends: list[list]
    splits: list[list]


_BAR_COLUMNS = ("Open", "High", "Low", "Close", "Adj Close", "Volume")


def _price(value) -> float | None:
    number = plain_number(value)
    return None if number is None else float(number)


def price_history(frame: pd.DataFrame, *, symbol: str, currency: str | None) -> PriceHistory:
    """yfinance's `history(auto_adjust=False, actions=True, keepna=True)` frame (a row per
    trading day, indexed by the exchange's local time) -> PriceHistory. The date of a bar is its
    trading day in the exchange's time zone. A row with no price and no event is a hole: kept,
    with None figures. Raises ValueError for a frame without Yahoo's price columns."""
    missing = [column for column in _BAR_COLUMNS if column not in frame.columns]
    if missing and not frame.empty:
        raise ValueError(f"{symbol}: price frame lacks {', '.join(missing)}")
    bars, dividends, splits = [], [], []
    for moment, row in frame.iterrows():
        day = pd.Timestamp(moment).date().isoformat()
        dividend = _price(row.get("Dividends"))
        split = _price(row.get("Stock Splits"))
        if dividend:
            dividends.append([day, dividend])
        if split:
            splits.append([day, split])
        prices = [_price(row[column]) for column in _BAR_COLUMNS[:5]]
        volume = plain_number(row["Volume"])
        if all(value is None for value in prices) and (dividend or split):
            continue  # an event on a day without a bar of its own
        if all(value is None for value in prices):
            volume = None  # yfinance fills a hole's volume with 0; Yahoo gave none
        bars.append([day, *prices, None if volume is None else int(volume)])
    bars.sort(key=lambda bar: bar[0])
    return PriceHistory(
        symbol=symbol,
        currency=currency,
        bars=_unique_days(bars),
        dividends=sorted(dividends),
        splits=sorted(splits),
    )


def _unique_days(bars: list[list]) -> list[list]:
    """One bar per day: where Yahoo gives two rows for a day, the one with a close wins."""
    by_day: dict[str, list] = {}
    for bar in bars:
        kept = by_day.get(bar[0])
        if kept is None or (kept[4] is None and bar[4] is not None):
            by_day[bar[0]] = bar
    return list(by_day.values())
