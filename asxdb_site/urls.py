"""The site's URL map: everything lives in the companies app; and the site's own 400 page."""

from django.core.exceptions import DisallowedHost, RequestDataTooBig, TooManyFieldsSent
from django.shortcuts import render
from django.urls import include, path

urlpatterns = [
    path("", include("companies.urls")),
]

handler404 = "companies.views.not_found"

# Why Django refused a request before any view ran, in one sentence each (never echoing the
# request: a bad Host is the attacker's text).
BAD_REQUEST_REASONS = (
    (DisallowedHost, "This site does not answer to the host name the request was sent to."),
    (TooManyFieldsSent, "The address has more parameters than any page here takes."),
    (RequestDataTooBig, "The request body is larger than this site accepts."),
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
    return render(request, "400.html", {"reason": reason, "directory": None}, status=400)


handler400 = bad_request
