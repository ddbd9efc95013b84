"""The fake Yahoo's answers: a company's figures as Yahoo's JSON payloads, test-only.

`quote_summary_payload` (/v10/finance/quoteSummary, the modules asked for), `quote_payload`
(/v7/finance/quote), `timeseries_payload` (/ws/fundamentals-timeseries, exactly the `type=`
names asked for, within period1..period2) and `not_found_payload` (an unknown or delisted
symbol), each in the shape of the payloads recorded in shared/data/yahoo-shapes/.
"""

import calendar
import datetime
import time
import zlib
from collections.abc import Iterable

from tests.fakes.companies import FakeCompany

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
