"""What the company pages show, worked out from what the selectors read: header facts, profile,
statement tables (built as escaped HTML), key figures, chart data and CSV downloads. Views call
these and render; nothing here reads or writes the table."""

import csv
import datetime
import functools
from html import escape  # what django.utils.html.escape does, without its lazy-text wrapper
from urllib.parse import urlsplit

from django.urls import get_script_prefix, reverse
from django.utils import timezone
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
        "links": page_links(ticker=company.ticker, statement=statement, period=period, lines=lines),
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
            "key_figures": key_figures_html(
                [
                    key_figure(figure, company.financial_currency)
                    for figure in ratios.key_figures(annual, period_label="year")
                ]
            ),
            "key_figures_end": newest_year,
            "chart_data": {
                "currency": table.currency or company.financial_currency,
                "overview": overview,
                # each reported row's figures by its key; its label is the row's button
                "table": {
                    "ends": [p.end.isoformat() for p in table.periods],
                    "values": {row.key: row.values for row in rows if not row.computed},
                },
            },
        }
    )
    return context


# A chart of one period is a lone bar on an empty axis: it says nothing a table does not.
MIN_CHART_PERIODS = 2


_TICKER = "0TICKER0"  # a stand-in no real ticker spells (tickers are at most six characters)


@functools.lru_cache(maxsize=256)
def _url_pattern(prefix: str, name: str, args: tuple[str, ...]) -> str:
    return reverse(name, args=[_TICKER, *args])


def company_url(name: str, *, ticker: str, args: tuple[str, ...] = ()) -> str:
    """reverse(name, args=[ticker, *args]) for a valid ticker (letters and digits, which a URL
    keeps as they are), from one reversal per URL name and script prefix: a company page links
    to a dozen of its own URLs."""
    return _url_pattern(get_script_prefix(), name, args).replace(_TICKER, ticker)


def _tab_links(tabs) -> str:
    """A nav's links, `(href, title, active)` each: the current one marked for readers."""
    return mark_safe(  # our own URLs (validated choices) and titles
        "".join(
            f'<a href="{href}"{' aria-current="page"' if active else ""}>{title}</a>'
            for href, title, active in tabs
        )
    )


def page_links(*, ticker: str, statement: str, period: str, lines: str) -> dict:
    """The statement, period and lines tabs as HTML, and the tab's downloads; built once here
    (three URL reversals) rather than a `{% url %}` per link."""
    statement_urls = {
        key: company_url("company_statement", ticker=ticker, args=(key,))
        for key in STATEMENT_TITLES
    }
    here = statement_urls[statement]
    all_lines = "&amp;lines=all" if lines == ALL_LINES else ""
    return {
        "statements": _tab_links(
            (f"{statement_urls[key]}?period={period}{all_lines}", title, key == statement)
            for key, title in STATEMENT_TITLES.items()
        ),
        "periods": _tab_links(
            (f"{here}?period={key}{all_lines}", title, key == period)
            for key, title in PERIOD_TITLES.items()
        ),
        "lines": _tab_links(
            (
                f"{here}?period={period}{'&amp;lines=all' if key == ALL_LINES else ''}",
                title,
                key == lines,
            )
            for key, title in ((KEY_LINES, "Key lines"), (ALL_LINES, "All lines"))
        ),
        "half_year_balance": f"{statement_urls['balance']}?period=quarterly"
        + ("&lines=all" if lines == ALL_LINES else ""),  # escaped by the template
        "csv": company_url("company_statement_csv", ticker=ticker, args=(statement,))
        + f"?period={period}",
        "json": company_url("company_statement_json", ticker=ticker, args=(statement,))
        + f"?period={period}",
    }


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
    updated, attempted = company.last_updated, company.last_attempt
    return {
        "listing_date": datetime.date.fromisoformat(company.listing_date)
        if company.listing_date
        else None,
        # the freshness line's moments, as the date:'c', day and ago filters show them
        "updated_iso": timezone.localtime(updated).isoformat() if updated else "",
        "updated_day": figures.day(updated),
        "updated_ago": figures.ago(updated),
        "attempt_iso": timezone.localtime(attempted).isoformat() if attempted else "",
        "attempt_ago": figures.ago(attempted),
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
        "head": table_head(table.periods),
        "rows": bool(rows),
        # a row's history is charted on a click (its button), from two periods on
        "charted": any(not row.computed for row in rows)
        and len(table.periods) >= MIN_CHART_PERIODS,
        "computed": any(row.computed for row in rows),
        "body": table_body(
            rows,
            units=units,
            share_units=share_units,
            charted=len(table.periods) >= MIN_CHART_PERIODS,
        ),
    }


