"""The market side of a company worked out from its stored prices, dividends and statements:
the quote (last close, day's change, market cap and its share base) and the valuation
multiples, each with its formula, every input with its date or period end, and the exchange
rate used where the statements are in another currency than the price. Pure: no I/O.

A multiple is missing (value None) with a reason, never computed from an unconverted figure, a
negative denominator (a loss, negative book value or EBITDA) or zero revenue. Yields are plain
fractions (0.045 for 4.5%).
"""

import datetime
from dataclasses import dataclass

YEAR = datetime.timedelta(days=365)
# An exchange rate older than this at the price date is no rate at all.
FX_STALE_DAYS = 7

NEGATIVE_EARNINGS = "negative earnings"
NEGATIVE_BOOK = "negative book value"
NEGATIVE_EBITDA = "negative EBITDA"
ZERO_REVENUE = "zero revenue"
NO_PRICE = "no price"
NO_SHARES = "no share count"
NO_RATE = "no exchange rate"
SHORT_HISTORY = "less than a year of price history"


def missing(name: str) -> str:
    return f"no {name} reported"


@dataclass(frozen=True)
class Close:
    day: datetime.date
    price: float


@dataclass(frozen=True)
class Rate:
    """`rate` units of the statement currency per one unit of the price currency."""

    pair: str  # Yahoo's symbol, e.g. "AUDUSD=X"
    day: datetime.date
    rate: float


@dataclass(frozen=True)
class Reported:
    """A statement figure with where it came from."""

    name: str
    value: float
    period_end: datetime.date
    basis: str  # "TTM", "FY" (latest fiscal year) or "balance sheet"


def _statement_column(table, key: str) -> list[tuple[datetime.date, float]]:
    if table is None:
        return []
    for item in table.items:
        if item.key == key:
            return [
                (period.end, value)
                for period, value in zip(table.periods, item.values, strict=True)
                if value is not None
            ]
    return []


def reported_flow(tables: dict, statement: str, *keys: str, name: str) -> Reported | None:
    """The newest trailing-twelve-months figure of a flow, else the latest fiscal year's: from
    the first of `keys` reported. `tables` is {period_type: {statement: table}}."""
    for period_type, basis in (("ttm", "TTM"), ("annual", "FY")):
        table = tables.get(period_type, {}).get(statement)
        for key in keys:
            column = _statement_column(table, key)
            if column:
                end, value = column[0]
                return Reported(name, value, end, basis)
    return None


def reported_position(tables: dict, *keys: str, name: str) -> Reported | None:
    """The newest balance-sheet figure (half-year or year end), from the first of `keys`."""
    found = []
    for period_type in ("quarterly", "annual"):
        table = tables.get(period_type, {}).get("balance")
        for key in keys:
            column = _statement_column(table, key)
            if column:
                found.append(column[0])
                break
    if not found:
        return None
    end, value = max(found, key=lambda pair: pair[0])
    return Reported(name, value, end, "balance sheet")


def rate_at(rates: dict[str, float] | None, pair: str, day: datetime.date) -> Rate | None:
    """The rate on `day`, else the latest before it within FX_STALE_DAYS. `rates` is {ISO
    date: close}."""
    if not rates:
        return None
    for back in range(FX_STALE_DAYS + 1):
        candidate = (day - datetime.timedelta(days=back)).isoformat()
        if rates.get(candidate):
            return Rate(pair, datetime.date.fromisoformat(candidate), rates[candidate])
    return None


def _input(name, value, currency, *, date=None, period_end=None, note=None) -> dict:
    entry = {"name": name, "value": value, "currency": currency}
    if date is not None:
        entry["date"] = date.isoformat()
    if period_end is not None:
        entry["period_end"] = period_end.isoformat()
    if note:
        entry["note"] = note
    return entry


def _reported_input(figure: Reported, currency: str | None) -> dict:
    return _input(
        f"{figure.name} ({figure.basis})", figure.value, currency, period_end=figure.period_end
    )


def _multiple(value, formula, inputs, fx, reason=None) -> dict:
    return {
        "value": None if reason else value,
        "formula": formula,
        "inputs": inputs,
        "fx": fx,
        "reason": reason,
    }


def quote(
    *,
    closes: list[Close],
    currency: str,
    shares: tuple[int, str, datetime.date] | None,
) -> dict | None:
    """The last close, the day's change and the market cap (close x shares), or None without a
    price. `closes` are the latest first; `shares` is (count, source, date)."""
    if not closes:
        return None
    last = closes[0]
    previous = closes[1] if len(closes) > 1 else None
    change = (
        (last.price - previous.price) / previous.price
        if previous is not None and previous.price
        else None
    )
    market_cap = round(last.price * shares[0]) if shares else None
    return {
        "price": last.price,
        "currency": currency,
        "date": last.day.isoformat(),
        "previous_close": previous.price if previous else None,
        "previous_date": previous.day.isoformat() if previous else None,
        "change_pct": change,
        "market_cap": market_cap,
        "market_cap_basis": "last close × shares outstanding" if market_cap else None,
        "shares_outstanding": shares[0] if shares else None,
        "shares_source": shares[1] if shares else None,
        "shares_date": shares[2].isoformat() if shares else None,
    }


