"""What every request goes through besides its view: one structured log line, the HTTP methods
each URL answers, and one-line warnings for requests Django refuses as suspicious.

`request method=GET path=/companies/ status=200 duration_ms=12.4`: the path without its query
string (no cursors, no search terms, no secrets in the log), never a header or a body.
"""

import logging
import time
from urllib.parse import quote

from django.http import HttpResponseNotAllowed, HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve
from django.utils.http import escape_leading_slashes

log = logging.getLogger("asxdb.request")

# Every page, download and API answer is read-only: GET and HEAD. A URL name listed here answers
# exactly its own methods instead: `POST /init/`, and the original site's ticker form, which
# posted to /ticker/ (companies/legacy.py).
READ_METHODS = ("GET", "HEAD")
METHODS_BY_URL_NAME = {
    "init": ("POST",),
    "legacy_ticker_box": ("GET", "HEAD", "POST"),
}


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        log.info(
            "request method=%s path=%s status=%d duration_ms=%.1f",
            request.method,
            quote(request.path, safe="/"),  # one token, whatever the URL holds
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
        return response


def allowed_methods(url_name: str | None) -> tuple[str, ...]:
    """The methods the URL named `url_name` answers."""
    return METHODS_BY_URL_NAME.get(url_name, READ_METHODS)


class AllowedMethodsMiddleware:
    """A method the resolved URL does not answer (PUT, DELETE, PATCH, TRACE, OPTIONS on a page;
    GET on /init/) is a 405 with an Allow header, before its view runs.

    A write to a route without its trailing slash (`POST /init`) would reach CommonMiddleware's
    APPEND_SLASH, which answers with a 301 that turns a POST into a GET (and raises in DEBUG).
    Instead: a 308 to the same path with the slash (same site, method and body kept) when that
    URL answers the method, else that URL's 405. Unknown paths stay 404s.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in READ_METHODS and not request.path_info.endswith("/"):
            response = self._without_slash(request)
            if response is not None:
                return response
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        allowed = allowed_methods(request.resolver_match.url_name)
        return None if request.method in allowed else _not_allowed(allowed)

    def _without_slash(self, request):
        urlconf = getattr(request, "urlconf", None)
        if _resolves(request.path_info, urlconf):
            return None
        match = _resolves(f"{request.path_info}/", urlconf)
        if match is None:
            return None
        allowed = allowed_methods(match.url_name)
        if request.method not in allowed:
            return _not_allowed(allowed)
        # Relative (no Host), and never "//host/…": the path itself with a slash added.
        location = escape_leading_slashes(request.get_full_path(force_append_slash=True))
        return HttpResponsePermanentRedirect(location, preserve_request=True)


def _resolves(path: str, urlconf):
    try:
        return resolve(path, urlconf)
    except Resolver404:
        return None


def _not_allowed(allowed: tuple[str, ...]) -> HttpResponseNotAllowed:
    return HttpResponseNotAllowed(
        allowed,
        f"This address answers {_in_words(allowed)} only.\n",
        content_type="text/plain; charset=utf-8",
    )


def _in_words(methods: tuple[str, ...]) -> str:
    """("GET", "HEAD", "POST") -> "GET, HEAD and POST"."""
    *first, last = methods
    return f"{', '.join(first)} and {last}" if first else last


class OneLineWarning(logging.Filter):
    """For a `django.security.*` logger (settings.LOGGING): its record becomes one WARNING line,
    without the traceback. Django logs every refused Host or oversized request at ERROR with
    the exception attached, which reads as our failure; it is the client's."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        record.exc_info = record.exc_text = record.stack_info = None
        return True
