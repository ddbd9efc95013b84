"""The site's URL map: everything lives in the companies app; and the site's own 400 and 404
answers (JSON under /api/, the site's pages elsewhere)."""

from django.core.exceptions import (
    DisallowedHost,
    DisallowedRedirect,
    RequestDataTooBig,
    TooManyFieldsSent,
)
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import include, path

from companies import views as company_views

urlpatterns = [
    path("", include("companies.urls")),
]

API_PREFIX = "/api/"


def _wants_json(request) -> bool:
    """Every path under /api/ answers JSON, but /api/ itself, the page about the API."""
    return request.path_info.startswith(API_PREFIX) and request.path_info != API_PREFIX


def not_found(request, exception=None):
    """A URL no route takes: under /api/ a JSON 404, elsewhere the site's 404 page."""
    if _wants_json(request):
        return JsonResponse(
            {"error": "There is no API endpoint at this address; /api/ lists them."}, status=404
        )
    return company_views.not_found(request, exception)


handler404 = "asxdb_site.urls.not_found"

# Why Django refused a request before any view ran, in one sentence each (never echoing the
# request: a bad Host is the attacker's text).
BAD_REQUEST_REASONS = (
    (DisallowedHost, "This site does not answer to the host name the request was sent to."),
    (TooManyFieldsSent, "The address has more parameters than any page here takes."),
    (RequestDataTooBig, "The request body is larger than this site accepts."),
    # a redirect (a missing slash, a ticker in lower case) keeping a query string over 16 KB
    (DisallowedRedirect, "The address is too long to redirect to."),
)


def bad_request(request, exception=None):
    """The 400 page for a request Django refused (a Host not in ALLOWED_HOSTS, too many query
    parameters, too large a body). It makes no DynamoDB call: `directory` (the context
    processor's lazy directory summary, for the sample-data banner) is set to None, so a flood
    of bad requests costs no reads."""
    reason = next(
        (text for kind, text in BAD_REQUEST_REASONS if isinstance(exception, kind)),
        "The request could not be understood.",
    )
    if _wants_json(request):
        return JsonResponse({"error": reason}, status=400)
    return render(request, "400.html", {"reason": reason, "directory": None}, status=400)


handler400 = bad_request
