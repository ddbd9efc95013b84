"""Key figures and ratios computed from a company's stored statements. Pure: no I/O, no Django.

Every figure says how it was made (`formula`) and from which periods (`periods`), and is None
when an input is missing, or when a denominator is zero or negative where the ratio means
nothing then (a margin of negative revenue, a return on negative equity): never a division by
zero, never a missing value read as 0.
"""

import datetime
from typing import NamedTuple

from companies.statements.rows import YEAR_DAYS, growth

PERCENT = "percent"
TIMES = "times"  # a plain ratio, shown as "1.25×"
MONEY = "money"  # in the statement currency
PER_SHARE = "per_share"


class Figure(NamedTuple):
    key: str
    name: str
    value: float | int | None
    kind: str
    formula: str
    periods: tuple[datetime.date, ...]  # the period ends its inputs came from, newest first

    @property
    def missing(self) -> bool:
        return self.value is None


def _column(table, key: str) -> dict[datetime.date, float | int | None]:
    """{period end: figure} of one line item (empty when the item was never reported)."""
    if table is None:
        return {}
    for item in table.items:
        if item.key == key:
            return {
                period.end: value for period, value in zip(table.periods, item.values, strict=True)
            }
    return {}


def _first(table, *keys: str) -> tuple[str, dict]:
    """The first of `keys` the table reports (Yahoo names some figures two ways)."""
    for key in keys:
        column = _column(table, key)
        if any(value is not None for value in column.values()):
            return key, column
    return keys[0], {}


def _year_before(ends: list[datetime.date], end: datetime.date) -> datetime.date | None:
    for other in ends:
        if (end - other).days in YEAR_DAYS:
            return other
    return None


def _ratio(numerator, denominator, *, positive_denominator: bool = False) -> float | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    if positive_denominator and denominator < 0:
        return None
    return numerator / denominator


