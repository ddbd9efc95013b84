"""What a cold start does: the work every page needs happens once, when the WSGI application is
built (Lambda's init phase); the modules only some requests need are imported by those requests.
The timings are bench/cold_start.py's."""

import os
import subprocess
import sys
from importlib import import_module

from django.template.loader import get_template
from django.test import Client
from django.urls import get_resolver

from companies import models, urls
from tests import factories

# Imported by the views that need them, never by building the application or serving a page.
LAZY_MODULES = [
    "companies.init_views",
    "companies.iam_init",
    "companies.services",
    "companies.jobs",
    "companies.screening",
    "companies.comparing",
    "companies.openapi",
    "companies.market.views",
    "companies.market.api",
    "scraping",
    "requests",
    "zappa.asynchronous",
    "pandas",
    "numpy",
    "yfinance",
    "curl_cffi",
]


def _imported_after(code: str) -> list[str]:
    probe = (
        f"import sys\n{code}\n"
        f"print(sorted(m for m in {LAZY_MODULES!r} if m in sys.modules or any("
        "n.startswith(m + '.') for n in sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "asxdb_site.settings",
            "AWS_ACCESS_KEY_ID": "local",  # the warm-up creates clients; it sends nothing
            "AWS_SECRET_ACCESS_KEY": "local",
        },
    )
    return result.stdout.strip()


def test_building_the_application_imports_only_what_pages_need():
    """Serving the pages imports none of them either: tests/deploy/test_package.py, through the
    packaged handler (WATCHED_MODULES in deploy/invoke.py)."""
    assert _imported_after("import asxdb_site.wsgi") == "[]"


def test_every_lazy_view_names_a_view_that_exists():
    lazy_code = urls.lazy("companies.views.home").__code__
    lazy_views = [
        pattern.callback
        for pattern in get_resolver().url_patterns[0].url_patterns
        if getattr(pattern, "callback", None) is not None and pattern.callback.__code__ is lazy_code
    ]
    assert len(lazy_views) >= 10
    for view in lazy_views:
        assert callable(getattr(import_module(view.__module__), view.__name__)), view.__name__


def test_a_lazy_view_answers_as_the_view_itself(client, moto_table):
    factories.load_directory(("BHP", "BHP GROUP LIMITED"))
    response = client.get("/api/")  # companies.openapi.views.api_index, imported on this request
    assert response.status_code == 200
    assert "/api/companies/" in response.content.decode()
    assert Client().get("/init/").status_code == 405  # POST only, before the view is imported


def test_every_model_draws_its_client_from_one_botocore_session(moto_table):
    connections = [model._get_connection().connection for model in models.ALL_MODELS]
    assert len({id(connection.session) for connection in connections}) == 1
    # each model keeps its own client: hooks registered on one count that model's calls once
    assert len({id(connection.client) for connection in connections}) == len(connections)


def test_the_warm_up_compiles_what_every_page_renders(moto_table):
    from asxdb_site import wsgi

    wsgi.warm_up()
    for name in wsgi.PAGE_TEMPLATES:
        assert get_template(name) is not None
