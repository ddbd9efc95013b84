"""The fake Yahoo's answers: a company's figures as Yahoo's JSON payloads, test-only.

`quote_summary_payload` (/v10/finance/quoteSummary, the modules asked for), `quote_payload`
(/v7/finance/quote), `timeseries_payload` (/ws/fundamentals-timeseries, exactly the `type=`
names asked for, within period1..period2), `not_found_payload` (an unknown or delisted
symbol), `chart_payload` (/v8/finance/chart: a tests.fakes.prices series, within `range=` or
period1..period2) and `chart_error_payload`, each in the shape of the payloads recorded in
shared/data/yahoo-shapes/.
"""

import calendar
import datetime
import re
import time
import zlib
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from tests.fakes.companies import FakeCompany
from tests.fakes.prices import PriceSeries

PERIOD_TYPES = {"annual": "12M", "quarterly": "3M", "trailing": "TTM"}  # Yahoo's labels


def _epoch(day: datetime.date) -> int:
    return calendar.timegm(day.timetuple())


def _fmt(value: float | int) -> str:
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.2f}{suffix}"
    return f"{value:.2f}"


def quote_summary_payload(company: FakeCompany, modules: Iterable[str]) -> dict:
    p = company.profile
    now = int(time.time())
    market_cap = int(p["price"] * p["sharesOutstanding"])
    revenue = company.points.get("annualTotalRevenue", {})
    latest_revenue = revenue[max(revenue)] if revenue else None
    known = {
        "assetProfile": {
            **{
                key: p[key]
                for key in ("address1", "address2", "city", "state", "zip", "country", "phone")
                if key in p
            },
            "website": p["website"],
            "industry": p["industry"],
            "industryKey": p["industry"].lower().replace(" ", "-"),
            "industryDisp": p["industry"],
            "sector": p["sector"],
            "sectorKey": p["sector"].lower().replace(" ", "-"),
            "sectorDisp": p["sector"],
            "longBusinessSummary": p["longBusinessSummary"],
            "fullTimeEmployees": p["fullTimeEmployees"],
            "companyOfficers": [],
            "executiveTeam": [],
            "maxAge": 86400,
        },
        "financialData": {
            "maxAge": 86400,
            "currentPrice": p["price"],
            "totalRevenue": latest_revenue,
            "revenuePerShare": round(latest_revenue / p["sharesOutstanding"], 3)
            if latest_revenue
            else None,
            "recommendationKey": "none",
            "financialCurrency": p["financialCurrency"],
        },
        "quoteType": {
            "exchange": "ASX",
            "quoteType": "EQUITY",
            "symbol": company.symbol,
            "underlyingSymbol": company.symbol,
            "shortName": p["shortName"],
            "longName": p["longName"],
            "firstTradeDateEpochUtc": 946854000,
            "timeZoneFullName": "Australia/Sydney",
            "timeZoneShortName": "AEST",
            "uuid": f"{zlib.crc32(company.symbol.encode()):08x}-fake-3c18-89f9-c1fdf4a819fb",
            "messageBoardId": f"finmb_{zlib.crc32(company.symbol.encode())}",
            "gmtOffSetMilliseconds": 36000000,
            "maxAge": 1,
        },
        "defaultKeyStatistics": {
            "maxAge": 1,
            "priceHint": 2,
            "sharesOutstanding": p["sharesOutstanding"],
            "impliedSharesOutstanding": p["sharesOutstanding"],
            "enterpriseValue": int(market_cap * 1.1),
            "category": None,
            "fundFamily": None,
            "lastSplitFactor": None,
        },
        "summaryDetail": {
            "maxAge": 1,
            "priceHint": 2,
            "previousClose": p["price"],
            "open": p["price"],
            "regularMarketPreviousClose": p["price"],
            "marketCap": market_cap,
            "currency": p["currency"],
            "fromCurrency": None,
            "toCurrency": None,
            "lastMarket": None,
            "tradeable": False,
        },
        "price": {
            "maxAge": 1,
            "regularMarketPrice": p["price"],
            "regularMarketTime": now,
            "exchange": "ASX",
            "exchangeName": "ASX",
            "quoteType": "EQUITY",
            "symbol": company.symbol,
            "shortName": p["shortName"],
            "longName": p["longName"],
            "currency": p["currency"],
            "marketCap": market_cap,
        },
    }
    result = {name: known[name] for name in modules if name in known}
    return {"quoteSummary": {"result": [result], "error": None}}


