"""What the company pages show, worked out from what the selectors read: header facts, profile,
statement tables (built as escaped HTML), key figures, chart data and CSV downloads. Views call
these and render; nothing here reads or writes the table."""

import csv
import datetime
from urllib.parse import urlsplit

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from companies import ratios, selectors
from companies.models import DELISTED, REFRESH_OK, SAMPLE_SOURCE
from companies.templatetags import figures

STATEMENT_TITLES = {
    "income": "Income statement",
    "balance": "Balance sheet",
    "cashflow": "Cash flow",
}
PERIOD_TITLES = {"annual": "Annual", "quarterly": "Quarterly / half-yearly", "ttm": "TTM"}
DEFAULT_PERIOD = "annual"


def company_page_context(*, company, tables, statement: str, period: str) -> dict:
    """Everything company_detail.html shows. `tables` is {period_type: {statement: table}} from
    selectors.company_with_statements, or None when there are no statements to show (a bad
    period, or a company never fetched)."""
    context = {
        "company": company,
        "header": company_header(company),
        "profile": company_profile(company),
        "statement": statement,
        "statement_title": STATEMENT_TITLES[statement],
        "period": period,
        "period_title": PERIOD_TITLES.get(period, ""),
        "tabs": [
            {"key": key, "title": title, "active": key == statement}
            for key, title in STATEMENT_TITLES.items()
        ],
        "period_tabs": [
            {"key": key, "title": title, "active": key == period}
            for key, title in PERIOD_TITLES.items()
        ],
        "sample": company.data_source == SAMPLE_SOURCE,
    }
    if tables is None or company.last_updated is None:  # say when it is due, not empty tables
        return context

    shown = tables[period]
    table = shown[statement]
    annual = tables[DEFAULT_PERIOD]
    newest_year = annual["income"].periods[0].end if annual["income"].periods else None
    overview = ratios.chart_series(shown)
    overview_units, overview_head, overview_table = overview_rows(overview)
    context.update(
        {
            "table": table_view(table),
            "overview_head": overview_head,
            "overview_rows": overview_table,
            "overview_units": overview_units.caption(table.currency or company.financial_currency),
            "period_kind": period_kind(table),
            "key_figures": [
                key_figure(figure, company.financial_currency)
                for figure in ratios.key_figures(annual, period_label="year")
            ],
            "key_figures_end": newest_year,
            "chart_data": {
                "currency": table.currency or company.financial_currency,
                "overview": overview,
                "table": {
                    "ends": [p.end.isoformat() for p in table.periods],
                    "items": [
                        {"key": item.key, "label": item.label, "values": item.values}
                        for item in table.items
                    ],
                },
            },
        }
    )
    return context


def company_header(company) -> dict:
    """The header's facts and the freshness line's state: "ok", "failed" or "never"."""
    outcome = company.last_outcome
    if outcome and outcome != REFRESH_OK:
        freshness = "failed"
    elif company.last_updated is not None:
        freshness = "ok"
    else:
        freshness = "never"
    now = timezone.now()
    return {
        "listing_date": datetime.date.fromisoformat(company.listing_date)
        if company.listing_date
        else None,
        "delisted": company.listing_status == DELISTED,
        "freshness": freshness,
        "due_now": company.next_attempt is None or company.next_attempt <= now,
    }


PROFILE_FIELDS = (
    ("sector", "Sector"),
    ("industry", "Industry"),
    ("address", "Address"),
    ("phone", "Phone"),
    ("employees", "Employees"),
)


def company_profile(company) -> dict:
    """The profile fields that are known, and the website as a link only when it is a web URL."""
    profile = company.profile or {}
    website = (profile.get("website") or "").strip()
    try:
        scheme = urlsplit(website).scheme.lower()
    except ValueError:  # e.g. "http://[x": no link rather than a broken page
        scheme, website = "", ""
    if website and not scheme:
        website = f"https://{website}"
    elif scheme not in ("http", "https"):
        website = ""  # javascript:, data: and the like are never links
    facts = []
    for key, title in PROFILE_FIELDS:
        value = profile.get(key)
        if value not in (None, ""):
            facts.append({"title": title, "value": f"{value:,}" if key == "employees" else value})
    return {"facts": facts, "website": website, "summary": profile.get("summary")}


def table_view(table) -> dict:
    units = figures.table_units(table.items)
    return {
        "currency": table.currency,
        "units": units.caption(table.currency),
        "periods": table.periods,
        "rows": bool(table.items),
        "body": table_body(table, units),
    }


