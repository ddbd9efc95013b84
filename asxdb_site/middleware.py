"""One structured log line per request, readable in `zappa tail`.

`request method=GET path=/companies/ status=200 duration_ms=12.4`: the path without its query
string (no cursors, no search terms, no secrets in the log), never a header or a body.
"""

import logging
import time
from urllib.parse import quote

log = logging.getLogger("asxdb.request")


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
