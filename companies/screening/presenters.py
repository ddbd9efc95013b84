"""What the screener shows of a screen's results: the columns, each cell as text with its unit
and notes (A$ with the reporting currency, %, ×, "—" for missing), the sort links, the CSV
download and the API's rows; and the ready-made screens and examples the page offers.
Nothing here reads or writes the table."""

import csv
import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from companies.presenters import FORMULA_STARTS
from companies.screening.expression import Expression
from companies.screening.metrics import METRICS, Metric, Source, Unit
from companies.screening.selectors import DEFAULT_SORT, NAME, PAGE_SIZES, TICKER, default_order
from companies.screening.snapshot import AUD, DIRECTORY, PRICE, ScreenRow
from companies.templatetags import figures

MISSING = figures.MISSING
SCALES = ((10**12, "T"), (10**9, "B"), (10**6, "M"), (10**3, "K"))
UNIT_MARKS = {Unit.AUD: "A$", Unit.PERCENT: "%", Unit.TIMES: "×"}
FIXED_TITLES = {TICKER: "Ticker", NAME: "Company"}


@dataclass(frozen=True)
class ReadyScreen:
    title: str
    expression: str
    about: str


READY_MADE = (
    ReadyScreen(
        "Large, profitable, little debt",
        "market_cap > 1b and roe > 15% and debt_to_equity < 0.5",
        "over A$1 billion, return on equity over 15%, debt under half of equity",
    ),
    ReadyScreen(
        "Cheap materials",
        'industry_group = "Materials" and pe < 12',
        "miners and chemicals at under 12 times earnings",
    ),
    ReadyScreen(
        "Dividend payers",
        "dividend_yield > 5% and market_cap > 500m",
        "a yield over 5% on a market cap over A$500 million",
    ),
    ReadyScreen(
        "Growing and profitable",
        "revenue_growth > 20% and net_margin > 10%",
        "revenue up a fifth on the year before, and a tenth of it kept",
    ),
    ReadyScreen(
        "Banks and insurers",
        'industry_group in ("Banks", "Insurance")',
        "the two industry groups, by market cap",
    ),
    ReadyScreen(
        "Cash generators, liquid",
        "fcf_yield > 8% and current_ratio > 1.5",
        "free cash flow over 8% of market cap, current assets 1.5 times current liabilities",
    ),
    ReadyScreen(
        "Listed since 2020",
        "listing_date >= 2020-01-01",
        "companies listed on or after 1 January 2020",
    ),
)

EXAMPLES = (
    ("pe < 15", "a P/E under 15"),
    ("market_cap >= 2.5b", "A$2.5 billion or more (k, m, b, t: thousand to trillion)"),
    ("roe > 15%", "percentages are fractions: 15% is 0.15"),
    ('industry_group = "Banks"', "text in quotes, any case"),
    ('industry_group in ("Banks", "Insurance")', "one of several; `not in` for none of them"),
    ("listing_date < 2000-01-01", "dates as YYYY-MM-DD"),
    ("pe < 10 or dividend_yield > 6%", "either"),
    ("not (pe < 10 and pb < 1)", "parentheses group; and binds tighter than or"),
)


# --- cells ---------------------------------------------------------------------------------------


def _money(value) -> str:
    sign = "−" if value < 0 else ""
    size = abs(value)
    for scale, suffix in SCALES:
        if size >= scale:
            return f"{sign}A${size / scale:,.2f}{suffix}"
    if size >= 1 or size == 0:
        return f"{sign}A${size:,.2f}"
    text = f"{size:.4f}".rstrip("0")
    whole, _, decimals = text.partition(".")
    return f"{sign}A${whole}.{decimals.ljust(2, '0')}"


def value_text(metric: Metric, value) -> str:
    """A metric's value as the table shows it: "A$1.23B", "14.6%", "1.25×", "12 Sep 2018"."""
    if value is None:
        return MISSING
    if metric.unit is Unit.AUD:
        return _money(value)
    sign = "−" if isinstance(value, int | float) and value < 0 else ""
    if metric.unit is Unit.PERCENT:
        return f"{sign}{abs(value) * 100:,.1f}%"
    if metric.unit is Unit.TIMES:
        return f"{sign}{abs(value):,.2f}×"
    if metric.unit is Unit.COUNT:
        return f"{int(value):,}"
    if metric.unit is Unit.DATE:
        return figures.day(datetime.date.fromisoformat(value))
    return str(value)


def _period(row: ScreenRow) -> str:
    return figures.period_end(row.period_end) if row.period_end else "the period end"


@dataclass(frozen=True)
class Cell:
    text: str
    numeric: bool
    note: str = ""  # shown small beside the figure: the reporting currency
    title: str = ""  # on hover and focus: where the figure comes from


def cell(row: ScreenRow, metric: Metric) -> Cell:
    value = row.values.get(metric.name)
    numeric = metric.numeric
    if metric.name == "market_cap":
        if row.market_cap_source == PRICE:
            day = figures.period_end(row.market_cap_date) if row.market_cap_date else "last close"
            title = f"Last close × shares outstanding, {day}"
        elif row.market_cap_source == DIRECTORY:
            title = "From the ASX directory (no price stored)"
        else:
            title = ""
        return Cell(value_text(metric, value), numeric, title=title)
    foreign = row.reporting_currency not in (None, AUD)
    if metric.unit is Unit.AUD and metric.source is Source.STATEMENTS and foreign:
        currency = row.reporting_currency
        if value is None and row.fx_missing:
            title = f"Reported in {currency}: no exchange rate stored for {_period(row)}"
            return Cell(MISSING, numeric, note=currency, title=title)
        if value is not None:
            title = (
                f"Reported in {currency}, converted at {row.fx_rate:g} {currency} per A$ "
                f"({figures.period_end(row.fx_date)})"
                if row.fx_rate
                else f"Reported in {currency}"
            )
            return Cell(value_text(metric, value), numeric, note=currency, title=title)
    return Cell(value_text(metric, value), numeric)


