"""What the compare page shows, worked out from a figures.Comparison: the companies with their
remove buttons, the side-by-side table (texts, best marks, each column's period and currency),
the currency switch, the charts' data and their tables for readers without the charts, and the
formulas. Nothing here reads the table."""

import datetime

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from companies.comparing import figures as compare
from companies.comparing.forms import AUD, MAX_COMPANIES, REPORTED, canonical_query
from companies.finding.search import DirectoryIndex
from companies.models import LISTED
from companies.screening.metrics import Better, Metric, Unit
from companies.templatetags import figures

MISSING = figures.MISSING
LOSS = "n/m (loss)"
BETTER_WORDS = {Better.HIGHER: "higher is better", Better.LOWER: "lower is better"}
CHART_UNITS = {Unit.AUD: "money", Unit.PERCENT: "percent", Unit.TIMES: "times"}
EXAMPLES = 3
UNMARKED_MIXED = "not marked: currencies differ"


def compare_url(tickers: list[str], currency: str = REPORTED) -> str:
    """The canonical URL of a comparison (the page without tickers when there are none)."""
    query = canonical_query(tickers, currency)
    return reverse("compare") + (f"?{query}" if query else "")


def _prefix(currency: str | None) -> str:
    return "A$" if currency == AUD else f"{currency} " if currency else ""


def money_text(value, currency: str | None, *, per_share: bool = False) -> str:
    """`USD 55.23B`, `A$1.94` (per share), `−A$120.50M`; missing -> "—"."""
    if value is None:
        return MISSING
    sign = "−" if value < 0 else ""
    if per_share:
        digits = f"{abs(value):,.4f}".rstrip("0")
        whole, _, fraction = digits.partition(".")
        return f"{sign}{_prefix(currency)}{whole}.{fraction.ljust(2, '0')}"
    return f"{sign}{_prefix(currency)}{figures.compact(abs(value))}"


def cell_text(metric: Metric, cell: compare.Cell) -> str:
    """A figure as the table shows it: money with its currency, percentages, multiples ("×"),
    dates; "n/m (loss)" for a multiple of a loss, "—" for a missing figure (never 0)."""
    value = cell.value
    if value is None:
        return LOSS if cell.loss else MISSING
    if metric.unit is Unit.TEXT:
        return str(value)
    if metric.unit is Unit.DATE:
        return figures.day(value)
    if metric.unit is Unit.AUD:
        return money_text(value, cell.currency, per_share=metric.name in compare.PER_SHARE)
    sign = "−" if value < 0 else ""
    if metric.unit is Unit.PERCENT:
        return f"{sign}{abs(value) * 100:,.1f}%"
    if metric.unit is Unit.TIMES:
        return f"{sign}{abs(value):,.{compare.times_decimals(metric.name, value)}f}×"
    return f"{value:,}"


def _period_view(section: str, period: compare.Period | None) -> dict:
    """A column's period line: when its figures are from, and the currency and rate of its money."""
    if period is None or period.end is None:
        return {"end": None, "detail": "", "fx_missing": False}
    detail = []
    if section != compare.VALUATION and period.months and period.months != 12:
        detail.append(f"{period.months} months")
    if period.fx:
        detail.append(
            f"in A$ at {period.fx.pair} {period.fx.rate:.4f} ({figures.day(period.fx.day)})"
        )
    elif period.fx_missing:
        detail.append(
            f"no A$ rate stored for {figures.day(period.end)}: in {period.reported_currency}"
        )
    elif period.currency and section != compare.VALUATION:
        detail.append(f"in {period.currency}")
    if period.sample:
        detail.append("sample data")
    return {"end": period.end, "detail": "; ".join(detail), "fx_missing": period.fx_missing}


def _cell_view(metric: Metric, cell: compare.Cell) -> dict:
    title = cell.note or (cell.reason if cell.value is None else None)
    return {
        "text": cell_text(metric, cell),
        "best": cell.best,
        "missing": cell.value is None,
        "loss": cell.loss,
        "title": title or "",
    }


def _row_view(row: compare.Row) -> dict:
    metric = row.metric
    return {
        "name": metric.name,
        "label": metric.label,
        "better": BETTER_WORDS.get(metric.better, ""),
        # a row left unmarked for its currencies says so (the currency note says which); one
        # with a single figure needs no word
        "unmarked": UNMARKED_MIXED
        if (row.unmarked or "").startswith(compare.MIXED_CURRENCIES)
        else "",
        "cells": [_cell_view(metric, cell) for cell in row.cells],
    }


def _decimal_year(day: datetime.date) -> float:
    """A day as a position on a time axis in years: 30 Jun 2026 -> 2026.49."""
    start = datetime.date(day.year, 1, 1)
    length = (datetime.date(day.year + 1, 1, 1) - start).days
    return round(day.year + (day - start).days / length, 4)


def _series_label(company: compare.Company, series: compare.Series, chart: compare.Chart) -> str:
    if chart.money and series.currency:
        return f"{company.ticker} ({series.currency})"
    return company.ticker


