"""Builders of real-shaped fundamentals for tests and benchmarks: the `CompanyFundamentals` a
Yahoo fetch produces (scraping.normalize's shapes, Yahoo's raw line-item keys), stored with
services.company_fundamentals_store exactly as the refresh stores them."""

import datetime
from decimal import Decimal

from companies import services
from scraping.normalize import CompanyFundamentals, StatementPeriod

NOW = datetime.datetime(2026, 11, 20, 9, 0, tzinfo=datetime.UTC)


def income_values(revenue: int) -> dict:
    cost = revenue * 58 // 100
    operating = revenue - cost - revenue * 13 // 100
    pretax = operating - revenue // 100
    tax = pretax * 3 // 10
    net = pretax - tax
    shares = 5_072_000_000
    return {
        "TotalRevenue": revenue,
        "CostOfRevenue": cost,
        "GrossProfit": revenue - cost,
        "OperatingIncome": operating,
        "PretaxIncome": pretax,
        "TaxProvision": tax,
        "TaxRateForCalcs": Decimal("0.3"),
        "NetIncome": net,
        "BasicAverageShares": shares,
        "BasicEPS": Decimal(str(round(net / shares, 4))),
        "DilutedEPS": Decimal(str(round(net / (shares * 1.002), 4))),
    }


def balance_values(revenue: int) -> dict:
    assets = revenue * 16 // 10
    liabilities = assets * 48 // 100
    current_liabilities = liabilities * 35 // 100
    debt = liabilities * 40 // 100
    return {
        "TotalAssets": assets,
        "CurrentAssets": assets * 28 // 100,
        "CashAndCashEquivalents": assets * 12 // 100,
        "TotalLiabilitiesNetMinorityInterest": liabilities,
        "CurrentLiabilities": current_liabilities,
        "TotalDebt": debt,
        "StockholdersEquity": assets - liabilities,
    }


def cashflow_values(revenue: int) -> dict:
    operating = revenue * 30 // 100
    capex = -(revenue * 11 // 100)
    return {
        "OperatingCashFlow": operating,
        "CapitalExpenditure": capex,
        "FreeCashFlow": operating + capex,
        "CashDividendsPaid": -(revenue * 8 // 100),
    }


BUILDERS = {"income": income_values, "balance": balance_values, "cashflow": cashflow_values}


def profile(**overrides) -> dict:
    """A profile dict with every key scraping.normalize.profile_fields gives."""
    fields = {
        "long_name": "BHP Group Limited",
        "sector": "Basic Materials",
        "industry": "Other Industrial Metals & Mining",
        "website": "https://www.bhp.com",
        "address": "171 Collins Street, Melbourne VIC 3000, Australia",
        "phone": "61 3 9609 3333",
        "employees": 90000,
        "summary": "BHP Group Limited operates as a resources company.",
        "currency": "AUD",
        "financial_currency": "USD",
        "market_cap": 214_000_000_000,
        "exchange": "ASX",
    }
    return fields | overrides


def year_ends(count: int, *, last: datetime.date = datetime.date(2026, 6, 30)) -> list:
    return [last.replace(year=last.year - n) for n in range(count)]


def half_year_ends(count: int, *, last: datetime.date = datetime.date(2026, 6, 30)) -> list:
    ends = []
    for n in range(count):
        year = last.year - (n + (0 if last.month == 6 else 1)) // 2
        ends.append(datetime.date(year, 6, 30) if n % 2 == 0 else datetime.date(year - 1, 12, 31))
    return ends


def fundamentals(
    *,
    revenues: dict[datetime.date, int],
    half_year_revenues: dict[datetime.date, int] | None = None,
    currency: str = "USD",
    missing: dict[tuple[str, datetime.date], set[str]] | None = None,
    statements: tuple[str, ...] = ("income", "balance", "cashflow"),
    **profile_overrides,
) -> CompanyFundamentals:
    """Annual periods (12 months) for `revenues`, half-years (6 months) for
    `half_year_revenues`, every other line item derived from revenue; `missing` removes line
    items from one (statement, period end): {("income", date): {"GrossProfit"}}."""
    missing = missing or {}
    periods = []
    for period_type, months, by_end in (
        ("annual", 12, revenues),
        ("quarterly", 6, half_year_revenues or {}),
    ):
        for end, revenue in sorted(by_end.items()):
            for statement in statements:
                values = BUILDERS[statement](revenue)
                for key in missing.get((statement, end), ()):
                    values.pop(key)
                periods.append(
                    StatementPeriod(
                        statement=statement,
                        period_type=period_type,
                        end=end,
                        months=months,
                        currency=currency,
                        values=values,
                    )
                )
    return CompanyFundamentals(
        profile=profile(financial_currency=currency, **profile_overrides),
        periods=periods,
    )


def store(ticker: str, fundamentals: CompanyFundamentals, *, source: str = "yahoo", **times):
    """Store as a successful refresh would (the company must be in the directory)."""
    fetched_at = times.get("fetched_at", NOW)
    next_attempt = times.get("next_attempt", fetched_at + datetime.timedelta(days=7))
    return services.company_fundamentals_store(
        ticker=ticker,
        fundamentals=fundamentals,
        fetched_at=fetched_at,
        next_attempt=next_attempt,
        source=source,
    )


def load_directory(*companies: tuple[str, str], delisted_after: tuple[str, ...] = ()) -> None:
    """Load a directory of (ticker, name) companies; then reload it without `delisted_after`,
    which the directory load marks delisted (allow_shrink: the test directory is tiny)."""
    from scraping.asx import Directory, DirectoryRow

    def rows(names):
        return [
            DirectoryRow(
                ticker=ticker,
                name=name,
                industry_group="Materials",
                listing_date=datetime.date(1885, 8, 13),
                market_cap=214_000_000_000 + n,
                line=n + 2,
            )
            for n, (ticker, name) in enumerate(names)
        ]

    services.directory_load(directory=Directory(rows=rows(companies), rejected=[], source="test"))
    if delisted_after:
        kept = [c for c in companies if c[0] not in delisted_after]
        services.directory_load(
            directory=Directory(rows=rows(kept), rejected=[], source="test"), allow_shrink=True
        )


def store_prices(ticker: str, *, symbol: str | None = None, fetched_at=NOW) -> None:
    """Store the fake Yahoo's daily prices, dividends and splits of `symbol` (default
    `<ticker>.AX`, a fixture company) for `ticker`, and its quote and valuation, as the prices
    refresh does, without a server (statements in the price currency need no exchange rate)."""
    from companies import selectors
    from companies.market import refresh
    from companies.market import services as market_services
    from scraping.normalize import PriceHistory
    from tests.fakes import company_series, fixture_companies

    series = company_series(fixture_companies()[symbol or f"{ticker}.AX"])
    history = PriceHistory(
        symbol=symbol or f"{ticker}.AX",
        currency=series.currency,
        bars=[
            [b.day.isoformat(), b.open, b.high, b.low, b.close, b.adjclose, b.volume]
            for b in series.bars
        ],
        dividends=[[d.day.isoformat(), d.amount] for d in series.dividends],
        splits=[[s.day.isoformat(), s.numerator / s.denominator] for s in series.splits],
    )
    stored = market_services.prices_store(pk=ticker, history=history, fetched_at=fetched_at)
    refresh.company_prices_record(
        company=selectors.company_get(ticker=ticker),
        stored=stored,
        currency=series.currency,
        rates=None,
        attempted_at=fetched_at,
    )
