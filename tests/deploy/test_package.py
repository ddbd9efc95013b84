"""The Lambda package, built once per session with `zappa package dev` (no AWS credentials), and
run as Lambda runs it: unzipped, with only the runtime's own boto3/botocore besides, events sent
to the package's `handler.lambda_handler` in a fresh process (LambdaHandler is a singleton)."""

import importlib.util
import json
import re
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from deploy import lambda_package
from deploy.lambda_package import api_gateway_event, keep_warm_event, scheduled_event

pytestmark = pytest.mark.deploy

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k3y-for-the-packaged-site-" + "x7Qp2mZ9" * 5


@pytest.fixture(scope="module")
def lambda_env(dynamodb_local_url, directory_url):
    """The process environment Lambda would have (the stage's own variables come from the
    package's zappa_settings.py); DynamoDB Local stands in for DynamoDB."""
    return {
        "DJANGO_SECRET_KEY": STRONG_KEY,  # set on Lambda through aws_environment_variables
        "DYNAMODB_ENDPOINT_URL": dynamodb_local_url,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "ASX_DIRECTORY_URL": directory_url,
        "ASX_DIRECTORY_FALLBACK_URL": directory_url,
    }


@pytest.fixture(scope="module")
def loaded_site(lambda_dir, lambda_runtime, lambda_env):
    """One warm container: create_table and the scheduled directory sync, then page requests."""
    report = lambda_package.invoke(
        lambda_dir,
        lambda_runtime,
        [
            {"manage": "create_table"},
            scheduled_event("companies.jobs.init_companies"),
            api_gateway_event("/"),
            api_gateway_event("/companies/BHP/"),
            keep_warm_event(),
        ],
        env=lambda_env,
    )
    for result in report["results"]:
        assert "error" not in result, result.get("traceback")
    return report


def test_package_fits_lambda_without_slim_handler(lambda_zip, lambda_dir):
    size = lambda_package.unzipped_size(lambda_zip)
    assert size < 0.8 * lambda_package.LAMBDA_UNZIPPED_LIMIT, f"{size:,} bytes unzipped"
    shipped = {path.name for path in lambda_dir.iterdir()}
    for left_out in ["boto3", "botocore", "s3transfer", "moto", "playwright", "pytest", "pip"]:
        assert left_out not in shipped
    for left_out in ["tests", "bench", "devtools", "node_modules", ".dynamodb", ".env", "deploy"]:
        assert left_out not in shipped
    assert not list(lambda_dir.rglob("pandas/tests"))
    assert "SLIM_HANDLER" not in (lambda_dir / "zappa_settings.py").read_text()
    assert (lambda_dir / "staticfiles" / "staticfiles.json").is_file()


def test_package_ships_brotli_and_the_code_version(lambda_dir):
    """Brotli answers `Accept-Encoding: br` (asxdb_site/http_caching.py); the build writes the
    code's version, part of every ETag, so a container never hashes its own files."""
    assert (lambda_dir / "brotli.py").is_file() and list(lambda_dir.glob("_brotli*.so"))
    version = (lambda_dir / "staticfiles" / "code-version.txt").read_text().strip()
    assert re.fullmatch(r"[0-9a-f]{16}", version)


def test_compiled_extensions_need_at_most_the_runtime_glibc(lambda_dir):
    needs = lambda_package.glibc_needs(lambda_dir)
    assert len(needs) > 20  # numpy, pandas, lxml, curl_cffi... were all read
    too_new = {name: v for name, v in needs.items() if v > lambda_package.RUNTIME_GLIBC}
    assert not too_new, f"need a newer glibc than Amazon Linux 2023's 2.34: {too_new}"


def test_every_shipped_module_has_checked_hash_bytecode(lambda_dir):
    """Zip entries are dated 1980: only hash-checked .pyc are valid without recompiling."""
    stale = []
    for package in ["asxdb_site", "companies", "scraping", "django", "pynamodb", "zappa"]:
        for source in (lambda_dir / package).rglob("*.py"):
            if source.parent.name == "__pycache__":
                continue  # Zappa drops an empty __init__.py into every directory it zips
            cached = importlib.util.cache_from_source(str(source))
            try:
                with open(cached, "rb") as pyc:
                    header = pyc.read(16)
            except FileNotFoundError:
                stale.append(str(source))
                continue
            flags = int.from_bytes(header[4:8], "little")
            if flags != 0b11 or header[8:16] != importlib.util.source_hash(source.read_bytes()):
                stale.append(str(source))
    assert not stale, stale[:10]


def test_home_page_through_api_gateway_has_stage_prefixed_links(loaded_site):
    home = loaded_site["results"][2]["response"]
    assert home["statusCode"] == 200
    assert 'href="/dev/companies/"' in home["body"]
    assert re.search(r'href="/dev/static/css/site\.[0-9a-f]{12}\.css"', home["body"])
    assert "40" in home["body"]  # companies listed, from the scheduled sync