def quote_payload(company: FakeCompany) -> dict:
    p = company.profile
    return {
        "quoteResponse": {
            "result": [
                {
                    "language": "en-US",
                    "region": "US",
                    "quoteType": "EQUITY",
                    "typeDisp": "Equity",
                    "quoteSourceName": "Delayed Quote",
                    "currency": p["currency"],
                    "exchange": "ASX",
                    "fullExchangeName": "ASX",
                    "market": "au_market",
                    "marketState": "CLOSED",
                    "exchangeTimezoneName": "Australia/Sydney",
                    "exchangeTimezoneShortName": "AEST",
                    "gmtOffSetMilliseconds": 36000000,
                    "shortName": p["shortName"],
                    "longName": p["longName"],
                    "financialCurrency": p["financialCurrency"],
                    "regularMarketPrice": p["price"],
                    "regularMarketTime": int(time.time()),
                    "sharesOutstanding": p["sharesOutstanding"],
                    "marketCap": int(p["price"] * p["sharesOutstanding"]),
                    "esgPopulated": False,
                    "tradeable": False,
                    "triggerable": False,
                    "symbol": company.symbol,
                }
            ],
            "error": None,
        }
    }


def timeseries_payload(
    company: FakeCompany | None, symbol: str, types: Iterable[str], period1: int, period2: int
) -> dict:
    """One entry per type asked for, in Yahoo's shape: `meta` alone when there is no figure."""
    result = []
    currency = company.financial_currency if company else None
    for type_name in types:
        entry: dict = {"meta": {"symbol": [symbol], "type": [type_name]}}
        prefix = next((p for p in PERIOD_TYPES if type_name.startswith(p)), None)
        points = company.points.get(type_name, {}) if company else {}
        ends = sorted(end for end in points if period1 <= _epoch(end) <= period2)
        if ends and prefix:
            entry["timestamp"] = [_epoch(end) for end in ends]
            entry[type_name] = [
                {
                    "dataId": 20000 + zlib.crc32(type_name.encode()) % 1000,
                    "asOfDate": end.isoformat(),
                    "periodType": PERIOD_TYPES[prefix],
                    "currencyCode": currency,
                    "reportedValue": {"raw": points[end], "fmt": _fmt(points[end])},
                }
                for end in ends
            ]
        result.append(entry)
    return {"timeseries": {"result": result, "error": None}}


def not_found_payload(symbol: str) -> dict:
    return {
        "quoteSummary": {
            "result": None,
            "error": {"code": "Not Found", "description": f"Quote not found for symbol: {symbol}"},
        }
    }


VALID_RANGES = ("1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max")
_RANGE = re.compile(r"([1-9][0-9]*)(d|wk|mo|y)")


def chart_error_payload(code: str, description: str) -> dict:
    """Yahoo's chart error: ("Not Found", "No data found, symbol may be delisted")."""
    return {"chart": {"result": None, "error": {"code": code, "description": description}}}