# --- columns and links ---------------------------------------------------------------------------


def column_metrics(expression: Expression | None, sort: str) -> list[Metric]:
    """The metric columns of a result: market cap, every metric the expression uses, and the
    sort's metric when it is none of those."""
    names = ["market_cap", *(expression.metrics if expression else ())]
    if sort not in (TICKER, NAME):
        names.append(sort)
    return [METRICS[name] for name in dict.fromkeys(names)]


def screen_params(*, q: str, sort: str, order: str, size: int, status: str, **extra) -> str:
    """The query string of a screen, defaults left out."""
    params = [("q", q)]
    if sort != DEFAULT_SORT or order != default_order(sort):
        params += [("sort", sort), ("order", order)]
    if size != PAGE_SIZES[0]:
        params.append(("size", str(size)))
    if status != "listed":
        params.append(("status", status))
    params += [(key, value) for key, value in extra.items() if value]
    return urlencode(params)


def columns(*, query: dict, metrics: list[Metric]) -> list[dict]:
    """The header of the results table: each column's title, unit, and link that sorts by it
    (the active one flips its order)."""
    heads = [
        {"key": key, "title": title, "unit": "", "numeric": False}
        for key, title in FIXED_TITLES.items()
    ] + [
        {
            "key": metric.name,
            "title": metric.label,
            "unit": UNIT_MARKS.get(metric.unit, ""),
            "numeric": metric.numeric,
            "formula": metric.formula,
        }
        for metric in metrics
    ]
    for head in heads:
        active = head["key"] == query["sort"]
        if active:
            order = "desc" if query["order"] == "asc" else "asc"
        else:
            order = default_order(head["key"])
        head["active"] = active
        head["order"] = query["order"] if active else None
        head["href"] = "?" + screen_params(
            q=query["q"], sort=head["key"], order=order, size=query["size"], status=query["status"]
        )
    return heads


def table_body(rows: list[ScreenRow], metrics: list[Metric], *, sort: str) -> str:
    """The rows of the results table as HTML: ticker (a link to the company), name, a cell per
    metric, and the compare box. Built here rather than in a template loop, as the statement
    tables are: a page of 100 companies by eight columns through template nodes would be most
    of the page's server time."""
    company_url = reverse("company_detail", args=["TICKER"])
    html = []
    for row in rows:
        ticker, name = escape(row.ticker), escape(row.name)
        badge = ' <span class="badge">delisted</span>' if row.status != "listed" else ""
        cells = []
        for metric in metrics:
            shown = cell(row, metric)
            classes = " ".join(
                name
                for name, wanted in (("num", shown.numeric), ("sorted", metric.name == sort))
                if wanted
            )
            text = escape(shown.text)
            if shown.title:
                text = f'<span tabindex="0" title="{escape(shown.title)}">{text}</span>'
            if shown.note:
                text += f' <span class="muted">{escape(shown.note)}</span>'
            cells.append(f'<td class="{classes}">{text}</td>' if classes else f"<td>{text}</td>")
        html.append(
            f'<tr><td><a href="{company_url.replace("TICKER", ticker)}">{ticker}</a></td>'
            f"<td>{name}{badge}</td>{''.join(cells)}"
            f'<td class="compare"><input type="checkbox" name="tickers" value="{ticker}" '
            f'id="compare-{ticker}"><label for="compare-{ticker}" class="visually-hidden">'
            f"Compare {ticker} {name}</label></td></tr>"
        )
    return mark_safe("\n".join(html))  # every piece is escaped, or text we wrote


# --- downloads and the API -----------------------------------------------------------------------


def _safe(text):
    """Text a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(text, str) and text[:1] in FORMULA_STARTS:
        return f"'{text}"
    return text


def csv_filename(today: datetime.date) -> str:
    return f"screen-{today.isoformat()}.csv"


def write_csv(out, *, rows: list[ScreenRow], metrics: list[Metric]) -> None:
    """The header row `ticker,name,<metric>,…,reporting_currency`, then one row per company
    that matched, in the screen's order: money in whole A$, percentages as fractions, dates
    ISO, an empty cell where a figure is missing; text guarded against formula injection."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["ticker", "name", *(m.name for m in metrics), "reporting_currency"])
    for row in rows:
        values = [row.values.get(metric.name) for metric in metrics]
        writer.writerow(
            [
                _safe(row.ticker),
                _safe(row.name),
                *("" if value is None else _safe(value) for value in values),
                row.reporting_currency or "",
            ]
        )


def api_row(row: ScreenRow, metrics: list[Metric]) -> dict:
    return {
        "ticker": row.ticker,
        "name": row.name,
        "status": row.status,
        **{metric.name: row.values.get(metric.name) for metric in metrics},
        "reporting_currency": row.reporting_currency,
    }


def metric_entry(metric: Metric) -> dict:
    """A metric as GET /api/metrics/ describes it."""
    return {
        "name": metric.name,
        "label": metric.label,
        "unit": metric.unit.value,
        "source": metric.source.value,
        "period": metric.period,
        "formula": metric.formula,
        "better": metric.better.value if metric.better else None,
    }
