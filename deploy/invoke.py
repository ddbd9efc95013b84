"""Lambda-like runner: `python -S invoke.py EVENTS.json RESULT.json` inside an unzipped package.

Imports the package's `handler` (Zappa's entry point) and sends it each event in order, as Lambda
would in one warm container; writes each response or error with timings, then the heavy modules
that ended up imported. Run by deploy/lambda_package.py; never shipped.
"""

import json
import sys
import time
import traceback

HEAVY_MODULES = ("pandas", "numpy", "yfinance", "curl_cffi")
# Costly at import and not needed to serve a page (zappa.asynchronous makes AWS clients; the
# others are imported by the views that need them: companies/urls.py).
WATCHED_MODULES = (
    "companies.jobs",
    "zappa.asynchronous",
    "companies.init_views",
    "companies.services",
    "companies.screening",
    "companies.comparing",
    "companies.openapi",
    "requests",
)


class Context:
    function_name = "asxdb-dev"
    memory_limit_in_mb = 1024
    aws_request_id = "00000000-0000-0000-0000-000000000000"

    def get_remaining_time_in_millis(self):
        return 300_000


def main(events_path: str, result_path: str) -> None:
    with open(events_path) as source:
        events = json.load(source)
    from handler import lambda_handler  # the package's own; first on the path

    imported = time.time()
    django_apps = sys.modules.get("django.apps")
    ready_on_import = django_apps is not None and django_apps.apps.ready

    results = []
    for event in events:
        started = time.perf_counter()
        try:
            response = lambda_handler(event, Context())
            outcome = {"response": response}
        except Exception as exc:  # report it to the test, as Lambda reports a failed run
            outcome = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
        outcome.update(seconds=time.perf_counter() - started, finished=time.time())
        results.append(outcome)
    report = {
        "imported": imported,
        "ready_on_import": ready_on_import,
        "results": results,
        "modules": sorted(m for m in sys.modules if m.split(".")[0] in HEAVY_MODULES),
        "watched_modules": sorted(m for m in WATCHED_MODULES if m in sys.modules),
        "sys_path": sys.path,
    }
    with open(result_path, "w") as out:
        json.dump(report, out, default=str)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
