"""Every metric the screener can filter and sort on and the compare page can set side by side.

This module is the registry only: names, what each means and where it comes from. A metric's
value for a company is worked out when the data behind it is written (the snapshot), never on a
page view. Percentages are fractions (0.15 is 15%); money is in A$, converted from the reporting
currency at the period end's exchange rate.
"""

from dataclasses import dataclass
from enum import StrEnum


class Unit(StrEnum):
    AUD = "AUD"
    PERCENT = "%"
    TIMES = "×"
    COUNT = "count"
    DATE = "date"
    TEXT = "text"


class Source(StrEnum):
    DIRECTORY = "directory"
    STATEMENTS = "statements"
    PRICES = "prices"


class Better(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


LATEST_FY = "latest FY"
TTM = "TTM"
LATEST_CLOSE = "latest close"
CURRENT = "current"


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    unit: Unit
    source: Source
    period: str
    formula: str
    better: Better | None = None  # which way is better, where a comparison can say

    @property
    def numeric(self) -> bool:
        return self.unit not in (Unit.TEXT, Unit.DATE)


_METRICS = (
    Metric(
        "market_cap",
        "Market cap",
        Unit.AUD,
        Source.PRICES,
        LATEST_CLOSE,
        "Last close × shares outstanding; the ASX directory's figure where there is no price",
    ),
    Metric(
        "industry_group",
        "Industry group",
        Unit.TEXT,
        Source.DIRECTORY,
        CURRENT,
        "As the ASX lists it",
    ),
    Metric(
        "listing_date", "Listed on", Unit.DATE, Source.DIRECTORY, CURRENT, "As the ASX lists it"
    ),
    Metric(
        "last_updated",
        "Fundamentals refreshed",
        Unit.DATE,
        Source.STATEMENTS,
        CURRENT,
        "The day of the last successful fundamentals refresh",
    ),
    Metric(
        "financial_currency",
        "Reporting currency",
        Unit.TEXT,
        Source.STATEMENTS,
        CURRENT,
        "The currency the company's stored statements report in (none before the first)",
    ),
    Metric(
        "revenue",
        "Revenue",
        Unit.AUD,
        Source.STATEMENTS,
        LATEST_FY,
        "Total revenue as reported",
        Better.HIGHER,
    ),
    Metric(
        "revenue_growth",
        "Revenue growth",
        Unit.PERCENT,
        Source.STATEMENTS,
        LATEST_FY,
        "(Revenue − revenue a year before) ÷ revenue a year before; none from a base of zero "
        "or less",
        Better.HIGHER,
    ),
    Metric(
        "net_income",
        "Net income",
        Unit.AUD,
        Source.STATEMENTS,
        LATEST_FY,
        "Net income attributable to shareholders, as reported",
        Better.HIGHER,
    ),
    Metric(
        "net_income_growth",
        "Net income growth",
        Unit.PERCENT,
        Source.STATEMENTS,
        LATEST_FY,
        "(Net income − net income a year before) ÷ net income a year before; none from a loss",
        Better.HIGHER,
    ),
    Metric(
        "gross_margin",
        "Gross margin",
        Unit.PERCENT,
        Source.STATEMENTS,
        LATEST_FY,
        "Gross profit ÷ revenue",
        Better.HIGHER,
    ),
    Metric(
        "operating_margin",
        "Operating margin",
        Unit.PERCENT,
        Source.STATEMENTS,
        LATEST_FY,
        "Operating income ÷ revenue",
        Better.HIGHER,
    ),
    Metric(
        "net_margin",
        "Net margin",
        Unit.PERCENT,
        Source.STATEMENTS,
        LATEST_FY,
        "Net income ÷ revenue",
        Better.HIGHER,
    ),
    Metric(
        "roe",
        "Return on equity",
        Unit.PERCENT,
        Source.STATEMENTS,
        LATEST_FY,
        "Net income for the year ÷ shareholders' equity at its end",
        Better.HIGHER,
    ),
    Metric(
        "debt_to_equity",
        "Debt to equity",
        Unit.TIMES,
        Source.STATEMENTS,
        LATEST_FY,
        "Total debt ÷ shareholders' equity, at the year end",
        Better.LOWER,
    ),
    Metric(
        "current_ratio",
        "Current ratio",
        Unit.TIMES,
        Source.STATEMENTS,
        LATEST_FY,
        "Current assets ÷ current liabilities, at the year end",
        Better.HIGHER,
    ),
    Metric(
        "free_cash_flow",
        "Free cash flow",
        Unit.AUD,
        Source.STATEMENTS,
        LATEST_FY,
        "Operating cash flow + capital expenditure (capex is negative), or as reported",
        Better.HIGHER,
    ),
    Metric(
        "eps",
        "EPS (diluted)",
        Unit.AUD,
        Source.STATEMENTS,
        LATEST_FY,
        "Diluted earnings per share as reported (basic where diluted is not given)",
        Better.HIGHER,
    ),
    Metric("price", "Price", Unit.AUD, Source.PRICES, LATEST_CLOSE, "The last close on the ASX"),
    Metric(
        "pe",
        "P/E",
        Unit.TIMES,
        Source.PRICES,
        LATEST_CLOSE,
        "Price ÷ diluted EPS (TTM, else the latest FY); none for a loss",
        Better.LOWER,
    ),
    Metric(
        "pb",
        "P/B",
        Unit.TIMES,
        Source.PRICES,
        LATEST_CLOSE,
        "Market cap ÷ shareholders' equity at the latest balance sheet",
        Better.LOWER,
    ),
    Metric(
        "ps",
        "P/S",
        Unit.TIMES,
        Source.PRICES,
        LATEST_CLOSE,
        "Market cap ÷ revenue (TTM, else the latest FY)",
        Better.LOWER,
    ),
    Metric(
        "ev_ebitda",
        "EV/EBITDA",
        Unit.TIMES,
        Source.PRICES,
        LATEST_CLOSE,
        "(Market cap + total debt − cash) ÷ EBITDA (TTM, else the latest FY); none for "
        "negative EBITDA",
        Better.LOWER,
    ),
    Metric(
        "dividend_yield",
        "Dividend yield",
        Unit.PERCENT,
        Source.PRICES,
        LATEST_CLOSE,
        "Dividends with an ex-date in the last twelve months ÷ the last close",
        Better.HIGHER,
    ),
    Metric(
        "fcf_yield",
        "FCF yield",
        Unit.PERCENT,
        Source.PRICES,
        LATEST_CLOSE,
        "Free cash flow (TTM, else the latest FY) ÷ market cap",
        Better.HIGHER,
    ),
)

METRICS: dict[str, Metric] = {metric.name: metric for metric in _METRICS}
