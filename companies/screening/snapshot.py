"""A company's metrics snapshot: every figure a screen can ask about, worked out when the data
behind it is written, in a compact form that a screen reads for all 2,109 companies at once.
Pure: no I/O.

A snapshot has three parts, each written by the job that owns its data, so that no job
overwrites another's figures and no write has to read first:
- directory (the directory load): name, industry group, listing date, the ASX's market cap;
- statements (the fundamentals refresh): the latest fiscal year's figures from key_figures,
  money converted to A$ at the exchange rate of the period end, the reporting currency and the
  rate used;
- prices (the prices refresh): the last close, the price-based market cap and the valuation
  multiples, as the company item's quote and valuation hold them.

Each part is a JSON array, `[version, value, value, ...]` in the order of its FIELDS (trailing
missing values left out), so that a snapshot costs a few hundred bytes: a cold read of every
company stays one paginated Query of a few dozen read units. Ratios keep six significant figures
and money whole A$; a part of another version reads as absent until it is rebuilt.
"""

import datetime
import json
import math
from collections.abc import Callable
from dataclasses import dataclass

from companies import ratios
from companies.market.valuation import Rate
from companies.screening.metrics import METRICS

VERSION = 1
AUD = "AUD"
SIGNIFICANT = 6

DIRECTORY_FIELDS = ("name", "industry_group", "listing_date", "market_cap")
STATEMENT_FIELDS = (
    "last_updated",  # ISO moment of the last successful fundamentals refresh
    "financial_currency",  # the reporting currency of the statements
    "period_end",  # the fiscal year the figures are of
    "fx_rate",  # units of the reporting currency per A$ at the period end, when converted
    "fx_date",
    "revenue",
    "revenue_growth",
    "net_income",
    "net_income_growth",
    "gross_margin",
    "operating_margin",
    "net_margin",
    "roe",
    "debt_to_equity",
    "current_ratio",
    "free_cash_flow",
    "eps",
)
PRICE_FIELDS = (
    "date",  # the close the figures are at
    "price",
    "market_cap",
    "pe",
    "pb",
    "ps",
    "ev_ebitda",
    "dividend_yield",
    "fcf_yield",
)
MONEY = ("revenue", "net_income", "free_cash_flow", "eps")  # in the reporting currency first
WHOLE_DOLLARS = ("revenue", "net_income", "free_cash_flow", "market_cap")
MULTIPLES = ("pe", "pb", "ps", "ev_ebitda", "dividend_yield", "fcf_yield")
# key_figures' name of a figure, where it is not the metric's
FIGURE_KEYS = {"roe": "return_on_equity"}


def _compact(name: str, value):
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not math.isfinite(value):
        return None
    if name in WHOLE_DOLLARS:
        return int(round(value))
    if isinstance(value, int):
        return value
    return float(f"{value:.{SIGNIFICANT}g}")


def encode(fields: tuple[str, ...], values: dict) -> str:
    """`values` ({field: value}) as a part: `[VERSION, ...]`, compact JSON."""
    row = [VERSION, *(_compact(name, values.get(name)) for name in fields)]
    while len(row) > 1 and row[-1] is None:
        row.pop()
    return json.dumps(row, separators=(",", ":"), ensure_ascii=False)


def decode(fields: tuple[str, ...], text: str | None) -> dict | None:
    """A part as {field: value}; None when there is none, or it is of another version."""
    if not text:
        return None
    try:
        row = json.loads(text)
    except ValueError:
        return None
    if not isinstance(row, list) or not row or row[0] != VERSION:
        return None
    values = row[1:]
    return {name: values[n] if n < len(values) else None for n, name in enumerate(fields)}


# --- building the parts ---------------------------------------------------------------------------


def directory_part(
    *, name: str, industry_group: str | None, listing_date: str | None, market_cap
) -> str:
    return encode(
        DIRECTORY_FIELDS,
        {
            "name": name,
            "industry_group": industry_group,
            "listing_date": listing_date,
            "market_cap": market_cap,
        },
    )


def exchange_rate_pair(currency: str) -> str:
    """Yahoo's symbol of the rate that converts `currency` into A$: "USD" -> "AUDUSD=X"."""
    return f"{AUD}{currency}=X"


def _first_at(table, end: datetime.date | None, *keys: str):
    """The figure at `end` of the first of `keys` the table reports (as key_figures picks it)."""
    if table is None or end is None:
        return None
    for key in keys:
        for item in table.items:
            if item.key == key and any(value is not None for value in item.values):
                return dict(zip((p.end for p in table.periods), item.values, strict=True)).get(end)
    return None