def _chart_data(comparison: compare.Comparison) -> list[dict]:
    """What compare.js draws: per chart, one dataset per company, points at their own period
    ends on a time axis in years (companies end their years in different months)."""
    data = []
    for chart in comparison.charts:
        if not chart.drawn:
            continue
        data.append(
            {
                "key": chart.metric.name,
                "label": chart.metric.label,
                "unit": CHART_UNITS.get(chart.metric.unit, "number"),
                "datasets": [
                    {
                        "ticker": company.ticker,
                        "label": _series_label(company, series, chart),
                        "currency": series.currency,
                        "points": [
                            {"x": _decimal_year(end), "y": value, "end": end.isoformat()}
                            for end, value in zip(series.ends, series.values, strict=True)
                        ],
                    }
                    for company, series in zip(comparison.companies, chart.series, strict=True)
                ],
            }
        )
    return data


def _chart_table(comparison: compare.Comparison, chart: compare.Chart) -> dict:
    """A chart's figures as a table (its text alternative): a row per year end, newest first,
    a column per company, each figure in its company's currency."""
    ends = sorted({end for series in chart.series for end in series.ends}, reverse=True)
    by_company = [dict(zip(s.ends, s.values, strict=True)) for s in chart.series]
    rows = []
    for end in ends:
        cells = []
        for series, values in zip(chart.series, by_company, strict=True):
            value = values.get(end)
            cell = compare.Cell(value, currency=series.currency)
            cells.append(MISSING if end not in values else cell_text(chart.metric, cell))
        rows.append({"end": end, "cells": cells})
    return {
        "columns": [
            _series_label(company, series, chart)
            for company, series in zip(comparison.companies, chart.series, strict=True)
        ],
        "rows": rows,
    }


def _chart_note(comparison: compare.Comparison, chart: compare.Chart) -> str:
    notes = []
    if chart.money and len(chart.currencies) > 1:
        notes.append(
            f"In different currencies ({', '.join(chart.currencies)}), each labelled: not "
            "converted, so lines in different currencies are not like for like."
        )
    for company, series in zip(comparison.companies, chart.series, strict=True):
        if series.fx_missing:
            days = ", ".join(figures.day(end) for end in series.fx_missing)
            notes.append(
                f"{company.ticker} stays in {series.currency}: no A$ rate stored for {days}."
            )
    return " ".join(notes)


def _currency_note(comparison: compare.Comparison) -> str:
    currencies = sorted(
        {c.reporting_currency for c in comparison.companies if c.reporting_currency}
    )
    if comparison.currency == AUD:
        if currencies == [AUD]:
            return "Every company here reports in AUD: nothing to convert."
        return (
            "Money is in A$, converted from each company's reporting currency at the rate on "
            "the day its period ends; ratios and percentages are as reported."
        )
    if len(currencies) > 1:
        who = "; ".join(
            f"{', '.join(c.ticker for c in comparison.companies if c.reporting_currency == cur)} "
            f"in {cur}"
            for cur in currencies
        )
        return (
            f"These companies report in different currencies ({who}). Money is shown in each "
            "company's own currency and not compared across currencies."
        )
    return ""


def _time(day: datetime.date) -> str:
    return f'<time datetime="{day.isoformat()}">{figures.period_end(day)}</time>'


def _cell_html(cell: dict) -> str:
    classes = "num" + (" best" if cell["best"] else "") + (" missing" if cell["missing"] else "")
    title = escape(cell["title"])
    html = f'<td class="{classes}"' + (f' title="{title}"' if title else "") + ">"
    html += f'<span class="value">{escape(cell["text"])}</span>'
    if cell["best"]:
        html += ' <span class="best-mark">★ best</span>'
    if title:
        html += f'<span class="visually-hidden"> ({title})</span>'
    return html + "</td>"


def table_html(companies: list[dict], sections: list[dict]) -> str:
    """The side-by-side table's head and bodies as HTML: a body per section, its period row,
    then a row per metric (label, which way is better, a word when it is left unmarked), each
    figure with its best mark and, for readers of the title, why it is missing. Built here
    rather than in a template loop, which would be most of the page's server time; every piece
    is escaped, or words and digits of our own."""
    head = "".join(
        f'<th scope="col" class="num">{escape(c["ticker"])}'
        + (f'<span class="col-currency">{escape(c["currency"])}</span>' if c["currency"] else "")
        + "</th>"
        for c in companies
    )
    html = [f'<thead><tr><th scope="col" class="item">Figure</th>{head}</tr></thead>']
    for section in sections:
        html.append(f'<tbody data-section="{escape(section["key"])}">')
        html.append(
            f'<tr class="section"><th scope="rowgroup" colspan="{len(companies) + 1}">'
            f"{escape(section['title'])}</th></tr>"
        )
        if section["periods"]:
            cells = []
            for period in section["periods"]:
                cell = _time(period["end"]) if period["end"] else MISSING
                if period["detail"]:
                    cell += f'<span class="period-detail">{escape(period["detail"])}</span>'
                missing = " fx-missing" if period["fx_missing"] else ""
                cells.append(f'<td class="num{missing}">{cell}</td>')
            html.append(
                f'<tr class="period" data-period><th scope="row" class="item">'
                f"{escape(section['period_label'])}</th>{''.join(cells)}</tr>"
            )
        for row in section["rows"]:
            label = escape(row["label"])
            if row["better"]:
                label += f'<span class="better">{escape(row["better"])}</span>'
            if row["unmarked"]:
                label += f'<span class="unmarked">{escape(row["unmarked"])}</span>'
            cells = "".join(_cell_html(cell) for cell in row["cells"])
            html.append(
                f'<tr data-metric="{escape(row["name"])}"><th scope="row" class="item">{label}'
                f"</th>{cells}</tr>"
            )
        html.append("</tbody>")
    return mark_safe("\n".join(html))


