"""Sample data never stands beside real data: a company's first real fetch replaces the bundled
sample periods (services.company_fundamentals_store), on moto."""

import datetime

import pytest
from django.core.management import call_command

from companies import models
from companies.models import SAMPLE_SOURCE, Company, Statement
from tests import factories

REAL_YEARS = factories.year_ends(3)  # 30 Jun 2026, 2025, 2024: the sample has 2021-2025


def statements(ticker: str) -> dict[str, Statement]:
    return {s.record: s for s in Statement.query(ticker, Statement.record.startswith("STMT#"))}


def real(*years: datetime.date, **kwargs):
    return factories.fundamentals(
        revenues={end: 60_000_000_000 + n for n, end in enumerate(years)}, **kwargs
    )


@pytest.fixture
def sample_site(moto_table, capsys):
    """The offline site: the sample directory, filled with the bundled sample statements."""
    call_command("init_companies", sample=True)
    call_command("load_sample_fundamentals")
    capsys.readouterr()
    assert Company.get("BHP", "COMPANY").data_source == SAMPLE_SOURCE


@pytest.fixture
def dynamodb_calls():
    """Every DynamoDB operation the models make from here on, by name."""
    calls = []

    def count(model, **kwargs):
        calls.append(model.name)

    for model in models.ALL_MODELS:
        model._get_connection().connection.client.meta.events.register(
            "before-call.dynamodb", count
        )
    return calls


def test_first_real_fetch_removes_every_sample_period(sample_site):
    sample = statements("BHP")
    sample_ends = {s.period_end for s in sample.values()}
    assert {"2021-06-30", "2022-06-30", "2023-06-30"} <= sample_ends  # not in the real fetch
    assert any(s.period_type == "ttm" for s in sample.values())  # nor is a trailing period

    factories.store("BHP", real(*REAL_YEARS))

    after = statements("BHP")
    assert {s.source for s in after.values()} == {"yahoo"}
    assert {s.period_end for s in after.values()} == {end.isoformat() for end in REAL_YEARS}
    assert not any(s.period_type == "ttm" for s in after.values())
    assert Company.get("BHP", "COMPANY").data_source == "yahoo"
    other = statements("CBA")  # another sample company is not touched
    assert other and {s.source for s in other.values()} == {SAMPLE_SOURCE}


def test_no_sample_figure_survives_in_a_period_the_real_fetch_returned(sample_site):
    end = datetime.date(2025, 6, 30)
    record = Statement.record_key(period_type="annual", statement="income", end=end.isoformat())
    assert statements("BHP")[record].values.get("GrossProfit") is not None  # a sample figure

    factories.store("BHP", real(end, missing={("income", end): {"GrossProfit"}}))

    stored = statements("BHP")[record]
    assert stored.source == "yahoo"
    assert "GrossProfit" not in stored.values


def test_a_real_period_is_never_deleted(sample_site):
    old_real = datetime.date(2016, 6, 30)
    factories.store("BHP", real(old_real))  # a real period beside sample ones (a failed delete)
    record = Statement.record_key(
        period_type="annual", statement="income", end=old_real.isoformat()
    )

    factories.store("BHP", real(*REAL_YEARS))

    after = statements("BHP")
    assert after[record].source == "yahoo"
    assert after[record].values["TotalRevenue"] == 60_000_000_000
    assert {s.source for s in after.values()} == {"yahoo"}


def test_a_sample_period_that_turned_real_meanwhile_is_kept(sample_site, monkeypatch):
    end = "2021-06-30"
    record = Statement.record_key(period_type="annual", statement="income", end=end)
    query = Statement.query

    def query_then_a_concurrent_real_write(*args, **kwargs):
        items = list(query(*args, **kwargs))  # the fetch's one Query: the period is sample
        Statement(
            "BHP",
            record,
            statement="income",
            period_type="annual",
            period_end=end,
            months=12,
            currency="USD",
            values={"TotalRevenue": 1},
            fetched=factories.NOW,
            source="yahoo",
        ).save()
        return items

    monkeypatch.setattr(Statement, "query", query_then_a_concurrent_real_write)
    factories.store("BHP", real(*REAL_YEARS))
    monkeypatch.undo()

    after = statements("BHP")
    assert after[record].source == "yahoo" and after[record].values == {"TotalRevenue": 1}
    assert {s.source for s in after.values()} == {"yahoo"}


def test_only_the_first_real_fetch_deletes(sample_site, dynamodb_calls):
    sample = statements("BHP")
    written = {
        Statement.record_key(
            period_type=p.period_type, statement=p.statement, end=p.end.isoformat()
        )
        for p in real(*REAL_YEARS).periods
    }
    dynamodb_calls.clear()

    assert set(sample) - written
    factories.store("BHP", real(*REAL_YEARS))
    # deleted in the same transaction as the real periods and the company land
    assert dynamodb_calls.count("TransactWriteItems") == 1
    assert "DeleteItem" not in dynamodb_calls
    assert set(statements("BHP")) == written

    dynamodb_calls.clear()
    factories.store("BHP", real(*REAL_YEARS, datetime.date(2023, 6, 30)))
    assert "DeleteItem" not in dynamodb_calls
    # the store's own read of the periods, and the screener snapshot's of the annual statements
    assert dynamodb_calls.count("Query") == 2
    assert set(statements("BHP")) > written


def test_a_real_company_without_sample_data_costs_no_delete(moto_table, dynamodb_calls):
    factories.load_directory(("BHP", "BHP GROUP LIMITED"))
    factories.store("BHP", real(*REAL_YEARS))
    factories.store("BHP", real(datetime.date(2023, 6, 30)))
    assert "DeleteItem" not in dynamodb_calls


def test_a_sample_store_deletes_nothing(moto_table, dynamodb_calls):
    factories.load_directory(("BHP", "BHP GROUP LIMITED"))
    factories.store("BHP", real(datetime.date(2020, 6, 30)), source=SAMPLE_SOURCE)
    factories.store("BHP", real(*REAL_YEARS), source=SAMPLE_SOURCE)
    assert "DeleteItem" not in dynamodb_calls
    assert len({s.period_end for s in statements("BHP").values()}) == 4