def valuation(
    *,
    quote: dict | None,
    tables: dict,
    statement_currency: str | None,
    rate: Rate | None,
    dividends: list[list],
    history_start: datetime.date | None,
) -> dict:
    """P/E, P/B, P/S, EV/EBITDA, dividend yield and free-cash-flow yield at the quote's date.

    Statement figures are converted into the price currency by `rate` (statement currency per
    price-currency unit) when the currencies differ; without a rate those multiples are missing
    with NO_RATE. `dividends` are [[ISO ex-date, amount]] in the price currency."""
    names = ("pe", "pb", "ps", "ev_ebitda", "dividend_yield", "fcf_yield")
    if not quote:
        return {name: _multiple(None, "", [], None, NO_PRICE) for name in names}
    currency = quote["currency"]
    price = quote["price"]
    day = datetime.date.fromisoformat(quote["date"])
    cap = quote["market_cap"]
    price_input = _input("Last close", price, currency, date=day)
    cap_input = _input(
        "Market cap",
        cap,
        currency,
        date=day,
        note=(
            f"last close × {quote['shares_outstanding']:,} shares ({quote['shares_source']}, "
            f"{quote['shares_date']})"
            if cap
            else None
        ),
    )
    convert = statement_currency not in (None, currency)
    fx = {"pair": rate.pair, "rate": rate.rate, "date": rate.day.isoformat()} if rate else None
    fx_used = fx if convert else None

    def in_price_currency(value):
        if not convert:
            return value
        return None if rate is None else value / rate.rate

    def rate_reason():
        return NO_RATE if convert and rate is None else None

    results = {}

    eps = reported_flow(tables, "income", "DilutedEPS", "BasicEPS", name="Diluted EPS")
    inputs = [price_input] + ([_reported_input(eps, statement_currency)] if eps else [])
    reason = rate_reason() or (None if eps else missing("EPS"))
    if not reason and eps.value <= 0:
        reason = NEGATIVE_EARNINGS
    results["pe"] = _multiple(
        None if reason else price / in_price_currency(eps.value),
        "Last close ÷ diluted EPS (trailing twelve months, else the latest fiscal year)",
        inputs,
        fx_used,
        reason,
    )

    def over_cap(figure, formula, *, what, zero_reason, negative_reason, invert=False):
        """Market cap ÷ figure (or, `invert`, figure ÷ market cap)."""
        inputs = [cap_input] + ([_reported_input(figure, statement_currency)] if figure else [])
        reason = (None if cap else NO_SHARES) or rate_reason()
        if not reason and figure is None:
            reason = missing(what)
        if not reason and figure.value == 0:
            reason = zero_reason
        if not reason and figure.value < 0:
            reason = negative_reason
        value = None
        if not reason:
            converted = in_price_currency(figure.value)
            value = converted / cap if invert else cap / converted
        return _multiple(value, formula, inputs, fx_used, reason)

    equity = reported_position(
        tables, "StockholdersEquity", "CommonStockEquity", name="Shareholders' equity"
    )
    results["pb"] = over_cap(
        equity,
        "Market cap ÷ shareholders' equity",
        what="shareholders' equity",
        zero_reason=NEGATIVE_BOOK,
        negative_reason=NEGATIVE_BOOK,
    )
    revenue = reported_flow(tables, "income", "TotalRevenue", "OperatingRevenue", name="Revenue")
    results["ps"] = over_cap(
        revenue,
        "Market cap ÷ revenue (trailing twelve months, else the latest fiscal year)",
        what="revenue",
        zero_reason=ZERO_REVENUE,
        negative_reason=ZERO_REVENUE,
    )

    ebitda = reported_flow(tables, "income", "EBITDA", "NormalizedEBITDA", name="EBITDA")
    debt = reported_position(tables, "TotalDebt", name="Total debt")
    cash = reported_position(
        tables,
        "CashAndCashEquivalents",
        "CashCashEquivalentsAndShortTermInvestments",
        name="Cash and cash equivalents",
    )
    inputs = [cap_input] + [
        _reported_input(figure, statement_currency) for figure in (debt, cash, ebitda) if figure
    ]
    reason = (None if cap else NO_SHARES) or rate_reason()
    if not reason and ebitda is None:
        reason = missing("EBITDA")
    if not reason and ebitda.value <= 0:
        reason = NEGATIVE_EBITDA
    value = None
    if not reason:
        net_debt = (debt.value if debt else 0) - (cash.value if cash else 0)
        value = (cap + in_price_currency(net_debt)) / in_price_currency(ebitda.value)
    results["ev_ebitda"] = _multiple(
        value,
        "(Market cap + total debt − cash) ÷ EBITDA (trailing twelve months, else the latest "
        "fiscal year); a debt or cash figure not reported counts as none",
        inputs,
        fx_used,
        reason,
    )

    year_ago = day - YEAR
    paid = [
        (ex, amount)
        for ex, amount in dividends
        if year_ago < datetime.date.fromisoformat(ex) <= day
    ]
    ttm = sum(amount for _, amount in paid)
    inputs = [price_input] + [
        _input("Dividend per share", amount, currency, date=datetime.date.fromisoformat(ex))
        for ex, amount in paid
    ]
    reason = None
    if not paid and (history_start is None or history_start > year_ago):
        reason = SHORT_HISTORY
    results["dividend_yield"] = _multiple(
        None if reason else ttm / price,
        "Dividends per share with an ex-date in the twelve months to the last close ÷ last close "
        "(franking not included: Yahoo does not give it)",
        inputs,
        None,
        reason,
    )

    free_cash = reported_flow(tables, "cashflow", "FreeCashFlow", name="Free cash flow")
    results["fcf_yield"] = over_cap(
        free_cash,
        "Free cash flow (trailing twelve months, else the latest fiscal year) ÷ market cap",
        what="free cash flow",
        zero_reason=None,
        negative_reason=None,
        invert=True,
    )
    return results
