"""The screener page and its CSV download: parse the URL, run the screen over the snapshots in
memory, render."""

from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils import timezone

from companies.screening import presenters, selectors
from companies.screening.cursors import InvalidCursor
from companies.screening.expression import MAX_LENGTH
from companies.screening.forms import ScreenQuery
from companies.screening.metrics import METRICS

TEMPLATE = "screening/screener.html"
EMPTY_FOR_DOWNLOAD = "'q' is empty: give a screen expression, such as q=pe < 15 (see /screener/)"


def _compare_url() -> str:
    try:
        return reverse("compare")
    except NoReverseMatch:  # the compare page is not routed in this build
        return f"{get_script_prefix()}compare/"


def _page_context(query: dict | None) -> dict:
    """What every state of the page shows: the box, the ready-made screens, the language."""
    return {
        "ready_made": [
            {
                "title": screen.title,
                "expression": screen.expression,
                "about": screen.about,
                "href": "?"
                + presenters.screen_params(
                    q=screen.expression,
                    sort=selectors.DEFAULT_SORT,
                    order=selectors.default_order(selectors.DEFAULT_SORT),
                    size=selectors.PAGE_SIZES[0],
                    status="listed",
                ),
            }
            for screen in presenters.READY_MADE
        ],
        "examples": presenters.EXAMPLES,
        "metrics": [presenters.metric_entry(metric) for metric in METRICS.values()],
        "statuses": selectors.STATUSES,
        "status": (query or {}).get("status") or "listed",
        "max_length": MAX_LENGTH,
    }


def screener(request):
    """`/screener/?q=&sort=&order=&size=&cursor=&status=`: a screen's results, or (no `q`) the
    language with examples; a mistake in the expression is a 400 that shows where it is."""
    form = ScreenQuery(request.GET)
    asked = request.GET.get("q", "")
    if not form.is_valid():
        context = _page_context({"status": request.GET.get("status")})
        context.update({"q": asked, "error": form.error_summary()})
        position = form.expression_error.position if form.expression_error else None
        if position:
            context["error_position"] = position
            context["marker"] = " " * (position - 1) + "^"
        return render(request, TEMPLATE, context, status=400)
    query = form.cleaned_data
    expression = query["expression"]
    context = _page_context(query)
    context.update({"q": query["q"], "query": query})
    if expression is None:
        return render(request, TEMPLATE, context)
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
        context["error"] = str(exc)
        context["first_page"] = "?" + presenters.screen_params(
            q=query["q"],
            sort=query["sort"],
            order=query["order"],
            size=query["size"],
            status=query["status"],
        )
        return render(request, TEMPLATE, context, status=400)
    metrics = presenters.column_metrics(expression, query["sort"])
    params = {
        "q": query["q"],
        "sort": query["sort"],
        "order": query["order"],
        "size": query["size"],
        "status": query["status"],
    }
    sort_title = (
        METRICS[query["sort"]].label
        if query["sort"] in METRICS
        else presenters.FIXED_TITLES[query["sort"]]
    )
    context.update(
        {
            "page": page,
            "first_row": page.offset + 1,
            "last_row": page.offset + len(page.rows),
            "columns": presenters.columns(query=query, metrics=metrics),
            "body": presenters.table_body(page.rows, metrics, sort=query["sort"]),
            "sort_title": sort_title,
            "used": [METRICS[name] for name in expression.metrics],
            "csv_href": "?" + presenters.screen_params(**params),
            "next_href": "?" + presenters.screen_params(**params, cursor=page.next_cursor)
            if page.next_cursor
            else None,
            "previous_href": "?" + presenters.screen_params(**params, cursor=page.previous_cursor)
            if page.previous_cursor
            else None,
            "sizes": [
                {
                    "size": size,
                    "href": "?" + presenters.screen_params(**{**params, "size": size}),
                }
                for size in selectors.PAGE_SIZES
            ],
            "compare_url": _compare_url(),
        }
    )
    return render(request, TEMPLATE, context)


def screener_csv(request):
    """`/screener.csv?q=&sort=&order=&status=`: every company the screen lists (not one page),
    in its order; the file is named `screen-<date>.csv` (Sydney's date)."""
    form = ScreenQuery(request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest(
            form.error_summary(), content_type="text/plain; charset=utf-8"
        )
    query = form.cleaned_data
    if query["expression"] is None:
        return HttpResponseBadRequest(EMPTY_FOR_DOWNLOAD, content_type="text/plain; charset=utf-8")
    matches = selectors.screen_run(
        expression=query["expression"],
        sort=query["sort"],
        order=query["order"],
        status=query["status"],
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = presenters.csv_filename(timezone.localdate())
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    presenters.write_csv(
        response,
        rows=matches,
        metrics=presenters.column_metrics(query["expression"], query["sort"]),
    )
    return response
