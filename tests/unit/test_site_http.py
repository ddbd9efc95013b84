"""HTTP at the edges of the site: which methods each URL answers, a write to a URL without its
slash, the 400 page for requests Django refuses (without a DynamoDB read), and HSTS preload."""

import json
import logging
import os
import runpy
from pathlib import Path
from unittest import mock

import pytest

from companies import services
from tests.directories import small_directory

ROOT = Path(__file__).resolve().parents[2]
READ_ONLY_URLS = [
    "/",
    "/companies/",
    "/companies/T01/",
    "/companies/T01/income/",
    "/companies/T01/income.csv",
    "/companies/T01/prices.json",
    "/search/?q=t01",
    "/api/companies/",
    "/api/companies/T01/",
    "/api/companies/T01/prices/",
]
WRITE_METHODS = ["POST", "PUT", "PATCH", "DELETE", "TRACE", "OPTIONS"]


@pytest.fixture
def no_dynamodb():
    """Fails the test on any AWS call (DynamoDB included)."""
    with mock.patch(
        "botocore.client.BaseClient._make_api_call",
        side_effect=AssertionError("an AWS call was made"),
    ) as call:
        yield call


@pytest.fixture
def directory(moto_table):
    services.directory_load(directory=small_directory(5))


# --- methods ---------------------------------------------------------------------------------


@pytest.mark.parametrize("method", WRITE_METHODS)
@pytest.mark.parametrize("url", READ_ONLY_URLS)
def test_read_only_urls_answer_other_methods_with_405(client, no_dynamodb, url, method):
    response = client.generic(method, url)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response.content.decode() == "This address answers GET and HEAD only.\n"


@pytest.mark.parametrize("url", ["/", "/companies/", "/companies/T01/", "/api/companies/"])
def test_read_only_urls_still_answer_get_and_head(client, directory, url):
    assert client.get(url).status_code == 200
    head = client.head(url)
    assert head.status_code == 200 and head.content == b""


@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "DELETE", "TRACE", "OPTIONS"])
def test_init_answers_post_only(client, no_dynamodb, method):
    response = client.generic(method, "/init/")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    if method != "HEAD":
        assert response.content.decode() == "This address answers POST only.\n"


def test_unknown_urls_stay_404_whatever_the_method(client, directory):
    assert client.generic("PUT", "/no-such-page/").status_code == 404


# --- a write to a URL without its slash ------------------------------------------------------


@pytest.mark.parametrize("debug", [True, False])
def test_post_without_the_slash_is_redirected_with_method_and_body(client, settings, debug):
    settings.DEBUG = debug
    response = client.post("/init", "not json", content_type="application/json")
    assert response.status_code == 308
    assert response["Location"] == "/init/"
    followed = client.post("/init", "not json", content_type="application/json", follow=True)
    assert followed.redirect_chain == [("/init/", 308)]
    assert followed.status_code == 403  # the body arrived, and is not a proof


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_other_writes_without_the_slash_are_405(client, settings, no_dynamodb, debug, method):
    settings.DEBUG = debug
    response = client.generic(method, "/companies")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


def test_a_slashless_redirect_never_leaves_the_site(client, directory):
    for path in ("//init", "///init", "/\\init"):
        response = client.post(path, "{}", content_type="application/json")
        assert not response.get("Location", "").startswith(("//", "/\\")), path


# --- the 400 page ------------------------------------------------------------------------------


def _security_records(caplog, name: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == f"django.security.{name}"]


def test_a_bad_host_gets_the_site_400_page_and_one_warning(client, no_dynamodb, caplog):
    response = client.get("/companies/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert [t.name for t in response.templates][:2] == ["400.html", "base.html"]
    body = response.content.decode()
    assert "This site does not answer to the host name the request was sent to." in body
    assert 'role="search"' in body  # the site's own page, with its header
    assert "evil.example" not in body
    [record] = _security_records(caplog, "DisallowedHost")
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert "evil.example" in record.getMessage() and "\n" not in record.getMessage()
    assert "Traceback" not in caplog.text
    assert not no_dynamodb.called


def test_too_many_query_parameters_get_the_site_400_page(client, no_dynamodb, caplog):
    query = "&".join(f"p{i}=1" for i in range(1001))  # DATA_UPLOAD_MAX_NUMBER_FIELDS is 1000
    response = client.get(f"/companies/?{query}")
    assert response.status_code == 400
    assert "more parameters than any page here takes" in response.content.decode()
    [record] = _security_records(caplog, "TooManyFieldsSent")
    assert record.levelno == logging.WARNING and record.exc_info is None


def test_an_oversized_body_gets_the_site_400_page(client, settings, no_dynamodb, caplog):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = client.post("/init/", json.dumps({"x": "y" * 200}), content_type="application/json")
    assert response.status_code == 400
    assert "request body is larger than this site accepts" in response.content.decode()
    [record] = _security_records(caplog, "RequestDataTooBig")
    assert record.levelno == logging.WARNING and record.exc_info is None


# --- HSTS preload --------------------------------------------------------------------------------


def _settings_with(**env) -> dict:
    """asxdb_site/settings.py evaluated afresh with `env` (None: unset), as on Lambda: no .env
    file is read, and the process environment is left as it was."""
    with mock.patch.dict(os.environ), mock.patch("environ.Env.read_env"):
        for name, value in env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        return runpy.run_path(str(ROOT / "asxdb_site" / "settings.py"))


def test_hsts_preload_is_off_unless_an_operator_turns_it_on():
    unset = _settings_with(DJANGO_SECURE_HSTS_PRELOAD=None)
    assert unset["SECURE_HSTS_PRELOAD"] is False
    opted_in = _settings_with(DJANGO_SECURE_HSTS_PRELOAD="true")
    assert opted_in["SECURE_HSTS_PRELOAD"] is True
    zappa = json.loads((ROOT / "zappa_settings.json").read_text())
    for stage in zappa.values():
        assert "DJANGO_SECURE_HSTS_PRELOAD" not in stage.get("environment_variables", {})


def test_hsts_header_has_no_preload_by_default(client, settings, no_dynamodb):
    settings.SECURE_HSTS_SECONDS = 3600
    response = client.get("/init/", secure=True)  # any answer carries the header
    assert response["Strict-Transport-Security"] == "max-age=3600; includeSubDomains"