def test_company_page_through_api_gateway(loaded_site):
    page = loaded_site["results"][3]["response"]
    assert page["statusCode"] == 200
    assert "BHP" in page["body"]
    assert 'href="/dev/' in page["body"]
    assert "/dev/static/" in page["body"]


def test_scheduled_directory_sync_runs_the_job(loaded_site):
    assert "directory_load source=http://127.0.0.1" in loaded_site["stderr"]


def test_keep_warm_event_is_answered_without_work(loaded_site):
    warm = loaded_site["results"][4]
    assert warm["response"] is None
    assert warm["seconds"] < 0.5


def test_requests_are_logged_one_line_each(loaded_site):
    log = loaded_site["stderr"]
    assert log.count("request method=GET path=/dev/companies/BHP/ status=200 duration_ms=") == 1
    assert '"GET /companies/BHP/ HTTP/1.1"' not in log  # Zappa's own access line is quiet


def test_whitenoise_serves_hashed_static_files_under_the_stage(
    loaded_site, lambda_dir, lambda_runtime, lambda_env
):
    """The page links /dev/static/...; API Gateway strips the stage, so the function sees
    /static/... and must answer with far-future caching."""
    css = re.search(
        r'href="/dev(/static/css/site\.[0-9a-f]{12}\.css)"',
        loaded_site["results"][2]["response"]["body"],
    )[1]
    report = lambda_package.invoke(
        lambda_dir,
        lambda_runtime,
        [api_gateway_event(css, headers={"Accept": "text/css"})],
        env=lambda_env,
    )
    response = report["results"][0]["response"]
    assert response["statusCode"] == 200
    assert "max-age=315360000" in response["headers"]["Cache-Control"]
    assert "immutable" in response["headers"]["Cache-Control"]
    assert response["body"]


def test_web_requests_never_import_pandas_or_yfinance(
    loaded_site, lambda_dir, lambda_runtime, lambda_env
):
    report = lambda_package.invoke(
        lambda_dir,
        lambda_runtime,
        [api_gateway_event("/"), api_gateway_event("/companies/")],
        env=lambda_env,
    )
    assert [r["response"]["statusCode"] for r in report["results"]] == [200, 200]
    assert report["modules"] == []


def test_directory_sync_fails_loudly_when_the_asx_is_unreachable(
    lambda_dir, lambda_runtime, lambda_env
):
    unreachable = "http://127.0.0.1:9/directory.csv"
    report = lambda_package.invoke(
        lambda_dir,
        lambda_runtime,
        [scheduled_event("companies.jobs.init_companies")],
        env={
            **lambda_env,
            "ASX_DIRECTORY_URL": unreachable,
            "ASX_DIRECTORY_FALLBACK_URL": unreachable,
        },
    )
    assert report["results"][0]["error"].startswith("CommandError")


def test_manage_check_deploy_reports_nothing(lambda_dir, lambda_runtime, lambda_env):
    """`zappa manage dev "check --deploy"` sends this event."""
    report = lambda_package.invoke(
        lambda_dir, lambda_runtime, [{"manage": "check --deploy"}], env=lambda_env
    )
    assert "error" not in report["results"][0], report["results"][0].get("traceback")
    assert "System check identified no issues (2 silenced)." in report["stdout"]


PROJECT_FILES = {
    "asxdb_site", "companies", "scraping", "templates", "static", "staticfiles", "manage.py",
    "handler.py", "django_zappa_app.py", "zappa_settings.py", "package_info.json",
    "__init__.py", "__pycache__",
}  # fmt: skip


def _runtime_distributions() -> set[str]:
    """requirements.txt and everything it needs, by distribution name."""
    requirements = (ROOT / "requirements.txt").read_text().splitlines()
    todo = [Requirement(line).name for line in requirements if line and not line.startswith("#")]
    seen = set()
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        for spec in metadata.distribution(name).requires or []:
            requirement = Requirement(spec)
            if not requirement.marker or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return seen


def test_package_holds_nothing_but_the_project_and_its_runtime_dependencies(lambda_dir):
    """A tool added to requirements-dev.txt lands in the package until zappa_settings.json
    excludes it: this names it."""
    allowed = set(PROJECT_FILES)
    for name in _runtime_distributions():
        for file in metadata.distribution(name).files or []:
            allowed.add(file.parts[0])
    unexpected = {path.name for path in lambda_dir.iterdir()} - allowed
    assert not unexpected, f"add to the base stage's exclude: {sorted(unexpected)}"


