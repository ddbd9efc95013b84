"""Shared fixtures: moto tables for unit tests, one DynamoDB Local for the integration and browser
tests (the environment itself is set by tests/environment.py before Django starts)."""

import itertools

import pytest
from django.core.cache import cache

pytest_plugins = [
    "tests.api_contract"
]  # every /api/ response is checked against the OpenAPI document

_table_names = itertools.count()


def pytest_configure(config):
    from tests.fakes import moto_transactions

    moto_transactions.install()  # moto's own copies the whole table per transaction action


@pytest.fixture(autouse=True)
def _fresh_cache():
    from companies.finding.search import forget_index

    cache.clear()
    forget_index()
    yield
    cache.clear()
    forget_index()


@pytest.fixture
def moto_table():
    """A fresh table with all its indexes in moto (in-process, fast)."""
    from moto import mock_aws

    from companies import models, services

    with mock_aws():
        models.bind_table(table_name=f"asxdb-unit-{next(_table_names)}", host=None)
        services.table_create(wait=False)
        yield models.Company.Meta.table_name


@pytest.fixture(scope="session")
def dynamodb_local_url():
    """The endpoint of one in-memory DynamoDB Local for the whole run."""
    from devtools.dynamodb_local import running

    with running() as url:
        yield url


@pytest.fixture
def local_table(dynamodb_local_url):
    """A fresh table on DynamoDB Local, dropped afterwards."""
    from companies import models, services

    models.bind_table(table_name=f"asxdb-int-{next(_table_names)}", host=dynamodb_local_url)
    services.table_create(wait=True)
    yield models.Company.Meta.table_name
    models.Company.delete_table()


@pytest.fixture(scope="module")
def fake_yahoo():
    """The fake Yahoo (tests/fakes) on 127.0.0.1, one per test module."""
    from tests.fakes import FakeYahoo

    with FakeYahoo() as fake:
        yield fake


@pytest.fixture(scope="module")
def yahoo(fake_yahoo, tmp_path_factory):
    """The production YahooClient pointed at `fake_yahoo`, without the real rate limit."""
    from scraping.yahoo import YahooClient

    client = YahooClient(
        base_url=fake_yahoo.base_url,
        requests_per_second=500,
        timeout=15,  # the fake answers at once; a busy machine may not
        cache_dir=tmp_path_factory.mktemp("yf"),
        pause_on_429=0.05,
        max_pause_on_429=0.2,
    )
    yield client
    client.close()