def series_table_html(table: dict) -> str:
    """A chart's table (see _chart_table) as the rows of its <tbody>."""
    if not table["rows"]:
        span = len(table["columns"]) + 1
        return mark_safe(f'<tr><td colspan="{span}">No annual figures stored.</td></tr>')
    return mark_safe(
        "\n".join(
            f'<tr><th scope="row" class="item">{_time(row["end"])}</th>'
            + "".join(f'<td class="num">{escape(cell)}</td>' for cell in row["cells"])
            + "</tr>"
            for row in table["rows"]
        )
    )


def compare_context(comparison: compare.Comparison) -> dict:
    """Everything comparing/compare.html shows for a comparison of two or more companies."""
    tickers = comparison.tickers
    companies = []
    for company in comparison.companies:
        others = [t for t in tickers if t != company.ticker]
        companies.append(
            {
                "ticker": company.ticker,
                "name": company.name,
                "delisted": company.status != LISTED,
                "currency": company.reporting_currency,
                "fetched": company.fetched,
                "remove_tickers": ",".join(others),
                "remove_url": compare_url(others, comparison.currency),
            }
        )
    sections = []
    for section in comparison.sections:
        sections.append(
            {
                "key": section.key,
                "title": section.title,
                "period_label": section.period_label,
                "periods": [_period_view(section.key, p) for p in section.periods]
                if section.key != compare.PROFILE
                else None,
                "rows": [_row_view(row) for row in section.rows],
            }
        )
    charts = [
        {
            "key": chart.metric.name,
            "label": chart.metric.label,
            "formula": chart.metric.formula,
            "drawn": chart.drawn,
            "note": _chart_note(comparison, chart),
            "table": _chart_table(comparison, chart),
        }
        for chart in comparison.charts
    ]
    for chart in charts:
        chart["rows_html"] = series_table_html(chart["table"])
    metrics = {
        row.metric.name: row.metric for section in comparison.sections for row in section.rows
    }
    return {
        "tickers": tickers,
        "tickers_text": ",".join(tickers),
        "title_tickers": _and(tickers),
        "currency": comparison.currency,
        "companies": companies,
        "table_html": table_html(companies, sections),
        "charts": charts,
        "any_chart": any(chart["drawn"] for chart in charts),
        "chart_data": {"charts": _chart_data(comparison)},
        "currency_note": _currency_note(comparison),
        "currency_tabs": [
            {
                "key": REPORTED,
                "title": "Each in its own currency",
                "url": compare_url(tickers, REPORTED),
                "active": comparison.currency == REPORTED,
            },
            {
                "key": AUD,
                "title": "All in A$",
                "url": compare_url(tickers, AUD),
                "active": comparison.currency == AUD,
            },
        ],
        "formulas": [
            {"label": m.label, "formula": m.formula, "better": BETTER_WORDS.get(m.better, "")}
            for m in metrics.values()
            if m.numeric
        ],
        "full": len(tickers) >= MAX_COMPANIES,
        "sample": any(p and p.sample for s in comparison.sections for p in s.periods),
        "not_fetched": [c.ticker for c in comparison.companies if not c.fetched],
    }


def _and(items: list[str]) -> str:
    """ "BHP, RIO and FMG"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def examples(index: DirectoryIndex) -> list[dict]:
    """The largest listed companies by market cap, as a comparison to start from."""
    listed = [e for e in index.entries if e.status == LISTED and e.market_cap is not None]
    largest = sorted(listed, key=lambda e: (-e.market_cap, e.ticker))[:EXAMPLES]
    if len(largest) < 2:
        return []
    return [{"ticker": e.ticker, "name": e.name} for e in largest]


def examples_url(entries: list[dict]) -> str:
    return compare_url([e["ticker"] for e in entries]) if entries else ""


def choice_links(choices, *, tickers: list[str], currency: str) -> list[dict]:
    """Each company the search box's text may have meant, as the comparison with it added."""
    return [
        {
            "ticker": hit.entry.ticker,
            "name": hit.entry.name,
            "delisted": hit.entry.status != LISTED,
            "url": compare_url([*tickers, hit.entry.ticker], currency),
        }
        for hit in choices
    ]