def test_static_urls_follow_the_script_prefix(lambda_dir, settings):
    """Same package, same container: /dev/static/ on the execute-api host, /static/ on a
    custom domain (Django caches STATIC_URL from its first use; the storage must not)."""
    from django.urls import set_script_prefix

    from asxdb_site.storage import StaticStorage

    storage = StaticStorage(location=lambda_dir / "staticfiles")
    try:
        set_script_prefix("/dev/")
        on_execute_api = storage.url("css/site.css")
        set_script_prefix("/")
        on_custom_domain = storage.url("css/site.css")
    finally:
        set_script_prefix("/")
    assert re.fullmatch(r"/dev/static/css/site\.[0-9a-f]{12}\.css", on_execute_api)
    assert on_custom_domain == on_execute_api.removeprefix("/dev")


def test_web_requests_make_no_aws_client_but_dynamodbs(
    loaded_site, lambda_dir, lambda_runtime, lambda_env
):
    """zappa.asynchronous (imported by companies.jobs) creates four AWS clients on import:
    a quarter of a second of every cold start if a page imported it. Nor do pages import what
    only init, the screener, comparison or the OpenAPI document need (companies/urls.py)."""
    pages = ["/", "/companies/", "/companies/BHP/", "/companies/BHP/balance/"]
    report = lambda_package.invoke(
        lambda_dir, lambda_runtime, [api_gateway_event(page) for page in pages], env=lambda_env
    )
    assert [r["response"]["statusCode"] for r in report["results"]] == [200] * len(pages)
    assert report["watched_modules"] == []


def test_django_is_set_up_while_lambda_imports_the_handler(
    loaded_site, lambda_dir, lambda_runtime, lambda_env
):
    """Lambda's init phase (the handler's import) runs with more CPU than a request: Django's
    setup, the URLconf and the templates happen there, not in the first request."""
    report = lambda_package.invoke(
        lambda_dir, lambda_runtime, [api_gateway_event("/")], env=lambda_env
    )
    assert report["ready_on_import"]
    assert report["results"][0]["response"]["statusCode"] == 200


def test_scheduled_refresh_fetches_statements_through_the_packaged_handler(
    loaded_site, lambda_dir, lambda_runtime, lambda_env, tmp_path
):
    """The refresh rule's event runs refresh_companies inside the package, through yfinance,
    against the fake Yahoo; the company API then reports the refresh and serves statements."""
    from tests.fakes import FakeYahoo

    with FakeYahoo(companies={}, any_symbol=True) as fake:
        report = lambda_package.invoke(
            lambda_dir,
            lambda_runtime,
            [
                scheduled_event("companies.jobs.refresh_companies"),
                api_gateway_event("/api/companies/14D/"),
                api_gateway_event("/api/companies/14D/statements/income/"),
            ],
            env={
                **lambda_env,
                "YAHOO_BASE_URL": fake.base_url,
                "YAHOO_REQUESTS_PER_SECOND": "200",
                "YAHOO_CACHE_DIR": str(tmp_path / "yfinance"),
                "REFRESH_BATCH": "3",
            },
        )
        fetched = {seen.symbol for seen in fake.seen if seen.symbol}
    refresh, company, statement = report["results"]
    assert "error" not in refresh, refresh.get("traceback")
    assert len(fetched) == 3 and "14D.AX" in fetched  # the batch: never-fetched first
    assert re.search(r"refresh_run companies=3 ok=3", report["stderr"] + report["stdout"])
    assert json.loads(company["response"]["body"])["refresh"]["last_outcome"] == "ok"
    items = json.loads(statement["response"]["body"])["items"]
    assert any(item["key"] == "TotalRevenue" and item["values"][0] for item in items)


def test_scheduled_prices_refresh_runs_through_the_packaged_handler(
    loaded_site, lambda_dir, lambda_runtime, lambda_env, tmp_path
):
    """The prices rule's event runs refresh_prices inside the package against the fake Yahoo's
    chart endpoint; the company's price API then serves the bars it stored."""
    from tests.fakes import FakeYahoo

    with FakeYahoo(companies={}, any_symbol=True) as fake:
        report = lambda_package.invoke(
            lambda_dir,
            lambda_runtime,
            [
                scheduled_event("companies.jobs.refresh_prices"),
                api_gateway_event("/api/companies/14D/prices/"),
            ],
            env={
                **lambda_env,
                "YAHOO_BASE_URL": fake.base_url,
                "YAHOO_REQUESTS_PER_SECOND": "200",
                "YAHOO_CACHE_DIR": str(tmp_path / "yfinance"),
                "PRICES_BATCH": "2",
            },
        )
        charted = {seen.symbol for seen in fake.seen if seen.endpoint == "chart"}
    refresh, prices = report["results"]
    assert "error" not in refresh, refresh.get("traceback")
    assert "14D.AX" in charted
    assert re.search(r"prices_run companies=2 ok=2", report["stderr"] + report["stdout"])
    payload = json.loads(prices["response"]["body"])
    assert payload["interval"] == "1d" and len(payload["prices"]) > 200
