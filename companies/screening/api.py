"""The screener and its metrics as JSON: `GET /api/screener/` and `GET /api/metrics/`."""

from django.http import JsonResponse

from companies.screening import presenters, selectors
from companies.screening.cursors import InvalidCursor
from companies.screening.forms import ScreenQuery
from companies.screening.metrics import METRICS

EMPTY = "'q' is empty: give a screen expression, such as pe < 15 (GET /api/metrics/ lists them)"


def _error(message: str, status: int, **extra) -> JsonResponse:
    """The API's error body (as companies/api.py): {"error": one sentence, ...what about}."""
    return JsonResponse({"error": message, **extra}, status=status)


def screener(request):
    """`GET /api/screener/?q=&sort=&order=&size=&cursor=&status=` -> {"query", "count",
    "metrics" (the names the expression uses), "results": [{"ticker", "name", "status",
    <metric>: value, ..., "reporting_currency"}], "next", "previous"}. Each result carries
    market cap, every metric used and the sort's; money in A$, percentages as fractions."""
    form = ScreenQuery(request.GET)
    asked = request.GET.get("q", "")
    if not form.is_valid():
        error = form.expression_error
        extra = {"query": asked}
        if error is not None and error.position:
            extra["position"] = error.position
        return _error(form.error_summary(), 400, **extra)
    query = form.cleaned_data
    expression = query["expression"]
    if expression is None:
        return _error(EMPTY, 400, query=asked)
    try:
        page = selectors.screen_page(
            expression=expression,
            sort=query["sort"],
            order=query["order"],
            size=query["size"],
            cursor=query["cursor"],
            status=query["status"],
        )
    except InvalidCursor as exc:
        first_page = (
            request.path
            + "?"
            + presenters.screen_params(
                q=query["q"],
                sort=query["sort"],
                order=query["order"],
                size=query["size"],
                status=query["status"],
            )
        )
        return _error(str(exc), 400, query=asked, first_page=first_page)
    metrics = presenters.column_metrics(expression, query["sort"])
    return JsonResponse(
        {
            "query": query["q"],
            "count": page.count,
            "metrics": list(expression.metrics),
            "results": [presenters.api_row(row, metrics) for row in page.rows],
            "next": page.next_cursor,
            "previous": page.previous_cursor,
        }
    )


def metrics(request):
    """`GET /api/metrics/` -> {"metrics": [{"name", "label", "unit", "source", "period",
    "formula", "better"}]}: every metric a screen can use, in the registry's order."""
    return JsonResponse({"metrics": [presenters.metric_entry(m) for m in METRICS.values()]})
