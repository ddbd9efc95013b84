"""`GET /api/compare/?tickers=&currency=`: the compare page's figures as data.

Errors are the API's error body, `{"error": <one sentence>}` as companies/api.py makes it: a
bad parameter, unknown tickers (the sentence names them), and fewer than 2 or more than 6
companies are each a 400."""

from django.http import JsonResponse

from companies.comparing import figures, selectors
from companies.comparing.forms import (
    MAX_COMPANIES,
    MIN_COMPANIES,
    CompareQuery,
    resolve,
)
from companies.finding.search import directory_index
from companies.screening.metrics import Unit

# What a row's `unit` says in the API: money is in the `currency` each value names.
UNIT_NAMES = {
    Unit.AUD: "money",
    Unit.PERCENT: "percent",
    Unit.TIMES: "times",
    Unit.COUNT: "count",
    Unit.DATE: "date",
    Unit.TEXT: "text",
}


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _iso(day) -> str | None:
    return day.isoformat() if day else None


def _value(cell: figures.Cell):
    value = cell.value
    return value.isoformat() if hasattr(value, "isoformat") else value


def _period(period: figures.Period | None) -> dict | None:
    if period is None:
        return None
    return {
        "end": _iso(period.end),
        "months": period.months,
        "currency": period.currency,
        "reported_currency": period.reported_currency,
        "fx": (
            {"pair": period.fx.pair, "rate": period.fx.rate, "date": period.fx.day.isoformat()}
            if period.fx
            else None
        ),
        "fx_missing": period.fx_missing,
        "sample": period.sample,
    }


def _row(row: figures.Row, tickers: list[str]) -> dict:
    metric = row.metric
    money = metric.unit is Unit.AUD
    return {
        "metric": metric.name,
        "label": metric.label,
        "unit": UNIT_NAMES.get(metric.unit, metric.unit.value),
        "better": metric.better.value if metric.better else None,
        "formula": metric.formula,
        "values": [
            {
                "ticker": ticker,
                "value": _value(cell),
                **({"currency": cell.currency} if money else {}),
                "reason": cell.reason if cell.value is None else None,
                "loss": cell.loss,
                "note": cell.note,
                "best": cell.best,
            }
            for ticker, cell in zip(tickers, row.cells, strict=True)
        ],
        "best": [tickers[n] for n in row.best],
        "unmarked": row.unmarked,
    }


def comparison_payload(comparison: figures.Comparison) -> dict:
    """The comparison as data: companies in the URL's order; each section's period per
    company and its rows, each value exact (money in the `currency` it names, fractions for
    percentages: 0.146 for 14.6%), `best` naming the best companies of a row; and the charts'
    series per company, oldest year first."""
    tickers = comparison.tickers
    return {
        "tickers": tickers,
        "currency": comparison.currency,
        "companies": [
            {
                "ticker": c.ticker,
                "name": c.name,
                "status": c.status,
                "reporting_currency": c.reporting_currency,
                "fetched": c.fetched,
            }
            for c in comparison.companies
        ],
        "sections": [
            {
                "key": section.key,
                "title": section.title,
                "periods": (
                    None
                    if section.key == figures.PROFILE
                    else [
                        {"ticker": t, **_period(p)}
                        for t, p in zip(tickers, section.periods, strict=True)
                    ]
                ),
                "rows": [_row(row, tickers) for row in section.rows],
            }
            for section in comparison.sections
        ],
        "series": {
            chart.metric.name: {
                "label": chart.metric.label,
                "unit": UNIT_NAMES.get(chart.metric.unit, chart.metric.unit.value),
                "companies": [
                    {
                        "ticker": series.ticker,
                        "currency": series.currency,
                        "fx_missing": [end.isoformat() for end in series.fx_missing],
                        "points": [
                            {"end": end.isoformat(), "value": value}
                            for end, value in zip(series.ends, series.values, strict=True)
                        ],
                    }
                    for series in chart.series
                ],
            }
            for chart in comparison.charts
        },
    }


def compare(request):
    """GET /api/compare/?tickers=BHP,RIO[&currency=AUD]"""
    form = CompareQuery(request.GET)
    if not form.is_valid():
        return _error(form.error_summary(), 400)
    query = form.cleaned_data
    asked = resolve(tickers=query["tickers"], add="", index=directory_index())
    if asked.unknown:
        return _error(
            f"no ASX company has the ticker{'s' if len(asked.unknown) > 1 else ''} "
            f"{', '.join(asked.unknown)}",
            400,
        )
    count = len(asked.tickers)
    if not MIN_COMPANIES <= count <= MAX_COMPANIES:
        return _error(
            f"'tickers' must name {MIN_COMPANIES} to {MAX_COMPANIES} different companies "
            f"(got {count})",
            400,
        )
    comparison = selectors.comparison_get(tickers=asked.tickers, currency=query["currency"])
    return JsonResponse(comparison_payload(comparison))
