"""What the benchmarks share: a settings environment that never reaches AWS, percentiles, and a
meter of DynamoDB calls and read capacity."""

import contextlib
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def bench_environment(table: str) -> None:
    """Settings for a benchmark run against DynamoDB Local (call before Django starts)."""
    sys.path.insert(0, str(ROOT))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "asxdb_site.settings",
            "DJANGO_SECRET_KEY": "bench-secret",
            "DJANGO_DEBUG": "false",
            "DJANGO_STATIC_MANIFEST": "false",
            "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "DYNAMODB_TABLE": table,
            "LOG_LEVEL": "WARNING",
        }
    )


def percentile(samples, fraction):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def time_requests(client, url, iterations):
    """Milliseconds per request of `iterations` GETs of `url` through the Django test client."""
    samples = []
    for _ in range(iterations):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return samples


class CapacityMeter:
    """Counts DynamoDB calls and the read capacity they consumed, via botocore's event hooks
    (PynamoDB asks for ReturnConsumedCapacity TOTAL on every call)."""

    def __init__(self, clients):
        self.calls = 0
        self.units = 0.0
        for client in clients:
            client.meta.events.register("after-call.dynamodb.*", self._after_call)

    def _after_call(self, http_response, parsed, model, **kwargs):
        self.calls += 1
        consumed = parsed.get("ConsumedCapacity") or {}
        # one entry per table for the batch operations, one dict for the others
        for entry in consumed if isinstance(consumed, list) else [consumed]:
            self.units += entry.get("CapacityUnits", 0.0)

    def reset(self):
        self.calls, self.units = 0, 0.0


@contextlib.contextmanager
def site_on_dynamodb_local():
    """An in-memory DynamoDB Local with the site's table created in it, and Django set up to
    use it; yields the endpoint URL. Call bench_environment() first."""
    from devtools.dynamodb_local import running

    with running() as endpoint:
        os.environ["DYNAMODB_ENDPOINT_URL"] = endpoint
        import django

        django.setup()
        from companies import models, services

        models.bind_table(table_name=os.environ["DYNAMODB_TABLE"], host=endpoint)
        services.table_create(wait=True)
        yield endpoint