def table_head(periods) -> str:
    """The statement table's column heads: each period's end and length."""
    return mark_safe(  # dates and counts we formatted
        "".join(
            f'<th scope="col" class="num"><time datetime="{p.end.isoformat()}">'
            f'{figures.period_end(p.end)}</time><span class="months">{p.months} months</span></th>'
            for p in periods
        )
    )


@functools.lru_cache(maxsize=4096)
def _row_start(
    *,
    key: str,
    label: str,
    kind: str,
    level: int,
    subtotal: bool,
    formula: str | None,
    share_units: str,
    charted: bool,
) -> str:
    """A row's opening tag and its head cell: the same for every company that reports the line
    (in these units), so each is built once per process."""
    classes = f"level-{min(level, 3)}"
    if subtotal:
        classes += " subtotal"
    if formula is not None:
        classes += " computed"
    text = escape(label)
    if formula is not None:
        text += (
            f' <span class="computed-mark" title="Computed by ASX DB: '
            f'{escape(formula)}">computed</span>'
        )
    else:
        if kind == layout.SHARES:
            unit = f"shares, {share_units}" if share_units else "shares"
            text += f' <span class="row-unit">({unit})</span>'
        elif kind == layout.PER_SHARE:
            text += ' <span class="row-unit">(per share)</span>'
        if charted:
            text = (
                # the row's data-key says which line it charts
                f'<button type="button" class="chart-item" '
                f'title="Chart {escape(label)} over time">{text}</button>'
            )
    head = f'<th scope="row" class="item">{text}</th>'
    return f'<tr data-key="{escape(key)}" class="{classes}">{head}'


def table_body(rows: list[StatementRow], *, units, share_units, charted: bool) -> str:
    """The rows of a statement table as HTML, in layout order: subtotals bold, parts indented
    by level, computed rows marked. Built here rather than in a template loop: a statement has
    up to ~100 line items x a dozen periods, and a template renders each cell through several
    nodes, which would be most of the page's server time."""
    html = []
    for row in rows:
        row_units = share_units if row.kind == layout.SHARES else units
        start = _row_start(
            key=row.key,
            label=row.label,
            kind=row.kind,
            level=row.level,
            subtotal=row.subtotal,
            formula=row.formula,
            share_units=share_units.name,
            charted=charted,
        )
        cells = "".join(
            [
                f'<td class="num">{text}</td>'
                for text in figures.table_figures(row.values, units=row_units, kind=row.kind)
            ]
        )
        html.append(f"{start}{cells}</tr>")
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
        kind = layout.figure_kind(item.key)
        cells = "".join(
            f'<td class="num">{text}</td>'
            for text in figures.table_figures(item.values, units=units, kind=kind)
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


def key_figures_html(shown: list[dict]) -> str:
    """The key figures as the page's HTML (each is half a dozen escaped fields, built here
    rather than through as many template nodes)."""
    html = []
    for figure in shown:
        how = escape(figure["how"])
        unit = f' <span class="unit">{escape(figure["unit"])}</span>' if figure["unit"] else ""
        html.append(
            f'<div class="figure" data-figure="{escape(figure["key"])}">\n'
            f"      <dt>{escape(figure['name'])}</dt>\n"
            "      <dd>\n"
            f'        <span class="value" tabindex="0" title="{how}">{escape(figure["text"])}'
            f"{unit}</span>\n"
            f'        <details class="how"><summary>How</summary>{how}.</details>\n'
            "      </dd>\n"
            "    </div>"
        )
    return mark_safe("\n    ".join(html))  # every field escaped


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