def iso_moment(moment: datetime.datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(datetime.UTC).replace(tzinfo=None).isoformat() + "Z"


def statement_figures(
    *,
    tables: dict,
    financial_currency: str | None,
    rate_at: Callable[[str, datetime.date], Rate | None],
) -> dict:
    """The statement metrics of the newest fiscal year in `tables` ({"income", "balance",
    "cashflow"} annual tables, newest first), money in A$: reported figures in another currency
    are divided by the rate `rate_at(currency, period end)` gives (units of that currency per
    A$), and are None without one, never left unconverted. Also the reporting currency, the
    period end and the rate used."""
    income = tables.get("income")
    end = income.periods[0].end if income is not None and income.periods else None
    currencies = [t.currency for t in tables.values() if t is not None and t.currency]
    currency = (income.currency if income is not None else None) or (
        currencies[0] if currencies else financial_currency
    )
    figures = {figure.key: figure.value for figure in ratios.key_figures(tables)}
    found = {
        name: figures.get(FIGURE_KEYS.get(name, name))
        for name in STATEMENT_FIELDS[5:]
        if name not in ("revenue", "net_income")
    }
    found["revenue"] = _first_at(income, end, "TotalRevenue", "OperatingRevenue")
    found["net_income"] = _first_at(income, end, "NetIncome", "NetIncomeCommonStockholders")
    rate = None
    if end is not None and currency and currency != AUD:
        rate = rate_at(currency, end)
    for name in MONEY:
        if found[name] is None:
            continue
        if not currency:
            found[name] = None  # an unknown currency is never compared as A$
        elif currency != AUD:
            found[name] = found[name] / rate.rate if rate else None
    return {
        **found,
        "financial_currency": currency,
        "period_end": end.isoformat() if end else None,
        "fx_rate": rate.rate if rate else None,
        "fx_date": rate.day.isoformat() if rate else None,
    }


def statements_part(
    *,
    tables: dict,
    financial_currency: str | None,
    last_updated: datetime.datetime | None,
    rate_at: Callable[[str, datetime.date], Rate | None],
) -> str:
    figures = statement_figures(
        tables=tables, financial_currency=financial_currency, rate_at=rate_at
    )
    return encode(STATEMENT_FIELDS, {**figures, "last_updated": iso_moment(last_updated)})


def prices_part(*, quote: dict | None, valuation: dict | None) -> str:
    """The last close and the price-based market cap (A$; missing for a price in another
    currency) and the multiples, as the prices refresh worked them out."""
    quote = quote or {}
    in_aud = quote.get("currency", AUD) == AUD
    values = {
        "date": quote.get("date"),
        "price": quote.get("price") if in_aud else None,
        "market_cap": quote.get("market_cap") if in_aud else None,
    }
    for name in MULTIPLES:
        values[name] = ((valuation or {}).get(name) or {}).get("value")
    return encode(PRICE_FIELDS, values)


def pending_exchange_rate(statements: dict | None) -> bool:
    """Whether a statements part left its money out for want of an exchange rate."""
    if not statements or not statements.get("financial_currency"):
        return False
    return (
        statements["financial_currency"] != AUD
        and statements.get("fx_rate") is None
        and statements.get("period_end") is not None
    )


# --- reading: one company as a screen sees it -----------------------------------------------------

PRICE = "price"
DIRECTORY = "directory"


@dataclass(frozen=True, slots=True)
class ScreenRow:
    """A company as a screen sees it: `values` has every metric (None where unknown)."""

    ticker: str
    status: str
    name: str
    values: dict
    reporting_currency: str | None = None
    period_end: str | None = None
    fx_rate: float | None = None
    fx_date: str | None = None
    fx_missing: bool = False  # statements in another currency, and no rate at the period end
    market_cap_source: str | None = None  # PRICE or DIRECTORY
    market_cap_date: str | None = None  # the close a price-based market cap is at


def row(
    *,
    ticker: str,
    status: str,
    directory: str | None,
    statements: str | None,
    prices: str | None,
) -> ScreenRow:
    """The row of a company from its three stored parts (any may be missing)."""
    listing = decode(DIRECTORY_FIELDS, directory) or {}
    reported = decode(STATEMENT_FIELDS, statements) or {}
    market = decode(PRICE_FIELDS, prices) or {}
    values = dict.fromkeys(METRICS)
    values["industry_group"] = listing.get("industry_group")
    values["listing_date"] = listing.get("listing_date")
    for name in STATEMENT_FIELDS[5:]:
        values[name] = reported.get(name)
    values["financial_currency"] = reported.get("financial_currency")
    updated = reported.get("last_updated")
    values["last_updated"] = updated[:10] if updated else None
    for name in ("price", *MULTIPLES):
        values[name] = market.get(name)
    source, cap_date = None, None
    if market.get("market_cap") is not None:
        values["market_cap"], source, cap_date = market["market_cap"], PRICE, market.get("date")
    elif listing.get("market_cap") is not None:
        values["market_cap"], source = listing["market_cap"], DIRECTORY
    return ScreenRow(
        ticker=ticker,
        status=status,
        name=listing.get("name") or ticker,
        values=values,
        reporting_currency=reported.get("financial_currency"),
        period_end=reported.get("period_end"),
        fx_rate=reported.get("fx_rate"),
        fx_date=reported.get("fx_date"),
        fx_missing=pending_exchange_rate(reported),
        market_cap_source=source,
        market_cap_date=cap_date,
    )
