"""A comparison as data, worked out from what the selector read: for each company its columns
(latest financial year, trailing twelve months, valuation at the last close), every figure in
the currency it is shown in, the best value of each row marked, and the history the charts
draw. Pure: no I/O. The page (presenters.py) and the API (api.py) both show this.

Labels, units, formulas and which way is better come from the metric registry
(companies/screening/metrics.py). Money is in each company's own reporting currency, or,
converted, in A$ at the stored rate of each period end; a figure with no rate stays in its own
currency and says so. A row of money is marked only when all its figures are in one currency;
a missing figure ("—") and a multiple of a loss ("n/m") are never best.
"""

import datetime
from dataclasses import dataclass, replace

from companies import models, ratios
from companies.comparing.forms import AUD
from companies.market.presenters import LOSS_REASONS
from companies.market.valuation import NO_PRICE, Rate, rate_at
from companies.models import DELISTED, LISTED, SAMPLE_SOURCE
from companies.screening.metrics import METRICS, Better, Metric, Unit
from companies.selectors import LineItem
from companies.templatetags.figures import SCALES

PROFILE, ANNUAL, TTM, VALUATION = "company", "annual", "ttm", "valuation"
SECTION_TITLES = {
    PROFILE: "The companies",
    ANNUAL: "Latest financial year",
    TTM: "Trailing twelve months",
    VALUATION: "Valuation at the last close",
}
PERIOD_LABELS = {ANNUAL: "Year to", TTM: "12 months to", VALUATION: "Last close"}
PROFILE_METRICS = ("industry_group", "financial_currency", "listing_date", "last_updated")
STATEMENT_METRICS = (
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
VALUATION_METRICS = (
    "price",
    "market_cap",
    "pe",
    "pb",
    "ps",
    "ev_ebitda",
    "dividend_yield",
    "fcf_yield",
)
CHART_METRICS = ("revenue", "net_income", "free_cash_flow", "net_margin", "debt_to_equity")
# ratios.key_figures' name where it differs from the registry's
FIGURE_KEYS = {"roe": "return_on_equity"}
PER_SHARE = {"eps", "price"}
# Decimals a multiple is shown with: balance-sheet ratios as the company page's key figures,
# valuation multiples as its valuation cards.
TIMES_DECIMALS = {"debt_to_equity": 2, "current_ratio": 2}

NOT_FETCHED = "statements not fetched yet"
NO_PERIOD = "no such period reported"
NOT_REPORTED = "not reported for this period"
NO_INPUT = "an input is missing, or its base is zero or negative"
NO_BALANCE = "no balance sheet at the trailing period's end"
NO_GROWTH = "no figure for the period a year before, or a base of zero or less"
GROWTH = {"revenue_growth", "net_income_growth"}
MIXED_CURRENCIES = "not compared: in different currencies"
FEWER_THAN_TWO = "fewer than two figures to compare"


@dataclass(frozen=True)
class Cell:
    value: float | int | str | datetime.date | None
    currency: str | None = None  # money: the currency `value` is in
    reason: str | None = None  # why there is no value
    loss: bool = False  # a multiple that means nothing for a loss: "n/m", never best
    note: str | None = None  # where the figure comes from, when that varies (market cap)
    best: bool = False


@dataclass(frozen=True)
class Period:
    """What one company's column of a section is: the period (or close) its figures are from
    and the currency its money is in."""

    end: datetime.date | None
    months: int | None
    currency: str | None  # money in this column is in this currency
    reported_currency: str | None
    fx: Rate | None = None  # the rate money was converted into A$ at
    fx_missing: bool = False  # A$ was asked for, but no rate is stored at `end`
    sample: bool = False  # bundled sample figures, not what the company reported


@dataclass(frozen=True)
class Row:
    metric: Metric
    cells: list[Cell]  # aligned with Comparison.companies
    unmarked: str | None = None  # why a row that could be marked is not

    @property
    def best(self) -> list[int]:
        return [n for n, cell in enumerate(self.cells) if cell.best]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    periods: list[Period | None]  # aligned with Comparison.companies; None for PROFILE
    rows: list[Row]

    @property
    def period_label(self) -> str:
        return PERIOD_LABELS.get(self.key, "")


@dataclass(frozen=True)
class Company:
    ticker: str
    name: str
    status: str  # listed or delisted
    reporting_currency: str | None
    fetched: bool  # the fundamentals refresh has stored its statements


@dataclass(frozen=True)
class Series:
    """One company's line in one chart: annual period ends, oldest first."""

    ticker: str
    currency: str | None  # money series only
    ends: list[datetime.date]
    values: list  # aligned with `ends`; None where a year has no figure
    fx_missing: list[datetime.date]  # ends without a rate, when A$ was asked (kept unconverted)


@dataclass(frozen=True)
class Chart:
    metric: Metric
    series: list[Series]  # aligned with Comparison.companies

    @property
    def money(self) -> bool:
        return self.metric.unit is Unit.AUD

    @property
    def currencies(self) -> list[str]:
        """The currencies of the companies drawn (money charts only)."""
        found = {s.currency for s in self.series if s.currency and any(self._drawn(s))}
        return sorted(found) if self.money else []

    @staticmethod
    def _drawn(series: Series) -> list:
        return [value for value in series.values if value is not None]

    @property
    def drawn(self) -> bool:
        """A chart is drawn when some company has two years or more to draw."""
        return any(len(self._drawn(series)) >= 2 for series in self.series)


@dataclass(frozen=True)
class Comparison:
    currency: str  # forms.AUD or forms.REPORTED
    companies: list[Company]
    sections: list[Section]
    charts: list[Chart]

    @property
    def tickers(self) -> list[str]:
        return [company.ticker for company in self.companies]


@dataclass(frozen=True)
class CompanyReads:
    company: models.Company | None  # None: the ticker left the directory since it was checked
    tables: dict  # {period_type: {statement: StatementTable}}: annual, quarterly and ttm


@dataclass(frozen=True)
class ComparisonReads:
    companies: dict[str, CompanyReads]  # by ticker
    # {reporting currency: {ISO date: units of it per A$}}; only when converting into A$
    rates: dict[str, dict[str, float]]


def exchange_rate_pair(currency: str) -> str:
    """Yahoo's symbol of the rate that converts `currency` into A$: "USD" -> "AUDUSD=X" (US
    dollars per Australian dollar), as the prices refresh stores it."""
    return f"AUD{currency}=X"


def reporting_currency(reads: CompanyReads) -> str | None:
    """The currency a company's statements are in: its stored periods say, else its profile."""
    for by_statement in reads.tables.values():
        for table in by_statement.values():
            if table.currency:
                return table.currency
    return reads.company.financial_currency if reads.company else None


def times_decimals(name: str, value: float) -> int:
    """Decimals of a multiple: a balance-sheet ratio's two, a valuation multiple's one (two
    below 1, where one would read 0.0×)."""
    return TIMES_DECIMALS.get(name, 1 if abs(value) >= 1 else 2)


def shown_number(metric: Metric, value: float) -> float:
    """`value` at the precision it is shown with: ties are what a reader sees as equal."""
    if metric.unit is Unit.PERCENT:
        return round(value * 100, 1)
    if metric.unit is Unit.TIMES:
        return round(value, times_decimals(metric.name, value))
    if metric.name in PER_SHARE:
        return round(value, 4)
    for size, _ in SCALES:
        if abs(value) >= size:
            return round(value / size, 2) * size
    return round(value)


def _mark(metric: Metric, cells: list[Cell]) -> Row:
    """The row with its best figures marked (all of them on a tie), or why none is."""
    if metric.better is None or not metric.numeric:
        return Row(metric, cells)
    candidates = [n for n, cell in enumerate(cells) if cell.value is not None and not cell.loss]
    if len(candidates) < 2:
        return Row(metric, cells, unmarked=FEWER_THAN_TWO)
    if metric.unit is Unit.AUD:
        currencies = sorted({cells[n].currency or "?" for n in candidates})
        if len(currencies) > 1:
            return Row(metric, cells, unmarked=f"{MIXED_CURRENCIES} ({', '.join(currencies)})")
    shown = {n: shown_number(metric, cells[n].value) for n in candidates}
    target = (max if metric.better is Better.HIGHER else min)(shown.values())
    return Row(metric, [replace(cell, best=shown.get(n) == target) for n, cell in enumerate(cells)])


def _as_of(statements: dict, end: datetime.date) -> dict:
    """The tables as they stood at `end`: only the periods ending on or before it."""
    cut = {}
    for name, table in statements.items():
        if table is None:
            cut[name] = None
            continue
        keep = [n for n, period in enumerate(table.periods) if period.end <= end]
        cut[name] = table._replace(
            periods=[table.periods[n] for n in keep],
            items=[
                LineItem(key=item.key, label=item.label, values=[item.values[n] for n in keep])
                for item in table.items
            ],
        )
    return cut


def _ttm_statements(tables: dict) -> dict:
    """The trailing income and cash flow, and the balance sheet at their end: Yahoo has no
    trailing balance sheet, so the half-year's (or the year's) that ends on the same day."""
    trailing = tables.get(TTM, {})
    income = trailing.get("income")
    end = income.periods[0].end if income and income.periods else None
    balance = None
    for period_type in ("quarterly", ANNUAL):
        table = tables.get(period_type, {}).get("balance")
        if end and table and any(period.end == end for period in table.periods):
            balance = table
            break
    return {"income": income, "balance": balance, "cashflow": trailing.get("cashflow")}


class _Converter:
    """Money of one company into the currency a comparison shows it in."""

    def __init__(self, *, currency: str | None, converted: bool, rates: dict):
        self.currency = currency
        self.active = converted and currency not in (None, AUD)
        self.pair = exchange_rate_pair(currency) if self.active else None
        self.rates = rates.get(currency) if self.active else None

    def rate(self, end: datetime.date) -> Rate | None:
        return rate_at(self.rates, self.pair, end) if self.active else None

    def period(self, end, months, *, sample: bool) -> Period:
        rate = self.rate(end) if end else None
        return Period(
            end=end,
            months=months,
            currency=AUD if rate else self.currency,
            reported_currency=self.currency,
            fx=rate,
            fx_missing=self.active and end is not None and rate is None,
            sample=sample,
        )


def _statement_cells(
    statements: dict, *, converter: _Converter, fetched: bool, period_label: str
) -> tuple[Period, dict[str, Cell]]:
    income = statements.get("income")
    if not income or not income.periods:
        reason = NO_PERIOD if fetched else NOT_FETCHED
        empty = Period(None, None, converter.currency, converter.currency)
        return empty, {name: Cell(None, reason=reason) for name in STATEMENT_METRICS}
    end, months = income.periods[0].end, income.periods[0].months
    sample = any(
        period.source == SAMPLE_SOURCE
        for table in statements.values()
        if table
        for period in table.periods
        if period.end == end
    )
    period = converter.period(end, months, sample=sample)
    figures = {f.key: f for f in ratios.key_figures(statements, period_label=period_label)}
    overview = ratios.chart_series(statements)
    at = overview["ends"].index(end.isoformat())
    values = {
        "revenue": overview["revenue"][at],
        "net_income": overview["net_income"][at],
    }
    cells = {}
    for name in STATEMENT_METRICS:
        metric = METRICS[name]
        value = values[name] if name in values else figures[FIGURE_KEYS.get(name, name)].value
        if metric.unit is not Unit.AUD:
            reason = None
            if value is None:
                balance_based = name in ("roe", "debt_to_equity", "current_ratio")
                reason = NO_INPUT
                if balance_based and not statements.get("balance"):
                    reason = NO_BALANCE
                elif name in GROWTH:
                    reason = NO_GROWTH
            cells[name] = Cell(value, reason=reason)
        elif value is None:
            cells[name] = Cell(None, currency=period.currency, reason=NOT_REPORTED)
        else:
            converted = value / period.fx.rate if period.fx else value
            cells[name] = Cell(converted, currency=period.currency)
    return period, cells


def _valuation_cells(reads: CompanyReads) -> tuple[Period, dict[str, Cell]]:
    """The stored quote and multiples (worked out by the prices refresh, in the price
    currency): nothing to convert."""
    company = reads.company
    quote = (company.quote if company else None) or {}
    valuation = (company.valuation if company else None) or {}
    day = datetime.date.fromisoformat(quote["date"]) if quote.get("date") else None
    currency = quote.get("currency")
    period = Period(day, None, currency, currency)
    cells = {
        "price": Cell(quote.get("price"), currency=currency, reason=None if quote else NO_PRICE)
    }
    if quote.get("market_cap"):
        cells["market_cap"] = Cell(
            quote["market_cap"], currency=currency, note=quote.get("market_cap_basis")
        )
    elif company is not None and company.market_cap is not None:
        cells["market_cap"] = Cell(
            int(company.market_cap), currency=AUD, note="the ASX directory's figure"
        )
    else:
        cells["market_cap"] = Cell(None, reason=NO_PRICE)
    for name in VALUATION_METRICS[2:]:
        entry = valuation.get(name) or {}
        reason = entry.get("reason") or (None if entry else NO_PRICE)
        cells[name] = Cell(entry.get("value"), reason=reason, loss=reason in LOSS_REASONS)
    return period, cells


def _profile_cells(reads: CompanyReads) -> dict[str, Cell]:
    company = reads.company
    if company is None:
        return {name: Cell(None) for name in PROFILE_METRICS}
    return {
        "industry_group": Cell(company.industry_group),
        "financial_currency": Cell(reporting_currency(reads)),
        "listing_date": Cell(
            datetime.date.fromisoformat(company.listing_date) if company.listing_date else None
        ),
        "last_updated": Cell(company.last_updated.date() if company.last_updated else None),
    }


def _series(ticker: str, tables: dict, *, converter: _Converter) -> dict[str, Series]:
    """Each chart's line for one company, from its annual statements: money converted at each
    year end's rate only when every year has one (else all of it stays in its own currency)."""
    annual = tables.get(ANNUAL, {})
    income = annual.get("income")
    ends = sorted(period.end for period in income.periods) if income else []
    overview = ratios.chart_series(annual)
    at = {end: overview["ends"].index(end.isoformat()) for end in ends}
    values: dict[str, list] = {name: [] for name in CHART_METRICS}
    for end in ends:
        figures = {f.key: f.value for f in ratios.key_figures(_as_of(annual, end))}
        values["revenue"].append(overview["revenue"][at[end]])
        values["net_income"].append(overview["net_income"][at[end]])
        values["free_cash_flow"].append(overview["free_cash_flow"][at[end]])
        values["net_margin"].append(figures["net_margin"])
        values["debt_to_equity"].append(figures["debt_to_equity"])
    rates = [converter.rate(end) for end in ends] if converter.active else [None] * len(ends)
    missing = [end for end, rate in zip(ends, rates, strict=True) if converter.active and not rate]
    money_currency = AUD if converter.active and not missing else converter.currency
    series = {}
    for name in CHART_METRICS:
        line = values[name]
        money = METRICS[name].unit is Unit.AUD
        if money and converter.active and not missing:
            line = [
                None if value is None else value / rate.rate
                for value, rate in zip(line, rates, strict=True)
            ]
        series[name] = Series(
            ticker=ticker,
            currency=money_currency if money else None,
            ends=ends,
            values=line,
            fx_missing=missing if money else [],
        )
    return series


def comparison_build(*, tickers: list[str], reads: ComparisonReads, currency: str) -> Comparison:
    """The comparison of `tickers` (in that order) from the selector's `reads`; `currency` is
    AUD to convert money into A$, else each company's own currency."""
    converted = currency == AUD
    companies, columns, serieses = [], [], []
    for ticker in tickers:
        company_reads = reads.companies[ticker]
        company = company_reads.company
        reported = reporting_currency(company_reads)
        fetched = company is not None and company.last_updated is not None
        converter = _Converter(currency=reported, converted=converted, rates=reads.rates)
        companies.append(
            Company(
                ticker=ticker,
                name=company.name if company else ticker,
                status=DELISTED if company and company.listing_status == DELISTED else LISTED,
                reporting_currency=reported,
                fetched=fetched,
            )
        )
        tables = company_reads.tables
        columns.append(
            {
                PROFILE: (None, _profile_cells(company_reads)),
                ANNUAL: _statement_cells(
                    tables.get(ANNUAL, {}),
                    converter=converter,
                    fetched=fetched,
                    period_label="year",
                ),
                TTM: _statement_cells(
                    _ttm_statements(tables),
                    converter=converter,
                    fetched=fetched,
                    period_label="twelve months",
                ),
                VALUATION: _valuation_cells(company_reads),
            }
        )
        serieses.append(_series(ticker, tables, converter=converter))
    names = {
        PROFILE: PROFILE_METRICS,
        ANNUAL: STATEMENT_METRICS,
        TTM: STATEMENT_METRICS,
        VALUATION: VALUATION_METRICS,
    }
    sections = [
        Section(
            key=key,
            title=SECTION_TITLES[key],
            periods=[column[key][0] for column in columns],
            rows=[
                _mark(METRICS[name], [column[key][1][name] for column in columns])
                for name in names[key]
            ],
        )
        for key in (PROFILE, ANNUAL, TTM, VALUATION)
    ]
    charts = [
        Chart(metric=METRICS[name], series=[series[name] for series in serieses])
        for name in CHART_METRICS
    ]
    return Comparison(currency=currency, companies=companies, sections=sections, charts=charts)
