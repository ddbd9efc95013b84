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
from companies.models import DELISTED, NO_STATEMENTS, REFRESH_OK, SAMPLE_SOURCE
from companies.statements import layout
from companies.statements.layout import ALL_LINES, KEY_LINES
from companies.statements.rows import StatementRow, statement_rows
from companies.statements.vocabulary import DEFAULT_PERIOD, PERIOD_TITLES, STATEMENT_TITLES
from companies.templatetags import figures


def company_page_context(
    *, company, tables, statement: str, period: str, lines: str = KEY_LINES
) -> dict:
    """Everything company_detail.html shows. `tables` is {period_type: {statement: table}} from
    selectors.company_with_statements, or None when there are no statements to show (a bad
    period, or a company never fetched). `lines` is KEY_LINES or ALL_LINES."""
    context = {
        "company": company,
        "header": company_header(company),
        "profile": company_profile(company),
        "statement": statement,
        "statement_title": STATEMENT_TITLES[statement],
        "period": period,
        "period_title": PERIOD_TITLES.get(period, ""),
        "lines": lines,
        "tabs": [
            {"key": key, "title": title, "active": key == statement}
            for key, title in STATEMENT_TITLES.items()
        ],
        "period_tabs": [
            {"key": key, "title": title, "active": key == period}
            for key, title in PERIOD_TITLES.items()
        ],
        "line_tabs": [
            {"key": KEY_LINES, "title": "Key lines", "active": lines == KEY_LINES},
            {"key": ALL_LINES, "title": "All lines", "active": lines == ALL_LINES},
        ],
        "sample": company.data_source == SAMPLE_SOURCE,
        "point_in_time": statement == "balance" and period == "ttm",
    }
    if tables is None or company.last_updated is None:  # say when it is due, not empty tables
        return context

    shown = tables[period]
    table = shown[statement]
    annual = tables[DEFAULT_PERIOD]
    newest_year = annual["income"].periods[0].end if annual["income"].periods else None
    overview = ratios.chart_series(shown)
    overview_units, overview_head, overview_table = overview_rows(overview)
    rows = statement_rows(table, lines=lines)
    context.update(
        {
            "table": table_view(table, rows),
            "sample": _shows_sample(company, table, annual),
            "overview_head": overview_head,
            "overview_rows": overview_table,
            "overview_units": overview_units.caption(table.currency or company.financial_currency),
            "charted": len(overview["ends"]) >= MIN_CHART_PERIODS,
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
                        {"key": row.key, "label": row.label, "values": row.values}
                        for row in rows
                        if not row.computed
                    ],
                },
            },
        }
    )
    return context


# A chart of one period is a lone bar on an empty axis: it says nothing a table does not.
MIN_CHART_PERIODS = 2


def _shows_sample(company, table, annual: dict) -> bool:
    """Whether any figure on the page is bundled sample data: the shown table's periods and
    the annual statements the key figures come from."""
    tables = [table, *annual.values()]
    if any(period.source == SAMPLE_SOURCE for t in tables for period in t.periods):
        return True
    return not any(t.periods for t in tables) and company.data_source == SAMPLE_SOURCE


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
        "no_statements": company.last_outcome == NO_STATEMENTS,
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


def table_view(table, rows: list[StatementRow]) -> dict:
    units = figures.table_units(rows)
    share_units = figures.table_units(rows, kind=layout.SHARES)
    return {
        "currency": table.currency,
        "units": units.caption(table.currency),
        "share_units": share_units.name,
        "periods": table.periods,
        "rows": bool(rows),
        "computed": any(row.computed for row in rows),
        "body": table_body(
            rows,
            units=units,
            share_units=share_units,
            charted=len(table.periods) >= MIN_CHART_PERIODS,
        ),
    }


def _row_label(row: StatementRow, *, share_units, charted: bool) -> str:
    label = escape(row.label)
    if row.computed:
        return (
            f'{label} <span class="computed-mark" title="Computed by ASX DB: '
            f'{escape(row.formula)}">computed</span>'
        )
    if row.kind == layout.SHARES:
        unit = f"shares, {share_units.name}" if share_units.name else "shares"
        label += f' <span class="row-unit">({unit})</span>'
    elif row.kind == layout.PER_SHARE:
        label += ' <span class="row-unit">(per share)</span>'
    if not charted:
        return label
    key = escape(row.key)
    return (
        f'<button type="button" class="chart-item" data-key="{key}" '
        f'title="Chart {escape(row.label)} over time">{label}</button>'
    )


def table_body(rows: list[StatementRow], *, units, share_units, charted: bool) -> str:
    """The rows of a statement table as HTML, in layout order: subtotals bold, parts indented
    by level, computed rows marked. Built here rather than in a template loop: a statement has
    up to ~100 line items x a dozen periods, and a template renders each cell through several
    nodes, which would be most of the page's server time."""
    html = []
    for row in rows:
        row_units = share_units if row.kind == layout.SHARES else units
        classes = [f"level-{min(row.level, 3)}"]
        if row.subtotal:
            classes.append("subtotal")
        if row.computed:
            classes.append("computed")
        cells = "".join(
            f'<td class="num">{figures.table_figure(value, units=row_units, kind=row.kind)}</td>'
            for value in row.values
        )
        label = _row_label(row, share_units=share_units, charted=charted and not row.computed)
        html.append(
            f'<tr data-key="{escape(row.key)}" class="{" ".join(classes)}">'
            f'<th scope="row" class="item">{label}</th>{cells}</tr>'
        )
    return mark_safe("\n".join(html))  # every piece is escaped, or digits we formatted


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


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _spreadsheet_safe(cell):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe; figures are
    written as numbers."""
    if isinstance(cell, str) and cell[:1] in FORMULA_STARTS:
        return f"'{cell}"
    return cell


def statement_filename(*, company, table, extension: str) -> str:
    """`BHP-income-annual-USD.csv`: ticker, statement, period type and currency."""
    currency = table.currency or company.financial_currency
    parts = [company.ticker, table.statement, table.period_type, currency]
    return "-".join(part for part in parts if part) + f".{extension}"


def write_statement_csv(out, *, table) -> None:
    """The header row `key,label,<period end>,...` (newest first), then one row per reported
    line item in layout order (every line, no computed rows): figures exactly as stored, in
    the reporting currency's units (not scaled), an empty cell where a period has no figure.
    Currency, statement and period type are in the file name; period lengths, units and
    source in the JSON twin."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["key", "label", *(p.end.isoformat() for p in table.periods)])
    for row in statement_rows(table, lines=ALL_LINES):
        if row.computed:
            continue
        writer.writerow(
            [
                _spreadsheet_safe(row.key),
                _spreadsheet_safe(row.label),
                *("" if value is None else value for value in row.values),
            ]
        )