def table_body(table, units) -> str:
    """The rows of a statement table as HTML. Built here rather than in a template loop: a
    statement has ~40 line items x up to a dozen periods, and a template renders each cell
    through several nodes, which would be most of the page's server time."""
    rows = []
    for item in table.items:
        key, label = escape(item.key), escape(item.label)
        cells = "".join(
            f'<td class="num">{figures.table_figure(value, units=units, key=item.key)}</td>'
            for value in item.values
        )
        rows.append(
            f'<tr data-key="{key}"><th scope="row" class="item"><button type="button" '
            f'class="chart-item" data-key="{key}" title="Chart {label} over time">{label}'
            f"</button></th>{cells}</tr>"
        )
    return mark_safe("\n".join(rows))  # every piece is escaped, or digits we formatted


OVERVIEW_TITLES = {
    "revenue": "Revenue",
    "net_income": "Net income",
    "operating_cash_flow": "Operating cash flow",
    "free_cash_flow": "Free cash flow",
    "total_assets": "Total assets",
    "total_liabilities": "Total liabilities",
}


def overview_rows(overview: dict):
    """The charts' figures as table rows (the charts' text alternative), in one unit."""
    series = [
        selectors.LineItem(key=key, label=title, values=overview[key])
        for key, title in OVERVIEW_TITLES.items()
    ]
    units = figures.table_units(series)
    head = "".join(
        f'<th scope="col" class="num">{figures.period_end(end)}</th>' for end in overview["ends"]
    )
    rows = []
    for item in series:
        cells = "".join(
            f'<td class="num">{figures.table_figure(v, units=units, key=item.key)}</td>'
            for v in item.values
        )
        rows.append(f'<tr><th scope="row" class="item">{escape(item.label)}</th>{cells}</tr>')
    head = f'<tr><th scope="col" class="item">Figure</th>{head}</tr>'
    return units, mark_safe(head), mark_safe("\n".join(rows))  # our own labels and digits


def key_figure(figure: ratios.Figure, currency: str | None) -> dict:
    """A key figure with its text, and how it was made (for its title and its <details>)."""
    periods = " vs ".join(figures.period_end(end) for end in figure.periods)
    how = figure.formula + (f"; periods: {periods}" if periods else "")
    if figure.missing:
        how += "; an input is missing or the denominator is zero or negative"
    return {
        "key": figure.key,
        "name": figure.name,
        "text": figures.key_figure(figure),
        "unit": currency if figure.kind == ratios.MONEY and not figure.missing else "",
        "how": how,
    }


def period_kind(table) -> str:
    """What the columns are: "Years", "Half-years", "Quarters", "Interim periods", "Trailing 12
    months"."""
    if not table.periods:
        return PERIOD_TITLES[table.period_type]
    if table.period_type == "ttm":
        return "Trailing 12 months"
    months = {p.months for p in table.periods}
    if table.period_type == "annual":
        return "Years"
    if months == {6}:
        return "Half-years"
    if months == {3}:
        return "Quarters"
    return "Interim periods"


class _SpreadsheetSafeWriter:
    """A csv writer whose text cells cannot run as spreadsheet formulas: text starting with
    = + - @ (a company name, a label) gets a leading apostrophe. Figures are written as numbers."""

    def __init__(self, writer):
        self.writer = writer

    def writerow(self, row):
        self.writer.writerow(
            f"'{cell}" if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@") else cell
            for cell in row
        )


def write_statement_csv(out, *, company, table) -> None:
    """A header naming the company, statement, period type, currency and units (figures exactly
    as stored, not scaled), then one row of period ends, one of period lengths, and one row per
    line item; an empty cell where a period has no figure."""
    writer = _SpreadsheetSafeWriter(csv.writer(out))
    currency = table.currency or company.financial_currency or ""
    writer.writerow(["ticker", company.ticker, company.name])
    writer.writerow(["statement", table.statement, STATEMENT_TITLES[table.statement]])
    writer.writerow(["period", table.period_type])
    writer.writerow(["currency", currency])
    writer.writerow(
        ["units", f"{currency} (exact figures, not scaled; per-share items per share)".strip()]
    )
    writer.writerow(["source", company.data_source or ""])
    writer.writerow(["Line item", "Key", *(p.end.isoformat() for p in table.periods)])
    writer.writerow(["Months", "", *(p.months for p in table.periods)])
    for item in table.items:
        writer.writerow([item.label, item.key, *("" if v is None else v for v in item.values)])