def _months_before(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return datetime.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def range_start(series: PriceSeries, range_name: str) -> int:
    """The first timestamp a `range=` takes, counted back from the series' last day: "5d" is
    the last five bars, "1mo" the days after the same date a month before, "ytd" this year,
    "max" everything. Raises ValueError for a range Yahoo would refuse."""
    if range_name == "max" or not series.bars:
        return -(2**40)
    last = series.bars[-1].day
    if range_name == "ytd":
        since = datetime.date(last.year, 1, 1) - datetime.timedelta(days=1)
    else:
        match = _RANGE.fullmatch(range_name)
        if match is None:
            raise ValueError(
                f"Invalid input - range={range_name} is not supported. "
                f"Valid ranges: [{', '.join(VALID_RANGES)}]"
            )
        count, unit = int(match.group(1)), match.group(2)
        if unit == "d":
            return series.bars[-min(count, len(series.bars))].timestamp
        if unit == "wk":
            since = last - datetime.timedelta(weeks=count)
        else:
            since = _months_before(last, count if unit == "mo" else 12 * count)
    return next((bar.timestamp for bar in series.bars if bar.day > since), 2**40)


def _trading_period(series: PriceSeries, day: datetime.date, start, end) -> dict:
    zone = ZoneInfo(series.timezone)
    opens = datetime.datetime.combine(day, start, tzinfo=zone)
    closes = datetime.datetime.combine(day, end, tzinfo=zone)
    return {
        "timezone": opens.tzname(),
        "start": int(opens.timestamp()),
        "end": int(closes.timestamp()),
        "gmtoffset": int(opens.utcoffset().total_seconds()),
    }


def _chart_meta(series: PriceSeries, shown: PriceSeries, range_name: str | None) -> dict:
    priced = [bar for bar in series.bars if bar.close is not None]
    last = priced[-1] if priced else None
    today = series.bars[-1].day if series.bars else series.through
    year = [bar for bar in priced if bar.day > _months_before(today, 12)]
    before = [bar for bar in priced if shown.bars and bar.timestamp < shown.bars[0].timestamp]
    previous = (
        before[-1] if before else next((bar for bar in shown.bars if bar.close is not None), last)
    )
    opens, closes = series.hours
    regular = _trading_period(series, today, opens, closes)
    if series.instrument_type == "EQUITY":  # ASX: pre-open from 07:00, after-hours to 19:00
        pre = _trading_period(series, today, datetime.time(7), opens)
        post = _trading_period(series, today, closes, datetime.time(19))
    else:
        pre, post = dict(regular, end=regular["start"]), dict(regular, start=regular["end"])
    return {
        "currency": series.currency,
        "symbol": series.symbol,
        "exchangeName": series.exchange_name,
        "fullExchangeName": series.exchange_name,
        "instrumentType": series.instrument_type,
        "firstTradeDate": series.bars[0].timestamp if series.bars else None,
        "regularMarketTime": regular["end"] + (600 if series.instrument_type == "EQUITY" else 0),
        "hasPrePostMarketData": False,
        "gmtoffset": regular["gmtoffset"],
        "timezone": regular["timezone"],
        "exchangeTimezoneName": series.timezone,
        "regularMarketPrice": last.close if last else None,
        "fiftyTwoWeekHigh": max((bar.high for bar in year), default=None),
        "fiftyTwoWeekLow": min((bar.low for bar in year), default=None),
        "regularMarketDayHigh": last.high if last else None,
        "regularMarketDayLow": last.low if last else None,
        "regularMarketVolume": last.volume if last else None,
        "longName": series.long_name,
        "shortName": series.short_name,
        "chartPreviousClose": previous.close if previous else None,
        "priceHint": series.price_hint,
        "currentTradingPeriod": {"pre": pre, "regular": regular, "post": post},
        "dataGranularity": "1d",
        "range": range_name or "",
        "validRanges": list(VALID_RANGES),
    }


def chart_payload(
    series: PriceSeries,
    *,
    range_name: str | None = None,
    period1: int | None = None,
    period2: int | None = None,
    events: Iterable[str] = (),
) -> dict:
    """/v8/finance/chart for `series`: the bars with period1 <= timestamp < period2 (epoch
    seconds; either may be None), or, without either, those of `range_name` (see
    `range_start`; None: "1mo"). `events` as in Yahoo's `events=div,splits,capitalGains`:
    dividends and splits within the window come only when asked for. A window without bars
    has meta and empty indicators, as Yahoo answers it. Raises ValueError for a bad range."""
    if period1 is None and period2 is None:
        start, end, shown_range = range_start(series, range_name or "1mo"), 2**40, range_name
    else:
        start = -(2**40) if period1 is None else period1
        end = 2**40 if period2 is None else period2
        shown_range = None
    shown = series.window(start, end)
    result: dict = {"meta": _chart_meta(series, shown, shown_range)}
    if not shown.bars:
        result["indicators"] = {"quote": [{}], "adjclose": [{}]}
        return {"chart": {"result": [result], "error": None}}
    result["timestamp"] = [bar.timestamp for bar in shown.bars]
    wanted = set(events)
    found: dict = {}
    if "div" in wanted and shown.dividends:
        found["dividends"] = {
            str(d.timestamp): {"amount": d.amount, "date": d.timestamp} for d in shown.dividends
        }
    if wanted & {"split", "splits"} and shown.splits:
        found["splits"] = {
            str(s.timestamp): {
                "date": s.timestamp,
                "numerator": s.numerator,
                "denominator": s.denominator,
                "splitRatio": s.ratio,
            }
            for s in shown.splits
        }
    if found:
        result["events"] = found
    bars = shown.bars
    result["indicators"] = {
        "quote": [
            {
                "close": [bar.close for bar in bars],
                "open": [bar.open for bar in bars],
                "volume": [bar.volume for bar in bars],
                "high": [bar.high for bar in bars],
                "low": [bar.low for bar in bars],
            }
        ],
        "adjclose": [{"adjclose": [bar.adjclose for bar in bars]}],
    }
    return {"chart": {"result": [result], "error": None}}