def key_figures(statements: dict, *, period_label: str = "period") -> list[Figure]:
    """Key figures of the newest income-statement period in `statements` ({"income": table,
    "balance": table, "cashflow": table}, tables newest period first, as selectors build them):
    growth on the period a year before, margins, returns and balance-sheet ratios at the same
    period end, free cash flow and EPS. Balance-sheet and cash-flow inputs are taken at the
    income statement's newest period end, never from another period."""
    income = statements.get("income")
    balance = statements.get("balance")
    cashflow = statements.get("cashflow")
    ends = [period.end for period in income.periods] if income else []
    end = ends[0] if ends else None
    before = _year_before(ends, end) if end else None

    revenue_key, revenue = _first(income, "TotalRevenue", "OperatingRevenue")
    _, net_income = _first(income, "NetIncome", "NetIncomeCommonStockholders")
    _, gross = _first(income, "GrossProfit")
    _, operating = _first(income, "OperatingIncome")
    eps_key, eps = _first(income, "DilutedEPS", "BasicEPS")
    _, equity = _first(balance, "StockholdersEquity", "CommonStockEquity")
    _, debt = _first(balance, "TotalDebt")
    _, current_assets = _first(balance, "CurrentAssets")
    _, current_liabilities = _first(balance, "CurrentLiabilities")
    _, operating_cash = _first(cashflow, "OperatingCashFlow")
    _, capex = _first(cashflow, "CapitalExpenditure")
    _, free_cash = _first(cashflow, "FreeCashFlow")

    def at(column):
        return column.get(end) if end else None

    def prior(column):
        return column.get(before) if before else None

    now = (end,) if end else ()
    both = (end, before) if end and before else now

    free_cash_value = at(free_cash)
    free_cash_formula = "Operating cash flow + capital expenditure (capex is negative)"
    if free_cash_value is None and at(operating_cash) is not None and at(capex) is not None:
        free_cash_value = at(operating_cash) + at(capex)
    elif free_cash_value is not None:
        free_cash_formula = "Free cash flow as reported: " + free_cash_formula.lower()

    return [
        Figure(
            "revenue_growth",
            "Revenue growth",
            growth(at(revenue), prior(revenue)),
            PERCENT,
            f"(Revenue − revenue a year before) ÷ revenue a year before, {period_label} on "
            f"{period_label}; none from a base of zero or less",
            both,
        ),
        Figure(
            "net_income_growth",
            "Net income growth",
            growth(at(net_income), prior(net_income)),
            PERCENT,
            "(Net income − net income a year before) ÷ net income a year before; none from a loss",
            both,
        ),
        Figure(
            "gross_margin",
            "Gross margin",
            _ratio(at(gross), at(revenue), positive_denominator=True),
            PERCENT,
            "Gross profit ÷ revenue",
            now,
        ),
        Figure(
            "operating_margin",
            "Operating margin",
            _ratio(at(operating), at(revenue), positive_denominator=True),
            PERCENT,
            "Operating income ÷ revenue",
            now,
        ),
        Figure(
            "net_margin",
            "Net margin",
            _ratio(at(net_income), at(revenue), positive_denominator=True),
            PERCENT,
            "Net income ÷ revenue",
            now,
        ),
        Figure(
            "return_on_equity",
            "Return on equity",
            _ratio(at(net_income), at(equity), positive_denominator=True),
            PERCENT,
            f"Net income for the {period_label} ÷ shareholders' equity at its end",
            now,
        ),
        Figure(
            "debt_to_equity",
            "Debt to equity",
            _ratio(at(debt), at(equity), positive_denominator=True),
            TIMES,
            "Total debt ÷ shareholders' equity, at the period end",
            now,
        ),
        Figure(
            "current_ratio",
            "Current ratio",
            _ratio(at(current_assets), at(current_liabilities), positive_denominator=True),
            TIMES,
            "Current assets ÷ current liabilities, at the period end",
            now,
        ),
        Figure(
            "free_cash_flow",
            "Free cash flow",
            free_cash_value,
            MONEY,
            free_cash_formula,
            now,
        ),
        Figure(
            "eps",
            "EPS (diluted)" if eps_key == "DilutedEPS" else "EPS (basic)",
            at(eps),
            PER_SHARE,
            "Net income to common shareholders ÷ "
            + ("diluted" if eps_key == "DilutedEPS" else "basic")
            + " average shares, as reported",
            now,
        ),
    ]


def chart_series(statements: dict) -> dict:
    """The figures the overview charts draw, oldest period first (a chart reads left to right):
    {"ends": [...ISO], "revenue": [...], ...}; None where a period has no figure."""
    income = statements.get("income")
    balance = statements.get("balance")
    cashflow = statements.get("cashflow")
    ends = sorted(
        {period.end for table in (income, balance, cashflow) if table for period in table.periods}
    )
    _, revenue = _first(income, "TotalRevenue", "OperatingRevenue")
    _, net_income = _first(income, "NetIncome", "NetIncomeCommonStockholders")
    _, operating_cash = _first(cashflow, "OperatingCashFlow")
    _, free_cash = _first(cashflow, "FreeCashFlow")
    _, capex = _first(cashflow, "CapitalExpenditure")
    _, assets = _first(balance, "TotalAssets")
    _, liabilities = _first(balance, "TotalLiabilitiesNetMinorityInterest", "TotalLiabilities")

    def free_cash_at(end):
        value = free_cash.get(end)
        if value is None and operating_cash.get(end) is not None and capex.get(end) is not None:
            value = operating_cash[end] + capex[end]
        return value

    return {
        "ends": [end.isoformat() for end in ends],
        "revenue": [revenue.get(end) for end in ends],
        "net_income": [net_income.get(end) for end in ends],
        "operating_cash_flow": [operating_cash.get(end) for end in ends],
        "free_cash_flow": [free_cash_at(end) for end in ends],
        "total_assets": [assets.get(end) for end in ends],
        "total_liabilities": [liabilities.get(end) for end in ends],
    }
