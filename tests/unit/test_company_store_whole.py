"""A company's update lands whole or not at all (services.company_fundamentals_store): the
periods, the sample deletions and the company item are one transaction, on moto."""

import datetime

import pytest
from moto.dynamodb.exceptions import TransactionCanceledException
from moto.dynamodb.models import DynamoDBBackend
from pynamodb.exceptions import TransactWriteError, UpdateError

from companies import models, services
from companies.models import Company, Statement
from tests import factories

YEARS = factories.year_ends(3)
LATER = factories.NOW + datetime.timedelta(days=1)


def periods(ticker: str) -> dict[str, Statement]:
    return {s.record: s for s in Statement.query(ticker, Statement.record.startswith("STMT#"))}


def fetch(base: int):
    return factories.fundamentals(
        revenues={end: base + n for n, end in enumerate(YEARS)},
        half_year_revenues={datetime.date(2026, 12, 31): base},
    )


@pytest.fixture
def bhp(moto_table):
    factories.load_directory(("BHP", "BHP GROUP LIMITED"))
    factories.store("BHP", fetch(60_000_000_000))
    return Company.get("BHP", "COMPANY")


def test_a_company_not_in_the_directory_gets_nothing(moto_table):
    factories.load_directory(("BHP", "BHP GROUP LIMITED"))
    with pytest.raises(UpdateError, match="ZZZZ is not in the directory"):
        factories.store("ZZZZ", fetch(1_000))
    assert periods("ZZZZ") == {}  # before, its periods were written and then the update refused


def test_a_cancelled_transaction_leaves_the_previous_fetch_whole(bhp, monkeypatch, settings):
    before = {record: item.values for record, item in periods("BHP").items()}
    sleeps = []
    monkeypatch.setattr(services.write_backoff, "sleep", sleeps.append)

    def throttled(backend, transact_items):  # DynamoDB cancels it: an item was throttled
        reasons = [(None, None, None)] * len(transact_items)
        reasons[0] = ("ThrottlingError", "Throughput exceeds the current capacity.", None)
        raise TransactionCanceledException(reasons)

    monkeypatch.setattr(DynamoDBBackend, "transact_write_items", throttled)
    with pytest.raises(TransactWriteError):
        factories.store("BHP", fetch(70_000_000_000), fetched_at=LATER)

    assert len(sleeps) == settings.DYNAMODB_MAX_ATTEMPTS - 1  # retried with backoff
    company = Company.get("BHP", "COMPANY")
    assert company.last_updated == bhp.last_updated
    stored = periods("BHP")
    assert {record: item.values for record, item in stored.items()} == before
    assert {item.fetched for item in stored.values()} == {bhp.last_updated}


def test_a_landed_fetch_is_every_period_and_the_company_at_once(bhp):
    calls = []
    for model in models.ALL_MODELS:
        model._get_connection().connection.client.meta.events.register(
            "before-call.dynamodb", lambda model, **kwargs: calls.append(model.name)
        )
    factories.store("BHP", fetch(70_000_000_000), fetched_at=LATER)

    writes = [c for c in calls if c not in ("Query", "GetItem")]
    assert writes[0] == "TransactWriteItems" and "BatchWriteItem" not in writes
    assert {item.fetched for item in periods("BHP").values()} == {LATER}
    assert Company.get("BHP", "COMPANY").last_updated == LATER


def test_more_periods_than_a_transaction_holds_are_written_in_steps(bhp, monkeypatch, caplog):
    monkeypatch.setattr(services, "TRANSACTION_ITEMS", 5)
    factories.store("BHP", fetch(70_000_000_000), fetched_at=LATER)
    assert "company_store_not_whole ticker=BHP" in caplog.text
    assert {item.fetched for item in periods("BHP").values()} == {LATER}
    assert Company.get("BHP", "COMPANY").last_updated == LATER
